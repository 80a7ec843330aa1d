from __future__ import annotations

import pandas as pd
import plotly.io as pio
import pytest

from dashboard import charts


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


def test_find_cjk_font_honours_the_override(tmp_path, monkeypatch) -> None:
    font = tmp_path / "my.ttf"
    font.write_bytes(b"")
    monkeypatch.setenv("DASHBOARD_CJK_FONT", str(font))
    assert charts.find_cjk_font() == str(font)
