"""NFKC of UTF-8 texts in compiled code, for the characters whose NFKC is a plain replacement.

Chinese text is rarely in NFKC: its full-width punctuation and digits
(``，`` ``：`` ``１``) fold to ASCII. Such a character's NFKC form does not
depend on its neighbours when the character has combining class 0 and its
form is made of characters that are themselves in NFKC and never compose
with the character before them (:func:`analysis.scan.nfkc_safe`, or ASCII):
the NFKC of a text made only of those and of safe characters is the text
with each replaced by its form. :func:`replacements` lists them (the common
compatibility blocks) and :func:`nfkc_replace` applies them over a batch of
texts; a text holding any other character is left to Python's
``unicodedata.normalize``, and the batch is written once.
"""

from __future__ import annotations

import unicodedata

import numpy as np
from numba import njit

from analysis.kernels.utf8 import _decode

#: Blocks searched for characters with a plain replacement (all in the BMP).
_REPLACED_BLOCKS = (
    (0x00A0, 0x0100),  # Latin-1 supplement: no-break space, superscripts, fractions
    (0x2000, 0x2070),  # general punctuation: spaces, ellipsis, primes
    (0x2070, 0x20A0),  # superscripts and subscripts
    (0x2100, 0x2190),  # letterlike symbols, number forms (roman numerals)
    (0x2460, 0x2500),  # enclosed alphanumerics (circled and parenthesised numbers)
    (0x2F00, 0x2FE0),  # Kangxi radicals
    (0x3000, 0x3100),  # CJK symbols and punctuation, kana
    (0x3200, 0x3400),  # enclosed CJK letters and months, CJK compatibility
    (0xF900, 0xFB00),  # CJK compatibility ideographs
    (0xFB00, 0xFB07),  # Latin ligatures
    (0xFE10, 0xFE20),  # vertical forms
    (0xFE30, 0xFE70),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFFF0),  # half-width and full-width forms
)


def replacements(safe: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The characters replaced in compiled code and their NFKC forms, given the safe ones.

    Returns ``entry`` (int32 per BMP code point: the number of its form, or
    -1), and the forms as UTF-8: ``arena[bounds[k]:bounds[k + 1]]`` is form
    ``k``. A character is listed when it is not its own NFKC form, has
    combining class 0, and its form is made of ASCII and ``safe``
    characters (:func:`analysis.scan.nfkc_safe`; the scan keeps the result).
    """
    entry = np.full(0x10000, -1, dtype=np.int32)
    forms: list[bytes] = []
    for lo, hi in _REPLACED_BLOCKS:
        for point in range(lo, hi):
            char = chr(point)
            if safe[point]:
                continue
            form = unicodedata.normalize("NFKC", char)
            if form == char or unicodedata.combining(char) != 0:
                continue
            if all(ord(c) < 0x80 or safe[ord(c)] for c in form):
                entry[point] = len(forms)
                forms.append(form.encode("utf-8"))
    bounds = np.zeros(len(forms) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum([len(form) for form in forms])
    return entry, np.frombuffer(b"".join(forms), dtype=np.uint8), bounds


def nfkc_replace(
    buf: np.ndarray,
    bounds: np.ndarray,
    todo: np.ndarray,
    safe: np.ndarray,
    forms: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """NFKC of the texts ``todo`` of a UTF-8 batch; the others are in NFKC already.

    Where ``forms`` (:func:`replacements`) suffice, each replaced character
    is written as its form in compiled code; a text holding a character
    neither ASCII, ``safe`` nor replaced is judged (and normalised if need
    be) by ``unicodedata``. Returns the batch and its byte offsets: the
    bytes as they came when no text changes, else a new buffer, written in
    one pass (the texts that do not change copied as they are).

    >>> import numpy as np
    >>> from analysis.scan import nfkc_safe
    >>> safe, data = nfkc_safe(), "发展，１２３％ cafe\u0301".encode()
    >>> out, bounds = nfkc_replace(
    ...     np.frombuffer(data, np.uint8), np.array([0, len(data)]), np.array([True]),
    ...     safe, replacements(safe),
    ... )
    >>> out.tobytes().decode() == "发展,123% caf\u00e9"
    True
    """
    entry, arena, arena_bounds = forms
    sizes, left = _replaced_sizes(buf, bounds, todo, safe, entry, arena_bounds)
    # the texts holding other characters: unicodedata's NFKC where it is not the text
    piece = np.full(len(sizes), -1, dtype=np.int64)
    pieces: list[bytes] = []
    for i in np.flatnonzero(left).tolist():
        text = buf[bounds[i] : bounds[i + 1]].tobytes().decode("utf-8", "surrogatepass")
        if not unicodedata.is_normalized("NFKC", text):
            piece[i] = len(pieces)
            pieces.append(unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass"))
            sizes[i] = len(pieces[-1])
    replaced = todo & ~left
    if not pieces and not replaced.any():
        return buf, bounds
    out_bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out_bounds[1:])
    piece_bounds = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pieces], out=piece_bounds[1:])
    out = _write_forms(
        buf, bounds, out_bounds, replaced, safe, entry, arena, arena_bounds,
        piece, np.frombuffer(b"".join(pieces), dtype=np.uint8), piece_bounds,
    )  # fmt: skip
    return out, out_bounds


@njit(cache=True, nogil=True)
def _replaced_sizes(
    buf: np.ndarray,
    bounds: np.ndarray,
    todo: np.ndarray,
    safe: np.ndarray,
    entry: np.ndarray,
    arena_bounds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per text, the size of its form by replacement (its own size if not ``todo``), and
    whether it is left to Python (it holds another character; its own size then)."""
    n = len(bounds) - 1
    left = np.zeros(n, dtype=np.bool_)
    sizes = np.empty(n, dtype=np.int64)
    for d in range(n):
        i = bounds[d]
        end = bounds[d + 1]
        size = end - i
        if todo[d]:
            size = 0
            while i < end:
                if buf[i] < 0x80:
                    size += 1
                    i += 1
                    continue
                cp, width = _decode(buf, i)
                if safe[cp]:
                    size += width
                elif cp < 0x10000 and entry[cp] >= 0:
                    size += arena_bounds[entry[cp] + 1] - arena_bounds[entry[cp]]
                else:
                    left[d] = True
                    size = bounds[d + 1] - bounds[d]
                    break
                i += width
        sizes[d] = size
    return sizes, left


@njit(cache=True, nogil=True)
def _write_forms(
    buf: np.ndarray,
    bounds: np.ndarray,
    out_bounds: np.ndarray,
    replaced: np.ndarray,
    safe: np.ndarray,
    entry: np.ndarray,
    arena: np.ndarray,
    arena_bounds: np.ndarray,
    piece: np.ndarray,
    pieces: np.ndarray,
    piece_bounds: np.ndarray,
) -> np.ndarray:
    # Each text into out: its replaced form, Python's form (piece k), or itself;
    # a run of texts copied as they are is one copy.
    n = len(bounds) - 1
    out = np.empty(out_bounds[n], dtype=np.uint8)
    d = 0
    while d < n:
        if not replaced[d] and piece[d] < 0:
            run = d
            while run < n and not replaced[run] and piece[run] < 0:
                run += 1
            out[out_bounds[d] : out_bounds[run]] = buf[bounds[d] : bounds[run]]
            d = run
            continue
        at = out_bounds[d]
        if piece[d] >= 0:
            lo, hi = piece_bounds[piece[d]], piece_bounds[piece[d] + 1]
            out[at : at + hi - lo] = pieces[lo:hi]
            d += 1
            continue
        i = bounds[d]
        end = bounds[d + 1]
        while i < end:
            # a run of characters kept as they are (ASCII or safe): one copy
            j = i
            while j < end:
                if buf[j] < 0x80:
                    j += 1
                    continue
                cp, width = _decode(buf, j)
                if not safe[cp]:
                    break
                j += width
            if j - i > 16:
                out[at : at + j - i] = buf[i:j]
            else:  # a short run (between full-width marks): byte by byte, no slices
                for k in range(j - i):
                    out[at + k] = buf[i + k]
            at += j - i
            if j == end:
                break
            # then the replaced character at j: its form
            cp, width = _decode(buf, j)
            lo = arena_bounds[entry[cp]]
            for k in range(arena_bounds[entry[cp] + 1] - lo):
                out[at + k] = arena[lo + k]
            at += arena_bounds[entry[cp] + 1] - lo
            i = j + width
        d += 1
    return out
