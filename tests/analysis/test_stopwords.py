"""analysis/stopwords.py: the built-in list and users' lists by the token rule."""

from __future__ import annotations

from analysis.stopwords import default_stopwords, parse_stopwords
from analysis.text import tokenize


def test_parse_stopwords_normalises_entries():
    assert parse_stopwords("The, Xi's\n said ") == frozenset({"the", "xi", "said"})


def test_default_stopwords_cover_both_languages():
    words = default_stopwords()
    assert {"the", "of", "的", "了"} <= words
    assert "development" not in words


def test_parse_stopwords_at_once_equals_entry_by_entry():
    import re

    from analysis.stopwords import default_stopwords

    text = (
        "\n".join(sorted(default_stopwords()))
        + "\nXi's, high-quality\n的 经济发展 U.S. ( ) ，“quoted”"
    )
    by_entry = {
        word for entry in re.split(r"[,\n\s]+", text) if entry.strip() for word in tokenize(entry)
    }
    assert parse_stopwords(text) == frozenset(by_entry)
    assert parse_stopwords(text) is parse_stopwords(text)  # remembered for the next rerun
    assert parse_stopwords(" , \n") == frozenset()
