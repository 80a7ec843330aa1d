from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashboard import charts
from dashboard.charts.theme import figure, trace


def _terms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": [
                "development",
                "yangtze river delta",
                "river",
                "长江",
                "integrated development",
            ],
            "kind": ["word", "phrase", "word", "word", "phrase"],
            "count": [20, 10, 12, 4, 15],
            "per_million": [2000.0, 1000.0, 1200.0, 400.0, 1500.0],
            "docs": [2, 2, 2, 1, 2],
        }
    ).sort_values("count", ascending=False, ignore_index=True)


def _periods() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2023-11-30", "2023-12-01", "2023-12-03"]),
            "documents": [1, 0, 1],
            "tokens": [310, 0, 360],
        }
    )


def test_plot_terms_one_trace_per_kind_in_the_legend() -> None:
    fig = charts.plot_terms(_terms(), top=5)
    assert [trace.name for trace in fig.data] == ["word", "phrase"]
    assert fig.layout.showlegend is True
    phrases = fig.data[1]
    assert list(phrases.y) == ["integrated development", "yangtze river delta"]
    assert list(phrases.x) == [15, 10]


def test_plot_terms_draws_the_top_rows_first_at_the_top() -> None:
    fig = charts.plot_terms(_terms(), top=3)
    drawn = [term for trace in fig.data for term in trace.y]
    assert sorted(drawn) == sorted(["development", "integrated development", "river"])
    # plotly draws the first category at the bottom, so the order is reversed.
    assert list(fig.layout.yaxis.categoryarray) == [
        "river",
        "integrated development",
        "development",
    ]


def test_plot_terms_carries_the_term_for_click_through() -> None:
    fig = charts.plot_terms(_terms(), top=5)
    assert [row[0] for row in fig.data[1].customdata] == list(fig.data[1].y)


def test_plot_terms_measures_per_million_when_asked() -> None:
    fig = charts.plot_terms(_terms(), top=5, value="per_million")
    assert max(fig.data[0].x) == 2000.0
    assert "per million" in fig.layout.xaxis.title.text


def test_plot_terms_leaves_the_table_untouched() -> None:
    table = _terms()
    before = table.copy()
    charts.plot_terms(table, top=2)
    pd.testing.assert_frame_equal(table, before)


def test_plot_terms_rejects_top_below_one() -> None:
    with pytest.raises(ValueError, match="top must be at least 1"):
        charts.plot_terms(_terms(), top=0)


def test_plot_terms_uses_the_explicit_template_even_after_importing_streamlit() -> None:
    import streamlit  # noqa: F401  (importing it changes plotly's default template)

    fig = charts.plot_terms(_terms())
    expected = pio.templates[charts.TEMPLATE].layout.to_plotly_json()
    assert fig.layout.template.layout.to_plotly_json() == expected


def test_plot_documents_per_period_bars_match_the_table() -> None:
    table = _periods()
    before = table.copy()
    fig = charts.plot_documents_per_period(table, freq="day")
    assert list(fig.data[0].x) == ["2023-11-30", "2023-12-01", "2023-12-03"]
    assert list(fig.data[0].y) == [1, 0, 1]
    assert [row[0] for row in fig.data[0].customdata] == [
        "2023-11-30",
        "2023-12-01",
        "2023-12-03",
    ]
    assert [row[1] for row in fig.data[0].customdata] == [310, 0, 360]
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.dtick == 86_400_000  # one tick a day, not every 12 hours
    assert fig.layout.yaxis.dtick == 1
    assert fig.layout.title.text == "Documents per day"
    pd.testing.assert_frame_equal(table, before)


@pytest.mark.parametrize(
    ("freq", "label"),
    [
        ("day", "2023-11-27"),
        ("week", "2023-11-27"),
        ("month", "2023-11"),
        ("quarter", "2023 Q4"),
        ("year", "2023"),
    ],
)
def test_period_label_names_the_period(freq: str, label: str) -> None:
    assert charts.period_label(pd.Timestamp("2023-11-27"), freq) == label


def test_build_wordcloud_keeps_phrases_whole() -> None:
    cloud = charts.build_wordcloud(
        {"yangtze river delta": 10.0, "integrated development": 8.0, "river": 3.0},
        font_path=None,
    )
    placed = {word for (word, _), *_ in cloud.layout_}
    assert placed == {"yangtze river delta", "integrated development", "river"}


def test_render_wordcloud_draws_chinese_with_a_cjk_font(cjk_font_path: str) -> None:
    image = charts.render_wordcloud({"长江三角洲": 5.0, "一体化": 3.0}, font_path=cjk_font_path)
    assert image.size == (900, 450)
    assert image.convert("L").getextrema()[0] < 200  # something was drawn


def test_render_wordcloud_rejects_an_empty_table() -> None:
    with pytest.raises(ValueError, match="No term to draw"):
        charts.render_wordcloud({}, font_path=None)


def _trends() -> pd.DataFrame:
    periods = pd.to_datetime(["2023-11-30", "2023-12-01", "2023-12-02", "2023-12-03"])
    rows = []
    for term, counts in (("yangtze river delta", [3, 0, 0, 7]), ("innovation", [1, 0, 0, 2])):
        for period, count, tokens, docs in zip(
            periods, counts, [1000, 0, 0, 1200], [1, 0, 0, 1], strict=True
        ):
            rows.append(
                {
                    "period": period,
                    "term": term,
                    "count": count,
                    # As term_trends gives them: no tokens, no rate; no documents, no share.
                    "per_million": count / tokens * 1e6 if tokens else math.nan,
                    "doc_share": (1.0 if count else 0.0) if docs else math.nan,
                    "docs": 1 if count else 0,
                    "period_tokens": tokens,
                    "period_docs": docs,
                    "thin": tokens < 1000,
                }
            )
    return pd.DataFrame(rows)


def test_plot_trends_one_trace_per_term_on_a_date_axis() -> None:
    fig = charts.plot_trends(_trends(), value="count", by="day")
    assert [trace.name for trace in fig.data] == ["yangtze river delta", "innovation"]
    delta = fig.data[0]
    assert list(delta.x) == ["2023-11-30", "2023-12-01", "2023-12-02", "2023-12-03"]
    assert list(delta.y) == [3, 0, 0, 7]
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.clickmode == "event+select"


def test_plot_trends_hover_carries_period_tokens_and_documents() -> None:
    fig = charts.plot_trends(_trends(), by="day")
    delta = fig.data[0]
    assert "period tokens" in delta.hovertemplate
    assert "period documents" in delta.hovertemplate
    first = delta.customdata[0]
    assert first[0] == "yangtze river delta"
    assert first[5] == 1000  # period_tokens
    assert first[6] == 1  # period_docs
    assert first[8] == "2023-11-30"  # the period, for the click-through
    assert list(delta.y) == [3000.0, None, None, 7000.0 / 1.2]


@pytest.mark.parametrize("value", ["per_million", "doc_share"])
def test_plot_trends_leaves_a_gap_where_a_period_has_no_documents(value: str) -> None:
    fig = charts.plot_trends(_trends(), value=value, by="day")
    # 2023-12-01 and -02 hold no document: no rate, so no point and no line through 0.
    assert [y is None for y in fig.data[0].y] == [False, True, True, False]
    assert fig.data[0].connectgaps is False
    assert [row[3 if value == "per_million" else 4] for row in fig.data[0].customdata][1:3] == [
        None,
        None,
    ]
    # Counts are true zeros there.
    assert list(charts.plot_trends(_trends(), value="count", by="day").data[0].y) == [3, 0, 0, 7]


def test_plot_trends_smoothed_gap_stays_a_gap() -> None:
    table = _trends().assign(smoothed=[1.5, math.nan, math.nan, 2.0] * 2)
    assert list(charts.plot_trends(table, by="day").data[0].y) == [1.5, None, None, 2.0]


def test_plot_trends_marks_thin_periods() -> None:
    fig = charts.plot_trends(_trends(), by="day")
    assert list(fig.data[0].marker.symbol) == ["circle", "circle-open", "circle-open", "circle"]
    assert [row[7] for row in fig.data[0].customdata] == ["no", "yes", "yes", "no"]


def test_plot_trends_draws_the_smoothed_column_when_present() -> None:
    table = _trends().assign(smoothed=1.5)
    fig = charts.plot_trends(table, by="day")
    assert set(fig.data[0].y) == {1.5}
    assert "moving average" in fig.layout.title.text
    # The moving average is of the rate per million; raw counts are drawn raw.
    assert list(charts.plot_trends(table, value="count", by="day").data[0].y) == [3, 0, 0, 7]


def test_plot_trends_draws_the_moving_average_of_every_measure() -> None:
    table = _trends().assign(smoothed=1.5, smoothed_doc_share=0.25, smoothed_count=2.0)
    assert set(charts.plot_trends(table, value="count", by="day").data[0].y) == {2.0}
    shares = charts.plot_trends(table, value="doc_share", by="day")
    assert set(shares.data[0].y) == {0.25}
    assert "moving average" in shares.layout.title.text


def test_plot_trends_leaves_the_table_untouched() -> None:
    table = _trends()
    before = table.copy()
    charts.plot_trends(table, value="doc_share", by="week")
    pd.testing.assert_frame_equal(table, before)


def test_plot_trends_rejects_an_unknown_measure() -> None:
    with pytest.raises(ValueError, match="value must be one of"):
        charts.plot_trends(_trends(), value="tfidf")


def test_plot_topic_timeline_one_trace_per_topic_with_its_label() -> None:
    table = pd.DataFrame(
        {
            "period": pd.to_datetime(["2023-11-30", "2023-12-03"] * 2),
            "topic": [0, 0, 1, 1],
            "label": ["river, delta", "river, delta", "trade, port", "trade, port"],
            "share": [0.75, 0.25, 0.25, 0.75],
            "passages": [3, 1, 1, 3],
        }
    )
    before = table.copy()
    fig = charts.plot_topic_timeline(table, by="day")
    assert [trace.name for trace in fig.data] == ["river, delta", "trade, port"]
    assert list(fig.data[1].y) == [0.25, 0.75]
    assert fig.data[1].customdata[1][0] == 1  # the topic id, for the click-through
    assert fig.data[1].customdata[1][3] == "2023-12-03"
    assert fig.layout.xaxis.type == "date"
    pd.testing.assert_frame_equal(table, before)


@pytest.mark.parametrize(
    ("freq", "labels"),
    [
        ("year", ["1789", "1899", "1900", "2023", "2024", "2024"]),
        ("quarter", ["1789 Q1", "1899 Q4", "1900 Q1", "2023 Q4", "2024 Q1", "2024 Q4"]),
        ("month", ["1789-03", "1899-12", "1900-01", "2023-11", "2024-02", "2024-12"]),
        ("week", ["1789-03-04", "1899-12-31", "1900-01-01", "2023-11-30", "2024-02-29",
                  "2024-12-30"]),
        ("day", ["1789-03-04", "1899-12-31", "1900-01-01", "2023-11-30", "2024-02-29",
                 "2024-12-30"]),
    ],
)  # fmt: skip
def test_period_labels_name_each_start(freq: str, labels: list[str]) -> None:
    from dashboard.charts.periods import period_labels

    starts = pd.DatetimeIndex(
        ["1789-03-04", "1899-12-31", "1900-01-01", "2023-11-30", "2024-02-29", "2024-12-30"]
    )
    assert period_labels(starts, freq) == labels


def test_period_labels_name_a_decade_by_its_first_year() -> None:
    from dashboard.charts.periods import period_labels

    starts = pd.DatetimeIndex(["1780-01-01", "1900-01-01", "2020-01-01"])
    assert period_labels(starts, "decade") == ["1780s", "1900s", "2020s"]
    assert charts.period_label(starts[1], "decade") == "1900s"


def test_plot_topic_timeline_points_of_an_unsorted_table_by_quarter() -> None:
    table = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-04-01", "2023-10-01", "2024-01-01"] * 2),
            "topic": [1, 1, 1, 0, 0, 0],
            "label": ["b"] * 3 + ["a <i>"] * 3,
            "share": [0.5, 0.25, math.nan, 0.5, 0.75, math.nan],
            "passages": [2, 4, 0, 2, 4, 0],
        }
    )
    fig = charts.plot_topic_timeline(table, by="quarter")
    assert [trace.name for trace in fig.data] == ["a &lt;i&gt;", "b"]
    assert list(fig.data[0].x) == ["2023-10-01", "2024-01-01", "2024-04-01"]
    assert [list(point) for point in fig.data[0].customdata] == [
        [0, "2023 Q4", 4, "2023-10-01"],
        [0, "2024 Q1", 0, "2024-01-01"],
        [0, "2024 Q2", 2, "2024-04-01"],
    ]
    assert list(fig.data[0].y) == [0.75, None, 0.5]
    assert list(fig.data[1].y) == [0.25, None, 0.5]
    # the hover reads the label from the (escaped) trace name and the share from y
    assert "%{fullData.name}" in fig.data[0].hovertemplate
    assert "%{y:.1%}" in fig.data[0].hovertemplate


def _timeline(k: int) -> pd.DataFrame:
    periods = pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"])
    rows = [
        {
            "period": period,
            "topic": topic,
            "label": f"topic {topic} words",
            # 2021 has no passage: no share (as topics_over_time gives it).
            "share": math.nan if period.year == 2021 else 1 / k,
            "passages": 0 if period.year == 2021 else 5,
        }
        for period in periods
        for topic in range(k)
    ]
    return pd.DataFrame(rows)


def test_plot_topic_timeline_gives_twelve_topics_twelve_colours() -> None:
    fig = charts.plot_topic_timeline(_timeline(12), by="year")
    colours = [trace.line.color for trace in fig.data]
    assert len(fig.data) == 12
    assert len(set(colours)) == 12
    assert set(colours) <= set(charts.SERIES_COLORS)


def test_plot_topic_timeline_past_the_palette_tells_series_apart_by_dash() -> None:
    fig = charts.plot_topic_timeline(_timeline(30), by="year")
    styles = {(trace.line.color, trace.line.dash) for trace in fig.data}
    assert len(styles) == 30


def test_plot_topic_timeline_leaves_a_gap_for_a_period_without_passages() -> None:
    fig = charts.plot_topic_timeline(_timeline(3), by="year")
    assert list(fig.data[0].y) == pytest.approx([1 / 3, None, 1 / 3])
    assert fig.data[0].y[1] is None
    assert fig.data[0].connectgaps is False


def _legend_clear_of_title(fig: go.Figure) -> None:
    legend = fig.layout.legend
    # Outside the plot on its right, its top at the plot's top: below the title's band.
    assert legend.orientation == "v"
    assert legend.x >= 1
    assert legend.xanchor == "left"
    assert legend.y <= 1
    assert legend.yanchor == "top"
    assert fig.layout.title.x == 0
    assert fig.layout.title.xanchor == "left"


def test_no_legend_overlaps_its_title() -> None:
    figures = [
        charts.plot_topic_timeline(_timeline(12), by="year"),
        charts.plot_trends(_trends(), by="day"),
        charts.plot_terms(_terms()),
        charts.plot_keyness_bars(_keyness(), top=3),
        charts.plot_keyness_scatter(_keyness(), size_a=1000, size_b=2000),
    ]
    for fig in figures:
        assert fig.layout.showlegend is not False
        _legend_clear_of_title(fig)


def test_every_builder_keeps_the_legend_clear_of_the_title_and_lines_apart() -> None:
    from tests.dashboard.test_escape import _figures  # one figure of every plot_ builder

    for fig in _figures():
        _legend_clear_of_title(fig)
        lines = [
            (trace.line.color, trace.line.dash)
            for trace in fig.data
            if trace.type == "scatter"
            and "lines" in (trace.mode or "")
            and trace.showlegend is not False
        ]
        assert len(set(lines)) == len(lines), fig.layout.title.text


def test_plot_collocates_draws_the_first_row_at_the_top() -> None:
    table = pd.DataFrame(
        {"term": ["delta", "integration"], "count": [7, 4], "ll": [30.5, 12.0], "mi": [5.1, 3.2]}
    )
    fig = charts.plot_collocates(table, top=5)
    assert list(fig.data[0].y) == ["delta", "integration"]
    assert list(fig.layout.yaxis.categoryarray) == ["integration", "delta"]


# Compare (issue 4)


def _similarity() -> pd.DataFrame:
    ids = ["a", "b", "c"]
    return pd.DataFrame([[1.0, 0.8, 0.1], [0.8, 1.0, 0.2], [0.1, 0.2, 1.0]], index=ids, columns=ids)


def _keyness() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": ["xinhua", "bbc", "river", "delta", "trade"],
            "kind": ["word"] * 5,
            "count_a": [40, 0, 10, 12, 5],
            "count_b": [1, 30, 2, 10, 6],
            "ll": [50.0, 45.0, 6.0, 0.4, 0.1],
            "p": [1e-12, 1e-10, 0.014, 0.53, 0.75],
            "log_ratio": [5.3, -6.0, 2.3, 0.3, -0.3],
            "docs_a": [4, 0, 3, 3, 2],
            "docs_b": [1, 5, 1, 3, 2],
            "significant": [True, True, True, False, False],
        }
    )


def test_plot_similarity_heatmap_draws_the_matrix_in_its_order_with_labels() -> None:
    sim = _similarity()
    before = sim.copy()
    fig = charts.plot_similarity_heatmap(sim, labels={"a": "Doc A"})
    (heat,) = fig.data
    assert heat.type == "heatmap"
    assert [list(row) for row in heat.z] == sim.to_numpy().tolist()
    assert list(heat.x) == ["Doc A", "b", "c"]
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)
    assert list(heat.customdata[0][1]) == ["a", "b"]  # ids in the hover, whatever the label
    template = pio.templates[charts.TEMPLATE].layout.to_plotly_json()
    assert fig.layout.template.layout.to_plotly_json() == template
    pd.testing.assert_frame_equal(sim, before)


def _addresses(n: int) -> pd.DataFrame:
    """``n`` State of the Union addresses as the sample has them: one source for all."""
    presidents = ["Abraham Lincoln", "Ulysses S. Grant", "Franklin D. Roosevelt"]
    return pd.DataFrame(
        {
            "doc_id": [f"sotu-{1861 + i}" for i in range(n)],
            "date": pd.to_datetime([f"{1861 + i}-12-03" for i in range(n)]),
            "date_precision": ["day"] * n,
            "title": [
                f"Annual Message to Congress (written), {presidents[i % 3]} ({1861 + i})"
                for i in range(n)
            ],
            "source": ["American Presidency Project (UCSB)"] * n,
            "speaker": [presidents[i % 3] for i in range(n)],
        }
    )


def test_doc_labels_name_the_speaker_when_every_source_is_alike() -> None:
    labels = charts.doc_labels(_addresses(3))
    assert labels == {
        "sotu-1861": "Abraham Lincoln 1861-12-03",
        "sotu-1862": "Ulysses S. Grant 1862-12-03",
        "sotu-1863": "Franklin D. Roosevelt 1863-12-03",
    }


def test_doc_labels_use_the_source_and_the_known_precision_of_the_date() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["x1", "x2", "x3", "x4"],
            "date": pd.to_datetime(["2022-01-01", "2022-03-01", "2022-03-05", None]),
            "date_precision": ["year", "month", "day", None],
            "title": ["a", "b", "c", "d"],
            "source": ["Xinhua", "BBC News", "A very long source name that goes on", "BBC News"],
        }
    )
    assert charts.doc_labels(docs) == {
        "x1": "Xinhua 2022",
        "x2": "BBC News 2022-03",
        "x3": "A very long source name tha… 2022-03-05",
        "x4": "BBC News undated",
    }
    assert len(charts.doc_labels(docs)["x3"].split(" 2022")[0]) == charts.LABEL_CHARS


def test_doc_labels_tell_alike_labels_apart_and_fall_back_to_titles() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "date": pd.to_datetime(["2023-11-30", "2023-11-30", "2023-12-03"]),
            "title": ["Delta plan", "Delta plan", "Trade"],
            "source": ["", "", ""],
        }
    )
    assert charts.doc_labels(docs) == {
        "a": "Delta plan 2023-11-30",
        "b": "Delta plan 2023-11-30 #2",
        "c": "Trade 2023-12-03",
    }


def test_plot_similarity_heatmap_of_thirteen_documents_labels_every_row() -> None:
    docs = _addresses(13)
    ids = docs["doc_id"].tolist()
    sim = pd.DataFrame(np.eye(13), index=ids, columns=ids)
    labels = charts.doc_labels(docs)
    fig = charts.plot_similarity_heatmap(sim, labels=labels)
    # Every document has its label (the president's name first), none skipped for space.
    assert list(fig.data[0].y) == [labels[i] for i in ids]
    assert all(label.split(" 18")[0] in docs["speaker"].tolist() for label in fig.data[0].y)
    assert fig.layout.yaxis.dtick == 1
    assert fig.layout.xaxis.dtick == 1
    # Height for a row of ROW_PIXELS per document beside the title and slanted labels.
    longest = max(len(label) for label in labels.values())
    assert fig.layout.height >= 13 * charts.ROW_PIXELS + 5 * longest + 60
    assert fig.layout.height >= 13 * 22 + 250  # no strip: the old 406 px left 4 labels


def test_plot_dendrogram_gives_every_leaf_a_row() -> None:
    from scipy.cluster.hierarchy import linkage

    docs = _addresses(13)
    tree = linkage(np.arange(13, dtype=float)[:, None], method="average")
    fig = charts.plot_dendrogram(tree, list(charts.doc_labels(docs).values()))
    assert len(fig.layout.yaxis.ticktext) == 13
    assert fig.layout.height >= 13 * charts.ROW_PIXELS


def test_plot_dendrogram_one_leaf_per_label_and_a_link_per_merge() -> None:
    from scipy.cluster.hierarchy import dendrogram, linkage
    from scipy.spatial.distance import squareform

    sim = _similarity()
    tree = linkage(squareform(1 - sim.to_numpy(), checks=False), method="average")
    fig = charts.plot_dendrogram(tree, ["a", "b", "c"])
    (links,) = fig.data  # one trace: two merges of three leaves, four corners each
    drawn = dendrogram(tree, labels=["a", "b", "c"], no_plot=True, orientation="right")
    assert list(links.x) == [v for xs in drawn["dcoord"] for v in [*xs, None]]
    assert list(links.y) == [v for ys in drawn["icoord"] for v in [*ys, None]]
    assert links.connectgaps is False  # a link is never joined to the next
    assert sorted(fig.layout.yaxis.ticktext) == ["a", "b", "c"]
    assert {"a", "b"} == set(list(fig.layout.yaxis.ticktext)[:2]) or {"a", "b"} == set(
        list(fig.layout.yaxis.ticktext)[1:]
    )  # the two close documents are neighbours


def test_plot_dendrogram_rejects_a_linkage_that_does_not_fit_the_labels() -> None:
    with pytest.raises(ValueError, match="linkage of 2 rows for 3 labels"):
        charts.plot_dendrogram([[0.0, 1.0, 0.2, 2.0]], ["a", "b", "c"])


def test_plot_keyness_scatter_per_million_on_log_axes_by_side() -> None:
    table = _keyness()
    before = table.copy()
    fig = charts.plot_keyness_scatter(table, size_a=1000, size_b=2000, labelled=1)
    side_a, side_b, diagonal = fig.data
    assert (side_a.name, side_b.name) == ("more in A", "more in B")
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
    assert list(side_a.customdata[0][:1]) == ["xinhua"]  # strongest first
    assert side_a.x[0] == pytest.approx(40 / 1000 * 1e6)
    assert side_a.y[0] == pytest.approx(1 / 2000 * 1e6)
    assert list(side_a.text) == ["xinhua", "", ""]  # only the strongest is labelled
    # Absent from A: drawn at half a count, not at zero (no zero on a log axis).
    assert side_b.x[0] == pytest.approx(0.5 / 1000 * 1e6)
    assert "log ratio" in side_a.hovertemplate
    assert diagonal.hoverinfo == "skip"
    pd.testing.assert_frame_equal(table, before)


def test_plot_keyness_scatter_keeps_the_strongest_terms_of_each_side() -> None:
    # Side A by ll: xinhua 50, river 6, delta 0.4; side B: bbc 45, trade 0.1.
    fig = charts.plot_keyness_scatter(_keyness(), size_a=1000, size_b=2000, most=2)
    side_a, side_b, _ = fig.data
    assert [row[0] for row in side_a.customdata] == ["xinhua", "river"]
    assert [row[0] for row in side_b.customdata] == ["bbc", "trade"]
    assert len(side_a.x) == len(side_a.marker.opacity) == len(side_a.text) == 2
    fig = charts.plot_keyness_scatter(_keyness(), size_a=1000, size_b=2000, most=1)
    assert [[row[0] for row in trace.customdata] for trace in fig.data[:2]] == [["xinhua"], ["bbc"]]
    with pytest.raises(ValueError, match="most must be at least 1"):
        charts.plot_keyness_scatter(_keyness(), size_a=1000, size_b=2000, most=0)


def test_plot_keyness_scatter_rejects_an_empty_side() -> None:
    with pytest.raises(ValueError, match="size_a and size_b must be positive"):
        charts.plot_keyness_scatter(_keyness(), size_a=0, size_b=10)


def test_plot_keyness_bars_strongest_terms_of_each_side_signed() -> None:
    table = _keyness()
    before = table.copy()
    fig = charts.plot_keyness_bars(table, top=2)
    side_a, side_b = fig.data
    assert list(side_a.y) == ["xinhua (A)", "river (A)"]
    assert list(side_b.y) == ["bbc (B)", "trade (B)"]
    assert all(x > 0 for x in side_a.x)
    assert all(x < 0 for x in side_b.x)
    order = ["trade (B)", "bbc (B)", "river (A)", "xinhua (A)"]
    assert list(fig.layout.yaxis.categoryarray) == order
    pd.testing.assert_frame_equal(table, before)


def test_plot_keyness_bars_rejects_top_below_one() -> None:
    with pytest.raises(ValueError, match="top must be at least 1"):
        charts.plot_keyness_bars(_keyness(), top=0)


def test_group_keyness_panels_order_terms_by_ll_and_escape_group_names() -> None:
    from dashboard.charts import plot_group_keyness

    table = pd.DataFrame(
        {
            "group": ["<b>BBC</b>", "<b>BBC</b>", "<b>BBC</b>", "CGTN"],
            "term": ["war", "wales", "man", "u.s."],
            "count": [10, 8, 7, 20],
            "count_rest": [1, 0, 2, 5],
            "ll": [30.0, 40.0, 5.0, 50.0],
            "log_ratio": [3.0, 4.0, 1.0, 2.0],
            "p": [1e-7, 1e-9, 0.02, 1e-11],
        }
    )
    fig = plot_group_keyness(table, top=2, field="source")
    assert len(fig.data) == 2
    assert list(fig.data[0].y) == ["wales", "war"]  # top 2 by ll, the strongest first
    assert list(fig.data[0].x) == [40.0, 30.0]
    assert list(fig.data[0].customdata[0][:4]) == ["&lt;b&gt;BBC&lt;/b&gt;", "wales", 8, 0]
    titles = [note.text for note in fig.layout.annotations]
    assert titles == ["&lt;b&gt;BBC&lt;/b&gt;", "CGTN"]
    assert "<b>BBC" not in json.dumps(fig.to_plotly_json(), default=str).replace("<b>%{", "")


def test_every_builder_figure_is_valid_plotly_and_unchanged_by_validation() -> None:
    """Builders skip plotly's validation as they build (dashboard/charts/theme.py):
    validating each builder's figure must accept every property and change nothing."""
    from tests.dashboard.test_escape import _figures

    figures = _figures()
    assert len(figures) == len([name for name in dir(charts) if name.startswith("plot_")])
    for fig in figures:
        made = fig.to_dict()
        assert go.Figure(made).to_dict() == made


def test_validation_catches_a_bad_layout_value_of_an_unvalidated_figure() -> None:
    fig = figure(trace("bar", x=["a"], y=[1]))
    fig.update_layout(height="tall")  # stored as given
    with pytest.raises(ValueError, match="tall"):
        go.Figure(fig.to_dict())
