"""CorpusIndex's lookups of terms: columns by display or typed form, word ids."""

from __future__ import annotations

from analysis.index import build_index
from tests.analysis.tiny import TINY


def test_column_of_every_term_is_its_row_in_the_vocabulary():
    index = build_index(TINY)
    terms = index.vocab["term"].tolist()
    assert len(set(terms)) == len(terms)
    assert [index.column(term) for term in terms] == list(range(len(terms)))
    assert index.vocab["term"].iloc[index.column("green tea")] == "green tea"


def test_column_of_a_term_as_typed_goes_through_the_token_rule():
    index = build_index(TINY)
    assert index.column("Green  Tea") == index.column("green tea")
    assert index.column("TEA.") == index.column("tea")
    assert index.column("oolong") is None
    assert index.column("...") is None


def test_word_ids_are_the_words_rows_and_phrases_have_none():
    index = build_index(TINY)
    words = index.vocab[index.vocab["kind"] == "word"]
    ids = [index.word_id(word) for word in words["term"]]
    assert ids == words.index.tolist()
    assert all(type(i) is int for i in ids)
    assert index.word_id("green tea") is None
    assert index.word_id("oolong") is None
    # a word id numbers the token stream: "tea" four times in doc a, once in doc b
    assert int((index.tokens == index.word_id("tea")).sum()) == 5


def test_number_columns_are_is_number_of_every_term(reuters, headlines):
    from analysis.text import is_number

    for index in (reuters, headlines):  # English figures; Chinese numerals
        tokens = index.vocab["tokens"].astype(str).tolist()
        expected = [is_number(token) for token in tokens]
        assert index.number_columns().tolist() == expected
        assert 0 < sum(expected) < len(expected)
