"""Array files: what numpy and scipy read back, in bytes fixed by the content."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import analysis.array_files as array_files
from analysis.array_files import load_counts, save_csr, save_csr_matrix, save_npy


def _matrix(seed: int, shape: tuple[int, int]) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 4, size=shape) * (rng.random(shape) < 0.3)
    return sp.csr_matrix(dense.astype(np.int32))


def test_save_npy_writes_what_np_load_reads_in_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(array_files, "WRITE_PIECE", 7)  # many pieces, one cut mid-element
    values = np.arange(1001, dtype=np.int32) * 3 - 500
    save_npy(tmp_path / "a.npy", values)
    np.save(tmp_path / "b.npy", values)
    loaded = np.load(tmp_path / "a.npy")
    assert loaded.dtype == np.int32
    np.testing.assert_array_equal(loaded, values)
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()


def test_save_csr_is_read_by_scipy_and_its_bytes_depend_on_the_content_alone(tmp_path):
    matrix = _matrix(1, (9, 13))
    save_csr_matrix(tmp_path / "a.npz", matrix)
    # the same counts from arrays of other dtypes, with room after them
    indices = np.concatenate([matrix.indices.astype(np.int64), np.full(5, 99)])
    data = np.concatenate([matrix.data.astype(np.int64), np.full(5, 99)])
    save_csr(tmp_path / "b.npz", matrix.indptr.astype(np.int32), indices, data, matrix.shape)
    loaded = sp.load_npz(tmp_path / "a.npz")
    assert loaded.shape == matrix.shape
    assert (loaded != matrix).nnz == 0
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_load_counts_joins_words_and_phrases_as_hstack(tmp_path):
    words, phrases = _matrix(2, (11, 17)), _matrix(3, (11, 5))
    save_csr_matrix(tmp_path / "word_counts.npz", words)
    save_csr_matrix(tmp_path / "phrase_counts.npz", phrases)
    joined = load_counts(tmp_path)
    expected = sp.hstack([words, phrases], format="csr")
    assert joined.shape == (11, 22)
    assert (joined != expected).nnz == 0
