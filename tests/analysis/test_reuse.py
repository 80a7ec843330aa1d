"""analysis/reuse.py: the index words of a text and the passages two documents share."""

from __future__ import annotations

from analysis import schema as S
from analysis.corpus_index import IndexSettings
from analysis.index import build_index
from analysis.reuse import shared_passages, token_offsets
from analysis.rule import normalise
from tests.analysis.tiny import TINY


def test_token_offsets_give_the_index_words(seeds):
    for row, text in enumerate(seeds.docs[S.TEXT]):
        tokens = token_offsets(text)
        assert len(tokens) == seeds.doc_tokens[row]
        spans = [normalise(text[s:e]) for s, e in zip(tokens[S.START], tokens[S.END], strict=True)]
        words = [w.removesuffix("'s") for w in spans]
        assert words == tokens["token"].tolist()


def test_shared_passages_seeds_yangtze(seeds):
    a, b = seeds.docs[S.DOC_ID].tolist()
    table = shared_passages(seeds, a, b)
    assert list(table.columns) == list(S.SHARED_COLUMNS)
    assert (table[S.TOKENS] >= 6).all()
    text_a, text_b = seeds.docs[S.TEXT].tolist()
    hits = table[
        table[S.TEXT_A]
        .str.lower()
        .str.contains("integrated development of the yangtze river delta")
    ]
    assert len(hits) >= 1
    for row in table.itertuples():
        assert text_a[row.start_a : row.end_a] == row.text_a
        assert text_b[row.start_b : row.end_b] == row.text_b
    first = hits.iloc[0]
    assert (
        "integrated development of the yangtze river delta"
        in text_b[first.start_b : first.end_b].lower()
    )
    # no word of either document is in two passages
    assert (table[S.START_A].to_numpy()[1:] >= table[S.END_A].to_numpy()[:-1]).all()


def test_shared_passages_greedy_longest_first(tiny):
    frame = TINY.assign(
        text=[
            "one two three four five six seven eight. x y z one two three",
            "zz one two three four five six seven eight and one two three",
            "c",
        ]
    )
    ix = build_index(frame, settings=IndexSettings(detect_phrases=False))
    table = shared_passages(ix, "a", "b", min_tokens=3)
    # the 8-word run first; "one two three" at A's end then pairs with B's free copy
    assert table[S.TOKENS].tolist() == [8, 3]
    assert table[S.TEXT_B].tolist() == ["one two three four five six seven eight", "one two three"]
    assert table[S.START_B].tolist()[1] == frame["text"][1].rindex("one")
