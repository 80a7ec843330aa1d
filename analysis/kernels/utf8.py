"""UTF-8 at a byte offset: the code point there, characters in a span, white space.

The bytes are valid UTF-8 (the texts were encoded by Python); nothing here
checks them again.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _decode(buf: np.ndarray, i: int) -> tuple[int, int]:
    """Code point at byte ``i`` of valid UTF-8 and its length in bytes."""
    b0 = int(buf[i])
    if b0 < 0x80:
        return b0, 1
    if b0 < 0xE0:
        return ((b0 & 0x1F) << 6) | (int(buf[i + 1]) & 0x3F), 2
    if b0 < 0xF0:
        return ((b0 & 0x0F) << 12) | ((int(buf[i + 1]) & 0x3F) << 6) | (int(buf[i + 2]) & 0x3F), 3
    return (
        ((b0 & 0x07) << 18)
        | ((int(buf[i + 1]) & 0x3F) << 12)
        | ((int(buf[i + 2]) & 0x3F) << 6)
        | (int(buf[i + 3]) & 0x3F)
    ), 4


@njit(cache=True, nogil=True, inline="always")
def _chars(buf: np.ndarray, a: int, b: int) -> int:
    """Characters in the UTF-8 bytes ``buf[a:b]`` (those not continuing a character)."""
    n = 0
    for x in buf[a:b]:  # a loop over a slice: numba vectorises it
        n += (x & 0xC0) != 0x80
    return n


@njit(cache=True, nogil=True, inline="always")
def _space_at(buf: np.ndarray, i: int, space: np.ndarray) -> int:
    """Byte length of the white space character at byte ``i``, or 0 if it is none."""
    cp, width = _decode(buf, i)
    return width if space[cp] else 0


@njit(cache=True, nogil=True, inline="always")
def _space_before(buf: np.ndarray, i: int, space: np.ndarray) -> int:
    """Byte length of the white space character that ends at byte ``i``, or 0."""
    start = i - 1
    while (buf[start] & 0xC0) == 0x80:
        start -= 1
    return i - start if _space_at(buf, start, space) else 0


@njit(cache=True, nogil=True, inline="always")
def _blank_at(buf: np.ndarray, i: int, end: int) -> int:
    """Byte length of a space, tab or U+3000 (ideographic space) at byte ``i``, or 0."""
    if buf[i] == 32 or buf[i] == 9:
        return 1
    if i + 2 < end and buf[i] == 0xE3 and buf[i + 1] == 0x80 and buf[i + 2] == 0x80:
        return 3
    return 0
