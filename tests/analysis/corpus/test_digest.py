"""Tests for analysis/corpus/digest.py: columns fed at once feed what the value loop feeds."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

import analysis.corpus.digest as digest
from analysis.corpus.digest import _canonical, _feed_strings, _hash_docs, _iso_dates


def _by_value(values: list) -> bytes:
    out = b""
    for value in values:
        encoded = _canonical(value).encode("utf-8", "surrogatepass")
        out += len(encoded).to_bytes(8, "little") + encoded
    return out


def _hash_by_value(docs: pd.DataFrame) -> str:
    """The digest's definition: every value of every column through the loop."""
    digest = hashlib.sha256(f"rows={len(docs)}".encode())
    for column in docs.columns:
        digest.update(b"\x00column=" + str(column).encode())
        series = docs[column]
        values = series.tolist()
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = [None if pd.isna(v) else v.isoformat() for v in values]
        digest.update(_by_value(values))
    return digest.hexdigest()


def _packed_strings(series: pd.Series) -> bytes | None:
    """What :func:`_feed_strings` feeds, joined (each piece copied before the next is packed)."""
    pieces: list[bytes] = []
    fed = _feed_strings(lambda piece: pieces.append(bytes(piece)), series)
    assert fed or not pieces
    return b"".join(pieces) if fed else None


def test_string_columns_are_hashed_in_pieces_as_value_by_value() -> None:
    values = ["tea", "", "长三角一体化", "é\u0301 😀", "", "x" * 300, "y" * 5000]
    column = pd.Series(values, dtype="str")
    assert _packed_strings(column) == _by_value(values)
    assert _packed_strings(column.iloc[2:5]) == _by_value(values[2:5])  # a slice: offset > 0
    assert _packed_strings(pd.Series([], dtype="str")) == b""
    # missing values ("n"), in a str column and among Python strings
    with_missing = pd.Series(["a", None, "b"], dtype="str")
    assert _packed_strings(with_missing) == _by_value(["a", None, "b"])
    objects = pd.Series(["day", None, "year", float("nan")], dtype=object)
    assert _packed_strings(objects) == _by_value(["day", None, "year", None])
    assert _packed_strings(pd.Series([None, None], dtype=object)) == _by_value([None, None])
    # anything else is the loop's: numbers, booleans, lists, surrogates
    assert _packed_strings(pd.Series(["a", 1], dtype=object)) is None
    assert _packed_strings(pd.Series([True, "a"], dtype=object)) is None
    assert _packed_strings(pd.Series([["a"], "b"], dtype=object)) is None
    assert _packed_strings(pd.Series(["\ud800"], dtype=object)) is None


def test_values_longer_than_a_piece_and_piece_boundaries_feed_the_same_bytes(monkeypatch) -> None:
    monkeypatch.setattr(digest, "_PIECE_BYTES", 32)
    # 9 + 7 = 16 bytes a value: two to a piece; "x" * 40 is fed on its own; None is "n"
    values = ["abcdefg", "hijklmn", "x" * 40, None, "", "opqrstu", "y" * 23, "z" * 24]
    assert _packed_strings(pd.Series(values, dtype="str")) == _by_value(values)
    pieces: list[int] = []
    _feed_strings(lambda piece: pieces.append(len(piece)), pd.Series(values, dtype="str"))
    # by hand, a value being 8 + 1 + its length: [16 16], then "x" * 40 alone (its 9-byte
    # header and its 40 bytes), [9 ("n") 9 ("")], [16], [32], then "z" * 24 alone (9, 24)
    assert pieces == [32, 9, 40, 18, 16, 32, 9, 24]


def test_a_frame_of_every_kind_of_column_hashes_as_the_value_loop_defines() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": pd.Series(["a", "b", "c"], dtype="str"),
            "date": pd.Series(np.array(["2020-01-01", "NaT", "1999-12-31"], "datetime64[us]")),
            "date_precision": pd.Series(["day", None, "year"], dtype=object),
            "text": pd.Series(["x" * 3000, "Tea.", "茶"], dtype="str"),
            "year": pd.Series([1, 2, 3], dtype="int64"),
            "tags": pd.Series([["a"], None, {"k": 1}], dtype=object),
        }
    )
    assert _hash_docs(docs) == _hash_by_value(docs)
    assert _hash_docs(docs.iloc[1:]) == _hash_by_value(docs.iloc[1:])


def test_dates_are_written_at_once_as_isoformat_writes_them() -> None:
    days = ["0001-01-01", "0999-12-31", "1600-02-29", "1977-01-01", "2024-02-29", "9999-12-31"]
    column = pd.Series(np.array(days, dtype="datetime64[us]"))
    assert _iso_dates(column).tolist() == [value.isoformat() for value in column.tolist()]
    with_time = pd.Series(np.array(["2020-05-06T07:08:09"], dtype="datetime64[us]"))
    assert _iso_dates(with_time).tolist() == ["2020-05-06T07:08:09"]
    # a missing date or a fraction of a second: left to the value-by-value loop
    for kept in (
        pd.Series(np.array(["2020-01-01", "NaT"], dtype="datetime64[us]")),
        pd.Series(np.array(["2020-01-01T00:00:00.5"], dtype="datetime64[us]")),
    ):
        assert _iso_dates(kept) is kept
