"""The partitioned n-gram counts against a hand count of n-grams; best_at against a loop."""

from __future__ import annotations

import numpy as np

from analysis import kernels


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


def _level(
    ids, doc, n, n_words, stop, mark, last=False, spans=None, bits=3, listed=False, key_bits=0
):
    """One level through the kernels: per n-gram (tuple of its prefix and last word)
    its count, spread and first start, and per item (start) its n-gram. ``listed``:
    read only the positions where ``mark`` is set (spans then index those);
    ``key_bits``: the documents packed above keys of so many bits."""
    spans = spans or [(0, len(ids))]
    starts = np.flatnonzero(mark >= 0) if listed else np.zeros(0, dtype=np.int64)
    if listed:
        spans = [tuple(np.searchsorted(starts, span).tolist()) for span in spans]
        mark = mark[starts]  # the marks of the listed starts, in their order
    counted = np.zeros((len(spans), (1 << bits) + 1), dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    for (lo, hi), count in zip(spans, counted, strict=True):
        kernels.partition_ngrams(
            ids, doc, n, n_words, stop, mark, last, lo, hi, bits, count, empty, empty, True,
            starts, listed, key_bits,
        )  # fmt: skip
    sizes = counted[:, :-1]
    bounds = np.concatenate([[0], np.cumsum(sizes.sum(axis=0))])
    items = int(bounds[-1])
    keys = np.full(items + 1, -7, dtype=np.int64)
    where = np.full(items + 1, -7, dtype=np.int32)
    cursors = np.empty_like(counted)
    cursors[:, :-1] = bounds[:-1] + np.cumsum(sizes, axis=0) - sizes
    cursors[:, -1] = items
    for (lo, hi), cursor in zip(spans, cursors, strict=True):
        kernels.partition_ngrams(
            ids, doc, n, n_words, stop, mark, last, lo, hi, bits, cursor, keys, where, False,
            starts, listed, key_bits,
        )  # fmt: skip
    assert (cursors[:, :-1][-1] == bounds[1:]).all()  # every partition filled exactly
    keys, where = keys[:items], where[:items]
    row, first, counts, spread = (np.full(items, -7, dtype=np.int32) for _ in range(4))
    distinct = np.zeros(1 << bits, dtype=np.int64)
    kernels.count_partitions(
        keys, where, doc, key_bits, bounds, 0, 1 << bits, bits, row, first, counts, spread,
        distinct,
    )  # fmt: skip
    packed_docs = keys >> key_bits
    if key_bits:
        keys = keys & ((1 << key_bits) - 1)
    grams, first_start = {}, {}
    for j in range(1 << bits):
        for r in range(bounds[j], bounds[j] + distinct[j]):
            key = int(keys[first[r]])
            gram = (key // n_words, key % n_words)
            assert gram not in grams  # a key in one partition only
            grams[gram] = (int(counts[r]), int(spread[r]))
            first_start[gram] = int(where[first[r]])
    starts = where
    # each partition holds its items in text order, and each item's row names its key
    for j in range(1 << bits):
        assert (np.diff(starts[bounds[j] : bounds[j + 1]]) > 0).all()
    assert (keys[first[row]] == keys).all()
    if key_bits:
        assert (packed_docs == doc[starts]).all()
    return grams, first_start, (keys, where, bounds, row, first, counts, spread, distinct)


def _random_stream(seed, size, n_words=30, n_docs=40):
    rng = np.random.default_rng(seed)
    ids = rng.integers(-1, n_words, size=size).astype(np.int32)  # -1: boundaries
    doc = np.sort(rng.integers(0, n_docs, size=size)).astype(np.int32)
    stop = np.zeros(n_words, dtype=bool)
    stop[:3] = True
    return ids, doc, stop


def test_partitioned_bigram_counts_equal_a_hand_count():
    ids, doc, stop = _random_stream(1, 20_000)
    n_words = len(stop)
    grams, first_start, _level_arrays = _level(ids, doc, 2, n_words, stop, ids)
    by_hand, spread_by_hand = _ngrams_by_hand(ids, doc, 2, stop, None)
    assert {g: c for g, (c, _s) in grams.items()} == by_hand
    assert {g: s for g, (_c, s) in grams.items()} == spread_by_hand
    for gram, start in first_start.items():
        assert tuple(ids[start : start + 2].tolist()) == gram
        assert start == min(
            p for p in range(len(ids) - 1)
            if tuple(ids[p : p + 2].tolist()) == gram and doc[p] == doc[p + 1]
        )  # fmt: skip


def test_marked_prefixes_are_extended_like_a_hand_count():
    ids, doc, stop = _random_stream(2, 20_000, n_words=8)
    n_words = len(stop)
    _grams, _first, arrays = _level(ids, doc, 2, n_words, stop, ids)
    keys, where, bounds, row, first, counts, spread, distinct = arrays
    rows = kernels.frequent_rows(bounds, distinct, counts, spread, 40, 1)
    assert (counts[rows] >= 40).all()
    every = np.concatenate([np.arange(bounds[j], bounds[j] + distinct[j]) for j in range(8)])
    assert sorted(rows.tolist()) == rows.tolist()
    assert set(rows.tolist()) == set(every[counts[every] >= 40].tolist())
    rank = np.full(len(keys), -7, dtype=np.int32)  # read at the frequent rows only
    rank[rows] = np.arange(len(rows))
    mark = np.full(len(ids), -1, dtype=np.int32)
    kernels.mark_frequent(where, row, counts, spread, 40, 1, rank, 0, len(keys), mark)
    bigram = keys[first[rows]]
    for p in np.flatnonzero(mark >= 0):
        assert int(bigram[mark[p]]) == int(ids[p]) * n_words + int(ids[p + 1])
    assert (mark >= 0).sum() == counts[rows].sum()
    spans = [(0, 9000), (9000, 20_000)]
    grams3, first3, _a3 = _level(ids, doc, 3, n_words, stop, mark, spans=spans)
    listed = _level(ids, doc, 3, n_words, stop, mark, spans=spans, listed=True)
    assert listed[0] == grams3
    assert listed[1] == first3
    prefixes = {(int(k) // n_words, int(k) % n_words) for k in bigram}
    by_hand, spread_by_hand = _ngrams_by_hand(ids, doc, 3, stop, prefixes)
    mine = {}
    for (prefix, last), (count, spread3) in grams3.items():
        b = int(bigram[prefix])
        mine[(b // n_words, b % n_words, last)] = (count, spread3)
    assert {g: c for g, (c, _s) in mine.items()} == by_hand
    assert {g: s for g, (_c, s) in mine.items()} == spread_by_hand


def test_the_last_level_skips_ngrams_ending_with_a_stop_word():
    ids, doc, stop = _random_stream(6, 20_000)
    n_words = len(stop)
    every, _f, _a = _level(ids, doc, 2, n_words, stop, ids)
    last, _f2, _a2 = _level(ids, doc, 2, n_words, stop, ids, last=True)
    assert any(stop[g[1]] for g in every)
    assert last == {g: v for g, v in every.items() if not stop[g[1]]}


def test_documents_packed_above_the_keys_count_the_same():
    ids, doc, stop = _random_stream(7, 20_000)
    n_words = len(stop)
    key_bits = (n_words * n_words - 1).bit_length()
    apart = _level(ids, doc, 2, n_words, stop, ids, bits=4)
    packed = _level(ids, doc, 2, n_words, stop, ids, bits=4, key_bits=key_bits)
    assert apart[0] == packed[0]
    assert apart[1] == packed[1]
    by_hand, spread_by_hand = _ngrams_by_hand(ids, doc, 2, stop, None)
    assert {g: c for g, (c, _s) in packed[0].items()} == by_hand
    assert {g: s for g, (_c, s) in packed[0].items()} == spread_by_hand


def test_spans_counted_apart_equal_the_whole():
    ids, doc, stop = _random_stream(3, 30_000, n_words=200)
    n_words = len(stop)
    cut = int(np.searchsorted(doc, doc[len(doc) // 2]))
    whole = _level(ids, doc, 2, n_words, stop, ids, bits=5)
    parts = _level(ids, doc, 2, n_words, stop, ids, spans=[(0, cut), (cut, len(ids))], bits=5)
    assert whole[0] == parts[0]
    assert whole[1] == parts[1]


def test_kept_starts_are_in_text_order():
    mark = np.array([-1, 0, 2, -1, 1, 0, 2], dtype=np.int32)
    kept = np.array([5, -1, 6], dtype=np.int32)  # frequent n-gram 1 is not kept
    doc = np.array([0, 0, 0, 1, 1, 1, 2], dtype=np.int32)
    empty = np.zeros(0, dtype=np.int32)
    room = np.full(8, -7, dtype=np.int32), np.full(8, -7, dtype=np.int32)
    starts, marks, at, in_doc, phrase = kernels.kept_starts(
        mark.copy(), kept, doc, empty, False, 0, len(mark), *room, 4
    )
    assert starts.tolist() == [1, 2, 4, 5, 6]
    assert marks.tolist() == [0, 2, 1, 0, 2]
    assert at.tolist() == [1, 2, 5, 6]
    assert in_doc.tolist() == [0, 0, 1, 2]
    assert phrase.tolist() == [5, 6, 5, 6]


def test_kept_starts_of_listed_starts_in_place():
    mark = np.array([-1, 0, 2, -1, 1, 0, 2], dtype=np.int32)
    kept = np.array([5, -1, 6], dtype=np.int32)
    doc = np.array([0, 0, 0, 1, 1, 1, 2], dtype=np.int32)
    listed = np.array([0, 2, 3, 4, 6], dtype=np.int32)  # position 1 and 5 not listed
    marks = np.full(5, -7, dtype=np.int32)
    starts, next_marks, at, in_doc, phrase = kernels.kept_starts(
        mark, kept, doc, listed, True, 1, 5, listed[1:], marks, 4
    )
    assert starts.tolist() == [2, 4, 6]
    assert listed.tolist() == [0, 2, 4, 6, 6]  # written over, from listed[1:] on
    assert next_marks.tolist() == [2, 1, 2]
    assert at.tolist() == [2, 6]
    assert in_doc.tolist() == [0, 2]
    assert phrase.tolist() == [6, 6]


def test_partitions_of_nothing():
    empty = np.zeros(0, dtype=np.int32)
    grams, first, _arrays = _level(empty, empty, 2, 1, np.zeros(1, dtype=bool), empty)
    assert grams == {}
    assert first == {}


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
