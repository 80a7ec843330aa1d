"""dashboard/charts/spread.py: uptake lines and the reuse timeline, checked without a browser."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import build_index, formulation_spread, reuse_lag
from analysis.index import IndexSettings
from dashboard import charts
from tests.analysis.tiny import REUSE_DOCS, SPREAD_DOCS


@pytest.fixture(scope="module")
def spread():
    index = build_index(SPREAD_DOCS, settings=IndexSettings(detect_phrases=False))
    return formulation_spread(index, None, "zero-covid")


@pytest.fixture(scope="module")
def uses():
    index = build_index(REUSE_DOCS, settings=IndexSettings(detect_phrases=False))
    return reuse_lag(index).uses


def test_plot_uptake_one_step_line_per_group_in_the_order_given(spread) -> None:
    before = spread.uptake.copy()
    fig = charts.plot_uptake(spread.uptake, groups=["Global Times", "Xinhua"], term="zero-covid")
    assert [t.name for t in fig.data] == ["Global Times", "Xinhua"]
    xinhua = fig.data[1]
    assert list(xinhua.x) == ["2022-03-01", "2022-03-09"]
    assert list(xinhua.y) == [1, 2]
    assert xinhua.line.shape == "hv"
    assert list(xinhua.marker.size) == [12, 6]  # the first use stands out
    assert [list(c) for c in xinhua.customdata] == [
        ["Xinhua", "2022-03-01", 1, 1],
        ["Xinhua", "2022-03-09", 1, 2],
    ]
    assert fig.layout.xaxis.type == "date"
    assert "zero-covid" in fig.layout.title.text
    pd.testing.assert_frame_equal(spread.uptake, before)


def test_plot_uptake_draws_the_table_order_by_default(spread) -> None:
    fig = charts.plot_uptake(spread.uptake)
    assert [t.name for t in fig.data] == ["Xinhua", "Global Times"]
    assert fig.data[0].line.color != fig.data[1].line.color  # the theme's series colours


def test_plot_reuse_lag_a_row_per_passage_a_mark_per_document(uses) -> None:
    fig = charts.plot_reuse_lag(uses)
    line, *marks = fig.data
    assert list(line.y) == ["#1", "#1", None, "#2", "#2"]
    assert list(line.x) == ["2023-12-30", "2024-01-02", None, "2024-01-01", "2024-01-11"]
    by_group = {t.name: (list(t.x), list(t.y), list(t.marker.symbol)) for t in marks}
    assert by_group == {
        "W": (["2023-12-30"], ["#1"], ["diamond"]),
        "Z": (["2024-01-02"], ["#1"], ["circle"]),
        "X": (["2024-01-01", "2024-01-11"], ["#2", "#2"], ["diamond", "circle"]),
        "Y": (["2024-01-04"], ["#2"], ["circle"]),
    }
    c = next(t for t in marks if t.name == "X").customdata[1]
    assert list(c[:6]) == [2, "reuse", "c", "X", "2024-01-11", 10]
    assert list(fig.layout.yaxis.categoryarray) == ["#1", "#2"]
    assert fig.layout.yaxis.autorange == "reversed"  # passage 1 on top
