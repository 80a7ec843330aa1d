"""Arrays written to files without copies, and the index's counts saved in two parts.

The saved index's large arrays (the token stream, the counts) go to the page
cache from their own memory, a megabyte at a time (:func:`write_bytes`):
``np.save`` and ``scipy.sparse.save_npz`` hand the kernel one call of the
whole array, or copies of 16 MB pieces, and on this machine's kind of
virtual machine the page cache then takes fresh memory in large blocks that
cost the host a fault each (writing the 100k build's 170 MB token stream
took 0.39 s; in pieces, 0.04-0.08 s). :func:`save_csr` writes the words'
and the phrases' counts apart (the words' while phrases are still being
found, :meth:`analysis.store.PendingSave.write_word_counts`);
:func:`load_counts` joins them as the build did.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

import numpy as np
import scipy.sparse as sp

from analysis import kernels


def save_csr(
    path: Path, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, shape: tuple[int, int]
) -> None:
    """A CSR matrix (the first ``indptr[-1]`` of ``indices`` and ``data``) as
    :func:`scipy.sparse.save_npz` writes it, uncompressed (:func:`scipy.sparse.load_npz`
    reads it), in bytes that depend on its content alone: fixed dtypes (int64
    indptr, int32 indices and data) whatever made the matrix, and no time stamp
    in the archive."""
    used = int(indptr[-1])
    arrays: dict[str, np.ndarray] = {
        "indices": indices[:used].astype(np.int32, copy=False),
        "indptr": indptr.astype(np.int64, copy=False),
        "format": np.array(b"csr"),
        "shape": np.array(shape, dtype=np.int64),
        "data": data[:used].astype(np.int32, copy=False),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(entry, "w", force_zip64=True) as handle:
                header = np.lib.format.header_data_from_array_1_0(array)
                np.lib.format.write_array_header_1_0(handle, header)
                write_bytes(handle, array)


def save_csr_matrix(path: Path, matrix: sp.csr_matrix) -> None:
    """:func:`save_csr` of a scipy CSR matrix."""
    save_csr(path, matrix.indptr, matrix.indices, matrix.data, matrix.shape)


#: Large arrays go to a file in pieces of this many bytes, each written from the
#: array's own memory: no copy of the array is made on the way.
WRITE_PIECE = 1 << 20


def save_npy(path: Path, array: np.ndarray) -> None:
    """``np.save(path, array)``, the bytes written by :func:`write_bytes`."""
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, np.lib.format.header_data_from_array_1_0(array)
        )
        write_bytes(handle, array)


def write_bytes(handle: IO[bytes], array: np.ndarray) -> None:
    """The bytes of a C-contiguous array, written to ``handle`` without a copy."""
    view = np.ascontiguousarray(array).data.cast("B")
    for at in range(0, len(view), WRITE_PIECE):
        handle.write(view[at : at + WRITE_PIECE])


def load_counts(folder: Path) -> sp.csr_matrix:
    """The words' and the phrases' saved counts side by side, as the build joined them."""
    words = sp.load_npz(folder / "word_counts.npz").tocsr()
    phrases = sp.load_npz(folder / "phrase_counts.npz").tocsr()
    if words.shape[0] != phrases.shape[0]:
        raise ValueError("the word and phrase counts have different rows")
    total = words.nnz + phrases.nnz
    indices = np.empty(total, dtype=np.int32)
    data = np.empty(total, dtype=np.int32)
    indptr, _sums = kernels.side_by_side(
        *(words.indptr.astype(np.int64, copy=False), words.indices, words.data),
        *(phrases.indptr.astype(np.int64, copy=False), phrases.indices, phrases.data),
        words.shape[1], indices, data,
    )  # fmt: skip
    shape = (words.shape[0], words.shape[1] + phrases.shape[1])
    return sp.csr_matrix((data, indices, indptr), shape=shape)
