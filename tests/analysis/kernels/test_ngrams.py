"""count_ngrams and merge_counts against a hand count of n-grams; best_at against a loop."""

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
