"""The exact hash tables of the scans and counters: byte-string keys, open addressing.

A table is an int32 array of entry numbers (-1 empty), a power of two long,
probed linearly from a key's home slot (Fibonacci hashing); the entries'
keys live beside it in the caller's arrays, and a table that fills is
rebuilt twice the size (:func:`_rehash`) between calls of a resumable loop.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True, inline="always")
def _key(data: np.ndarray, a: int, b: int) -> np.uint64:
    """Hash key of the bytes ``data[a:b]`` (none zero): the bytes themselves
    when they fit in eight (so equal keys and lengths mean equal bytes),
    else their FNV-1a hash."""
    if b - a <= 8:
        h = np.uint64(0)
        for k in range(a, b):
            h = (h << np.uint64(8)) | np.uint64(data[k])
        return h
    h = _FNV_OFFSET
    for k in range(a, b):
        h = (h ^ np.uint64(data[k])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def _same_bytes(x: np.ndarray, a: int, y: np.ndarray, b: int, size: int) -> bool:
    for k in range(size):  # noqa: SIM110 (a loop numba compiles to a plain compare)
        if x[a + k] != y[b + k]:
            return False
    return True


@njit(cache=True, nogil=True, inline="always")
def _home(value: np.uint64, shift: int) -> np.int64:
    # Fibonacci hashing: the top bits of value * 2^64 / phi
    return np.int64((value * _GOLDEN) >> np.uint64(shift))


@njit(cache=True, nogil=True)
def _table_for(n: int) -> tuple[np.ndarray, int]:
    """An empty hash table for ``n`` entries (slots: a power of two, at least 2n) and its bits."""
    bits = 4
    while (1 << bits) < 2 * n:
        bits += 1
    return np.full(1 << bits, -1, dtype=np.int32), bits


@njit(cache=True, nogil=True)
def _rehash(values: np.ndarray, n: int, size: int, shift: int) -> np.ndarray:
    """A table of ``size`` slots holding entries 0..n-1, placed by their ``values`` (as uint64)."""
    table = np.full(size, -1, dtype=np.int32)
    mask = size - 1
    for entry in range(n):
        slot = _home(np.uint64(values[entry]), shift)
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = entry
    return table


@njit(cache=True, nogil=True)
def _grow(values: np.ndarray, used: int, size: int) -> np.ndarray:
    # compiled once per dtype
    bigger = np.empty(max(16, size), dtype=values.dtype)
    bigger[:used] = values[:used]
    return bigger
