"""One level of phrase detection over the token stream, and the pruning of fragments.

:func:`count_ngrams`, :func:`merge_counts`, :func:`advance`: count, document
spread and occurrences of the n-grams that extend frequent (n-1)-grams (part
by part, then merged), then the occurrences that the next level extends;
:func:`best_at`: the best score standing at each of a sorted list of positions
(fragment pruning). :mod:`analysis.phrases` gives the counts their meaning.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analysis.kernels.hashing import _home, _rehash, _table_for


@njit(cache=True, nogil=True)
def count_ngrams(
    ids: np.ndarray,
    doc: np.ndarray,
    n: int,
    n_words: int,
    stop: np.ndarray,
    at: np.ndarray,
    head: np.ndarray,
    lo: int,
    hi: int,
    where: np.ndarray,
    slot: np.ndarray,
    last: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Count the n-grams of a token stream that extend given (n-1)-grams.

    ``ids`` holds word ids (negative at boundaries) and ``doc`` the
    document of each position (non-decreasing). For ``n == 2`` an n-gram
    starts at every word that is not a ``stop`` word (``at`` and ``head``
    are ignored); for larger ``n`` at the positions ``at``, where an
    (n-1)-gram numbered ``head`` starts. The n-gram's key is
    ``head * n_words + last word``; it counts when its last word is a word
    of the same document. Only n-grams starting at positions ``lo:hi``
    (``n == 2``) or at ``at[lo:hi]`` are counted; parts of the stream split
    at document boundaries are counted apart and merged with
    :func:`merge_counts`. On the ``last`` level, n-grams that end with a
    stop word are skipped: they can be neither kept nor extended.

    ``where`` and ``slot`` (at least ``hi - lo`` long) receive, per
    occurrence in text order, its start position and its key's index in
    ``distinct``: the caller's buffers, reused from level to level.

    Returns
    -------
    distinct
        The distinct keys in order of first appearance.
    counts, spread
        Occurrences of each key and the number of documents with one.
    found
        How many occurrences were written to ``where`` and ``slot``.
    """
    table_size = 1 << 16
    table = np.full(table_size, -1, dtype=np.int32)
    # One row per distinct key: key, count, spread, last document (one cache
    # line). Room for as many keys as occurrences: only the rows used are
    # ever paged in, and the rows never move; only the table grows.
    entries = np.empty((max(hi - lo, 1), 4), dtype=np.int64)
    # next position (or index into at), distinct keys, shift, occurrences out, scratch
    state = np.array([lo, 0, 64 - 16, 0, 0], dtype=np.int64)
    while _ngrams_until_full(
        ids, doc, n, n_words, stop, at, head, hi, table, entries, where, slot, last, state
    ):
        table_size *= 2
        state[2] -= 1
        table = _rehash(entries[:, 0], state[1], table_size, state[2])
    used, found = state[1], state[3]
    # views of the rows used (a copy would only touch more fresh memory)
    return entries[:used, 0], entries[:used, 1], entries[:used, 2], found


#: Keys looked up together: their table slots are loaded before any is used,
#: so the cache misses overlap instead of following one another.
_BATCH = 32


@njit(cache=True, nogil=True)
def _ngrams_until_full(
    ids: np.ndarray,
    doc: np.ndarray,
    n: int,
    n_words: int,
    stop: np.ndarray,
    at: np.ndarray,
    head: np.ndarray,
    total: int,
    table: np.ndarray,
    entries: np.ndarray,
    where: np.ndarray,
    slot_out: np.ndarray,
    last: bool,
    state: np.ndarray,
) -> bool:
    # Resumable like _scan_until_full: True when the table must grow first.
    k, used, shift, found = state[0], state[1], state[2], state[3]
    mask = len(table) - 1
    keys = np.empty(_BATCH, dtype=np.int64)
    starts = np.empty(_BATCH, dtype=np.int64)
    homes = np.empty(_BATCH, dtype=np.int64)
    touched = 0
    while k < total:
        if 2 * (used + _BATCH) > len(table):
            state[0], state[1], state[3] = k, used, found
            return True
        # a batch of n-grams, read in text order
        m = 0
        while m < _BATCH and k < total:
            if n == 2:
                p = k
                first = ids[p]
                k += 1
                if first < 0 or stop[first]:
                    continue
                prefix = np.int64(first)
            else:
                p = at[k]
                prefix = head[k]
                k += 1
            q = p + n - 1
            if q >= len(ids) or ids[q] < 0 or doc[q] != doc[p] or (last and stop[ids[q]]):
                continue
            keys[m] = prefix * n_words + ids[q]
            starts[m] = p
            m += 1
        # load their slots, then their entries, then count
        for t in range(m):
            homes[t] = _home(np.uint64(keys[t]), shift)
            touched += table[homes[t]]
        for t in range(m):
            entry = table[homes[t]]
            if entry >= 0:
                touched += entries[entry, 1]
        for t in range(m):
            key = keys[t]
            slot = homes[t]
            entry = table[slot]
            while entry >= 0 and entries[entry, 0] != key:
                slot = (slot + 1) & mask
                entry = table[slot]
            if entry < 0:
                entry = used
                entries[used, 0] = key
                entries[used, 1] = 0
                entries[used, 2] = 0
                entries[used, 3] = -1
                table[slot] = used
                used += 1
            entries[entry, 1] += 1
            d = doc[starts[t]]
            if entries[entry, 3] != d:
                entries[entry, 3] = d
                entries[entry, 2] += 1
            where[found] = starts[t]
            slot_out[found] = entry
            found += 1
    # k, used, found; touched is kept so that the loads above are not optimised away
    state[0], state[1], state[3], state[4] = k, used, found, touched
    return False


@njit(cache=True, nogil=True)
def merge_counts(
    keys_a: np.ndarray,
    counts_a: np.ndarray,
    spread_a: np.ndarray,
    keys_b: np.ndarray,
    counts_b: np.ndarray,
    spread_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge the key counts of two parts with different documents.

    Returns the merged keys (those of ``a`` first, at the same indices, then
    the new ones of ``b``), their counts and spreads, and per key of ``b``
    its index among the merged.
    """
    total = len(keys_a) + len(keys_b)
    table, bits = _table_for(total)
    mask = (1 << bits) - 1
    keys = np.empty(total, dtype=np.int64)
    counts = np.empty(total, dtype=np.int64)
    spread = np.empty(total, dtype=np.int64)
    remap = np.empty(len(keys_b), dtype=np.int32)
    used = 0
    for part in range(2):
        part_keys = keys_a if part == 0 else keys_b
        part_counts = counts_a if part == 0 else counts_b
        part_spread = spread_a if part == 0 else spread_b
        for i in range(len(part_keys)):
            key = part_keys[i]
            slot = _home(np.uint64(key), 64 - bits)
            entry = table[slot]
            while entry >= 0 and keys[entry] != key:
                slot = (slot + 1) & mask
                entry = table[slot]
            if entry < 0:
                entry = used
                keys[used] = key
                counts[used] = 0
                spread[used] = 0
                table[slot] = used
                used += 1
            counts[entry] += part_counts[i]
            spread[entry] += part_spread[i]
            if part == 1:
                remap[i] = entry
    return keys[:used], counts[:used], spread[:used], remap


@njit(cache=True, nogil=True)
def advance(
    where: np.ndarray,
    slot: np.ndarray,
    rank: np.ndarray,
    kept: np.ndarray,
    doc: np.ndarray,
    at: np.ndarray,
    head: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The occurrences of one level that matter next.

    ``rank`` maps each key to its number among the frequent keys (-1 if not
    frequent), ``kept`` each frequent key to its number among the kept
    phrases (-1 if not kept).

    Returns
    -------
    m
        How many starts of frequent n-grams were written to ``at`` (their
        positions) and ``head`` (their numbers): the next level's input, in
        the caller's buffers.
    occ_at, occ_doc, occ_phrase
        Where kept phrases start, their document and their number.
    """
    n_kept = 0
    for k in range(len(where)):
        r = rank[slot[k]]
        if r >= 0 and kept[r] >= 0:
            n_kept += 1
    occ_at = np.empty(n_kept, dtype=np.int64)
    occ_doc = np.empty(n_kept, dtype=np.int32)
    occ_phrase = np.empty(n_kept, dtype=np.int32)
    m = 0
    o = 0
    for k in range(len(where)):
        r = rank[slot[k]]
        if r < 0:
            continue
        p = where[k]
        at[m] = p
        head[m] = r
        m += 1
        phrase = kept[r]
        if phrase >= 0:
            occ_at[o] = p
            occ_doc[o] = doc[p]
            occ_phrase[o] = phrase
            o += 1
    return m, occ_at, occ_doc, occ_phrase


@njit(cache=True, nogil=True)
def best_at(places: np.ndarray, scores: np.ndarray, queries: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = max(out[i], scores[j] for every j with places[j] == queries[i])``.

    ``places`` and ``queries`` ascend; one merge of the two.
    """
    j = 0
    for i in range(len(queries)):
        q = queries[i]
        while j < len(places) and places[j] < q:
            j += 1
        k = j
        while k < len(places) and places[k] == q:
            if scores[k] > out[i]:
                out[i] = scores[k]
            k += 1
