"""The compiled token scan against the `regex` module running SCAN_PATTERN itself.

Hand-picked edge cases, generated text, any Unicode both engines class alike,
every shared corpus; and the renumbering helpers.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis import kernels
from analysis.rule import SCAN_PATTERN
from analysis.scan import char_classes, scan
from tests.analysis.tiny import shared_texts


def _by_regex(texts: list[str]) -> list[list[str]]:
    normal = [unicodedata.normalize("NFKC", t) for t in texts]
    scan_pattern = regex.compile(SCAN_PATTERN, regex.V1)
    return [scan_pattern.findall(t) for t in normal]


def _by_scan(texts: list[str]) -> list[list[str]]:
    doc, code, distinct = scan(texts)
    out: list[list[str]] = [[] for _ in texts]
    for d, c in zip(doc.tolist(), code.tolist(), strict=True):
        out[d].append(distinct[c])
    return out


EDGE_CASES = [
    "",
    "   ",
    "high-quality",
    "high--quality",
    "a-",
    "-a",
    "x'-y",
    "Region’s",
    "it's. ‘quoted’",
    "g60科技走廊，长三角",
    "naïve café Straße ǅ",
    "a\nb\r\nc\t—d",
    "emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "x\u0301y",  # combining mark inside a word
    "١٢٣ arabic digits, हिन्दी",
    "\x00nul\x00",
    "sci‑tech (non-breaking hyphen)",
    "end-",
    "U.S. U.S.A U.S.A. U.Sa. e.g.x U.S.’s U.S.'S. a.b.c.d.e. ß.x. Ǆ.é. 9.a. a.9.",
]


def test_scan_equals_the_regex_on_edge_cases():
    assert _by_scan(EDGE_CASES) == _by_regex(EDGE_CASES)


def test_scan_numbers_distinct_strings_in_order_of_first_appearance():
    doc, code, distinct = scan(["b a b", "a c"])
    assert distinct == ["b", "a", "c"]
    assert code.tolist() == [0, 1, 0, 1, 2]
    assert doc.tolist() == [0, 0, 0, 1, 1]


def test_scan_keeps_lone_surrogates_out_of_tokens():
    # JSON may carry an unpaired surrogate escape; it separates, it does not crash
    assert _by_scan(["ab\ud800cd"]) == [["ab", "cd"]]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("ab9 -'’‐.,\n\t中国科技发展，。Ǆé\u0301😀$")),
            max_size=30,
        ),
        max_size=5,
    )
)
def test_scan_equals_the_regex_on_generated_text(texts):
    assert _by_scan(texts) == _by_regex(texts)


_ENGINE_SETS = (
    (r"[\p{L}\p{M}\p{N}]", (kernels.WORD, kernels.LETTER, kernels.CAPITAL)),
    (r"[\p{L}--\p{Han}]", (kernels.LETTER, kernels.CAPITAL)),
    (r"[\p{Lu}\p{Lt}]", (kernels.CAPITAL,)),
    (r"[\p{P}\p{S}\n]", (kernels.MARK, kernels.JOINER, kernels.APOSTROPHE, kernels.DOT)),
)


def _same_in_both_engines(char: str) -> bool:
    """Whether the `regex` module's Unicode tables class a character as polars' do.

    The scan's classes come from polars' engine; the oracle runs the
    `regex` module, whose Unicode version may be newer (it knows code
    points polars leaves unassigned).
    """
    kind = char_classes()[ord(char)]
    return all(
        bool(regex.fullmatch(pattern, char, regex.V1)) == (kind in kinds)
        for pattern, kinds in _ENGINE_SETS
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=4))
def test_scan_equals_the_regex_on_any_unicode(texts):
    assume(all(_same_in_both_engines(c) for t in texts for c in unicodedata.normalize("NFKC", t)))
    assert _by_scan(texts) == _by_regex(texts)


@pytest.mark.parametrize(
    "name",
    [
        "us_sotu",
        "zh_gov_work_reports",
        "china_media_headlines_2022",
        "china_daily_columns_2018",
        "reuters21578",
    ],
)
def test_scan_equals_the_regex_on_shared_corpora(name):
    texts = shared_texts(name)
    mine = _by_scan(texts)
    theirs = _by_regex(texts)
    assert sum(map(len, mine)) == sum(map(len, theirs))
    assert mine == theirs


def test_fill_rows_is_repeat():
    counts = np.array([2, 0, 3, 1], dtype=np.int64)
    out = np.full(6, -9, dtype=np.int32)
    kernels.fill_rows(out, 5, counts)
    assert out.tolist() == np.repeat(np.arange(5, 9), counts).tolist()


def test_expand_into_is_repeat_and_gather():
    # strings: 0 -> [7], 1 -> [] (a raw token of no word), 2 -> [8, 9, 10], 3 -> [-1]
    lengths = np.array([1, 0, 3, 1], dtype=np.int64)
    starts = np.array([0, 1, 1, 4], dtype=np.int64)
    flat = np.array([7, 8, 9, 10, -1], dtype=np.int32)
    codes = np.array([0, 2, 1, 3, 3, 1, 2], dtype=np.int32)
    counts = np.array([2, 0, 3, 2], dtype=np.int64)  # raw tokens per document
    per_doc = kernels.expanded_counts(codes, counts, lengths)
    assert per_doc.tolist() == [4, 0, 2, 3]
    rows = np.full(9, -9, dtype=np.int32)
    out = np.full(9, -9, dtype=np.int32)
    kernels.expand_into(rows, out, 10, per_doc, codes, starts, lengths, flat)
    assert out.tolist() == [7, 8, 9, 10, -1, -1, 8, 9, 10]
    assert rows.tolist() == [10, 10, 10, 10, 12, 12, 13, 13, 13]
    pieces = [flat[starts[c] : starts[c] + lengths[c]] for c in codes]
    assert out.tolist() == np.concatenate(pieces).tolist()
