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
normalised in Python first. Imports only :mod:`analysis.corpus.buffers`.
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

from analysis.corpus.buffers import _buffers

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


#: Per ASCII byte: the byte as hashed (capitals as small letters), and whether it is kept
#: (white space is not).
_ASCII_LOWER = np.array([b + 32 if 0x41 <= b <= 0x5A else b for b in range(128)], dtype=np.uint8)
_ASCII_KEPT = np.array([0 if chr(b).isspace() else 1 for b in range(128)], dtype=np.int64)


@njit(cache=True, nogil=True)
def _hash_texts(
    data: np.ndarray, offsets: np.ndarray, flags: np.ndarray, check: bool
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Per text: a 64-bit hash of its UTF-8 bytes without white space, ASCII capitals
    as small letters; and whether it holds a ``_PYTHON`` character (``check``).

    The kept bytes of a text are first copied end to end into a scratch buffer
    (a store per byte and no branch for white space, the common case), which
    is then hashed eight bytes at a time.
    """
    n = len(offsets) - 1
    hashes = np.empty(n, dtype=np.uint64)
    python = np.zeros(n, dtype=np.bool_)
    longest = 0
    for row in range(n):
        longest = max(longest, offsets[row + 1] - offsets[row])
    scratch = np.zeros((longest // 8 + 2) * 8, dtype=np.uint8)
    words = scratch.view(np.uint64)
    multiplier = np.uint64(0x9E3779B97F4A7C15)
    for row in range(n):
        at = offsets[row]
        end = offsets[row + 1]
        kept = 0
        while at < end:
            byte = data[at]
            if byte < 0x80:
                scratch[kept] = _ASCII_LOWER[byte]
                kept += _ASCII_KEPT[byte]
                at += 1
                continue
            lead = np.int64(byte)
            if lead < 0xE0:
                code = ((lead & 0x1F) << 6) | (np.int64(data[at + 1]) & 0x3F)
                size = 2
            elif lead < 0xF0:
                code = (
                    ((lead & 0x0F) << 12)
                    | ((np.int64(data[at + 1]) & 0x3F) << 6)
                    | (np.int64(data[at + 2]) & 0x3F)
                )
                size = 3
            else:
                code = (
                    ((lead & 0x07) << 18)
                    | ((np.int64(data[at + 1]) & 0x3F) << 12)
                    | ((np.int64(data[at + 2]) & 0x3F) << 6)
                    | (np.int64(data[at + 3]) & 0x3F)
                )
                size = 4
            kind = flags[code] if code < 0x10000 else np.uint8(2)
            if kind & 1:
                at += size
                continue
            if check and kind & 2:
                python[row] = True
                break
            for step in range(size):
                scratch[kept + step] = data[at + step]
            kept += size
            at += size
        for step in range(8):  # the last word's unused bytes
            scratch[kept + step] = 0
        h = np.uint64(0x243F6A8885A308D3) ^ np.uint64(kept)
        for word in range((kept + 7) // 8):
            h = (h ^ words[word]) * multiplier
            h ^= h >> np.uint64(29)
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
    ranked = np.sort(hashes)
    repeated = ranked[1:][ranked[1:] == ranked[:-1]]
    if len(repeated) == 0:
        return first
    shared = np.flatnonzero(np.isin(hashes, repeated))
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
