"""The Compare page on the seeds (AppTest) and its URL options (pure)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import Filters
from dashboard import options, state
from tests.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 180
SEED_A = "000_1548ca6221300e84.txt"
SEED_B = "001_7b4caa0f675dee39.txt"
SHARED = "integrated development of the yangtze river delta"
LINCOLN_AGAINST_THE_FIRST_TWO = {
    "corpus": "sotu",
    "a_kind": "speaker",
    "a": "Abraham Lincoln",
    "b_kind": "speaker",
    "b": ["George Washington", "John Adams"],
}


def _open(params: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    at.run()
    at.switch_page("views/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column`` (AppTest does not expose table keys)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a {column!r} column")


def _html(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def test_compare_opens_on_the_two_seeds_with_similarity_keyness_and_shared_passages() -> None:
    at = _open()
    assert not at.warning, [shown(w.value) for w in at.warning]
    assert at.header[0].value == "Compare"
    assert at.selectbox(key="compare_a_doc").value == SEED_A
    assert at.selectbox(key="compare_b_doc").value == SEED_B
    (metric,) = at.metric
    assert 0.0 < float(metric.value) < 1.0
    keyness = _table(at, "log_ratio")
    assert list(keyness.columns[:4]) == ["term", "kind", "count_a", "count_b"]
    assert len(keyness)
    passages = _table(at, "start_a")
    assert len(passages)
    assert any(SHARED in text.lower() for text in passages["text_a"])
    readers = [h for h in _html(at) if "compare-reader" in h]
    assert len(readers) == 2
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert heatmap["type"] == "heatmap"
    assert heatmap["z"]["shape"] == "2, 2"  # the two seeds (they have no other neighbour)
    assert len(heatmap["x"]) == 2
    assert all('<mark class="shared"' in h for h in readers)
    assert at.query_params["a"] == [SEED_A] or at.query_params["a"] == SEED_A
    assert at.query_params["b"] in ([SEED_B], SEED_B)


def test_compare_url_restores_the_slices_and_options() -> None:
    at = _open(
        {
            "a": SEED_B,
            "b": SEED_A,
            "min_tokens": "8",
            "kmin": "2",
            "bonf": "on",
            "kkind": "phrase",
        }
    )
    assert at.selectbox(key="compare_a_doc").value == SEED_B
    assert at.selectbox(key="compare_b_doc").value == SEED_A
    assert at.number_input(key="compare_min_tokens").value == 8
    assert at.number_input(key="compare_min_count").value == 2
    assert at.toggle(key="compare_bonferroni").value is True
    keyness = _table(at, "log_ratio")
    assert set(keyness["kind"]) <= {"phrase"}
    assert all(n >= 8 for n in _table(at, "start_a")["tokens"])


def test_compare_widgets_go_in_the_url() -> None:
    at = _open()
    at.selectbox(key="compare_a_doc").set_value(SEED_B).run()
    at.selectbox(key="compare_b_doc").set_value(SEED_A).run()
    at.number_input(key="compare_min_tokens").set_value(10).run()
    at.toggle(key="compare_bonferroni").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["a"] in ([SEED_B], SEED_B)
    assert at.query_params["b"] in ([SEED_A], SEED_A)
    assert at.query_params["min_tokens"] in (["10"], "10")
    assert at.query_params["bonf"] in (["on"], "on")


def test_compare_a_period_against_the_sidebar_filter() -> None:
    at = _open({"a_kind": "period", "a": "2023-11-30..2023-12-01", "b_kind": "filter"})
    assert not at.exception
    # B (everything) includes A: the page says so and still compares.
    assert any("in both" in shown(c.value) for c in at.caption)
    assert _table(at, "log_ratio") is not None
    assert not [h for h in _html(at) if "compare-reader" in h]  # not two single documents


def test_compare_speakers_of_the_sample_from_the_url() -> None:
    at = _open(LINCOLN_AGAINST_THE_FIRST_TWO)
    assert not at.warning, [shown(w.value) for w in at.warning]
    assert at.selectbox(key="compare_a_kind").value == "speaker"
    assert at.multiselect(key="compare_b_speakers").value == ["George Washington", "John Adams"]
    assert "A: 4 document(s) · B: 12 document(s)" in [shown(c.value) for c in at.caption]
    keyness = _table(at, "log_ratio")
    assert keyness["significant"].any()
    assert not [h for h in _html(at) if "compare-reader" in h]


def test_compare_sends_one_page_of_keyness_and_the_strongest_terms_to_the_scatter() -> None:
    from dashboard.paging import PAGE_ROWS
    from dashboard.views.compare import MAX_SCATTER

    at = _open(LINCOLN_AGAINST_THE_FIRST_TWO)
    captions = [shown(c.value) for c in at.caption]
    total = int(next(c for c in captions if " significant at p" in c).split()[0].replace(",", ""))
    assert total > 2 * MAX_SCATTER  # Lincoln against the first two: more terms than drawn
    pages = -(-total // PAGE_ROWS)
    assert f"Terms 1–{PAGE_ROWS} of {total:,}; {pages} pages." in captions
    assert any(f"At most the {MAX_SCATTER} strongest terms of each side" in c for c in captions)
    first = _table(at, "log_ratio")
    assert len(first) == PAGE_ROWS
    charts = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    side_a, side_b = next(d for d in charts if d[0].get("name") == "more in A" and len(d) == 3)[:2]
    assert len(side_a["x"]) == len(side_b["x"]) == MAX_SCATTER
    # The scatter's points are the strongest of each side: the table's order (by ll) begins them.
    leaning_a = first.loc[first["log_ratio"] > 0, "term"].tolist()
    assert [row[0] for row in side_a["customdata"][: len(leaning_a)]] == leaning_a
    at.number_input(key="compare_keyness_table_page").set_value(2).run()
    second = _table(at, "log_ratio")
    assert len(second) == PAGE_ROWS
    assert not set(first["term"]) & set(second["term"])
    assert second["ll"].max() <= first["ll"].min()  # the next hundred, strongest first
    assert f"Terms {PAGE_ROWS + 1}–{2 * PAGE_ROWS} of {total:,}; {pages} pages." in [
        shown(c.value) for c in at.caption
    ]


def test_compare_a_document_against_itself_warns() -> None:
    at = _open({"a": SEED_A, "b": SEED_A})
    assert any("same" in shown(w.value) for w in at.warning)


def test_state_round_trips_compare_options() -> None:
    view = options.ViewState(
        a_kind="source",
        a_values=("Xinhua", "CGTN"),
        b_kind="period",
        b_values=("2022-03-01..",),
        min_tokens=9,
        key_min=5,
        key_kind="phrase",
        bonferroni=True,
        key_top=25,
    )
    params = options.encode(view)
    assert params["a"] == ["Xinhua", "CGTN"]
    assert params["b_kind"] == ["period"]
    decoded = options.decode(params)
    assert decoded.view == view
    assert decoded.ignored == ()


def test_state_drops_a_bad_period_and_an_unknown_slice_kind() -> None:
    decoded = options.decode(
        {"a_kind": "planet", "b_kind": "period", "b": "2022-05-01..2022-01-01"}
    )
    assert decoded.view.a_kind == "document"
    assert decoded.view.b_values == ()
    assert set(decoded.ignored) == {"a_kind=planet", "b=2022-05-01..2022-01-01"}


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("document", ["d1"], Filters(doc_ids=("d1",))),
        ("source", ["BBC"], Filters(sources=("BBC",), query="trade")),
        ("speaker", ["Lincoln"], Filters(query="trade", metadata=(("speaker", ("Lincoln",)),))),
        (
            "period",
            ["2022-01-01..2022-02-01"],
            Filters(date_from=dt.date(2022, 1, 1), date_to=dt.date(2022, 2, 1), query="trade"),
        ),
        ("filter", [], Filters(query="trade")),
        ("source", [], None),
    ],
)
def test_slice_filters_narrow_the_sidebar_except_documents(
    kind: str, values: list[str], expected: Filters | None
) -> None:
    assert state.slice_filters(kind, values, Filters(query="trade")) == expected


def test_compare_groups_view_one_panel_per_party_and_a_bar_opens_its_lines() -> None:
    from analysis import load_corpus

    docs = load_corpus("sotu").docs
    at = _open({"corpus": "sotu", "groups": "party"})
    assert at.selectbox(key="compare_groups").value == "party"
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    parties = sorted(docs["party"].dropna().astype(str).unique())
    assert [t["name"] for t in traces] == parties
    whig = next(t for t in traces if t["name"] == "Whig")
    group, term, count = whig["customdata"][0][:3]
    assert (group, term) == ("Whig", whig["y"][0])
    # the URL's clicked bar (a click in the browser writes it) opens that term in that group
    at = _open({"corpus": "sotu", "groups": "party", "gpick": f"Whig|{term}"})
    texts = [t.value for t in at.text]
    assert f"{count:,} occurrences of '{term}' in Whig; all shown." in texts
    html = at.get("html")[0].proto.body
    assert html.count('class="kwic-line"') == count
    lines = _table(at, "match")
    whig_ids = set(docs.loc[docs["party"] == "Whig", "doc_id"].astype(str))
    assert len(lines) == count
    assert set(lines["doc_id"].astype(str)) <= whig_ids  # every line from a Whig speech


def test_compare_groups_by_decade_and_a_field_with_one_value() -> None:
    at = _open({"corpus": "sotu", "groups": "period", "gby": "decade"})
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert traces[0]["name"] == "1790-01-01"
    assert len(traces) == 24  # the 1790s to the 2020s
    assert at.query_params["gby"] == "decade"
    one = _open({"corpus": "sotu", "groups": "party", "meta": "party=Whig"})
    assert any("each group is compared with the others" in shown(w.value) for w in one.warning)


def _counts_of_the_sample_and_the_seeds() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each corpus's term counts from its own index, as a reference keyness must match."""
    from analysis import build_index, load_corpus, term_frequencies
    from analysis.index import IndexSettings

    sotu = term_frequencies(
        build_index(load_corpus("sotu"), settings=IndexSettings()),
        stopwords=frozenset(),
        numbers=True,
    )
    seeds = term_frequencies(build_index(load_corpus("seeds")), stopwords=frozenset())
    return sotu.set_index("term"), seeds.set_index("term")


def test_compare_against_a_reference_corpus_from_the_samples() -> None:
    at = _open({"a_kind": "filter", "b_kind": "reference", "b": "sotu", "kmin": "1"})
    assert at.selectbox(key="compare_b_reference").value == "sotu"
    assert any(
        "phrases detected in one corpus only are left out" in shown(c.value) for c in at.caption
    )
    table = _table(at, "count_b").set_index("term")
    sotu, seeds = _counts_of_the_sample_and_the_seeds()
    for term in ("yangtze", "development", "river", "region"):
        assert table.loc[term, "count_a"] == seeds.loc[term, "count"]
        expected_b = sotu.loc[term, "count"] if term in sotu.index else 0
        assert table.loc[term, "count_b"] == expected_b
    assert set(table["kind"]) <= {"word", "phrase"}
    assert at.query_params["b_kind"] == "reference"


def test_a_link_with_a_reference_as_a_reopens_that_view() -> None:
    link = {"a_kind": "reference", "a": "sotu", "b_kind": "filter", "kmin": "1"}
    at = _open(link)
    assert at.selectbox(key="compare_a_kind").value == "reference"
    assert at.selectbox(key="compare_a_reference").value == "sotu"
    assert at.selectbox(key="compare_b_kind").value == "filter"
    table = _table(at, "count_b").set_index("term")
    sotu, seeds = _counts_of_the_sample_and_the_seeds()
    for term in ("yangtze", "development", "river", "region"):  # A the sample, B the seeds
        assert table.loc[term, "count_b"] == seeds.loc[term, "count"]
        assert table.loc[term, "count_a"] == (sotu.loc[term, "count"] if term in sotu.index else 0)
    assert table.loc["yangtze", "log_ratio"] < 0  # only B, the seeds, says it
    assert {k: at.query_params[k] for k in ("a_kind", "a", "b_kind")} == {
        "a_kind": "reference",
        "a": "sotu",
        "b_kind": "filter",
    }
    assert not [i for i in at.info if "not available" in shown(i.value)]


def test_a_link_to_a_library_reference_reopens_it_or_says_it_is_not_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "notes.txt").write_text("Tea leaves, river tea and delta tea.", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(library))
    at = _open({"a_kind": "filter", "b_kind": "reference", "b": "lib:notes.txt", "kmin": "1"})
    assert at.selectbox(key="compare_b_reference").value == "lib:notes.txt"
    table = _table(at, "count_b").set_index("term")
    assert table.loc["tea", "count_b"] == 3  # by hand
    assert at.query_params["b"] == "lib:notes.txt"

    gone = "lib:gone ![x](http://example.invalid/x.png) :red[me]"
    at = _open({"a_kind": "filter", "b_kind": "reference", "b": gone})
    notices = [shown(i.value) for i in at.info if "not available" in shown(i.value)]
    assert notices == [
        "The reference corpus 'Library: gone ![x](http://example.invalid/x.png) :red[me]' is "
        "not available here; B is State of the Union (sample)."
    ]
    assert at.selectbox(key="compare_b_reference").value == "sotu"  # the first offered
    at.run()  # a rerun does not say it again
    assert not [i for i in at.info if "not available" in shown(i.value)]
