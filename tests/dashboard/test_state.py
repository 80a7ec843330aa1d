"""dashboard/state.py: the small rules about the view's values (stopwords, hashes)."""

from __future__ import annotations

import pandas as pd

from analysis import Filters
from dashboard import state
from dashboard.options import ViewState


def test_stopword_changes_against_the_default() -> None:
    default = frozenset({"the", "of", "的"})
    assert state.stopword_changes(["the", "的", "said"], default) == (("said",), ("of",))


def test_effective_stopwords_applies_changes_or_nothing_when_off() -> None:
    default = frozenset({"the", "of"})
    view = ViewState(stopwords_added=("said",), stopwords_removed=("of",))
    assert state.effective_stopwords(view, default) == {"the", "said"}
    off = ViewState(stopwords=False, stopwords_added=("said",))
    assert state.effective_stopwords(off, default) == frozenset()


def test_short_hash_is_a_prefix() -> None:
    assert state.short_hash("0123456789abcdef") == "0123456789"


def test_group_filters_replace_the_sidebars_value_of_that_field() -> None:
    sidebar = Filters(
        sources=("BBC",), metadata=(("party", ("Whig",)), ("speaker", ("A",))), query="war"
    )
    by_source = state.group_filters("source", "CGTN", sidebar)
    assert by_source.sources == ("CGTN",)
    assert by_source.metadata == sidebar.metadata
    assert by_source.query == "war"
    by_party = state.group_filters("party", "Democratic", sidebar)
    assert by_party.metadata == (("speaker", ("A",)), ("party", ("Democratic",)))
    assert by_party.sources == ("BBC",)


def test_group_pick_round_trips_and_rejects_what_it_cannot_read() -> None:
    for group, term in (("Whig", "texas"), ("BBC | News", "ukraine war"), ("2020-01-01", "x")):
        assert state.parse_group_pick(state.make_group_pick(group, term)) == (group, term)
    assert state.parse_group_pick("no bar") is None
    assert state.parse_group_pick("|term") is None
    assert state.parse_group_pick("group|") is None


def test_doc_label_names_the_day_and_title_or_id() -> None:
    assert state.doc_label({"doc_id": "d1", "title": " ", "date": None}) == "undated · d1"
    row = {"doc_id": "d2", "title": "T" * 90, "date": pd.Timestamp("2024-03-01 10:00")}
    assert state.doc_label(row) == "2024-03-01 · " + "T" * 80


def test_side_terms_take_the_significant_terms_leaning_to_a_side_strongest_first() -> None:
    table = pd.DataFrame(
        {
            "term": ["a1", "a2", "a3", "b1", "b2"],
            "ll": [5.0, 9.0, 1.0, 4.0, 2.0],
            "log_ratio": [1.0, 2.0, 0.5, -1.0, -0.5],
            "significant": [True, True, False, False, False],
        }
    )
    assert state.side_terms(table, "A", most=10) == ["a2", "a1"]  # a3 is not significant
    assert state.side_terms(table, "A", most=1) == ["a2"]
    assert state.side_terms(table, "B", most=10) == ["b1", "b2"]  # none significant: all
    assert state.side_terms(table.iloc[:0], "B", most=10) == []
