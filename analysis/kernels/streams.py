"""Walks over the index's token stream (word ids, -1 at boundaries, documents by offsets).

:func:`match_sequence`: where a typed word sequence (a set of word ids per
place) stands in the stream of some documents; :func:`positions_by_value`:
the positions of each word; :func:`walk_words`: the words beside given
positions (collocates); :func:`shingle_hashes`: the hashed word runs of
documents (near-duplicates).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _fills(tokens: np.ndarray, p: int, allowed: np.ndarray) -> bool:
    """Whether the tokens from stream position ``p`` fill every place of ``allowed``."""
    n_ids = allowed.shape[1]
    for k in range(allowed.shape[0]):
        t = tokens[p + k]
        if t < 0 or t >= n_ids or not allowed[k, t]:
            return False
    return True


@njit(cache=True, nogil=True)
def match_sequence(
    tokens: np.ndarray,
    offsets: np.ndarray,
    rows: np.ndarray,
    allowed: np.ndarray,
    positions: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Occurrences of a word sequence in the token streams of documents ``rows``.

    Document ``r`` is ``tokens[offsets[r]:offsets[r + 1]]``. The sequence has
    ``allowed.shape[0]`` places; a token ``t`` fills place ``k`` when
    ``t >= 0`` and ``allowed[k, t]`` (a boundary, ``-1``, fills none, so no
    match spans one). Overlapping occurrences all count.

    Returns
    -------
    counts
        Occurrences per entry of ``rows``.
    starts
        When ``positions``: the stream position of every occurrence, by
        ``rows`` order then reading order; otherwise empty.
    """
    n = allowed.shape[0]
    counts = np.zeros(len(rows), dtype=np.int64)
    for i in range(len(rows)):
        lo = offsets[rows[i]]
        hi = offsets[rows[i] + 1] - n + 1
        found = 0
        for p in range(lo, hi):
            if _fills(tokens, p, allowed):
                found += 1
        counts[i] = found
    if not positions:
        return counts, np.zeros(0, dtype=np.int64)
    starts = np.empty(counts.sum(), dtype=np.int64)
    at = 0
    for i in range(len(rows)):
        if counts[i] == 0:
            continue
        lo = offsets[rows[i]]
        hi = offsets[rows[i] + 1] - n + 1
        for p in range(lo, hi):
            if _fills(tokens, p, allowed):
                starts[at] = p
                at += 1
    return counts, starts


@njit(cache=True, nogil=True)
def positions_by_value(values: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``values`` grouped by value (a counting sort; negatives skipped).

    The positions holding value ``v`` are ``order[starts[v]:starts[v + 1]]``,
    in increasing order.
    """
    starts = np.zeros(n_values + 1, dtype=np.int64)
    for v in values:
        if v >= 0:
            starts[v + 1] += 1
    for v in range(n_values):
        starts[v + 1] += starts[v]
    fill = starts[:-1].copy()
    order = np.empty(starts[n_values], dtype=np.int64)
    for i in range(len(values)):
        v = values[i]
        if v >= 0:
            order[fill[v]] = i
            fill[v] += 1
    return order, starts


@njit(cache=True, nogil=True)
def walk_words(
    tokens: np.ndarray, at: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: int, n: int
) -> np.ndarray:
    """Per start ``at[i]``, the positions of the first ``n`` non-negative tokens met
    walking by ``step`` while inside ``[lo[i], hi[i])``; ``-1`` where none is left."""
    out = np.full((len(at), n), -1, dtype=np.int64)
    for i in range(len(at)):
        p = at[i]
        k = 0
        while k < n and lo[i] <= p < hi[i]:
            if tokens[p] >= 0:
                out[i, k] = p
                k += 1
            p += step
    return out


@njit(cache=True, nogil=True)
def shingle_hashes(
    tokens: np.ndarray, offsets: np.ndarray, rows: np.ndarray, shingle: int, base: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """Polynomial hashes of the ``shingle``-word runs of documents ``rows`` (boundaries skipped).

    Word ``w`` enters as ``w + 1``; a document of fewer words than
    ``shingle`` has one run, its words followed by zeros. Returns, per run,
    the position of its document in ``rows`` and the hash (wrapping uint64).
    """
    total = 0
    for k in range(len(rows)):
        r = rows[k]
        n_words = 0
        for p in range(offsets[r], offsets[r + 1]):
            if tokens[p] >= 0:
                n_words += 1
        total += max(n_words - shingle + 1, 1 if n_words > 0 else 0)
    doc_of = np.empty(total, dtype=np.int64)
    hash_of = np.empty(total, dtype=np.uint64)
    words = np.empty(0, dtype=np.uint64)
    out = 0
    for k in range(len(rows)):
        r = rows[k]
        lo, hi = offsets[r], offsets[r + 1]
        if len(words) < hi - lo:
            words = np.empty(hi - lo, dtype=np.uint64)
        n_words = 0
        for p in range(lo, hi):
            if tokens[p] >= 0:
                words[n_words] = np.uint64(tokens[p] + 1)
                n_words += 1
        if n_words == 0:
            continue
        for start in range(max(n_words - shingle + 1, 1)):
            h = np.uint64(0)
            for j in range(shingle):
                term = words[start + j] if start + j < n_words else np.uint64(0)
                h = h * base + term
            doc_of[out] = k
            hash_of[out] = h
            out += 1
    return doc_of, hash_of
