"""analysis/nfkc.py: the compiled NFKC replacements equal unicodedata.normalize."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.nfkc import nfkc_replace
from analysis.scan import _normalised, nfkc_forms, nfkc_safe
from tests.analysis.tiny import shared_texts


def _replaced() -> list[str]:
    entry, _arena, _bounds = nfkc_forms()
    return [chr(point) for point in np.flatnonzero(entry >= 0)]


def _safe_sample(n: int) -> list[str]:
    points = np.flatnonzero(nfkc_safe())
    return [chr(int(p)) for p in points[:: max(1, len(points) // n)]]


def _nfkc(texts: list[str]) -> list[str]:
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum([len(e) for e in encoded])
    buf, out_bounds = _normalised(np.frombuffer(b"".join(encoded), dtype=np.uint8), bounds)
    return [
        buf[out_bounds[i] : out_bounds[i + 1]].tobytes().decode("utf-8", "surrogatepass")
        for i in range(len(texts))
    ]


def test_the_replaced_characters_are_the_common_compatibility_forms():
    replaced = set(_replaced())
    # full-width punctuation, digits and letters, the ideographic space, circled and
    # parenthesised numbers, roman numerals, the ellipsis, ligatures, squared words
    assert set("，：；（）！？％１０Ａｚ\u3000①⑵Ⅱ…ﬁ㍿") <= replaced
    # never a character whose NFKC depends on its neighbours (or that is its own)
    assert not {"\u0301", "\uff9e", "\u1161", "a", "发", "é"} & replaced
    for char in replaced:
        assert unicodedata.combining(char) == 0


def test_each_replacement_is_context_free_beside_every_kind_of_neighbour():
    """NFKC(x + c + y) == NFKC(x) + NFKC(c) + NFKC(y) for every replaced c and
    neighbours from ASCII, the safe characters and the replaced ones."""
    replaced = _replaced()
    neighbours = [*"aZ0 .,'-\n", *_safe_sample(300), *replaced[::7]]
    pairs = list(zip(neighbours, [*neighbours[1:], neighbours[0]], strict=True))
    texts = [x + c + y for c in replaced for x, y in pairs]
    want = [unicodedata.normalize("NFKC", t) for t in texts]
    assert _nfkc(texts) == want


_ALPHABET = st.sampled_from(
    [
        *"abcXYZ09 .,'-\n",
        *("\u0301", "\u0323", "\u1100", "\u1161", "\uac00", "\uff9e", "ｶ"),
        *_safe_sample(60),
        *_replaced()[::11],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=12), min_size=1, max_size=6))
def test_normalised_batches_equal_unicodedata(texts):
    assert _nfkc(texts) == [unicodedata.normalize("NFKC", t) for t in texts]


@pytest.mark.parametrize("corpus", ["zh_gov_work_reports", "china_media_headlines_2022"])
def test_normalised_shared_corpora_equal_unicodedata(corpus):
    texts = shared_texts(corpus)
    assert _nfkc(texts) == [unicodedata.normalize("NFKC", t) for t in texts]


def test_texts_with_other_characters_are_normalised_by_python_in_the_same_pass():
    texts = ["全角，１２", "cafe\u0301，", "plain", "ｶﾞ", "e\u0301"]
    encoded = [t.encode() for t in texts]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    bounds = np.cumsum([0, *map(len, encoded)])
    todo = np.array([True, True, False, True, True])
    out, out_bounds = nfkc_replace(buf, bounds, todo, nfkc_safe(), nfkc_forms())
    pieces = [out[out_bounds[i] : out_bounds[i + 1]].tobytes().decode() for i in range(5)]
    assert pieces == ["全角,12", "caf\u00e9,", "plain", "ガ", "\u00e9"]
    assert pieces == [unicodedata.normalize("NFKC", t) for t in texts]


def test_a_batch_that_needs_no_change_is_returned_as_it_came():
    # a text the quick check cannot clear that is in NFKC all the same
    texts = ["caf\u00e9 \U0001f600", "plain"]
    encoded = [t.encode() for t in texts]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    bounds = np.cumsum([0, *map(len, encoded)])
    out, out_bounds = nfkc_replace(buf, bounds, np.array([True, False]), nfkc_safe(), nfkc_forms())
    assert out is buf
    assert out_bounds is bounds
