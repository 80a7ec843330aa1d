"""row_counts against scipy's COO -> CSR summation; totals against np.bincount."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from analysis import kernels


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


def test_totals_match_bincount():
    values = np.random.default_rng(5).integers(-1, 50, size=10_000).astype(np.int32)
    expected = np.bincount(values[values >= 0], minlength=60)
    assert kernels.totals(values, 60).tolist() == expected.tolist()
