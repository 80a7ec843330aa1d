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


# NFKC changes lengths and word boundaries here: the ligature "ﬁ" (1 character, "fi"),
# full-width letters and hyphen ("ｏｆｆｉｃｅ", "other－a": one word after NFKC), "㈱"
# ("(株)"), "½" ("1⁄2": two words in one character), half-width "ｶﾞ" (two characters, "ガ").
COMPATIBLE = "The ﬁnance ｏｆｆｉｃｅ of other－a region ㈱ said so ½ ｶﾞ. Straße长三角 end."
PLAIN = "Elsewhere: the finance office of other-a region (株) said so!"


def _index_words(index, row: int) -> list[str]:
    terms = index.vocab[S.TERM].to_numpy()
    stream = index.tokens[index.token_offsets[row] : index.token_offsets[row + 1]]
    return [str(terms[t]) for t in stream if t >= 0]


def test_token_offsets_of_compatibility_characters_are_the_index_words_in_the_raw_text():
    frame = TINY.assign(text=[COMPATIBLE, PLAIN, "c"])
    index = build_index(frame, settings=IndexSettings(detect_phrases=False))
    tokens = token_offsets(COMPATIBLE)
    # the compiled scan of the index (an independent implementation) reads the same words
    assert tokens["token"].tolist() == _index_words(index, 0)
    spans = [COMPATIBLE[s:e] for s, e in zip(tokens[S.START], tokens[S.END], strict=True)]
    # by hand: each word covers the characters of the text it came from, no more
    assert spans == [
        "The", "ﬁnance", "ｏｆｆｉｃｅ", "of", "other－a", "region", "㈱", "said", "so",
        "½", "½", "ｶﾞ", "Straße", "长三角", "end",
    ]  # fmt: skip
    assert tokens["token"].tolist() == [
        "the", "finance", "office", "of", "other-a", "region", "株", "said", "so",
        "1", "2", "ガ", "strasse", "长三角", "end",
    ]  # fmt: skip


def test_shared_passages_cover_exactly_the_reused_words_in_both_texts():
    frame = TINY.assign(text=[COMPATIBLE, PLAIN, "c"])
    index = build_index(frame, settings=IndexSettings(detect_phrases=False))
    table = shared_passages(index, "a", "b", min_tokens=4)
    # by hand: "the finance office of other-a region 株 said so", 9 words in each
    assert table[S.TOKENS].tolist() == [9]
    assert table[S.TEXT_A].tolist() == ["The ﬁnance ｏｆｆｉｃｅ of other－a region ㈱ said so"]
    assert table[S.TEXT_B].tolist() == ["the finance office of other-a region (株) said so"]
    assert table[S.START_A].tolist() == [0]
    assert table[S.END_A].tolist() == [COMPATIBLE.index(" ½")]
    assert table[S.START_B].tolist() == [PLAIN.index("the")]
    assert table[S.END_B].tolist() == [PLAIN.index("!")]


def test_token_offsets_where_nfkc_composes_across_grapheme_clusters():
    # "e" + U+0301 composes to "é" inside one grapheme cluster, as three jamo make one
    # Hangul syllable; the compatibility jamo "ㄱ" and "ㅡ" are two clusters that NFKC
    # composes into one syllable "그"; a combining mark after a line break stays apart.
    text = "cafe\u0301 \u1100\u1161\u11a8 \u3131\u3161 x\n\u0301y ﬁ"
    tokens = token_offsets(text)
    spans = [text[s:e] for s, e in zip(tokens[S.START], tokens[S.END], strict=True)]
    assert spans == ["cafe\u0301", "\u1100\u1161\u11a8", "\u3131\u3161", "x", "\u0301y", "ﬁ"]
    assert tokens["token"].tolist() == ["café", "각", "그", "x", "\u0301y", "fi"]
    index = build_index(
        TINY.assign(text=[text, "b", "c"]), settings=IndexSettings(detect_phrases=False)
    )
    assert tokens["token"].tolist() == _index_words(index, 0)
