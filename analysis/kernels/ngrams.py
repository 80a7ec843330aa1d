"""One level of phrase detection over the token stream, and the pruning of fragments.

A level counts the n-grams that extend the frequent (n-1)-grams in three
passes, each reading its input in order:

- :func:`partition_ngrams`: the n-grams of a range of the stream (their
  key, document and start), counted per partition of their hash, then
  scattered into the partitions; each partition keeps text order;
- :func:`count_partitions`: each partition counted with a hash table of its
  own, small enough to stay in the processor's cache (the keys of a
  partition are no other partition's, so nothing is merged), and
  :func:`frequent_rows` picks the keys frequent enough;
- :func:`mark_frequent` and :func:`kept_starts`: the frequent n-grams'
  numbers written at their start positions and read back in text order
  (the next level's input), with the kept phrases' occurrences.

:func:`best_at`: the best score standing at each of a sorted list of
positions (fragment pruning). :mod:`analysis.phrases` gives the counts their
meaning.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True, inline="always")
def _hash(key: np.int64) -> np.uint64:
    return np.uint64(key) * _GOLDEN


@njit(cache=True, nogil=True)
def partition_ngrams(
    ids: np.ndarray,
    doc: np.ndarray,
    n: int,
    n_words: int,
    stop: np.ndarray,
    marks: np.ndarray,
    last: bool,
    lo: int,
    hi: int,
    bits: int,
    cursor: np.ndarray,
    keys: np.ndarray,
    where: np.ndarray,
    sizes_only: bool,
    starts: np.ndarray,
    listed: bool,
    key_bits: int,
) -> None:
    """Scatter the n-grams starting at positions ``lo:hi`` into ``2**bits`` partitions.

    With ``listed``, the n-grams starting at positions ``starts[lo:hi]``
    (ascending: where the frequent (n-1)-grams start) instead.

    An n-gram's prefix is the word at its start (``n == 2``: none where
    that is a boundary or a stop word) or ``marks[k]`` for the ``k``-th
    start (``k`` itself without ``listed``), the number of the frequent
    (n-1)-gram starting there (-1: none); its last word must be a
    word of the same document, and on the ``last`` level no stop word. Its
    key is ``prefix * n_words + last word``, its partition the top ``bits``
    bits (``bits >= 1``) of the key's hash.

    ``cursor`` has a cursor per partition and one more. With ``sizes_only``,
    ``cursor[j]`` is increased by the number of n-grams of partition ``j``
    (the last is left alone). Otherwise partition ``j`` continues at
    ``cursor[j]`` (advanced here), in text order: ``keys`` gets the key
    (with ``key_bits > 0``, keys have fewer bits: the document goes above
    them, ``doc << key_bits | key``) and ``where`` the start; the last
    cursor must point at a spare item past the others, written over and
    over.
    """
    shift = np.uint64(64 - bits)
    two = n == 2
    spare = cursor[len(cursor) - 1]
    length = len(ids)
    # Branch-free (words and boundaries alternate too irregularly for the
    # branches to be predicted): a position that holds no n-gram still
    # reads and writes back the cursor of its hash, unchanged, and writes
    # into the spare item. One cursor for all of them would chain every
    # such position to the one before through memory.
    for k in range(lo, hi):
        p = starts[k] if listed else k
        prefix = np.int64(ids[p]) if two else np.int64(marks[k])
        q = min(p + n - 1, length - 1)
        word = np.int64(ids[q])
        head = prefix if prefix > 0 else np.int64(0)
        tail = word if word > 0 else np.int64(0)
        counts = (prefix >= 0) & (word >= 0) & (p + n - 1 < length) & (doc[q] == doc[p])
        counts &= ~(two & stop[head if two else 0]) & ~(last & stop[tail])
        key = head * n_words + tail
        j = np.int64(_hash(key) >> shift)
        at = cursor[j]
        cursor[j] = at + np.int64(counts)
        if not sizes_only:
            at = at if counts else spare
            keys[at] = (np.int64(doc[p]) << key_bits) | key if key_bits > 0 else key
            where[at] = p


@njit(cache=True, nogil=True)
def count_partitions(
    keys: np.ndarray,
    where: np.ndarray,
    doc: np.ndarray,
    key_bits: int,
    bounds: np.ndarray,
    lo: int,
    hi: int,
    bits: int,
    row: np.ndarray,
    first: np.ndarray,
    counts: np.ndarray,
    spread: np.ndarray,
    distinct: np.ndarray,
) -> None:
    """Count the keys of partitions ``lo:hi`` (partition ``j``: items ``bounds[j]:bounds[j+1]``).

    The distinct keys of partition ``j`` get the rows ``bounds[j]`` on, in
    order of first appearance; ``distinct[j]`` says how many. A row holds
    ``first`` (its key's first item: through it the key and its first
    start), ``counts`` (the key's occurrences) and ``spread`` (its
    documents: the items of a key come in text order, so a new document is
    one unlike the last); ``row[i]`` is item ``i``'s row.

    ``keys`` and ``where`` are :func:`partition_ngrams`'; with ``key_bits
    == 0`` an item's document is read from ``doc`` at its start.
    """
    key_mask = (np.int64(1) << key_bits) - 1 if key_bits > 0 else np.int64(-1)
    largest = 0
    for j in range(lo, hi):
        largest = max(largest, bounds[j + 1] - bounds[j])
    size_bits = 4
    while (1 << size_bits) < 2 * largest:
        size_bits += 1
    table = np.empty(1 << size_bits, dtype=np.int64)  # row number, -1: empty
    last_doc = np.empty(max(largest, 1), dtype=np.int64)
    top = np.uint64(bits)
    for j in range(lo, hi):
        a, b = bounds[j], bounds[j + 1]
        t_bits = 4
        while (1 << t_bits) < 2 * (b - a):
            t_bits += 1
        mask = (1 << t_bits) - 1
        shift = np.uint64(64 - t_bits)
        table[: 1 << t_bits] = -1
        used = 0
        for i in range(a, b):
            packed = keys[i]
            key = packed & key_mask
            slot = np.int64((_hash(key) << top) >> shift)
            entry = table[slot]
            while entry >= 0 and (keys[entry] & key_mask) != key:
                slot = (slot + 1) & mask
                entry = table[slot]
            d = packed >> key_bits if key_bits > 0 else np.int64(doc[where[i]])
            if entry < 0:
                # a new key: its row, and the table points at its first item
                table[slot] = i
                r = a + used
                used += 1
                first[r] = i
                counts[r] = 1
                spread[r] = 1
                last_doc[r - a] = d
                row[i] = r
                continue
            r = row[entry]
            row[i] = r
            counts[r] += 1
            if last_doc[r - a] != d:
                last_doc[r - a] = d
                spread[r] += 1
        distinct[j] = used


@njit(cache=True, nogil=True)
def frequent_rows(
    bounds: np.ndarray,
    distinct: np.ndarray,
    counts: np.ndarray,
    spread: np.ndarray,
    min_count: int,
    min_docs: int,
) -> np.ndarray:
    """The rows of :func:`count_partitions` (all partitions) with ``min_count``
    occurrences in ``min_docs`` documents, ascending."""
    found = 0
    for j in range(len(distinct)):
        for r in range(bounds[j], bounds[j] + distinct[j]):
            if counts[r] >= min_count and spread[r] >= min_docs:
                found += 1
    out = np.empty(found, dtype=np.int64)
    found = 0
    for j in range(len(distinct)):
        for r in range(bounds[j], bounds[j] + distinct[j]):
            if counts[r] >= min_count and spread[r] >= min_docs:
                out[found] = r
                found += 1
    return out


@njit(cache=True, nogil=True)
def mark_frequent(
    where: np.ndarray,
    row: np.ndarray,
    counts: np.ndarray,
    spread: np.ndarray,
    min_count: int,
    min_docs: int,
    rank: np.ndarray,
    lo: int,
    hi: int,
    mark: np.ndarray,
) -> None:
    """``mark[where[i]] = rank[row[i]]`` for the items ``lo:hi`` of a frequent row
    (one with ``min_count`` occurrences in ``min_docs`` documents; ``rank`` is
    read at those rows only).

    ``mark`` (one entry per stream position, -1 elsewhere) is read back
    by :func:`kept_starts`."""
    for i in range(lo, hi):
        r = row[i]
        if counts[r] >= min_count and spread[r] >= min_docs:
            mark[where[i]] = rank[r]


@njit(cache=True, nogil=True)
def kept_starts(
    mark: np.ndarray,
    kept: np.ndarray,
    doc: np.ndarray,
    starts: np.ndarray,
    listed: bool,
    lo: int,
    hi: int,
    next_at: np.ndarray,
    next_mark: np.ndarray,
    most: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where frequent n-grams, and kept phrases among them, start in positions
    ``lo:hi`` (with ``listed``: positions ``starts[lo:hi]``, ascending), in text order.

    ``mark`` numbers the frequent n-gram at each start (-1: none; every
    position so marked must be one read here, or its start is lost),
    ``kept`` each frequent
    n-gram's phrase number (-1: not kept); there are at most ``most`` kept
    starts. The frequent starts and their numbers (the next level's
    ``starts`` and ``marks``) are written into ``next_at`` and
    ``next_mark``: room for all and a spare, or ``starts[lo:]`` itself and
    an array of its length (each is written before or where it is read).
    Returns them, then the kept starts, their documents and phrase numbers.
    """
    # room for `most` (the pages never written are never paged in), and a spare
    at = np.empty(most + 1, dtype=np.int32)
    in_doc = np.empty(most + 1, dtype=np.int32)
    phrase = np.empty(most + 1, dtype=np.int32)
    frequent = 0
    found = 0
    for k in range(lo, hi):
        p = starts[k] if listed else k
        m = mark[p]
        number = kept[max(m, 0)]
        next_at[frequent] = p
        next_mark[frequent] = m
        frequent += m >= 0
        at[found] = p
        in_doc[found] = doc[p]
        phrase[found] = number
        found += (m >= 0) & (number >= 0)
    return next_at[:frequent], next_mark[:frequent], at[:found], in_doc[:found], phrase[:found]


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
