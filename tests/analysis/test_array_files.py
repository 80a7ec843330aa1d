"""Array files: what numpy and scipy read back, in bytes fixed by the content."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import analysis.array_files as array_files
from analysis.array_files import (
    load_counts,
    read_csr,
    read_frame,
    save_csr,
    save_csr_matrix,
    save_npy,
)


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


def test_load_counts_of_rows_without_phrases_or_words(tmp_path):
    words = sp.csr_matrix((4, 3), dtype=np.int32)  # no entries at all
    phrases = _matrix(4, (4, 2))
    save_csr_matrix(tmp_path / "word_counts.npz", words)
    save_csr_matrix(tmp_path / "phrase_counts.npz", phrases)
    joined = load_counts(tmp_path)
    assert (joined != sp.hstack([words, phrases], format="csr")).nnz == 0


@pytest.mark.parametrize("room", [0, 1, 50])
def test_read_csr_reads_what_scipy_reads_with_room_after_the_entries(tmp_path, monkeypatch, room):
    monkeypatch.setattr(array_files, "WRITE_PIECE", 5)  # reads in many pieces too
    matrix = _matrix(5, (23, 19))
    save_csr_matrix(tmp_path / "m.npz", matrix)
    indptr, indices, data, shape = read_csr(tmp_path / "m.npz", room=room)
    scipy_read = sp.load_npz(tmp_path / "m.npz")
    assert shape == scipy_read.shape
    assert len(indices) == len(data) == scipy_read.nnz + room
    np.testing.assert_array_equal(indptr, scipy_read.indptr)
    np.testing.assert_array_equal(indices[: scipy_read.nnz], scipy_read.indices)
    np.testing.assert_array_equal(data[: scipy_read.nnz], scipy_read.data)


def _flip_a_data_byte(path):
    raw = bytearray(path.read_bytes())
    at = raw.rindex(b"data.npy")  # the central directory's name; the entry's bytes are before
    at = raw.rindex(b"data.npy", 0, at - 1) + 200  # inside the entry, past its .npy header
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_read_csr_refuses_altered_and_truncated_files(tmp_path):
    matrix = _matrix(6, (40, 30))
    save_csr_matrix(tmp_path / "m.npz", matrix)
    _flip_a_data_byte(tmp_path / "m.npz")
    with pytest.raises(zipfile.BadZipFile, match="CRC-32"):  # what zipfile says of it
        sp.load_npz(tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"data\.npy does not match its CRC-32"):
        read_csr(tmp_path / "m.npz")
    save_csr_matrix(tmp_path / "t.npz", matrix)
    whole = (tmp_path / "t.npz").read_bytes()
    (tmp_path / "t.npz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(zipfile.BadZipFile):  # no central directory: load_index reports it
        read_csr(tmp_path / "t.npz")


def test_read_frame_reads_what_pandas_reads_each_arrow_column_in_one_chunk(tmp_path):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(1000)],
            "text": ["".join(rng.choice(list("ab c,é中"), size=20)) for _ in range(1000)],
            "title": [None if i % 7 == 0 else f"t{i}" for i in range(1000)],
            "n": np.arange(1000),
            "date": pd.date_range("2022-01-01", periods=1000, freq="h"),
        }
    )
    frame.to_parquet(tmp_path / "docs.parquet", index=False, row_group_size=128)
    read = pd.read_parquet(tmp_path / "docs.parquet")
    assert read["text"].array.__arrow_array__().num_chunks > 1  # what read_frame mends
    got = read_frame(tmp_path / "docs.parquet")
    pd.testing.assert_frame_equal(got, read)
    for name in ("doc_id", "text", "title"):
        assert got[name].array.__arrow_array__().num_chunks == 1
    rows = np.array([999, 3, 500, 3])
    pd.testing.assert_frame_equal(got.iloc[rows], read.iloc[rows])
