"""Some columns of a CSR matrix, read per row in one pass over its entries (no CSC copy).

:func:`read_columns` gives per row either the summed values of the wanted
columns (each weighted by how often it is wanted) or the sets of columns (up
to 64, a bit each) it holds a column of. It reads the entries of rows
``[lo, hi)`` only and writes only those rows of ``out``, so a caller may split
the rows between threads (the loop releases the GIL).

Each entry's column is looked up in a table as long as the matrix is wide,
which stays in cache (138k columns: 552 KB of int32, 1.1 MB of uint64). The
pass is one flat loop over the entries, the row found from ``indptr`` only at
an entry of a wanted column: most rows hold none, and a loop per row (a
short inner loop each) is 1.5x slower at 100,000 documents.

:func:`row_dots` gives per row its dot product with a dense vector of floats,
added as scipy adds it (the same floats), over rows ``[lo, hi)`` alike.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def read_columns(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    union: bool,
    lo: int,
    hi: int,
    out: np.ndarray,
) -> None:
    """Per row ``r`` with ``lo <= r < hi``, what the columns of ``table`` hold there.

    For each entry whose column has a ``table`` value ``w`` other than 0:

    - counts (``union`` False; ``table`` the times a column is wanted, ``out``
      int64): ``out[r] += w * value``, so ``out[r]`` equals the sum of the
      wanted column slices, a column wanted twice counted twice;
    - sets (``union`` True; ``table`` uint64, bit ``k`` set when the column is
      in set ``k``; ``out`` uint64): ``out[r] |= w``, so row ``r`` holds a column
      of every set when ``out[r]`` has every set's bit. Every stored entry
      counts, as in the matrix's CSC form (the index counts store no zeros).

    Rows ``[lo, hi)`` of ``out`` are overwritten, the others left alone.
    """
    out[lo:hi] = 0
    r = lo
    for j in range(np.int64(indptr[lo]), np.int64(indptr[hi])):
        w = table[indices[j]]
        if w != 0:
            while j >= indptr[r + 1]:  # rows may be empty
                r += 1
            if union:
                out[r] |= w
            else:
                out[r] += np.int64(w) * np.int64(data[j])


@njit(cache=True, nogil=True)
def row_dots(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    vector: np.ndarray,
    squared: bool,
    lo: int,
    hi: int,
    out: np.ndarray,
) -> None:
    """Per row ``r`` with ``lo <= r < hi``: ``out[r] = sum(value * vector[column])`` over its
    entries (each value squared first with ``squared``), the values made floats one by one.

    Each row's products are added in entry order starting from 0.0, as scipy's
    ``csr_matvec`` adds them: the same floats to the last bit as ``matrix.astype(float) @
    vector``, without the float copy of the values. (Skipping the entries of columns the
    vector holds as 0, which leaves the sums as they are, and summing four rows side by
    side were both slower at 100,000 documents: a branch per entry, rows of unequal length.)
    """
    for r in range(lo, hi):
        total = 0.0
        for j in range(np.int64(indptr[r]), np.int64(indptr[r + 1])):
            value = np.float64(data[j])
            if squared:
                value = value * value
            total += value * vector[indices[j]]
        out[r] = total
