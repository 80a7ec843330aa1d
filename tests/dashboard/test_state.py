"""dashboard/state.py: the small rules about the view's values (stopwords, hashes)."""

from __future__ import annotations

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
