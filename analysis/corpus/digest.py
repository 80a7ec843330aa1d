"""The content hash of a corpus's documents: SHA-256 over every column, value by value.

The digest is defined by the per-value loop of :func:`_hash_docs`: for each
value its UTF-8 :func:`_canonical` form, preceded by that form's length in 8
little-endian bytes. Columns of strings (with or without missing values) and
of dates are fed the same bytes at once, made from their Arrow buffers
(:func:`_packed_strings`, :func:`_iso_dates`). Imports no sibling.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_BYTES = pa.large_binary()


def _hash_docs(docs: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(f"rows={len(docs)}".encode())
    for column in docs.columns:
        digest.update(b"\x00column=" + str(column).encode("utf-8", "surrogatepass"))
        series = docs[column]
        packed = _packed_strings(_iso_dates(series))
        if packed is not None:
            digest.update(packed)
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


def _packed_strings(series: pd.Series) -> memoryview | None:
    """What :func:`_hash_docs` feeds the digest for a column of strings, made at once.

    For each value its 8-byte little-endian length and ``"s"`` + the value
    in UTF-8, or ``"n"`` where it is missing (:func:`_canonical`), joined by
    Arrow from the column's buffers. A column of strings, or of Python
    strings and missing values (``None``, NaN); None for any other column.
    """
    array = _string_array(series)
    if array is None:
        return None
    if array.null_count:
        canonical = pc.coalesce(
            pc.binary_join_element_wise(pa.scalar(b"s", _BYTES), array, pa.scalar(b"", _BYTES)),
            pa.scalar(b"n", _BYTES),
        )
        mark = b""
    else:
        canonical, mark = array, b"s"  # the "s" goes in with the length, saving a copy
    sizes = pc.binary_length(canonical).to_numpy(zero_copy_only=False).astype(np.int64)
    width = 8 + len(mark)
    headers = np.empty((len(sizes), width), dtype=np.uint8)
    headers[:, :8] = (sizes + len(mark)).astype("<u8").view(np.uint8).reshape(-1, 8)
    headers[:, 8:] = np.frombuffer(mark, dtype=np.uint8)
    header_array = pa.LargeBinaryArray.from_buffers(
        _BYTES,
        len(sizes),
        [
            None,
            pa.py_buffer(np.arange(len(sizes) + 1, dtype=np.int64) * width),
            pa.py_buffer(headers),
        ],
    )
    joined = pc.binary_join_element_wise(header_array, canonical, pa.scalar(b"", _BYTES))
    if len(joined) == 0:
        return memoryview(b"")
    _validity, offsets_buffer, data_buffer = joined.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    start, end = int(offsets[joined.offset]), int(offsets[joined.offset + len(joined)])
    return memoryview(data_buffer).cast("B")[start:end]


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
