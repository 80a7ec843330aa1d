"""The content hash of a corpus's documents: SHA-256 over every column, value by value.

The digest is defined by the per-value loop of :func:`_hash_docs`: for each
value its UTF-8 :func:`_canonical` form, preceded by that form's length in 8
little-endian bytes. Columns of strings (with or without missing values) and
of dates are fed the same bytes in pieces of a megabyte, packed by a
compiled pass from their Arrow buffers (:func:`_feed_strings`,
:func:`_iso_dates`), so no copy of a whole column is made. Imports only
:mod:`analysis.corpus.buffers`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from analysis.corpus.buffers import _buffers

_BYTES = pa.large_binary()
#: Bytes the digest is fed at a time (a value longer than this is fed on its own).
_PIECE_BYTES = 2 << 20


def frame_hash(docs: pd.DataFrame) -> str:
    """The content hash of a documents frame: every column, every value (see the module doc).

    >>> a = pd.DataFrame({"doc_id": ["a"], "text": ["x"], "date": ["2020-01-01"]})
    >>> frame_hash(a) == frame_hash(a.assign(date=["1999-01-01"]))
    False
    """
    return _hash_docs(docs)


def _hash_docs(docs: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(f"rows={len(docs)}".encode())
    for column in docs.columns:
        digest.update(b"\x00column=" + str(column).encode("utf-8", "surrogatepass"))
        series = docs[column]
        if _feed_strings(digest.update, _iso_dates(series)):
            continue
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values: list[Any] = [
                None if pd.isna(value) else value.isoformat() for value in series.tolist()
            ]
        else:
            values = series.tolist()
        for value in values:
            encoded = _canonical(value).encode("utf-8", "surrogatepass")
            # A length prefix keeps ("ab", "c") and ("a", "bc") apart.
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
    return digest.hexdigest()


def _iso_dates(series: pd.Series) -> pd.Series:
    """A column of dates as the strings :func:`_hash_docs` hashes (``isoformat``), made at once.

    Only a ``datetime64[us]`` column without missing values, of years 1 to
    9999 and whole seconds, whose ``isoformat`` numpy writes alike; any other
    column is returned as it is.
    """
    if series.dtype != np.dtype("datetime64[us]") or series.isna().any() or len(series) == 0:
        return series
    values = series.to_numpy()
    micro = values.view(np.int64)
    low, high = np.datetime64("0001-01-01", "us"), np.datetime64("10000-01-01", "us")
    if (micro % 1_000_000).any() or values.min() < low or values.max() >= high:
        return series
    # written once per distinct day (a corpus has thousands of days, not millions)
    codes, days = pd.factorize(micro)
    written = np.datetime_as_string(days.astype("datetime64[us]"), unit="s").tolist()
    return pd.Series(pc.take(pa.array(written, pa.large_string()), pa.array(codes)), dtype="str")


def _feed_strings(update: Callable[[memoryview], object], series: pd.Series) -> bool:
    """Feed ``update`` what :func:`_hash_docs` feeds for a column of strings, in pieces.

    For each value its 8-byte little-endian length and ``"s"`` + the value
    in UTF-8, or ``"n"`` where it is missing (:func:`_canonical`), packed
    from the column's Arrow buffers into two buffers in turn: ``update`` runs
    on a second thread, one piece at a time and in order, while the next
    piece is packed (both release the interpreter lock); a piece is valid
    only during its call. A column of strings, or of Python strings and
    missing values (``None``, NaN), gives True; any other column gives False
    and nothing is fed.
    """
    array = _string_array(series)
    if array is None:
        return False
    offsets, data = _buffers(array)
    missing = (
        array.is_null().to_numpy(zero_copy_only=False)
        if array.null_count
        else np.zeros(0, dtype=np.bool_)
    )
    pieces = [np.empty(_PIECE_BYTES, dtype=np.uint8) for _ in range(2)]
    row, rows, turn = 0, len(array), 0
    with ThreadPoolExecutor(max_workers=1) as feeder:
        fed: Future[object] | None = None

        def feed(*views: memoryview) -> None:
            nonlocal fed
            if fed is not None:
                fed.result()  # the piece before, in order (and its buffer free again)
            fed = feeder.submit(lambda: [update(view) for view in views])

        while row < rows:
            piece = pieces[turn % 2]
            after, filled = _pack(offsets, data, missing, row, piece)
            if filled:
                feed(piece[:filled].data)
                row, turn = after, turn + 1
                continue
            # a value longer than a piece (never a missing one): its header, then its bytes
            start, end = int(offsets[row]), int(offsets[row + 1])
            header = memoryview((end - start + 1).to_bytes(8, "little") + b"s")
            feed(header, data[start:end].data)
            row += 1
        if fed is not None:
            fed.result()
    return True


@njit(cache=True, nogil=True)
def _pack(
    offsets: np.ndarray, data: np.ndarray, missing: np.ndarray, row: int, piece: np.ndarray
) -> tuple[int, int]:  # pragma: no cover - compiled
    """Pack values from ``row`` on into ``piece`` as :func:`_feed_strings` feeds them.

    Returns the first row not packed and the bytes filled; 0 bytes when the
    value at ``row`` alone does not fit.
    """
    rows = len(offsets) - 1
    filled = 0
    while row < rows:
        absent = len(missing) > 0 and missing[row]
        size = 1 if absent else offsets[row + 1] - offsets[row] + 1
        if filled + 8 + size > len(piece):
            break
        for byte in range(8):
            piece[filled + byte] = (size >> (8 * byte)) & 0xFF
        filled += 8
        if absent:
            piece[filled] = 0x6E  # "n"
        else:
            piece[filled] = 0x73  # "s"
            start = offsets[row]
            piece[filled + 1 : filled + size] = data[start : start + size - 1]
        filled += size
        row += 1
    return row, filled


def _string_array(series: pd.Series) -> pa.Array | None:
    """The column as one large_binary Arrow array (nulls where missing), or None."""
    if isinstance(series.array, pd.arrays.ArrowStringArray):
        array: pa.Array | pa.ChunkedArray = pa.array(series.array)
    elif series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    ):
        try:
            array = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, UnicodeEncodeError):
            return None  # unpaired surrogates: the loop encodes them as they are
    else:
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_large_string(array.type) or pa.types.is_string(array.type)):
        return None
    return array.cast(pa.large_binary())


def _canonical(value: Any) -> str:
    if isinstance(value, str):
        return "s" + value
    if value is None or value is pd.NA or value is pd.NaT:
        return "n"
    if isinstance(value, float) and math.isnan(value):
        return "n"
    return "j" + json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
