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
:func:`load_counts` joins them as the build did. :func:`read_frame` reads a
saved table with each column in one piece.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
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
    """The words' and the phrases' saved counts side by side, as the build joined them.

    The words' entries are read into arrays with room for the phrases' after
    them and joined there (:func:`analysis.kernels.side_by_side`, rows moved
    last to first): no second copy of the counts is made. At 100k (an AMD
    EPYC core): 0.23-0.25 s, as one file of the joined counts reads (0.22-0.27
    s), against 0.48-0.64 s joining into new arrays.
    """
    phrases = sp.load_npz(folder / "phrase_counts.npz").tocsr()
    indptr, indices, data, shape = read_csr(folder / "word_counts.npz", room=phrases.nnz)
    if shape[0] != phrases.shape[0]:
        raise ValueError("the word and phrase counts have different rows")
    total = int(indptr[-1]) + phrases.nnz
    indptr, _sums = kernels.side_by_side(
        *(indptr.astype(np.int64, copy=False), indices, data),
        *(phrases.indptr.astype(np.int64, copy=False), phrases.indices, phrases.data),
        shape[1], indices, data,
    )  # fmt: skip
    joined = (data[:total], indices[:total], indptr)
    return sp.csr_matrix(joined, shape=(shape[0], shape[1] + phrases.shape[1]))


def read_csr(
    path: Path, room: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """A matrix :func:`save_csr` wrote: indptr, indices and data (with ``room``
    elements more after their ``indptr[-1]``, never paged in), and the shape.

    Each array is read from the archive into its own memory, a megabyte at a
    time, and checked against the archive's CRC-32 as :mod:`zipfile` checks it.

    Raises
    ------
    ValueError
        The file is not such an archive, or is truncated or altered.
    """
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        if set(entries) != {f"{name}.npy" for name in _CSR_PARTS}:
            raise ValueError(f"{path.name} is not a saved matrix")
        arrays = {
            name: _read_entry(handle, entries[f"{name}.npy"], room if name in _ROOMY else 0)
            for name in _CSR_PARTS
        }
    if arrays["format"].tobytes() != b"csr" or arrays["shape"].shape != (2,):
        raise ValueError(f"{path.name} is not a CSR matrix")
    used = int(arrays["indptr"][-1]) if len(arrays["indptr"]) else -1
    if not all(len(arrays[name]) == used + room for name in _ROOMY):
        raise ValueError(f"{path.name}: indptr does not match indices and data")
    rows, cols = (int(v) for v in arrays["shape"])
    if len(arrays["indptr"]) != rows + 1:
        raise ValueError(f"{path.name}: indptr does not match the shape")
    return arrays["indptr"], arrays["indices"], arrays["data"], (rows, cols)


#: The entries of a saved CSR matrix, and those read with room after them.
_CSR_PARTS = ("indices", "indptr", "format", "shape", "data")
_ROOMY = ("indices", "data")


def _read_entry(handle: io.BufferedReader, info: zipfile.ZipInfo, room: int) -> np.ndarray:
    """A stored (uncompressed) ``.npy`` entry of a zip file, ``room`` elements longer."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{info.filename} is compressed")
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise ValueError(f"{info.filename}: no local header")
    start = info.header_offset + 30 + int.from_bytes(local[26:28], "little")
    start += int.from_bytes(local[28:30], "little")
    handle.seek(start)
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    if fortran or len(shape) > 1 or dtype.hasobject:
        raise ValueError(f"{info.filename} is not a plain vector")
    header = handle.tell() - start
    handle.seek(start)
    crc = zlib.crc32(handle.read(header))
    count = int(shape[0]) if shape else 1
    array = np.empty(count + room, dtype=dtype)
    view = array[:count].data.cast("B")
    if header + len(view) != info.file_size:
        raise ValueError(f"{info.filename} has the wrong size")
    for at in range(0, len(view), WRITE_PIECE):
        piece = view[at : at + WRITE_PIECE]
        if handle.readinto(piece) != len(piece):
            raise ValueError(f"{info.filename} is truncated")
        crc = zlib.crc32(piece, crc)
    if crc != info.CRC:
        raise ValueError(f"{info.filename} does not match its CRC-32")
    return array if shape else array.reshape(())


def read_frame(path: Path) -> pd.DataFrame:
    """A parquet file as :func:`pandas.read_parquet` reads it, each Arrow-backed column
    in one chunk.

    A saved table comes back in several chunks per column (one per batch read),
    and Arrow's ``take`` of a column of several chunks joins them all first: the
    500 rows of a concordance page took 448 ms from the texts of 1,000,000
    documents in 8 chunks, and 1.4 ms from one. Joining them once as the table
    is read costs 33 ms there.
    """
    frame = pd.read_parquet(path)
    for name in frame.columns:
        array = frame[name].array
        if isinstance(array, pd.arrays.ArrowExtensionArray):
            chunked = array.__arrow_array__()
            if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
                joined = pa.chunked_array([chunked.combine_chunks()], type=chunked.type)
                frame[name] = pd.Series(
                    pd.array(joined, dtype=frame[name].dtype), index=frame.index, name=name
                )
    return frame
