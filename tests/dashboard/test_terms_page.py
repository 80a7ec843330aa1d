"""The Terms page in AppTest: only the open tab is drawn, and the table comes a page at a time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import build_index, default_stopwords, load_corpus, term_frequencies
from dashboard.paging import PAGE_ROWS
from tests.conftest import shown

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    """The whole term table the page pages through (seeds, default options), made apart."""
    index = build_index(load_corpus("seeds"))
    return term_frequencies(index, stopwords=default_stopwords(), hide_words_in_phrases=True)


def _terms(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("views/terms.py").run()
    if tab is not None:
        at.session_state["terms_tab"] = tab
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_first_tab_draws_the_chart_alone() -> None:
    at = _terms()
    assert len(at.get("plotly_chart")) == 1
    assert not at.dataframe  # the table and the cloud are not made until their tab opens
    assert not at.get("image")


def test_the_word_cloud_is_drawn_when_its_tab_opens() -> None:
    at = _terms("Word cloud")
    assert at.get("image")
    assert not at.get("plotly_chart")


def test_the_table_shows_one_page_of_every_term(expected: pd.DataFrame) -> None:
    assert len(expected) > PAGE_ROWS  # the seeds fill more than one page
    at = _terms("Table")
    page = at.dataframe[0].value
    assert page["term"].tolist() == expected["term"].head(PAGE_ROWS).tolist()
    assert page["count"].tolist() == expected["count"].head(PAGE_ROWS).tolist()
    pages = -(-len(expected) // PAGE_ROWS)
    assert any(
        f"Terms 1–{PAGE_ROWS} of {len(expected)}; {pages} pages." == shown(c.value)
        for c in at.caption
    )
    at.number_input(key="terms_page").set_value(2).run()
    second = at.dataframe[0].value
    assert second["term"].tolist() == expected["term"].iloc[PAGE_ROWS : 2 * PAGE_ROWS].tolist()


def test_the_order_covers_every_term_not_only_the_page(expected: pd.DataFrame) -> None:
    at = _terms("Table")
    at.button_group(key="terms_order").set_value("docs").run()
    by_docs = expected.sort_values("docs", ascending=False, kind="stable")
    assert at.dataframe[0].value["term"].tolist() == by_docs["term"].head(PAGE_ROWS).tolist()
    at.button_group(key="terms_order").set_value("term").run()
    assert at.dataframe[0].value["term"].tolist() == sorted(expected["term"])[:PAGE_ROWS]
