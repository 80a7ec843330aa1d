"""Compiled loops (numba) behind the index build: the scans and the counters.

Everything here works on plain arrays and knows nothing of documents,
vocabularies or phrases; :mod:`analysis.text`, :mod:`analysis.index` and
:mod:`analysis.phrases` give the arrays their meaning. Each loop reads its
input in order and releases the GIL, so the loops of a build (and its
Python work) run beside one another on threads.

- :func:`scan_tokens`: raw tokens of UTF-8 text, by a table of character
  classes, each distinct raw token numbered in order of first appearance
  (an exact hash table: a token of up to eight bytes is its own key, longer
  ones are confirmed byte by byte against a compact copy of the distinct
  strings); :func:`number_strings` numbers the distinct strings of several
  parts as one, :func:`gather_into` renumbers the tokens and
  :func:`fill_rows` writes their documents; :func:`nfkc_unsure` finds the
  texts that may not be in NFKC;
- :func:`passage_spans`: paragraphs (long ones cut at line breaks) as
  character offsets;
- :func:`row_counts`, :func:`totals`: per-row counts of values (documents x
  terms, CSR) and overall counts;
- :func:`count_ngrams`, :func:`merge_counts`, :func:`advance`: one level of
  phrase detection: count, document spread and occurrences of the n-grams
  that extend frequent (n-1)-grams (part by part, then merged), then the
  occurrences that the next level extends;
- :func:`best_at`: the best score standing at each of a sorted list of
  positions (fragment pruning);
- :func:`match_sequence`: where a typed word sequence (a set of word ids
  per place) stands in the token stream of some documents.

Arrays that grow are grown between calls of a resumable inner loop: numba
charges a reference count on every use of an array reassigned inside a loop.
The functions are compiled on first use and cached next to this file (or
under ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import itertools
import os

import numpy as np
from numba import njit

#: Threads for the compiled passes that split their input (they release the GIL).
WORKERS = max(1, min(4, os.cpu_count() or 1))

#: Character classes of :func:`scan_tokens` (one uint8 per code point):
#: LETTER is a WORD character that can be an abbreviation's letter,
#: APOSTROPHE a JOINER that can start its possessive, DOT a MARK that
#: follows each of its letters, CAPITAL a LETTER that with a DOT after it
#: is an initial.
OTHER, WORD, JOINER, MARK, LETTER, APOSTROPHE, DOT, CAPITAL = 0, 1, 2, 3, 4, 5, 6, 7

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def split_evenly(bounds: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Ranges ``[lo, hi)`` of the items between ``bounds`` (offsets), about equal in size.

    >>> split_evenly(np.array([0, 5, 6, 10, 20]), 2)
    [(0, 3), (3, 4)]
    """
    n = len(bounds) - 1
    if n <= 0 or parts <= 1:
        return [(0, max(n, 0))]
    targets = np.linspace(bounds[0], bounds[-1], parts + 1)[1:-1]
    cuts = np.searchsorted(bounds, targets).tolist()
    edges = sorted({0, n, *(c for c in cuts if 0 < c < n)})
    return list(itertools.pairwise(edges))


@njit(cache=True, nogil=True, inline="always")
def _decode(buf: np.ndarray, i: int) -> tuple[int, int]:
    """Code point at byte ``i`` of valid UTF-8 and its length in bytes."""
    b0 = int(buf[i])
    if b0 < 0x80:
        return b0, 1
    if b0 < 0xE0:
        return ((b0 & 0x1F) << 6) | (int(buf[i + 1]) & 0x3F), 2
    if b0 < 0xF0:
        return ((b0 & 0x0F) << 12) | ((int(buf[i + 1]) & 0x3F) << 6) | (int(buf[i + 2]) & 0x3F), 3
    return (
        ((b0 & 0x07) << 18)
        | ((int(buf[i + 1]) & 0x3F) << 12)
        | ((int(buf[i + 2]) & 0x3F) << 6)
        | (int(buf[i + 3]) & 0x3F)
    ), 4


@njit(cache=True, nogil=True, inline="always")
def _class_at(buf: np.ndarray, i: int, classes: np.ndarray) -> tuple[int, int]:
    """Class and byte length of the character at byte ``i`` (ASCII looked up directly)."""
    b0 = buf[i]
    if b0 < 0x80:
        return classes[b0], 1
    cp, width = _decode(buf, i)
    return classes[cp], width


@njit(cache=True, nogil=True, inline="always")
def _key(data: np.ndarray, a: int, b: int) -> np.uint64:
    """Hash key of the bytes ``data[a:b]`` (none zero): the bytes themselves
    when they fit in eight (so equal keys and lengths mean equal bytes),
    else their FNV-1a hash."""
    if b - a <= 8:
        h = np.uint64(0)
        for k in range(a, b):
            h = (h << np.uint64(8)) | np.uint64(data[k])
        return h
    h = _FNV_OFFSET
    for k in range(a, b):
        h = (h ^ np.uint64(data[k])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def _same_bytes(x: np.ndarray, a: int, y: np.ndarray, b: int, size: int) -> bool:
    for k in range(size):  # noqa: SIM110 (a loop numba compiles to a plain compare)
        if x[a + k] != y[b + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def scan_tokens(
    buf: np.ndarray,
    doc_bounds: np.ndarray,
    classes: np.ndarray,
    out_code: np.ndarray,
    out_ends: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Raw tokens of the documents in ``buf`` (UTF-8 bytes).

    Document ``d`` is ``buf[doc_bounds[d]:doc_bounds[d + 1]]``. A raw token
    is a dotted abbreviation (:func:`_abbreviation_end`), a run of WORD
    characters with single JOINER characters kept between two WORD
    characters, or one MARK or JOINER character on its own; OTHER
    characters (spaces) only separate. This is the regex
    ``ABBR|W+(?:J(?!ABBR)W+)*|[MJ]`` matched leftmost-first, ABBR being
    :func:`_abbreviation_end`'s (LETTER and CAPITAL count as WORD,
    APOSTROPHE as JOINER and DOT as MARK).
    Per raw token, the number of its distinct string goes to ``out_code``
    (the caller's array: ``len(buf)`` elements always suffice, a token
    takes a byte at least; only the elements written are ever paged in),
    and per document the number of tokens up to its end to ``out_ends``.

    Returns
    -------
    arena, bounds
        The distinct strings: string ``k`` is ``arena[bounds[k]:bounds[k + 1]]``,
        numbered in order of first appearance.
    found
        How many tokens were written.
    """
    table_size = 1 << 16
    table = np.full(table_size, -1, dtype=np.int32)
    # distinct string k is arena[d_first[k]:d_first[k + 1]]: the strings are
    # compared there, not in the text, so a lookup stays in the cache
    d_first = np.zeros(table_size // 2 + 1, dtype=np.int64)
    d_hash = np.empty(table_size // 2, dtype=np.uint64)
    arena = np.empty(1 << 20, dtype=np.uint8)
    # document, byte, distinct strings, tokens out, table shift, arena bytes used
    start = doc_bounds[0] if len(doc_bounds) else 0
    state = np.array([0, start, 0, 0, 64 - 16, 0], dtype=np.int64)
    while True:
        status = _scan_until_full(
            buf, doc_bounds, classes, table, d_first, d_hash, arena, out_code, out_ends, state
        )
        if status == _DONE:
            break
        if status == _FULL_TABLE:
            table_size *= 2
            state[4] -= 1
            d_first = _grow(d_first, state[2] + 1, table_size // 2 + 1)
            d_hash = _grow(d_hash, state[2], table_size // 2)
            table = _rehash(d_hash, state[2], table_size, state[4])
        else:
            arena = _grow(arena, state[5], len(arena) * 2)
    return arena[: state[5]], d_first[: state[2] + 1], state[3]


_DONE, _FULL_TABLE, _FULL_ARENA = 0, 1, 2


@njit(cache=True, nogil=True, inline="always")
def _is_letter(kind: int) -> bool:
    # plain compares: numba compiles them to the fastest code in the scan's hot loop
    return (kind == LETTER) | (kind == CAPITAL)


@njit(cache=True, nogil=True, inline="always")
def _is_word(kind: int) -> bool:
    return (kind == WORD) | (kind == LETTER) | (kind == CAPITAL)


@njit(cache=True, nogil=True, inline="always")
def _abbreviation_end(buf: np.ndarray, i: int, end: int, classes: np.ndarray, first: int) -> int:
    """Where an abbreviation whose first letter (of class ``first``) ends at byte ``i`` ends, or -1.

    The regex ``L(?:\\.L)+(?:\\.|(?!W))(?:A[sS])?|C\\.`` (L a LETTER or
    CAPITAL, W any word character, A an APOSTROPHE, C a CAPITAL) matched
    at the letter, leftmost-first: the most ``.L`` groups that a full stop
    closes or no word character follows (with fewer groups, a full stop
    closes them: that is where the regex backtracks to), a possessive right
    after it; failing that, an initial (a capital and its full stop).
    """
    best = -1
    p = i
    groups = 0
    at_letter = True
    while p < end:
        kind, width = _class_at(buf, p, classes)
        if kind != DOT:
            break
        q = p + width
        if groups >= 1:
            best = q
        at_letter = False
        if q >= end:
            break
        kind, width = _class_at(buf, q, classes)
        if not _is_letter(kind):
            break
        p = q + width
        groups += 1
        at_letter = True
    # the last letter without its full stop: an abbreviation when no word character follows
    if at_letter and groups >= 1 and (p >= end or not _is_word(_class_at(buf, p, classes)[0])):
        best = p
    if best >= 0:
        if best + 1 < end:
            kind, width = _class_at(buf, best, classes)
            after = buf[best + width] if best + width < end else 0
            if kind == APOSTROPHE and (after == 0x73 or after == 0x53):
                best += width + 1
        return best
    if first == CAPITAL and i < end:
        kind, width = _class_at(buf, i, classes)
        if kind == DOT:
            return i + width
    return -1


@njit(cache=True, nogil=True)
def _scan_until_full(
    buf: np.ndarray,
    doc_bounds: np.ndarray,
    classes: np.ndarray,
    table: np.ndarray,
    d_first: np.ndarray,
    d_hash: np.ndarray,
    arena: np.ndarray,
    out_code: np.ndarray,
    out_ends: np.ndarray,
    state: np.ndarray,
) -> int:
    # The scan proper, resumable: it stops before a token that would not fit
    # (arrays reassigned inside a numba loop cost a reference count per use,
    # so growing happens outside, in scan_tokens). The token rule is written
    # out inline: a helper returning (start, stop) made the loop twice as slow.
    n_docs = len(doc_bounds) - 1
    d, i, n_distinct, n_out, shift = state[0], state[1], state[2], state[3], state[4]
    used = state[5]
    mask = len(table) - 1
    while d < n_docs:
        end = doc_bounds[d + 1]
        while i < end:
            kind, width = _class_at(buf, i, classes)
            if kind == OTHER:
                i += width
                continue
            if 2 * (n_distinct + 1) > len(table):
                state[0], state[1], state[2], state[3], state[5] = d, i, n_distinct, n_out, used
                return _FULL_TABLE
            start = i
            i += width
            stop = _abbreviation_end(buf, i, end, classes, kind) if _is_letter(kind) else -1
            if stop >= 0:
                i = stop
            elif _is_word(kind):
                while i < end:
                    kind, width = _class_at(buf, i, classes)
                    if _is_word(kind):
                        i += width
                        continue
                    if (kind == JOINER or kind == APOSTROPHE) and i + width < end:  # noqa: SIM109
                        cp, after = _decode(buf, i + width)
                        joined = classes[cp]
                        # a joiner that an abbreviation follows is a mark of its own
                        if _is_word(joined) and not (
                            _is_letter(joined)
                            and _abbreviation_end(buf, i + width + after, end, classes, joined) >= 0
                        ):
                            i += width + after
                            continue
                    break
            # find or add the token (keys of more than eight bytes are
            # confirmed byte by byte)
            size = i - start
            h = _key(buf, start, i)
            slot = _home(h, shift)
            code = -1
            while True:
                entry = table[slot]
                if entry < 0:
                    break
                other = d_first[entry]
                if (
                    d_hash[entry] == h
                    and d_first[entry + 1] - other == size
                    and (size <= 8 or _same_bytes(arena, other, buf, start, size))
                ):
                    code = entry
                    break
                slot = (slot + 1) & mask
            if code < 0:
                if used + size > len(arena):
                    state[0], state[1], state[2], state[3], state[5] = (
                        d,
                        start,
                        n_distinct,
                        n_out,
                        used,
                    )
                    return _FULL_ARENA
                code = n_distinct
                arena[used : used + size] = buf[start:i]
                used += size
                d_first[code + 1] = used
                d_hash[code] = h
                table[slot] = code
                n_distinct += 1
            out_code[n_out] = code
            n_out += 1
        out_ends[d] = n_out
        d += 1
        if d < n_docs:
            i = doc_bounds[d]
    state[0], state[1], state[2], state[3], state[5] = d, i, n_distinct, n_out, used
    return _DONE


@njit(cache=True, nogil=True)
def gather_into(out: np.ndarray, table: np.ndarray, values: np.ndarray) -> None:
    """``out[i] = table[values[i]]`` for every i (``np.take`` without a temporary)."""
    for i in range(len(values)):
        out[i] = table[values[i]]


@njit(cache=True, nogil=True)
def fill_rows(out: np.ndarray, first: int, counts: np.ndarray) -> None:
    """``out`` holds ``first + i`` ``counts[i]`` times, for i in order (``np.repeat``)."""
    at = 0
    for i in range(len(counts)):
        out[at : at + counts[i]] = first + i
        at += counts[i]


@njit(cache=True, nogil=True)
def number_strings(arena: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number equal byte strings alike, in order of first appearance.

    String ``k`` is ``arena[bounds[k]:bounds[k + 1]]``.

    Returns
    -------
    codes
        Per string, its number.
    firsts
        Per number, the first string that has it.
    """
    n = len(bounds) - 1
    table, bits = _table_for(n)
    mask = (1 << bits) - 1
    codes = np.empty(n, dtype=np.int32)
    firsts = np.empty(n, dtype=np.int64)
    hashes = np.empty(n, dtype=np.uint64)
    used = 0
    for k in range(n):
        a, b = bounds[k], bounds[k + 1]
        h = _key(arena, a, b)
        slot = _home(h, 64 - bits)
        code = -1
        while True:
            entry = table[slot]
            if entry < 0:
                break
            f = firsts[entry]
            fa, fb = bounds[f], bounds[f + 1]
            if (
                hashes[entry] == h
                and fb - fa == b - a
                and (b - a <= 8 or _same_bytes(arena, fa, arena, a, b - a))
            ):
                code = entry
                break
            slot = (slot + 1) & mask
        if code < 0:
            code = used
            firsts[used] = k
            hashes[used] = h
            table[slot] = used
            used += 1
        codes[k] = code
    return codes, firsts[:used]


@njit(cache=True, nogil=True)
def nfkc_unsure(buf: np.ndarray, doc_bounds: np.ndarray, safe: np.ndarray) -> np.ndarray:
    """Per document of ``buf`` (UTF-8), whether it holds a character outside ``safe``.

    A text made only of characters that are ASCII or ``safe`` (see
    :func:`analysis.scan.nfkc_safe`) is already in NFKC; the others must be
    checked (and perhaps normalised) by Python.
    """
    n_docs = len(doc_bounds) - 1
    out = np.zeros(n_docs, dtype=np.bool_)
    for d in range(n_docs):
        i = doc_bounds[d]
        end = doc_bounds[d + 1]
        while i < end:
            if i + 16 <= end:
                # sixteen bytes at a time while they are ASCII
                seen = np.uint8(0)
                for j in range(16):
                    seen |= buf[i + j]
                if seen < 0x80:
                    i += 16
                    continue
            if buf[i] < 0x80:
                i += 1
                continue
            cp, width = _decode(buf, i)
            if not safe[cp]:
                out[d] = True
                break
            i += width
    return out


@njit(cache=True, nogil=True, inline="always")
def _home(value: np.uint64, shift: int) -> np.int64:
    # Fibonacci hashing: the top bits of value * 2^64 / phi
    return np.int64((value * _GOLDEN) >> np.uint64(shift))


@njit(cache=True, nogil=True)
def _table_for(n: int) -> tuple[np.ndarray, int]:
    """An empty hash table for ``n`` entries (slots: a power of two, at least 2n) and its bits."""
    bits = 4
    while (1 << bits) < 2 * n:
        bits += 1
    return np.full(1 << bits, -1, dtype=np.int32), bits


@njit(cache=True, nogil=True)
def _rehash(values: np.ndarray, n: int, size: int, shift: int) -> np.ndarray:
    """A table of ``size`` slots holding entries 0..n-1, placed by their ``values`` (as uint64)."""
    table = np.full(size, -1, dtype=np.int32)
    mask = size - 1
    for entry in range(n):
        slot = _home(np.uint64(values[entry]), shift)
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = entry
    return table


@njit(cache=True, nogil=True)
def _grow(values: np.ndarray, used: int, size: int) -> np.ndarray:
    # compiled once per dtype
    bigger = np.empty(max(16, size), dtype=values.dtype)
    bigger[:used] = values[:used]
    return bigger


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


@njit(cache=True, nogil=True)
def totals(values: np.ndarray, n_values: int) -> np.ndarray:
    """How often each of ``0..n_values-1`` occurs in ``values`` (negatives skipped)."""
    out = np.zeros(n_values, dtype=np.int64)
    for v in values:
        if v >= 0:
            out[v] += 1
    return out


@njit(cache=True, nogil=True)
def row_counts(
    rows: np.ndarray, values: np.ndarray, n_rows: int, n_values: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts (indptr, indices, data) of per-row counts of ``values``.

    ``rows`` is non-decreasing; negative values are skipped. Indices are
    sorted within each row (by :func:`_radix_sort` where rows are long).
    """
    scratch = np.zeros(max(n_values, 1), dtype=np.int32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    indices = np.empty(len(values), dtype=np.int32)
    data = np.empty(len(values), dtype=np.int32)
    spare = np.empty(max(n_values, 1), dtype=np.int32)
    bits = 1
    while (1 << bits) < n_values:
        bits += 1
    passes = (bits + _RADIX_BITS - 1) // _RADIX_BITS
    digit = (bits + passes - 1) // passes
    histogram = np.empty(1 << digit, dtype=np.int64)
    nnz = 0
    k = 0
    total = len(values)
    for r in range(n_rows):
        row_start = nnz
        while k < total and rows[k] == r:
            v = values[k]
            k += 1
            if v < 0:
                continue
            if scratch[v] == 0:
                indices[nnz] = v
                nnz += 1
            scratch[v] += 1
        touched = indices[row_start:nnz]
        if nnz - row_start > _SHORT_ROW:
            _radix_sort(touched, spare, histogram, digit, passes)
        else:
            touched.sort()
        for t in range(row_start, nnz):
            data[t] = scratch[indices[t]]
            scratch[indices[t]] = 0
        indptr[r + 1] = nnz
    # views: the untouched tail of the arrays was never paged in
    return indptr, indices[:nnz], data[:nnz]


#: Rows longer than this are sorted by radix; the rest by numba's sort.
_SHORT_ROW = 64
_RADIX_BITS = 11


@njit(cache=True, nogil=True)
def _radix_sort(
    keys: np.ndarray, spare: np.ndarray, histogram: np.ndarray, digit: int, passes: int
) -> None:
    """Sort non-negative ``keys`` in place: LSD radix, ``passes`` digits of ``digit`` bits."""
    n = len(keys)
    source = keys
    target = spare[:n]
    mask = (1 << digit) - 1
    for p in range(passes):
        shift = p * digit
        histogram[:] = 0
        for i in range(n):
            histogram[(source[i] >> shift) & mask] += 1
        at = 0
        for b in range(len(histogram)):
            count = histogram[b]
            histogram[b] = at
            at += count
        for i in range(n):
            b = (source[i] >> shift) & mask
            target[histogram[b]] = source[i]
            histogram[b] += 1
        source, target = target, source
    if passes % 2 == 1:
        keys[:] = source


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


@njit(cache=True, nogil=True, inline="always")
def _chars(buf: np.ndarray, a: int, b: int) -> int:
    """Characters in the UTF-8 bytes ``buf[a:b]`` (those not continuing a character)."""
    n = 0
    for x in buf[a:b]:  # a loop over a slice: numba vectorises it
        n += (x & 0xC0) != 0x80
    return n


@njit(cache=True, nogil=True, inline="always")
def _space_at(buf: np.ndarray, i: int, space: np.ndarray) -> int:
    """Byte length of the white space character at byte ``i``, or 0 if it is none."""
    cp, width = _decode(buf, i)
    return width if space[cp] else 0


@njit(cache=True, nogil=True, inline="always")
def _space_before(buf: np.ndarray, i: int, space: np.ndarray) -> int:
    """Byte length of the white space character that ends at byte ``i``, or 0."""
    start = i - 1
    while (buf[start] & 0xC0) == 0x80:
        start -= 1
    return i - start if _space_at(buf, start, space) else 0


@njit(cache=True, nogil=True, inline="always")
def _blank_at(buf: np.ndarray, i: int, end: int) -> int:
    """Byte length of a space, tab or U+3000 (ideographic space) at byte ``i``, or 0."""
    if buf[i] == 32 or buf[i] == 9:
        return 1
    if i + 2 < end and buf[i] == 0xE3 and buf[i + 1] == 0x80 and buf[i + 2] == 0x80:
        return 3
    return 0


@njit(cache=True, nogil=True)
def passage_spans(
    buf: np.ndarray, doc_bounds: np.ndarray, space: np.ndarray, long: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Passages of UTF-8 texts, as character offsets.

    Document ``d`` is ``buf[doc_bounds[d]:doc_bounds[d + 1]]``. A paragraph
    ends at a separator ``\\n[ \\t\\u3000]*\\n\\s*`` and is stripped of white
    space (``space``: per code point, Python's ``str.isspace``). One of more
    than ``long`` characters is cut after each line break run ``\\n\\s*``
    that lies at least ``long // 4`` characters past the last cut. Empty
    pieces are left out. One pass over each text finds its line breaks and
    their character offsets; the rest looks only at the line breaks and the
    white space around them.

    Returns
    -------
    doc, passage, start, end
        Per passage: its document, its number there, and its character span.
    """
    lo, hi = doc_bounds[0], doc_bounds[-1]
    n_lines = 0
    for x in buf[lo:hi]:
        n_lines += x == 10
    room = n_lines + len(doc_bounds) - 1
    out_doc = np.empty(room, dtype=np.int32)
    out_passage = np.empty(room, dtype=np.int32)
    out_start = np.empty(room, dtype=np.int64)
    out_end = np.empty(room, dtype=np.int64)
    # per line break of the current text: its byte and character offsets
    line_byte = np.empty(n_lines + 1, dtype=np.int64)
    line_char = np.empty(n_lines + 1, dtype=np.int64)
    n = 0
    for d in range(len(doc_bounds) - 1):
        first, last = doc_bounds[d], doc_bounds[d + 1]
        lines = 0
        text = buf[first:last]
        for k in range(len(text)):
            if text[k] == 10:
                line_byte[lines] = first + k
                lines += 1
        chars = 0
        at = first
        for i in range(lines):
            chars += _chars(buf, at, line_byte[i])
            line_char[i] = chars
            at = line_byte[i]
        chars += _chars(buf, at, last)
        number = 0
        start, start_char = first, 0
        j = 0  # the first line break at or after start
        while True:
            # the next separator: a line break, blanks, a line break, white space
            paragraph_lines = j
            sep_start, sep_start_char = last, chars
            sep_end = -1
            while j < lines:
                q = line_byte[j] + 1
                while q < last:
                    width = _blank_at(buf, q, last)
                    if width == 0:
                        break
                    q += width
                if q < last and buf[q] == 10:
                    sep_start, sep_start_char = line_byte[j], line_char[j]
                    sep_end = q + 1
                    while sep_end < last:
                        width = _space_at(buf, sep_end, space)
                        if width == 0:
                            break
                        sep_end += width
                    break
                j += 1
            # the paragraph start:sep_start, stripped
            a, a_char = start, start_char
            while a < sep_start:
                width = _space_at(buf, a, space)
                if width == 0:
                    break
                a += width
                a_char += 1
            b, b_char = sep_start, sep_start_char
            while b > a:
                width = _space_before(buf, b, space)
                if width == 0:
                    break
                b -= width
                b_char -= 1
            cursor_char = a_char
            if b_char - a_char > long:
                # cut after line break runs far enough past the last cut
                jj = paragraph_lines
                while jj < lines and line_byte[jj] < b:
                    k = line_byte[jj]
                    if k < a:
                        jj += 1
                        continue
                    run_end, run_end_char = k + 1, line_char[jj] + 1
                    while run_end < b:
                        width = _space_at(buf, run_end, space)
                        if width == 0:
                            break
                        run_end += width
                        run_end_char += 1
                    if line_char[jj] - cursor_char >= long // 4:
                        if line_char[jj] > cursor_char:
                            out_doc[n], out_passage[n] = d, number
                            out_start[n], out_end[n] = cursor_char, line_char[jj]
                            n += 1
                            number += 1
                        cursor_char = run_end_char
                    while jj < lines and line_byte[jj] < run_end:
                        jj += 1
            if b_char > cursor_char:
                out_doc[n], out_passage[n] = d, number
                out_start[n], out_end[n] = cursor_char, b_char
                n += 1
                number += 1
            if sep_end < 0:
                break
            start, start_char = sep_end, sep_start_char + _chars(buf, sep_start, sep_end)
            while j < lines and line_byte[j] < sep_end:
                j += 1
    return out_doc[:n], out_passage[:n], out_start[:n], out_end[:n]


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
def column_sums(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: np.ndarray, n_columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per column of a CSR matrix, over ``rows`` only: the sum of its values and its non-zeros.

    Reads the rows where they are (no copy of the selected rows is made).
    """
    total = np.zeros(n_columns, dtype=np.int64)
    nonzero = np.zeros(n_columns, dtype=np.int64)
    for r in rows:
        for j in range(indptr[r], indptr[r + 1]):
            total[indices[j]] += data[j]
            nonzero[indices[j]] += 1
    return total, nonzero


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
