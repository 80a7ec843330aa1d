"""Counts of values: per row (documents x terms, CSR), overall, per column of some rows.

:func:`row_counts` builds the CSR parts of per-row counts (indices sorted,
long rows by radix; :func:`row_counts_with_room` leaves room after them, which
:func:`side_by_side` fills with a second matrix's columns in place),
:func:`totals` counts overall, :func:`column_sums` sums the columns of a CSR
matrix over some of its rows (:func:`packed_column_sums` with one accumulator
where the sums are known to fit in 32 bits); :func:`distinct_pairs` numbers the distinct
pairs of two arrays (each pair's statistics computed once); :func:`window_counts` counts the
values in the windows around some runs of a token stream (collocates), each position once.
"""

from __future__ import annotations

import numpy as np
from numba import njit


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
    sorted within each row (by :func:`_radix_sort` where rows are long, by
    insertion where they are short).
    """
    indptr, indices, data = row_counts_with_room(rows, values, n_rows, n_values, len(values))
    # views: the untouched tail of the arrays was never paged in
    return indptr, indices[: indptr[n_rows]], data[: indptr[n_rows]]


@njit(cache=True, nogil=True)
def row_counts_with_room(
    rows: np.ndarray, values: np.ndarray, n_rows: int, n_values: int, room: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`row_counts` into arrays of ``room`` elements (at least ``len(values)``).

    The arrays are returned whole: the counts fill ``indices[:indptr[-1]]``
    and ``data[:indptr[-1]]``, and the room after them is left untouched
    (never paged in, but for ``indices``' first element) for
    :func:`side_by_side` to fill.
    """
    scratch = np.zeros(n_values + 1, dtype=np.int32)  # and one for the skipped values
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    indices = np.empty(max(room, len(values)), dtype=np.int32)
    data = np.empty(max(room, len(values)), dtype=np.int32)
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
        end = k
        while end < total and rows[end] == r:
            end += 1
        # Branch-free (a value new to the row and one seen before alternate too
        # irregularly to be predicted; 0.79 -> 0.67 s at 100k): every value is
        # written at the row's end, which moves on past a new one only.
        for j in range(k, end):
            v = values[j]
            slot = v if v >= 0 else n_values
            indices[nnz] = slot
            nnz += int((scratch[slot] == 0) & (v >= 0))
            scratch[slot] += 1
        k = end
        scratch[n_values] = 0
        touched = indices[row_start:nnz]
        if nnz - row_start > _SHORT_ROW:
            _radix_sort(touched, spare, histogram, digit, passes)
        else:
            _insertion_sort(indices, row_start, nnz)
        for t in range(row_start, nnz):
            data[t] = scratch[indices[t]]
            scratch[indices[t]] = 0
        indptr[r + 1] = nnz
    return indptr, indices, data


@njit(cache=True, nogil=True)
def side_by_side(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    more_indptr: np.ndarray,
    more_indices: np.ndarray,
    more_data: np.ndarray,
    shift: int,
    out_indices: np.ndarray,
    out_data: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Two CSR matrices of the same rows side by side (``scipy.sparse.hstack``).

    The second's columns are shifted by ``shift`` (the first's width); each
    row is the first's entries, then the second's. ``out_indices`` and
    ``out_data`` may be ``indices`` and ``data`` themselves when they have
    room for both: rows are moved last to first, each entry to a place at
    or after its own, so nothing is overwritten before it is read.

    Returns the new indptr (int64) and, per row, the sum of the first
    matrix's values.
    """
    n = len(indptr) - 1
    out_indptr = np.zeros(n + 1, dtype=np.int64)
    for r in range(n):
        out_indptr[r + 1] = (
            out_indptr[r] + (indptr[r + 1] - indptr[r]) + (more_indptr[r + 1] - more_indptr[r])
        )
    sums = np.zeros(n, dtype=np.int64)
    for r in range(n - 1, -1, -1):
        at = out_indptr[r + 1]
        for j in range(more_indptr[r + 1] - 1, more_indptr[r] - 1, -1):
            at -= 1
            out_indices[at] = more_indices[j] + shift
            out_data[at] = more_data[j]
        total = 0
        for j in range(indptr[r + 1] - 1, indptr[r] - 1, -1):
            at -= 1
            out_indices[at] = indices[j]
            out_data[at] = data[j]
            total += data[j]
        sums[r] = total
    return out_indptr, sums


#: Rows longer than this are sorted by radix; the rest by insertion (a
#: sentence-sized document's few words: no call, no recursion).
_SHORT_ROW = 64
_RADIX_BITS = 11


@njit(cache=True, nogil=True, inline="always")
def _insertion_sort(keys: np.ndarray, lo: int, hi: int) -> None:
    """Sort ``keys[lo:hi]`` in place."""
    for i in range(lo + 1, hi):
        key = keys[i]
        j = i - 1
        while j >= lo and keys[j] > key:
            keys[j + 1] = keys[j]
            j -= 1
        keys[j + 1] = key


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
def packed_column_sums(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: np.ndarray, n_columns: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`column_sums` with one scattered add per non-zero instead of two.

    Each column's sum of values is kept in the low 32 bits of one int64 and its
    non-zeros in the high bits, so the caller must know that no column's sum
    over ``rows`` reaches ``2**32`` (every value non-negative and the matrix's
    total below it) and that there are fewer than ``2**31`` rows.
    """
    packed = np.zeros(n_columns, dtype=np.int64)
    one = np.int64(1) << 32
    for k in range(rows.shape[0]):
        r = rows[k]
        for j in range(np.int64(indptr[r]), np.int64(indptr[r + 1])):
            packed[indices[j]] += np.int64(data[j]) + one
    return packed & np.int64(0xFFFFFFFF), packed >> 32


@njit(cache=True, nogil=True)
def distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``(a[i], b[i])`` pairs of two integer arrays of one length.

    Returns, per ``i``, the number of its pair, and the pairs' ``a`` and ``b``
    (int64) in order of first appearance, so ``a[i] == first_a[pair[i]]``.
    One pass over an open-addressing table twice as large as the input (no sort).
    """
    n = len(a)
    bits = 1
    while (1 << bits) < 2 * n:
        bits += 1
    shift = np.uint64(64 - bits)
    mask = (1 << bits) - 1
    slots = np.full(1 << bits, -1, dtype=np.int64)
    pair = np.empty(n, dtype=np.int64)
    first_a = np.empty(n, dtype=np.int64)
    first_b = np.empty(n, dtype=np.int64)
    found = 0
    for i in range(n):
        x = np.int64(a[i])
        y = np.int64(b[i])
        mixed = np.uint64(x) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(y) * np.uint64(
            0xC2B2AE3D27D4EB4F
        )
        h = np.int64((mixed * np.uint64(0x9E3779B97F4A7C15)) >> shift)
        while True:
            k = slots[h]
            if k < 0:
                slots[h] = found
                first_a[found] = x
                first_b[found] = y
                pair[i] = found
                found += 1
                break
            if first_a[k] == x and first_b[k] == y:
                pair[i] = k
                break
            h = (h + 1) & mask
    return pair, first_a[:found], first_b[:found]


@njit(cache=True, nogil=True)
def window_counts(
    tokens: np.ndarray,
    offsets: np.ndarray,
    match_row: np.ndarray,
    match_at: np.ndarray,
    length: np.ndarray,
    window: int,
    n_values: int,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Values of a token stream inside the windows around some runs of it, each position once.

    The runs (nodes) are ``match_at[i] .. match_at[i] + length[i] - 1`` of
    document ``match_row[i]`` (positions ``offsets[r] .. offsets[r + 1] - 1``),
    ordered by row (all of a row's together); a node holds no negative value
    (a boundary). Its window is the first ``window`` non-negative positions
    met walking left from its start and right from its end, inside its
    document. A position inside several windows counts once; the nodes'
    positions never count as window positions.

    Returns per value ``0..n_values-1`` its occurrences at window positions and
    at node positions (each position once), the number of window positions and
    the number of node positions.
    """
    observed = np.zeros(n_values, dtype=np.int64)
    inside = np.zeros(n_values, dtype=np.int64)
    n = len(match_at)
    longest = 0
    for i in range(n):
        r = match_row[i]
        longest = max(longest, int(offsets[r + 1] - offsets[r]))
    # per position of the document at hand: 0 untouched, 1 in a window, 2 in a node
    mark = np.zeros(longest, dtype=np.uint8)
    window_positions = 0
    node_positions = 0
    i = 0
    while i < n:
        r = match_row[i]
        lo = int(offsets[r])
        hi = int(offsets[r + 1])
        j = i
        while j < n and match_row[j] == r:
            j += 1
        low = hi
        high = lo
        for k in range(i, j):
            start = int(match_at[k])
            end = start + int(length[k])
            low = min(low, start)
            high = max(high, end)
            for p in range(start, end):
                if mark[p - lo] != 2:
                    mark[p - lo] = 2
                    inside[tokens[p]] += 1
                    node_positions += 1
        for k in range(i, j):
            p = int(match_at[k]) - 1
            met = 0
            while met < window and p >= lo:
                if tokens[p] >= 0:
                    met += 1
                    if mark[p - lo] == 0:
                        mark[p - lo] = 1
                        observed[tokens[p]] += 1
                        window_positions += 1
                p -= 1
            low = min(low, p + 1)
            p = int(match_at[k]) + int(length[k])
            met = 0
            while met < window and p < hi:
                if tokens[p] >= 0:
                    met += 1
                    if mark[p - lo] == 0:
                        mark[p - lo] = 1
                        observed[tokens[p]] += 1
                        window_positions += 1
                p += 1
            high = max(high, p)
        mark[low - lo : high - lo] = 0
        i = j
    return observed, inside, window_positions, node_positions
