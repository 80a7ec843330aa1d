"""analysis/reuse_lag.py: shared passages across a selection, first publisher and lag, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema as S
from analysis.errors import OptionError
from analysis.index import IndexSettings, build_index
from analysis.reuse import shared_passages
from analysis.reuse_lag import PASSAGE_COLUMNS, REUSE_LAG_COLUMNS, reuse_lag
from analysis.selection import Filters, select
from tests.analysis.tiny import REUSE_DOCS


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
