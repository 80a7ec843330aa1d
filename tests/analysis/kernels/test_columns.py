"""read_columns: its counts against a hand count and scipy's column slices, its sets
against a hand count and a per-set numpy reference, both over any split of the rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from analysis import kernels

# Rows 0 and 3 are empty (the scan must step over them), row 4 is the last.
#        col: 0  1  2  3  4
HAND = np.array(
    [
        [0, 0, 0, 0, 0],
        [2, 0, 1, 0, 0],
        [0, 3, 0, 0, 5],
        [0, 0, 0, 0, 0],
        [1, 1, 0, 4, 0],
    ],
    dtype=np.int32,
)


def _counts(matrix: sp.csr_matrix, times: np.ndarray, lo: int = 0, hi: int | None = None):
    hi = matrix.shape[0] if hi is None else hi
    out = np.full(matrix.shape[0], -7, dtype=np.int64)  # rows outside [lo, hi) keep it
    kernels.read_columns(matrix.indptr, matrix.indices, matrix.data, times, False, lo, hi, out)
    return out


def _bits(matrix: sp.csr_matrix, bits: np.ndarray, lo: int = 0, hi: int | None = None):
    hi = matrix.shape[0] if hi is None else hi
    out = np.full(matrix.shape[0], 99, dtype=np.uint64)
    kernels.read_columns(matrix.indptr, matrix.indices, matrix.data, bits, True, lo, hi, out)
    return out


def test_counts_by_hand():
    matrix = sp.csr_matrix(HAND)
    # columns 1 and 4 once: 0, 0, 3 + 5, 0, 1
    assert _counts(matrix, np.array([0, 1, 0, 0, 1], dtype=np.int32)).tolist() == [0, 0, 8, 0, 1]
    # column 0 twice and column 3 once: 0, 4, 0, 0, 2 + 4
    assert _counts(matrix, np.array([2, 0, 0, 1, 0], dtype=np.int32)).tolist() == [0, 4, 0, 0, 6]
    assert _counts(matrix, np.zeros(5, dtype=np.int32)).tolist() == [0] * 5
    # rows 1 and 2 only: the others keep what was there
    assert _counts(matrix, np.ones(5, dtype=np.int32), 1, 3).tolist() == [-7, 3, 8, -7, -7]


def test_sets_by_hand():
    matrix = sp.csr_matrix(HAND)
    # set 0: columns 0 and 3; set 1: column 4; set 2: column 1 (bits 1, 2, 4)
    bits = np.array([1, 4, 0, 1, 2], dtype=np.uint64)
    assert _bits(matrix, bits).tolist() == [0, 1, 4 | 2, 0, 1 | 4]
    assert _bits(matrix, bits, 2, 4).tolist() == [99, 99, 6, 0, 99]
    assert _bits(matrix, np.zeros(5, dtype=np.uint64)).tolist() == [0] * 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_equal_a_sum_of_scipy_column_slices(seed):
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 4, size=(300, 120)) * (rng.random((300, 120)) < 0.05)
    dense[rng.random(300) < 0.2] = 0  # empty rows, runs of them included
    dense[-3:] = 0
    matrix = sp.csr_matrix(dense.astype(np.int32))
    columns = rng.integers(0, 120, size=15)
    columns = np.concatenate([columns, columns[:3], columns[:1]])  # listed two and three times
    times = np.bincount(columns, minlength=120).astype(np.int32)
    expected = np.asarray(matrix[:, columns].sum(axis=1)).ravel()
    assert (times > 1).any()
    assert _counts(matrix, times).tolist() == expected.tolist()
    # any split of the rows gives the same, each part writing only its rows
    out = np.zeros(300, dtype=np.int64)
    for lo, hi in [*kernels.split_evenly(matrix.indptr, 3), (300, 300)]:
        kernels.read_columns(matrix.indptr, matrix.indices, matrix.data, times, False, lo, hi, out)
    assert out.tolist() == expected.tolist()


def test_counts_add_duplicate_entries_of_a_row():
    # not canonical: column 2 stored twice in row 0, rows unsorted; a slice sums both
    matrix = sp.csr_matrix(
        (np.array([1, 2, 5, 3], dtype=np.int32), np.array([2, 0, 2, 1]), np.array([0, 3, 4])),
        shape=(2, 3),
    )
    times = np.array([0, 1, 1], dtype=np.int32)
    expected = np.asarray(matrix[:, [1, 2]].sum(axis=1)).ravel()
    assert _counts(matrix, times).tolist() == expected.tolist() == [6, 3]


@pytest.mark.parametrize("seed", [0, 1])
def test_sets_equal_a_reference_per_set(seed):
    rng = np.random.default_rng(seed)
    dense = (rng.random((400, 90)) < 0.04).astype(np.int32)
    dense[rng.random(400) < 0.3] = 0
    matrix = sp.csr_matrix(dense)
    sets = [rng.choice(90, size=rng.integers(1, 6), replace=False) for _ in range(64)]
    bits = np.zeros(90, dtype=np.uint64)
    for k, columns in enumerate(sets):
        bits[columns] |= np.uint64(1 << k)
    expected = np.zeros(400, dtype=np.uint64)
    for k, columns in enumerate(sets):
        held = np.asarray(matrix[:, columns].sum(axis=1)).ravel() > 0
        expected[held] |= np.uint64(1 << k)
    assert expected.max() >= np.uint64(1 << 63)  # the top bit is used
    assert _bits(matrix, bits).tolist() == expected.tolist()
    out = np.zeros(400, dtype=np.uint64)
    for lo, hi in kernels.split_evenly(matrix.indptr, 2):
        kernels.read_columns(matrix.indptr, matrix.indices, matrix.data, bits, True, lo, hi, out)
    assert out.tolist() == expected.tolist()


def test_row_dots_equal_scipy_float_products_bit_for_bit():
    from analysis.kernels.columns import row_dots

    rng = np.random.default_rng(5)
    for n_rows, n_columns, density in ((0, 3, 0.5), (1, 1, 1.0), (300, 50, 0.2), (40, 900, 0.05)):
        matrix = sp.random(
            n_rows, n_columns, density=density, format="csr", random_state=rng, dtype=np.float64
        )
        matrix.data = rng.integers(1, 40, size=matrix.nnz).astype(np.float64)
        counts = sp.csr_matrix(matrix, dtype=np.int32)
        vector = rng.random(n_columns) * (rng.random(n_columns) < 0.5)
        for squared in (False, True):
            out = np.full(n_rows, np.nan)
            row_dots(counts.indptr, counts.indices, counts.data, vector, squared, 0, n_rows, out)
            floats = counts.astype(np.float64)
            if squared:
                floats.data = np.square(floats.data)
            assert out.tolist() == (floats @ vector).tolist()
            if n_rows > 2:  # only rows [lo, hi) are written
                part = np.full(n_rows, -1.0)
                row_dots(counts.indptr, counts.indices, counts.data, vector, squared, 1, 2, part)
                assert part[1] == out[1]
                assert part[0] == part[2] == -1.0
