"""analysis/reuse_lag.py: shared passages across a selection, first publisher and lag, by hand."""

from __future__ import annotations

import dataclasses
import sys

import pandas as pd
import pytest

from analysis import schema as S
from analysis.corpus import load_corpus
from analysis.errors import OptionError
from analysis.index import IndexSettings, build_index
from analysis.reuse import shared_passages
from analysis.reuse_lag import PASSAGE_COLUMNS, REUSE_LAG_COLUMNS, reuse_lag
from analysis.selection import Filters, select
from tests.analysis.tiny import REUSE_DOCS, shared_corpus


def test_reuse_lag_hand_count(reuse_index):
    found = reuse_lag(reuse_index)
    assert list(found.uses.columns) == list(REUSE_LAG_COLUMNS)
    assert list(found.passages.columns) == list(PASSAGE_COLUMNS)
    uses = [
        (p, role, doc, group, date.date().isoformat(), lag, tokens, text)
        for p, role, doc, group, date, lag, tokens, text in found.uses.itertuples(index=False)
    ]
    assert uses == [
        (1, "first", "f", "W", "2023-12-30", 0, 6, "Weather was cold in the north"),
        (1, "reuse", "d", "Z", "2024-01-02", 3, 6, "Weather was cold in the north"),
        (2, "first", "a", "X", "2024-01-01", 0, 9,
         "The committee announced a new plan for river protection"),
        (2, "reuse", "b", "Y", "2024-01-04", 3, 9,
         "The committee announced a new plan for river protection"),
        (2, "reuse", "c", "X", "2024-01-11", 10, 8,
         "The committee announced a new plan for river protection"),
    ]  # fmt: skip
    passages = found.passages.drop(columns=["first_date", S.TEXT]).values.tolist()
    assert passages == [[1, "f", "W", 1, 2, 3, 6], [2, "a", "X", 2, 2, 10, 9]]
    assert found.undated == 1
    assert found.note() == "1 undated document left out: no lag can be measured"


def test_reuse_lag_min_tokens_and_selection(reuse_index):
    # at 4 words g joins a's passage ("committee announced a new"); at 5 it is out
    assert set(reuse_lag(reuse_index, min_tokens=4).uses[S.DOC_ID]) == set("abcdfg")
    assert "g" not in set(reuse_lag(reuse_index, min_tokens=5).uses[S.DOC_ID])
    # without f, d publishes nothing first: only the committee passage is left
    mask = select(reuse_index, Filters(date_from=pd.Timestamp("2024-01-01").date()))
    found = reuse_lag(reuse_index, mask)
    assert found.uses[S.DOC_ID].tolist() == ["a", "b", "c"]
    assert found.undated == 0
    by_desk = reuse_lag(reuse_index, by="desk")
    assert by_desk.uses[S.GROUP].tolist() == ["F", "D", "A", "B", "C"]
    with pytest.raises(OptionError, match="min_tokens must be at least 2"):
        reuse_lag(reuse_index, min_tokens=1)


def test_reuse_lag_nothing_shared(reuse_index):
    mask = select(reuse_index, Filters(doc_ids=("a", "d")))
    found = reuse_lag(reuse_index, mask)
    assert found.uses.empty
    assert found.passages.empty
    assert list(found.uses.columns) == list(REUSE_LAG_COLUMNS)


def test_reuse_lag_two_documents_agree_with_shared_passages(seeds):
    a, b = seeds.docs[S.DOC_ID].tolist()
    pairwise = shared_passages(seeds, a, b)
    found = reuse_lag(seeds)
    firsts = found.uses[found.uses["role"] == "first"]
    reusers = found.uses[found.uses["role"] == "reuse"]
    assert set(firsts[S.DOC_ID]) == {a}
    assert set(reusers[S.DOC_ID]) == {b}
    # a passage a document repeats (the delta passage, three times) is one use of it
    assert len(pairwise) == 4
    assert sorted(firsts[S.TEXT]) == sorted(set(pairwise[S.TEXT_A]))
    assert sorted(reusers[S.TEXT]) == sorted(set(pairwise[S.TEXT_A]))  # the first's text
    assert (reusers["lag_days"] == 3).all()  # 2023-11-30 -> 2023-12-03


def test_reuse_lag_text_where_nfkc_moves_a_boundary():
    # NFKC turns the full-width hyphen into "-": the index reads "other-a" as one word,
    # and so does reading the text again (in NFKC, offsets mapped back to the text):
    # the passage is the first publisher's own text.
    docs = REUSE_DOCS.iloc[:2].assign(
        text=[
            "Peace with the other－a war that would be long.",
            "War with the other－a war that would be.",
        ]
    )
    found = reuse_lag(build_index(docs, settings=IndexSettings(detect_phrases=False)))
    assert found.passages[S.TEXT].tolist() == ["with the other－a war that would be"]
    assert found.uses[S.TOKENS].tolist() == [7, 7]


def test_reuse_lag_text_in_the_index_words(reuse_index):
    found = reuse_lag(reuse_index, text="words")
    assert found.passages[S.TEXT].tolist() == [
        "weather was cold in the north",
        "the committee announced a new plan for river protection",
    ]
    same = reuse_lag(reuse_index)
    columns = ["passage", "role", "doc_id", "lag_days", "tokens"]
    assert found.uses[columns].equals(same.uses[columns])
    with pytest.raises(OptionError, match="Unknown passage text 'html'"):
        reuse_lag(reuse_index, text="html")  # type: ignore[arg-type]  # wrong on purpose


@pytest.fixture(scope="module")
def sotu():
    return build_index(load_corpus(shared_corpus("us_sotu") / "docs.jsonl"))


def _selected_alone(index, mask):
    """An index of the selected documents only: its corpus-wide runs are the selection's."""
    return build_index(index.docs[mask].reset_index(drop=True), settings=index.settings)


def _same(found, alone):
    assert found.uses.equals(alone.uses)
    assert found.passages.equals(alone.passages)
    assert found.undated == alone.undated


@pytest.mark.parametrize(
    ("name", "filters", "min_tokens"),
    [
        ("sotu", Filters(date_from=pd.Timestamp("1900-01-01").date()), 6),
        ("sotu", Filters(date_to=pd.Timestamp("1899-12-31").date()), 3),
        ("sotu", Filters(query="slave*"), 6),
        ("sotu", Filters(query="peace", date_from=pd.Timestamp("1946-01-01").date()), 12),
        ("headlines", Filters(sources=("China Daily", "Global Times")), 6),
        ("headlines", Filters(query="zero-covid"), 4),
        (
            "headlines",
            Filters(
                date_from=pd.Timestamp("2022-03-01").date(),
                date_to=pd.Timestamp("2022-04-30").date(),
            ),
            6,
        ),
    ],
)
def test_reuse_lag_of_a_selection_equals_its_documents_indexed_alone(
    request, name, filters, min_tokens
):
    # the selection's shared runs are taken from the corpus-wide ones (found once per
    # index, after the whole corpus and another selection have run): they must be
    # those an index of the selected documents alone finds
    index = request.getfixturevalue(name)
    reuse_lag(index, min_tokens=min_tokens, text="words")
    mask = select(index, filters)
    assert 1 < mask.sum() < index.n_docs
    text = "document" if mask.sum() < 2_000 else "words"
    found = reuse_lag(index, mask, min_tokens=min_tokens, text=text)
    alone = reuse_lag(_selected_alone(index, mask), min_tokens=min_tokens, text=text)
    assert len(found.passages) > 0
    _same(found, alone)
    # on an index that keeps nothing yet, a selection of under a quarter of the
    # corpus's words hashes its own runs (and a larger one finds the corpus's)
    cold = dataclasses.replace(index)
    assert not cold._memo
    _same(reuse_lag(cold, mask, min_tokens=min_tokens, text=text), alone)
    assert (min_tokens in cold._memo["reuse_runs"]) == (
        index.doc_tokens[mask].sum() * 4 >= index.doc_tokens.sum()
    )


def test_reuse_lag_texts_equal_when_few_offsets_are_kept(monkeypatch):
    # the module, not the function analysis exports under the same name
    reuse_lag_module = sys.modules[reuse_lag.__module__]

    fresh = build_index(REUSE_DOCS, settings=IndexSettings(detect_phrases=False))
    expected = reuse_lag(fresh, min_tokens=4)
    monkeypatch.setattr(reuse_lag_module, "_MAX_KEPT_WORDS", 12)
    again = build_index(REUSE_DOCS, settings=IndexSettings(detect_phrases=False))
    for _ in range(2):
        found = reuse_lag(again, min_tokens=4)
        assert found.uses.equals(expected.uses)
        kept = again._memo["reuse_word_offsets"]
        assert 0 < sum(len(begin) for begin, _end in kept.values()) <= 12
