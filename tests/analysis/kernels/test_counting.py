"""row_counts against scipy's COO -> CSR summation, side_by_side against scipy's hstack;
totals against np.bincount."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from analysis import kernels


def _by_scipy(rows, values, n_rows, n_values):
    """Per-row counts of the non-negative values by scipy's COO -> CSR summation."""
    valid = values >= 0
    ones = np.ones(valid.sum(), dtype=np.int32)
    return sp.coo_matrix((ones, (rows[valid], values[valid])), shape=(n_rows, n_values)).tocsr()


def test_row_counts_match_scipy():
    rng = np.random.default_rng(3)
    rows = np.sort(rng.integers(0, 40, size=5_000)).astype(np.int32)
    values = rng.integers(-1, 300, size=len(rows)).astype(np.int32)
    indptr, indices, data = kernels.row_counts(rows, values, 45, 300)
    mine = sp.csr_matrix((data, indices, indptr), shape=(45, 300))
    theirs = _by_scipy(rows, values, 45, 300)
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
    theirs = _by_scipy(rows, values, 6, n_values)
    assert mine.has_sorted_indices
    assert (mine != theirs).nnz == 0


def test_row_counts_sort_short_rows_like_scipy():
    # rows of 0 to 70 tokens (sorted by insertion up to 64 distinct values), some
    # in falling order, some with repeats, some with boundaries
    rng = np.random.default_rng(11)
    lengths = np.arange(71)
    rows = np.repeat(np.arange(71, dtype=np.int32), lengths)
    values = rng.integers(-1, 90, size=len(rows)).astype(np.int32)
    values[rows == 30] = np.arange(89, 59, -1)
    values[rows == 64] = np.arange(64)[::-1] * 2
    indptr, indices, data = kernels.row_counts(rows, values, 71, 130)
    mine = sp.csr_matrix((data, indices, indptr), shape=(71, 130))
    theirs = _by_scipy(rows, values, 71, 130)
    assert mine.has_sorted_indices
    assert (mine != theirs).nnz == 0
    assert indices[indptr[30] : indptr[31]].tolist() == list(range(60, 90))


def test_row_counts_of_distinct_values_filling_the_arrays_and_rows_of_boundaries_only():
    # every value new to its row: the counts take every element of the arrays
    # (row_counts leaves no room); rows 1 and 3 hold boundaries alone
    rows = np.repeat(np.arange(5, dtype=np.int32), [3, 2, 4, 3, 1])
    values = np.array([2, 0, 1, -1, -1, 5, 4, 3, 6, -1, -1, -1, 0], dtype=np.int32)
    indptr, indices, data = kernels.row_counts(rows, values, 5, 7)
    assert indptr.tolist() == [0, 3, 3, 7, 7, 8]
    assert indices.tolist() == [0, 1, 2, 3, 4, 5, 6, 0]
    assert data.tolist() == [1] * 8
    everything_new = np.arange(9, dtype=np.int32)[::-1].copy()
    indptr, indices, data = kernels.row_counts(np.zeros(9, dtype=np.int32), everything_new, 1, 9)
    assert indptr.tolist() == [0, 9]
    assert indices.tolist() == list(range(9))
    assert data.tolist() == [1] * 9


def test_totals_match_bincount():
    values = np.random.default_rng(5).integers(-1, 50, size=10_000).astype(np.int32)
    expected = np.bincount(values[values >= 0], minlength=60)
    assert kernels.totals(values, 60).tolist() == expected.tolist()


def _random_csr(seed: int, n_rows: int, n_columns: int, density: float) -> sp.csr_matrix:
    matrix = sp.random(n_rows, n_columns, density=density, format="csr", random_state=seed)
    matrix.data = np.random.default_rng(seed).integers(1, 9, size=matrix.nnz).astype(np.int32)
    return matrix


@pytest.mark.parametrize("in_place", [True, False])
def test_side_by_side_is_hstack(in_place):
    words = _random_csr(1, 30, 50, 0.2)
    words[4, :] = 0  # an empty row in one part, then in both
    words[9, :] = 0
    words.eliminate_zeros()
    phrases = _random_csr(2, 30, 7, 0.3)
    phrases[9, :] = 0
    phrases.eliminate_zeros()
    total = words.nnz + phrases.nnz
    if in_place:
        indices = np.full(total + 5, -9, dtype=np.int32)
        data = np.full(total + 5, -9, dtype=np.int32)
        indices[: words.nnz], data[: words.nnz] = words.indices, words.data
        out_indices, out_data = indices, data
    else:
        indices, data = words.indices, words.data
        out_indices = np.empty(total, dtype=np.int32)
        out_data = np.empty(total, dtype=np.int32)
    indptr, sums = kernels.side_by_side(
        words.indptr, indices, data,
        phrases.indptr, phrases.indices, phrases.data.astype(np.int64),
        50, out_indices, out_data,
    )  # fmt: skip
    expected = sp.hstack([words, phrases], format="csr")
    assert indptr.tolist() == expected.indptr.tolist()
    assert out_indices[:total].tolist() == expected.indices.tolist()
    assert out_data[:total].tolist() == expected.data.tolist()
    assert sums.tolist() == np.asarray(words.sum(axis=1)).ravel().tolist()


def test_row_counts_with_room_leaves_the_room_after_the_counts():
    rows = np.array([0, 0, 1, 1, 1, 3], dtype=np.int32)
    values = np.array([2, 2, 0, -1, 1, 2], dtype=np.int32)
    indptr, indices, data = kernels.row_counts_with_room(rows, values, 4, 3, 20)
    assert len(indices) == len(data) == 20
    assert indptr.tolist() == [0, 1, 3, 3, 4]
    assert indices[:4].tolist() == [2, 0, 1, 2]
    assert data[:4].tolist() == [2, 1, 1, 1]


def test_distinct_pairs_numbers_each_pair_in_order_of_first_appearance():
    from analysis.kernels.counting import distinct_pairs

    rng = np.random.default_rng(3)
    for n, high in ((0, 1), (1, 1), (7, 2), (5_000, 40), (5_000, 2**40)):
        a = rng.integers(0, high, size=n)
        b = rng.integers(0, high, size=n)
        pair, first_a, first_b = distinct_pairs(a, b)
        seen: dict[tuple[int, int], int] = {}
        expected = [seen.setdefault((int(x), int(y)), len(seen)) for x, y in zip(a, b, strict=True)]
        assert pair.tolist() == expected
        assert list(zip(first_a.tolist(), first_b.tolist(), strict=True)) == list(seen)
