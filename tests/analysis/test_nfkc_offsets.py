"""NFKC with offsets back to the text: forms held to unicodedata, spans to the pieces."""

from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.nfkc_offsets import (
    _ONE_FOR_ONE,
    _code_point_tables,
    folded_with_offsets,
    nfkc_with_offsets,
)

# Grapheme clusters NFKC keeps, changes one for one ("，", "１", "－", "．", "Ａ"), or
# otherwise: longer ("ﬁ", "㈱", "½", "…", "①" is "1"), composed ("e" + U+0301, half-width
# "ｶﾞ", the jamo "ㄱㅡ" that make one syllable); "ß" only case folding lengthens.
CLUSTERS = [
    "a", "x", "长", "ß", "，", "１", "－", "．", "Ａ", "ﬁ", "㈱", "½", "…", "①",
    "e\u0301", "ｶﾞ", "ㄱㅡ", "\n",
]  # fmt: skip


def test_every_character_nfkc_changes_alone_is_its_form_in_one_text():
    kinds, _forms, longer = _code_point_tables()
    chars = "".join(chr(c) for c in np.flatnonzero(kinds == _ONE_FOR_ONE))
    assert {"，", "１", "－", "．", "Ａ", "　", "①"} <= set(chars)
    assert not {"ﬁ", "㈱", "½", "\u0301", "ﾞ"} & set(chars)
    assert {"ﬁ", "㈱", "½", "…"} <= set(longer)
    assert not {"\u0301", "ﾞ", "ｶ"} & set(longer)
    for text in (chars, "x".join(chars), f"发展{chars[:50]}a"):
        normal, back = nfkc_with_offsets(text)
        assert normal == unicodedata.normalize("NFKC", text)
        assert back.same_offsets
    # and those changed alone into several: each stands for its form
    text = "x".join(longer) + "，１"
    normal, back = nfkc_with_offsets(text)
    assert normal == unicodedata.normalize("NFKC", text)
    at = np.array([normal.index("(株)"), normal.index(",1")])
    starts, ends = back.spans(at, at + np.array([3, 2]))
    assert [text[a:b] for a, b in zip(starts, ends, strict=True)] == ["㈱", "，１"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CLUSTERS), min_size=1, max_size=4), max_size=12))
def test_nfkc_form_is_unicodedata_and_each_piece_maps_back_to_itself(pieces):
    # pieces parted by spaces, which nothing composes with: each piece's NFKC
    # (unicodedata, piece by piece) stands in the form, and maps back to the piece
    raw = [("".join(piece)) for piece in pieces]
    text = " ".join(raw)
    normal, back = nfkc_with_offsets(text)
    assert normal == unicodedata.normalize("NFKC", text)
    starts, ends, raw_starts, raw_ends, at, raw_at = [], [], [], [], 0, 0
    for piece in raw:
        form = unicodedata.normalize("NFKC", piece)
        starts.append(at)
        ends.append(at + len(form))
        raw_starts.append(raw_at)
        raw_ends.append(raw_at + len(piece))
        at += len(form) + 1
        raw_at += len(piece) + 1
    if raw:
        got = back.spans(np.array(starts), np.array(ends))
        assert got[0].tolist() == raw_starts
        assert got[1].tolist() == raw_ends


def test_folded_with_offsets_points_each_folded_character_at_its_own():
    assert folded_with_offsets("Xi’s ＡＢＣ") == ("xi's ａｂｃ", None)
    folded, at = folded_with_offsets("ßx İ")
    assert folded == "ssx i\u0307"
    assert at == [0, 0, 1, 2, 3, 3]
