"""Duplicate texts: which earlier document, if any, each text repeats.

Two texts are the same when they are equal after NFKC, case folding and
collapsing white space (:func:`_exact_key`). Doing that in Python costs a
call per document, so a compiled pass over the column's UTF-8 bytes
(:func:`_folded_hashes`) first gives each text a 64-bit hash of its
normalised form (white space left out): equal texts always get equal
hashes, and only texts sharing a hash with another are compared in full.
The pass reads a text as already normalised when every character in it is
one NFKC leaves alone, cannot join to the one before, and case-folds to
itself (ASCII capitals aside); a text with any other character is
normalised in Python first. Imports no sibling.
"""

from __future__ import annotations

import hashlib
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

#: Flags per code point of the Basic Multilingual Plane (others: _PYTHON).
_SPACE, _PYTHON = 1, 2
#: Hangul jamo, which join to the syllable before them (computed, not in the decompositions).
_JAMO = ((0x1100, 0x1200), (0xA960, 0xA980), (0xD7B0, 0xD800))


@cache
def _flags() -> np.ndarray:
    """``_SPACE`` for white space (as ``str.split`` splits), ``_PYTHON`` for a character
    a text cannot be read as normalised with: NFKC changes it, or it joins to or
    reorders with the one before, or case folding changes it (ASCII aside)."""
    flags = np.zeros(0x10000, dtype=np.uint8)
    joins: set[int] = set()
    for code in range(0x10000):
        char = chr(code)
        if char.isspace():
            flags[code] |= _SPACE
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            joins.update(int(part, 16) for part in decomposition.split()[1:])
        if code < 0x80 or 0xD800 <= code <= 0xDFFF:
            continue
        if (
            unicodedata.normalize("NFKC", char) != char
            or unicodedata.combining(char)
            or char.casefold() != char
        ):
            flags[code] |= _PYTHON
    flags[list(joins)] |= _PYTHON
    for start, end in _JAMO:
        flags[start:end] |= _PYTHON
    return flags


@njit(cache=True, nogil=True)
def _hash_texts(
    data: np.ndarray, offsets: np.ndarray, flags: np.ndarray, check: bool
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Per text: a 64-bit hash of its characters without white space, ASCII capitals
    as small letters; and whether it holds a ``_PYTHON`` character (``check``)."""
    n = len(offsets) - 1
    hashes = np.empty(n, dtype=np.uint64)
    python = np.zeros(n, dtype=np.bool_)
    prime = np.uint64(0x100000001B3)
    for row in range(n):
        h = np.uint64(0xCBF29CE484222325)
        at = offsets[row]
        end = offsets[row + 1]
        while at < end:
            byte = np.int64(data[at])
            if byte < 0x80:
                code = byte
                at += 1
            elif byte < 0xE0:
                code = ((byte & 0x1F) << 6) | (np.int64(data[at + 1]) & 0x3F)
                at += 2
            elif byte < 0xF0:
                code = (
                    ((byte & 0x0F) << 12)
                    | ((np.int64(data[at + 1]) & 0x3F) << 6)
                    | (np.int64(data[at + 2]) & 0x3F)
                )
                at += 3
            else:
                code = (
                    ((byte & 0x07) << 18)
                    | ((np.int64(data[at + 1]) & 0x3F) << 12)
                    | ((np.int64(data[at + 2]) & 0x3F) << 6)
                    | (np.int64(data[at + 3]) & 0x3F)
                )
                at += 4
            kind = flags[code] if code < 0x10000 else np.uint8(2)
            if kind & 1:
                continue
            if check and kind & 2:
                python[row] = True
                break
            if 0x41 <= code <= 0x5A:
                code += 32
            h = (h ^ np.uint64(code)) * prime
        hashes[row] = h
    return hashes, python


def _folded_hashes(texts: pa.Array) -> np.ndarray:
    """A 64-bit hash per text of its normalised form; equal :func:`_exact_key` gives equal hash."""
    texts = _large(texts)
    offsets, data = _buffers(texts)
    hashes, python = _hashes_in_parts(data, offsets)
    others = np.flatnonzero(python)
    if len(others):
        forms = [_normalised(text) for text in pc.take(texts, others).to_pylist()]
        form_offsets, form_data = _buffers(pa.array(forms, pa.large_string()))
        hashes[others] = _hash_texts(form_data, form_offsets, _flags(), False)[0]
    return hashes


#: Texts hashed by each thread at least (fewer go in one part).
_PART_ROWS = 10_000


def _hashes_in_parts(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_hash_texts` (checking) of consecutive parts of the rows on two threads.

    The compiled pass releases the interpreter lock, so on two cores the
    parts are hashed at the same time; the result is the same as one pass.
    """
    n = len(offsets) - 1
    if n < 2 * _PART_ROWS:
        return _hash_texts(data, offsets, _flags(), True)
    # cut where half the bytes lie, so both threads read about as much
    middle = int(np.searchsorted(offsets, offsets[-1] // 2))
    middle = min(max(middle, 1), n - 1)
    parts = [(0, middle), (middle, n)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(
            pool.map(
                lambda part: _hash_texts(data, offsets[part[0] : part[1] + 1], _flags(), True),
                parts,
            )
        )
    return np.concatenate([h for h, _ in done]), np.concatenate([p for _, p in done])


def _first_copies(texts: pa.Array) -> np.ndarray:
    """For each text, the position of the first text equal to it (its own when none is earlier).

    ``texts`` is a column of strings without missing values or unpaired surrogates.
    """
    n = len(texts)
    first = np.arange(n, dtype=np.int64)
    if n < 2:
        return first
    hashes = _folded_hashes(texts)
    order = np.argsort(hashes, kind="stable")
    ranked = hashes[order]
    repeats = np.flatnonzero(ranked[1:] == ranked[:-1])
    if len(repeats) == 0:
        return first
    shared = np.unique(order[np.concatenate([repeats, repeats + 1])])
    kept: dict[bytes, int] = {}
    for position, text in zip(shared.tolist(), pc.take(texts, shared).to_pylist(), strict=True):
        first[position] = kept.setdefault(_exact_key(text), position)
    return first


def _all_distinct(values: pa.Array) -> bool:
    """Whether no two of ``values`` (strings, none missing) are equal."""
    values = _large(values)
    offsets, data = _buffers(values)
    # equal strings hash alike: distinct hashes prove distinct strings
    hashes = np.sort(_hash_texts(data, offsets, _flags(), False)[0])
    if not (hashes[1:] == hashes[:-1]).any():
        return True
    return bool(pc.count_distinct(values).as_py() == len(values))


def _normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _exact_key(text: str) -> bytes:
    encoded = _normalised(text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(encoded, digest_size=16).digest()


def _large(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One large_string array of ``array``'s values."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array


def _buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64, from 0) and bytes of a large_string array without missing values."""
    if len(array) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    _validity, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.zeros(0, dtype=np.uint8)
        if data_buffer is None
        else np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    )
    return offsets - offsets[0], data
