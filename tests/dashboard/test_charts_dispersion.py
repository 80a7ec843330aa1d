"""The dispersion plot's structure, without a browser."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import charts

# Three documents by date; b has no title (its id labels it), c holds two occurrences.
PLACES = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c", "c"],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", None, None]),
        "title": ["First " + "long " * 20, "", "Third", "Third"],
        "position": [0.5, 0.0, 0.25, 0.75],
        "start": [10, 0, 4, 90],
        "end": [15, 5, 9, 95],
    }
)


def test_one_row_per_document_in_the_tables_order_a_mark_per_occurrence() -> None:
    fig = charts.plot_dispersion(PLACES)
    rules, marks = fig.data
    assert list(rules.y) == [0, 0, None, 1, 1, None, 2, 2, None]
    assert list(marks.x) == [0.5, 0.0, 0.25, 0.75]
    assert list(marks.y) == [0, 1, 2, 2]
    assert [row[:3] for row in marks.customdata] == [
        ["a", 10, 15],
        ["b", 0, 5],
        ["c", 4, 9],
        ["c", 90, 95],
    ]
    labels = list(fig.layout.yaxis.ticktext)
    assert labels[1:] == ["2024-02-01 · b", "undated · Third"]
    assert labels[0].startswith("2024-01-01 · First long")
    assert labels[0].endswith("…")
    assert len(labels[0]) <= len("2024-01-01 · ") + charts.dispersion.LABEL_TITLE
    assert list(fig.layout.yaxis.range) == [2.5, -0.5]  # the first document on top
    assert fig.layout.xaxis.tickformat == ".0%"


def test_rows_caps_the_documents_drawn() -> None:
    fig = charts.plot_dispersion(PLACES, rows=2)
    assert list(fig.data[1].y) == [0, 1]
    assert len(fig.layout.yaxis.ticktext) == 2
    assert charts.dispersion_documents(PLACES) == ["a", "b", "c"]


def test_the_table_is_left_untouched_and_rows_below_one_refused() -> None:
    before = PLACES.copy()
    charts.plot_dispersion(PLACES)
    pd.testing.assert_frame_equal(PLACES, before)
    with pytest.raises(ValueError, match="rows must be at least 1"):
        charts.plot_dispersion(PLACES, rows=0)
