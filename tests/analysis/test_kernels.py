"""The compiled loops against independent implementations.

- the scan against the `regex` module running SCAN_PATTERN itself
  (hand-picked edge cases, generated text, every shared corpus);
- count_ngrams and merge_counts against a hand count of n-grams;
- row_counts against scipy's COO -> CSR summation.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
import regex
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis import kernels
from analysis.rule import SCAN_PATTERN
from analysis.scan import _utf8, char_classes, nfkc_safe, scan

from .tiny import shared_texts


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


def test_character_classes_partition_the_pattern_sets():
    classes = char_classes()
    assert classes[ord("a")] == kernels.LETTER  # a word character, and an abbreviation's letter
    assert classes[ord("9")] == kernels.WORD
    assert classes[ord("中")] == kernels.WORD  # Han: no abbreviation letter
    assert classes[ord("\u0301")] == kernels.WORD  # a mark
    assert classes[ord("-")] == kernels.JOINER
    assert classes[ord("’")] == kernels.APOSTROPHE  # a joiner that starts a possessive
    assert classes[ord(".")] == kernels.DOT  # a mark that follows an abbreviation's letters
    assert classes[ord(",")] == kernels.MARK
    assert classes[ord("\n")] == kernels.MARK
    assert classes[ord("$")] == kernels.MARK
    assert classes[ord(" ")] == kernels.OTHER
    assert classes[ord("\r")] == kernels.OTHER


def test_scan_equals_the_regex_on_edge_cases():
    assert _by_scan(EDGE_CASES) == _by_regex(EDGE_CASES)


def test_scan_numbers_distinct_strings_in_order_of_first_appearance():
    doc, code, distinct = scan(["b a b", "a c"])
    assert distinct == ["b", "a", "c"]
    assert code.tolist() == [0, 1, 0, 1, 2]
    assert doc.tolist() == [0, 0, 0, 1, 1]


def test_scan_in_parallel_parts_equals_one_pass(monkeypatch):
    import analysis.scan as scanning

    texts = [f"Doc {i}: the Yangtze River Delta’s plan, 长三角{i % 7}." for i in range(3000)]
    texts[1500:1510] = [""] * 10  # empty texts inside a part
    whole = scan(texts)
    monkeypatch.setattr(scanning, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(scanning, "PART_BYTES", 20_000)
    monkeypatch.setattr(kernels, "WORKERS", 3)
    assert len(scanning.scan_parts(texts).pieces) > 6
    split = scan(texts)
    assert whole[2] == split[2]
    assert whole[0].tolist() == split[0].tolist()
    assert whole[1].tolist() == split[1].tolist()


def _numbers(scanned):
    doc, codes = scanned.numbered(np.arange(len(scanned.distinct), dtype=np.int32))
    return doc.tolist(), codes.tolist(), scanned.distinct


@pytest.mark.parametrize("small_parts", [False, True])
def test_scan_reads_an_arrow_column_like_a_list(monkeypatch, small_parts):
    import pandas as pd

    import analysis.scan as scanning

    texts = ["Xi’s high-quality plan.", "", "naïve ＡＢＣ café… ﬁ", "长三角 g60", "e\u0301 x"] * 40
    expected = _numbers(scanning.scan_parts(texts))
    if small_parts:
        monkeypatch.setattr(scanning, "PARALLEL_BYTES", 0)
        monkeypatch.setattr(scanning, "PART_BYTES", 50)
    column = pd.Series(["skipped"] * 3 + texts).iloc[3:]  # an Arrow array with an offset
    assert scanning._arrow_utf8(column) is not None
    assert _numbers(scanning.scan_parts(column)) == expected
    # not Arrow-backed: read as Python strings
    assert _numbers(scanning.scan_parts(pd.Series(texts, dtype=object))) == expected


def test_scan_calls_meanwhile_once():
    import analysis.scan as scanning

    calls = []
    scanned = scanning.scan_parts(["a b", "c"], meanwhile=lambda: calls.append(1))
    assert calls == [1]
    assert scanned.doc_tokens.tolist() == [2, 1]


def test_nfkc_safe_characters_never_compose_with_the_one_before():
    # NFKC's quick check says "yes" only for characters that are their own
    # NFKC form, of combining class 0, and never the second character of a
    # canonical composition; the table must hold no such second character.
    safe = nfkc_safe()
    seconds = set()
    for point in range(0x110000):
        parts = unicodedata.decomposition(chr(point)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    seconds.update(range(0x1161, 0x1176))  # Hangul vowels and trailing consonants
    seconds.update(range(0x11A8, 0x11C3))
    assert not any(safe[p] for p in seconds)
    for point in np.flatnonzero(safe).tolist():
        char = chr(point)
        assert unicodedata.normalize("NFKC", char) == char
        assert unicodedata.combining(char) == 0


@pytest.mark.parametrize(
    "text",
    ["plain", "café “quoted” — 中文，", "x y", "etc…", "ﬁ ligature", "é", " "],
)
def test_prepared_text_is_the_nfkc_form(text):
    buf, bounds = _utf8([text, "ascii"])
    assert buf[bounds[0] : bounds[1]].tobytes().decode() == unicodedata.normalize("NFKC", text)
    assert buf[bounds[1] : bounds[2]].tobytes() == b"ascii"


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


def _ngrams_by_hand(ids, doc, n, stop, prefixes):
    """Counter of n-grams (tuples) starting at a non-stop word and spanning no boundary.

    ``prefixes`` limits them to n-grams whose first n-1 words are one of those tuples.
    """
    counts, spread = {}, {}
    for p in range(len(ids) - n + 1):
        gram = tuple(int(w) for w in ids[p : p + n])
        if min(gram) < 0 or doc[p] != doc[p + n - 1] or stop[gram[0]]:
            continue
        if prefixes is not None and gram[:-1] not in prefixes:
            continue
        counts[gram] = counts.get(gram, 0) + 1
        spread.setdefault(gram, set()).add(int(doc[p]))
    return counts, {g: len(d) for g, d in spread.items()}


def _count(ids, doc, n, n_words, stop, at, head, lo, hi, last=False):
    """count_ngrams with fresh output buffers, occurrences cut to those written."""
    where = np.empty(hi - lo, dtype=np.int64)
    slot = np.empty(hi - lo, dtype=np.int32)
    keys, counts, spread, found = kernels.count_ngrams(
        ids, doc, n, n_words, stop, at, head.astype(np.int32), lo, hi, where, slot, last
    )
    return keys, counts, spread, where[:found], slot[:found]


def _random_stream(seed, size, n_words=30, n_docs=40):
    rng = np.random.default_rng(seed)
    ids = rng.integers(-1, n_words, size=size).astype(np.int32)  # -1: boundaries
    doc = np.sort(rng.integers(0, n_docs, size=size)).astype(np.int32)
    stop = np.zeros(n_words, dtype=bool)
    stop[:3] = True
    return ids, doc, stop


def test_count_ngrams_counts_bigrams_like_a_hand_count():
    ids, doc, stop = _random_stream(1, 20_000)
    n_words = len(stop)
    empty = np.zeros(0, dtype=np.int64)
    keys, counts, spread, where, slot = _count(
        ids, doc, 2, n_words, stop, empty, empty, 0, len(ids)
    )
    by_hand, spread_by_hand = _ngrams_by_hand(ids, doc, 2, stop, None)
    mine = {
        (int(k) // n_words, int(k) % n_words): int(c) for k, c in zip(keys, counts, strict=True)
    }
    assert mine == by_hand
    mine_spread = {
        (int(k) // n_words, int(k) % n_words): int(s) for k, s in zip(keys, spread, strict=True)
    }
    assert mine_spread == spread_by_hand
    # every occurrence points at its own key, in text order
    assert (np.diff(where) > 0).all()
    assert (keys[slot] == ids[where].astype(np.int64) * n_words + ids[where + 1]).all()


def test_count_ngrams_extends_given_prefixes():
    ids, doc, stop = _random_stream(2, 20_000, n_words=8)
    n_words = len(stop)
    empty = np.zeros(0, dtype=np.int64)
    keys2, counts2, _s, where2, slot2 = _count(
        ids, doc, 2, n_words, stop, empty, empty, 0, len(ids)
    )
    frequent = counts2 >= 40
    rank = np.full(len(keys2), -1)
    rank[frequent] = np.arange(frequent.sum())
    keep = rank[slot2] >= 0
    at, head = where2[keep], rank[slot2][keep].astype(np.int32)
    keys3, counts3, _s3, _w3, _sl3 = _count(ids, doc, 3, n_words, stop, at, head, 0, len(at))
    prefixes = {(int(k) // n_words, int(k) % n_words) for k in keys2[frequent]}
    by_hand, _spread = _ngrams_by_hand(ids, doc, 3, stop, prefixes)
    bigram = keys2[frequent]
    mine = {}
    for key, count in zip(keys3.tolist(), counts3.tolist(), strict=True):
        first = int(bigram[key // n_words])
        mine[(first // n_words, first % n_words, key % n_words)] = count
    assert mine == by_hand


def test_count_ngrams_on_the_last_level_skips_those_ending_with_a_stop_word():
    ids, doc, stop = _random_stream(6, 20_000)
    n_words = len(stop)
    empty = np.zeros(0, dtype=np.int64)
    every = _count(ids, doc, 2, n_words, stop, empty, empty, 0, len(ids))
    last = _count(ids, doc, 2, n_words, stop, empty, empty, 0, len(ids), last=True)
    ends_in_stop = stop[every[0] % n_words]
    assert ends_in_stop.any()
    assert dict(zip(last[0].tolist(), last[1].tolist(), strict=True)) == dict(
        zip(every[0][~ends_in_stop].tolist(), every[1][~ends_in_stop].tolist(), strict=True)
    )


def test_count_ngrams_in_parts_merges_to_the_whole():
    ids, doc, stop = _random_stream(3, 30_000, n_words=200)
    n_words = len(stop)
    empty = np.zeros(0, dtype=np.int64)
    cut = int(np.searchsorted(doc, doc[len(doc) // 2]))
    whole = _count(ids, doc, 2, n_words, stop, empty, empty, 0, len(ids))
    first = _count(ids, doc, 2, n_words, stop, empty, empty, 0, cut)
    second = _count(ids, doc, 2, n_words, stop, empty, empty, cut, len(ids))
    keys, counts, spread, remap = kernels.merge_counts(*first[:3], *second[:3])
    assert dict(zip(keys.tolist(), counts.tolist(), strict=True)) == dict(
        zip(whole[0].tolist(), whole[1].tolist(), strict=True)
    )
    assert dict(zip(keys.tolist(), spread.tolist(), strict=True)) == dict(
        zip(whole[0].tolist(), whole[2].tolist(), strict=True)
    )
    assert (keys[remap[second[4]]] == whole[0][whole[4][len(first[3]) :]]).all()


def test_count_ngrams_of_nothing():
    empty = np.zeros(0, dtype=np.int64)
    out = _count(
        np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), 2, 1,
        np.zeros(1, dtype=bool), empty, empty.astype(np.int32), 0, 0,
    )  # fmt: skip
    assert all(len(part) == 0 for part in out)


def test_row_counts_match_scipy():
    rng = np.random.default_rng(3)
    rows = np.sort(rng.integers(0, 40, size=5_000)).astype(np.int32)
    values = rng.integers(-1, 300, size=len(rows)).astype(np.int32)
    indptr, indices, data = kernels.row_counts(rows, values, 45, 300)
    mine = sp.csr_matrix((data, indices, indptr), shape=(45, 300))
    valid = values >= 0
    theirs = sp.coo_matrix(
        (np.ones(valid.sum(), dtype=np.int32), (rows[valid], values[valid])), shape=(45, 300)
    ).tocsr()
    assert mine.has_sorted_indices
    assert (mine != theirs).nnz == 0


@pytest.mark.parametrize("n_values", [70, 3_000, 2**22 + 5])
def test_row_counts_sort_long_rows_like_scipy(n_values):
    # rows long enough for the radix sort (over 64 distinct values), with one,
    # two and three digits of eleven bits at most
    rng = np.random.default_rng(n_values)
    rows = np.repeat(np.arange(6, dtype=np.int32), [0, 1, 65, 400, 2_000, 9])
    values = rng.integers(-1, n_values, size=len(rows)).astype(np.int32)
    values[rows == 4] = rng.integers(n_values - 70, n_values, size=(rows == 4).sum())
    indptr, indices, data = kernels.row_counts(rows, values, 6, n_values)
    mine = sp.csr_matrix((data, indices, indptr), shape=(6, n_values))
    valid = values >= 0
    theirs = sp.coo_matrix(
        (np.ones(valid.sum(), dtype=np.int32), (rows[valid], values[valid])), shape=(6, n_values)
    ).tocsr()
    assert mine.has_sorted_indices
    assert (mine != theirs).nnz == 0


def test_fill_rows_is_repeat():
    counts = np.array([2, 0, 3, 1], dtype=np.int64)
    out = np.full(6, -9, dtype=np.int32)
    kernels.fill_rows(out, 5, counts)
    assert out.tolist() == np.repeat(np.arange(5, 9), counts).tolist()


def test_totals_match_bincount():
    values = np.random.default_rng(5).integers(-1, 50, size=10_000).astype(np.int32)
    expected = np.bincount(values[values >= 0], minlength=60)
    assert kernels.totals(values, 60).tolist() == expected.tolist()


def test_best_at_is_the_maximum_over_equal_places():
    rng = np.random.default_rng(9)
    places = np.sort(rng.integers(0, 300, size=500))
    scores = rng.random(500)
    queries = np.sort(rng.choice(400, size=200, replace=False))
    out = np.full(len(queries), -np.inf)
    out[::3] = 0.5  # a running maximum: earlier values stay when higher
    expected = out.copy()
    for i, q in enumerate(queries):
        here = scores[places == q]
        if len(here):
            expected[i] = max(expected[i], here.max())
    kernels.best_at(places, scores, queries, out)
    assert out.tolist() == expected.tolist()
