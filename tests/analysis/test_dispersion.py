"""Dispersion: every occurrence with its relative position, held to hand counts and a regex."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import Filters, build_index, load_corpus, select
from analysis.dispersion import DISPERSION_COLUMNS, dispersion
from analysis.errors import EmptySelectionError, OptionError
from tests.analysis.tiny import TINY

# A word as the seeds' English needs it, written apart from the token rule: letters and
# digits with inner hyphens or apostrophes (the seeds hold no abbreviation and no Han).
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@pytest.fixture(scope="module")
def tiny():
    return build_index(TINY)


@pytest.fixture(scope="module")
def seeds():
    corpus = load_corpus("seeds")
    return corpus, build_index(corpus)


def _rows(table: pd.DataFrame) -> list[tuple[str, float, int, int]]:
    return [
        (d, round(p, 6), s, e)
        for d, p, s, e in zip(
            table["doc_id"], table["position"], table["start"], table["end"], strict=True
        )
    ]


def test_yangtze_river_delta_on_the_seeds_is_ten_rows_three_and_seven(seeds):
    corpus, index = seeds
    table = dispersion(index, None, "yangtze river delta").table
    assert list(table.columns) == list(DISPERSION_COLUMNS)
    assert len(table) == 10
    assert table.groupby("doc_id").size().tolist() == [3, 7]
    assert ((table["position"] >= 0) & (table["position"] <= 1)).all()
    assert table["date"].is_monotonic_increasing
    # the oracle: a regex over each text, counting words before each match
    expected = []
    for doc_id, text in zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True):
        words = [m.start() for m in WORD.finditer(text)]
        for match in re.finditer(r"(?i)yangtze\s+river\s+delta", text):
            before = sum(1 for w in words if w < match.start())
            expected.append((doc_id, round(before / len(words), 6), match.start(), match.end()))
    assert _rows(table) == expected
    texts = dict(zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True))
    for doc_id, start, end in zip(table["doc_id"], table["start"], table["end"], strict=True):
        assert texts[doc_id][start:end].lower() == "yangtze river delta"


def test_positions_are_hand_counted_words_before_over_document_words(tiny):
    # doc a: Green(0) tea(1), green(2) tea(3) and(4) black(5) tea(6). The(7) tea(8): 9 words
    # doc b: Green(0) tea(1) is(2) good(3). Coffee(4)!: 5 words
    placed = dispersion(tiny, None, "tea")
    assert _rows(placed.table) == [
        ("a", round(1 / 9, 6), 6, 9),
        ("a", round(3 / 9, 6), 17, 20),
        ("a", round(6 / 9, 6), 31, 34),
        ("a", round(8 / 9, 6), 41, 44),
        ("b", round(1 / 5, 6), 6, 9),
    ]
    assert placed.documents == 2
    assert placed.selected == 3
    assert placed.unplaced == ()


def test_a_sequence_counted_on_the_fly_a_prefix_and_alternatives(tiny):
    assert _rows(dispersion(tiny, None, "black tea").table) == [("a", round(5 / 9, 6), 25, 34)]
    assert _rows(dispersion(tiny, None, "gree*").table) == [
        ("a", 0.0, 0, 5),
        ("a", round(2 / 9, 6), 11, 16),
        ("b", 0.0, 0, 5),
    ]
    both = dispersion(tiny, None, "coffee | black tea").table
    assert _rows(both) == [
        ("a", round(5 / 9, 6), 25, 34),
        ("b", round(4 / 5, 6), 19, 25),
        ("c", 0.0, 0, 6),  # undated: last
    ]
    assert both["date"].isna().tolist() == [False, False, True]


def test_an_alternative_typed_twice_is_one_occurrence(tiny):
    assert _rows(dispersion(tiny, None, "tea | tea").table) == _rows(
        dispersion(tiny, None, "tea").table
    )


def test_the_selection_is_respected(tiny):
    bbc = select(tiny, Filters(sources=("BBC",)))
    assert _rows(dispersion(tiny, bbc, "tea").table) == [("b", round(1 / 5, 6), 6, 9)]
    assert dispersion(tiny, bbc, "tea").selected == 2


def test_a_term_absent_from_the_selection_gives_no_rows(tiny):
    table = dispersion(tiny, None, "river").table
    assert table.empty
    assert list(table.columns) == list(DISPERSION_COLUMNS)


def test_empty_selection_and_bad_query_name_the_fix(tiny):
    with pytest.raises(EmptySelectionError, match="Widen the date range"):
        dispersion(tiny, np.zeros(3, dtype=bool), "tea")
    with pytest.raises(OptionError, match="at the end of a word"):
        dispersion(tiny, None, "*tea")


def test_positions_on_sotu_equal_a_word_count_of_the_stream():
    # On a real corpus: every position is the stream's word count before it (an
    # independent walk over the token stream), and every span reads as the query.
    corpus = load_corpus("sotu")
    index = build_index(corpus)
    mask = select(index, Filters(date_from=pd.Timestamp("1860-01-01").date()))
    table = dispersion(index, mask, "civil war").table
    assert len(table) > 50
    texts = dict(zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True))
    row = {d: i for i, d in enumerate(index.docs["doc_id"])}
    for doc_id, position, start, end in zip(
        table["doc_id"], table["position"], table["start"], table["end"], strict=True
    ):
        assert " ".join(texts[doc_id][start:end].lower().split()) == "civil war"
        r = row[doc_id]
        stream = np.asarray(index.tokens[index.token_offsets[r] : index.token_offsets[r + 1]])
        words = stream[stream >= 0]
        at = round(position * len(words))
        civil, war = index.word_id("civil"), index.word_id("war")
        assert (words[at], words[at + 1]) == (civil, war)
        assert len(words) == index.doc_tokens[r]
    for _doc, group in table.groupby("doc_id"):
        assert group["position"].is_monotonic_increasing
        assert group["start"].is_monotonic_increasing
