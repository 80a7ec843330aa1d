"""The Contexts page's dispersion and concordance pages, and the Documents page's list (AppTest)."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analysis import build_index, dispersion, kwic, load_corpus
from tests.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 240
TERM = "yangtze river delta"


def _open(page: str, params: dict[str, Any]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.get("html"))


@pytest.fixture(scope="module")
def seeds_table():
    return dispersion(build_index(load_corpus("seeds")), None, TERM).table


def test_dispersion_tab_draws_one_row_per_document_and_a_mark_per_occurrence(seeds_table):
    at = _open("contexts", {"term": TERM, "ctab": "dispersion"})
    assert not at.warning
    (chart,) = at.get("plotly_chart")
    rules, marks = json.loads(chart.proto.spec)["data"]
    assert [x for x in rules["x"] if x is not None] == [0.0, 1.0, 0.0, 1.0]  # two documents
    assert marks["x"] == pytest.approx(seeds_table["position"].tolist())
    assert marks["y"] == [0] * 3 + [1] * 7  # the earlier document on the first row
    assert [row[1] for row in marks["customdata"]] == seeds_table["start"].tolist()
    layout = json.loads(chart.proto.spec)["layout"]
    assert [t.split(" · ")[0] for t in layout["yaxis"]["ticktext"]] == ["2023-11-30", "2023-12-03"]
    said = f"10 occurrences of '{TERM}' in 2 of the 2 selected documents; all 2 drawn, by date."
    assert said in [t.value for t in at.text]
    assert at.query_params["ctab"] == "dispersion"
    assert "kwic-lines" not in _html(at)  # no line before a click


def test_a_clicked_mark_shows_its_kwic_line_linked_to_its_document(seeds_table):
    doc, start = seeds_table["doc_id"].iloc[4], int(seeds_table["start"].iloc[4])
    at = _open("contexts", {"term": TERM, "ctab": "dispersion", "mark": f"{doc}|{start}"})
    html = _html(at)
    assert html.count('class="kwic-line"') == 1
    assert "Yangtze River Delta</mark>" in html
    position = seeds_table["position"].iloc[4]
    assert f"At {position:.0%} of {doc}" in [t.value for t in at.text]
    (href,) = re.findall(r'<a class="kwic-where kwic-doc" href="([^"]+)"', html)
    path, _, query = href.partition("?")
    assert path == "documents"
    params = urllib.parse.parse_qs(query.replace("&amp;", "&"))
    assert params["doc"] == [doc]
    assert params["term"] == [TERM]


def test_the_cap_of_the_dispersion_plot_is_stated_on_the_page():
    at = _open("contexts", {"corpus": "sotu", "term": "union", "ctab": "dispersion"})
    (chart,) = at.get("plotly_chart")
    rules = json.loads(chart.proto.spec)["data"][0]
    assert len([x for x in rules["x"] if x is not None]) == 2 * 60
    (line,) = [t.value for t in at.text if "occurrences of 'union'" in t.value]
    assert "the first 60 by date drawn (at most 60 rows); narrow the filters" in line


def test_kwic_pages_through_every_line_and_shows_the_speaker_on_sotu():
    index = build_index(load_corpus("sotu"))
    at = _open("contexts", {"corpus": "sotu", "term": "liberty", "kpage": "2"})
    total = kwic(index, None, "liberty", limit=1).total
    assert total > 200
    (line,) = [t.value for t in at.text if "occurrences of 'liberty'" in t.value]
    assert line == f"{total:,} occurrences of 'liberty'; lines 201–{min(400, total)} shown."
    assert at.number_input(key="contexts_kwic_page").value == 2
    html = _html(at)
    assert html.count('class="kwic-line"') == min(200, total - 200)
    expected = kwic(index, None, "liberty", window=8, offset=200, limit=1).table.iloc[0]
    first = re.search(r'class="kwic-where[^"]*"[^>]*>([^<]*)<', html)
    assert first is not None
    speaker = index.docs.set_index("doc_id").at[expected["doc_id"], "speaker"]
    assert first.group(1) == f"{expected['date']:%Y-%m-%d} · {speaker}"  # not the one source
    at.number_input(key="contexts_kwic_page").set_value(1).run()
    assert at.query_params.get("kpage") is None  # the first page is the default
    at.number_input(key="contexts_kwic_page").set_value(2).run()
    at.text_input(key="contexts_term").set_value("constitution").run()
    assert at.number_input(key="contexts_kwic_page").value == 1  # another term: its first page


def test_documents_list_is_sorted_paged_and_opens_the_reader_from_the_url():
    at = _open("documents", {"corpus": "sotu", "dsort": "-tokens", "dpage": "2"})
    assert not at.warning
    table = at.dataframe[0].value
    assert list(table.columns) == ["date", "title", "source", "speaker", "tokens"]
    index = build_index(load_corpus("sotu"))
    lengths = sorted(index.doc_tokens.tolist(), reverse=True)
    assert table["tokens"].tolist() == lengths[50:100]
    assert any("Documents 51–100 of 249" in shown(c.value) for c in at.caption)
    # no document named: the first of the page is read
    first = index.docs.iloc[int(index.doc_tokens.argsort(kind="stable")[::-1][50])]
    assert at.query_params["doc"] == first["doc_id"]
    assert any(first["speaker"] in t.value for t in at.text)
    at.selectbox(key="documents_sort").set_value("title").run()
    assert at.number_input(key="documents_page").value == 1  # another order: its first page
    titles = at.dataframe[0].value["title"].tolist()
    assert titles == sorted(titles, key=str.casefold)
    assert at.query_params["dsort"] == "title"


def test_documents_list_with_a_term_counts_it_and_reads_the_linked_document():
    at = _open("documents", {"term": TERM, "doc": "001_7b4caa0f675dee39.txt"})
    table = at.dataframe[0].value
    assert list(table.columns) == ["date", "title", "tokens", "count"]  # the seeds have no source
    assert table["count"].tolist() == [7, 3]  # most occurrences first
    html = _html(at)
    assert html.count("Yangtze River Delta</mark>") + html.count("Yangtze River delta</mark>") >= 7
    assert at.selectbox(key="documents_sort").value == "auto"
