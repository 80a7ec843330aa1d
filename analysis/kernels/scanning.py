"""The token scan: raw tokens of UTF-8 text, by a table of character classes.

:func:`scan_tokens` numbers each distinct raw token in order of first
appearance (an exact hash table: a token of up to eight bytes is its own key,
longer ones are confirmed byte by byte against a compact copy of the distinct
strings); :func:`number_strings` numbers the distinct strings of several parts
as one, :func:`gather_into` renumbers the tokens and :func:`fill_rows` writes
their documents (:func:`expanded_counts` and :func:`expand_into` where a token
stands for several words); :func:`nfkc_unsure` finds the texts that may not be in NFKC.
:mod:`analysis.scan` gives the classes their meaning (read off the token rule).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analysis.kernels.hashing import _grow, _home, _key, _rehash, _same_bytes, _table_for
from analysis.kernels.utf8 import _decode

#: Character classes of :func:`scan_tokens` (one uint8 per code point):
#: LETTER is a WORD character that can be an abbreviation's letter,
#: APOSTROPHE a JOINER that can start its possessive, DOT a MARK that
#: follows each of its letters, CAPITAL a LETTER that with a DOT after it
#: is an initial.
OTHER, WORD, JOINER, MARK, LETTER, APOSTROPHE, DOT, CAPITAL = 0, 1, 2, 3, 4, 5, 6, 7


@njit(cache=True, nogil=True, inline="always")
def _class_at(buf: np.ndarray, i: int, classes: np.ndarray) -> tuple[int, int]:
    """Class and byte length of the character at byte ``i`` (ASCII looked up directly)."""
    b0 = buf[i]
    if b0 < 0x80:
        return classes[b0], 1
    cp, width = _decode(buf, i)
    return classes[cp], width


@njit(cache=True, nogil=True)
def scan_tokens(
    buf: np.ndarray,
    doc_bounds: np.ndarray,
    classes: np.ndarray,
    out_code: np.ndarray,
    out_ends: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Raw tokens of the documents in ``buf`` (UTF-8 bytes).

    Document ``d`` is ``buf[doc_bounds[d]:doc_bounds[d + 1]]``. A raw token
    is a dotted abbreviation (:func:`_abbreviation_end`), a run of WORD
    characters with single JOINER characters kept between two WORD
    characters, or one MARK or JOINER character on its own; OTHER
    characters (spaces) only separate. This is the regex
    ``ABBR|W+(?:J(?!ABBR)W+)*|[MJ]`` matched leftmost-first, ABBR being
    :func:`_abbreviation_end`'s (LETTER and CAPITAL count as WORD,
    APOSTROPHE as JOINER and DOT as MARK).
    Per raw token, the number of its distinct string goes to ``out_code``
    (the caller's array: ``len(buf)`` elements always suffice, a token
    takes a byte at least; only the elements written are ever paged in),
    and per document the number of tokens up to its end to ``out_ends``.

    Returns
    -------
    arena, bounds
        The distinct strings: string ``k`` is ``arena[bounds[k]:bounds[k + 1]]``,
        numbered in order of first appearance.
    found
        How many tokens were written.
    """
    table_size = 1 << 16
    table = np.full(table_size, -1, dtype=np.int32)
    # distinct string k is arena[d_first[k]:d_first[k + 1]]: the strings are
    # compared there, not in the text, so a lookup stays in the cache
    d_first = np.zeros(table_size // 2 + 1, dtype=np.int64)
    d_hash = np.empty(table_size // 2, dtype=np.uint64)
    arena = np.empty(1 << 20, dtype=np.uint8)
    # document, byte, distinct strings, tokens out, table shift, arena bytes used
    start = doc_bounds[0] if len(doc_bounds) else 0
    state = np.array([0, start, 0, 0, 64 - 16, 0], dtype=np.int64)
    while True:
        status = _scan_until_full(
            buf, doc_bounds, classes, table, d_first, d_hash, arena, out_code, out_ends, state
        )
        if status == _DONE:
            break
        if status == _FULL_TABLE:
            table_size *= 2
            state[4] -= 1
            d_first = _grow(d_first, state[2] + 1, table_size // 2 + 1)
            d_hash = _grow(d_hash, state[2], table_size // 2)
            table = _rehash(d_hash, state[2], table_size, state[4])
        else:
            arena = _grow(arena, state[5], len(arena) * 2)
    return arena[: state[5]], d_first[: state[2] + 1], state[3]


_DONE, _FULL_TABLE, _FULL_ARENA = 0, 1, 2


@njit(cache=True, nogil=True, inline="always")
def _is_letter(kind: int) -> bool:
    # plain compares: numba compiles them to the fastest code in the scan's hot loop
    return (kind == LETTER) | (kind == CAPITAL)


@njit(cache=True, nogil=True, inline="always")
def _is_word(kind: int) -> bool:
    return (kind == WORD) | (kind == LETTER) | (kind == CAPITAL)


@njit(cache=True, nogil=True, inline="always")
def _abbreviation_end(buf: np.ndarray, i: int, end: int, classes: np.ndarray, first: int) -> int:
    """Where an abbreviation whose first letter (of class ``first``) ends at byte ``i`` ends, or -1.

    The regex ``L(?:\\.L)+(?:\\.|(?!W))(?:A[sS])?|C\\.`` (L a LETTER or
    CAPITAL, W any word character, A an APOSTROPHE, C a CAPITAL) matched
    at the letter, leftmost-first: the most ``.L`` groups that a full stop
    closes or no word character follows (with fewer groups, a full stop
    closes them: that is where the regex backtracks to), a possessive right
    after it; failing that, an initial (a capital and its full stop).
    """
    best = -1
    p = i
    groups = 0
    at_letter = True
    while p < end:
        kind, width = _class_at(buf, p, classes)
        if kind != DOT:
            break
        q = p + width
        if groups >= 1:
            best = q
        at_letter = False
        if q >= end:
            break
        kind, width = _class_at(buf, q, classes)
        if not _is_letter(kind):
            break
        p = q + width
        groups += 1
        at_letter = True
    # the last letter without its full stop: an abbreviation when no word character follows
    if at_letter and groups >= 1 and (p >= end or not _is_word(_class_at(buf, p, classes)[0])):
        best = p
    if best >= 0:
        if best + 1 < end:
            kind, width = _class_at(buf, best, classes)
            after = buf[best + width] if best + width < end else 0
            if kind == APOSTROPHE and (after == 0x73 or after == 0x53):
                best += width + 1
        return best
    if first == CAPITAL and i < end:
        kind, width = _class_at(buf, i, classes)
        if kind == DOT:
            return i + width
    return -1


@njit(cache=True, nogil=True)
def _scan_until_full(
    buf: np.ndarray,
    doc_bounds: np.ndarray,
    classes: np.ndarray,
    table: np.ndarray,
    d_first: np.ndarray,
    d_hash: np.ndarray,
    arena: np.ndarray,
    out_code: np.ndarray,
    out_ends: np.ndarray,
    state: np.ndarray,
) -> int:
    # The scan proper, resumable: it stops before a token that would not fit
    # (arrays reassigned inside a numba loop cost a reference count per use,
    # so growing happens outside, in scan_tokens). The token rule is written
    # out inline: a helper returning (start, stop) made the loop twice as slow.
    n_docs = len(doc_bounds) - 1
    d, i, n_distinct, n_out, shift = state[0], state[1], state[2], state[3], state[4]
    used = state[5]
    mask = len(table) - 1
    while d < n_docs:
        end = doc_bounds[d + 1]
        while i < end:
            kind, width = _class_at(buf, i, classes)
            if kind == OTHER:
                i += width
                continue
            if 2 * (n_distinct + 1) > len(table):
                state[0], state[1], state[2], state[3], state[5] = d, i, n_distinct, n_out, used
                return _FULL_TABLE
            start = i
            i += width
            stop = _abbreviation_end(buf, i, end, classes, kind) if _is_letter(kind) else -1
            if stop >= 0:
                i = stop
            elif _is_word(kind):
                while i < end:
                    kind, width = _class_at(buf, i, classes)
                    if _is_word(kind):
                        i += width
                        continue
                    if (kind == JOINER or kind == APOSTROPHE) and i + width < end:  # noqa: SIM109
                        cp, after = _decode(buf, i + width)
                        joined = classes[cp]
                        # a joiner that an abbreviation follows is a mark of its own
                        if _is_word(joined) and not (
                            _is_letter(joined)
                            and _abbreviation_end(buf, i + width + after, end, classes, joined) >= 0
                        ):
                            i += width + after
                            continue
                    break
            # find or add the token (keys of more than eight bytes are
            # confirmed byte by byte)
            size = i - start
            h = _key(buf, start, i)
            slot = _home(h, shift)
            code = -1
            while True:
                entry = table[slot]
                if entry < 0:
                    break
                other = d_first[entry]
                if (
                    d_hash[entry] == h
                    and d_first[entry + 1] - other == size
                    and (size <= 8 or _same_bytes(arena, other, buf, start, size))
                ):
                    code = entry
                    break
                slot = (slot + 1) & mask
            if code < 0:
                if used + size > len(arena):
                    state[0], state[1], state[2], state[3], state[5] = (
                        d,
                        start,
                        n_distinct,
                        n_out,
                        used,
                    )
                    return _FULL_ARENA
                code = n_distinct
                arena[used : used + size] = buf[start:i]
                used += size
                d_first[code + 1] = used
                d_hash[code] = h
                table[slot] = code
                n_distinct += 1
            out_code[n_out] = code
            n_out += 1
        out_ends[d] = n_out
        d += 1
        if d < n_docs:
            i = doc_bounds[d]
    state[0], state[1], state[2], state[3], state[5] = d, i, n_distinct, n_out, used
    return _DONE


@njit(cache=True, nogil=True)
def gather_into(out: np.ndarray, table: np.ndarray, values: np.ndarray) -> None:
    """``out[i] = table[values[i]]`` for every i (``np.take`` without a temporary)."""
    for i in range(len(values)):
        out[i] = table[values[i]]


@njit(cache=True, nogil=True)
def fill_rows(out: np.ndarray, first: int, counts: np.ndarray) -> None:
    """``out`` holds ``first + i`` ``counts[i]`` times, for i in order (``np.repeat``)."""
    at = 0
    for i in range(len(counts)):
        out[at : at + counts[i]] = first + i
        at += counts[i]


@njit(cache=True, nogil=True)
def expanded_counts(codes: np.ndarray, counts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per document, the sum of ``lengths[code]`` over its tokens (document ``i`` has
    ``counts[i]`` of ``codes``, in order): how many items :func:`expand_into` writes for it."""
    out = np.empty(len(counts), dtype=np.int64)
    at = 0
    for i in range(len(counts)):
        n = 0
        for k in range(at, at + counts[i]):
            n += lengths[codes[k]]
        out[i] = n
        at += counts[i]
    return out


@njit(cache=True, nogil=True)
def expand_into(
    rows: np.ndarray,
    out: np.ndarray,
    first: int,
    counts: np.ndarray,
    codes: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    flat: np.ndarray,
) -> None:
    """Each token ``code`` of ``codes`` as ``flat[starts[code]:starts[code] + lengths[code]]``.

    The items go to ``out`` in order, and beside each, in ``rows``, its
    document (``first + i``, document ``i`` holding ``counts[i]`` items, as
    :func:`expanded_counts` gives them): :func:`gather_into` and
    :func:`fill_rows` where a token may stand for several items, or none.
    """
    fill_rows(rows, first, counts)
    at = 0
    for k in range(len(codes)):
        code = codes[k]
        lo = starts[code]
        for j in range(lengths[code]):
            out[at + j] = flat[lo + j]
        at += lengths[code]


@njit(cache=True, nogil=True)
def number_strings(arena: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number equal byte strings alike, in order of first appearance.

    String ``k`` is ``arena[bounds[k]:bounds[k + 1]]``.

    Returns
    -------
    codes
        Per string, its number.
    firsts
        Per number, the first string that has it.
    """
    n = len(bounds) - 1
    table, bits = _table_for(n)
    mask = (1 << bits) - 1
    codes = np.empty(n, dtype=np.int32)
    firsts = np.empty(n, dtype=np.int64)
    hashes = np.empty(n, dtype=np.uint64)
    used = 0
    for k in range(n):
        a, b = bounds[k], bounds[k + 1]
        h = _key(arena, a, b)
        slot = _home(h, 64 - bits)
        code = -1
        while True:
            entry = table[slot]
            if entry < 0:
                break
            f = firsts[entry]
            fa, fb = bounds[f], bounds[f + 1]
            if (
                hashes[entry] == h
                and fb - fa == b - a
                and (b - a <= 8 or _same_bytes(arena, fa, arena, a, b - a))
            ):
                code = entry
                break
            slot = (slot + 1) & mask
        if code < 0:
            code = used
            firsts[used] = k
            hashes[used] = h
            table[slot] = used
            used += 1
        codes[k] = code
    return codes, firsts[:used]


@njit(cache=True, nogil=True)
def nfkc_unsure(buf: np.ndarray, doc_bounds: np.ndarray, safe: np.ndarray) -> np.ndarray:
    """Per document of ``buf`` (UTF-8), whether it holds a character outside ``safe``.

    A text made only of characters that are ASCII or ``safe`` (see
    :func:`analysis.scan.nfkc_safe`) is already in NFKC; the others must be
    checked (and perhaps normalised) by Python.
    """
    n_docs = len(doc_bounds) - 1
    out = np.zeros(n_docs, dtype=np.bool_)
    for d in range(n_docs):
        i = doc_bounds[d]
        end = doc_bounds[d + 1]
        while i < end:
            if i + 16 <= end:
                # sixteen bytes at a time while they are ASCII
                seen = np.uint8(0)
                for j in range(16):
                    seen |= buf[i + j]
                if seen < 0x80:
                    i += 16
                    continue
            if buf[i] < 0x80:
                i += 1
                continue
            cp, width = _decode(buf, i)
            if not safe[cp]:
                out[d] = True
                break
            i += width
    return out


@njit(cache=True, nogil=True)
def string_kinds(
    data: np.ndarray, offsets: np.ndarray, han: np.ndarray, unknown: np.ndarray
) -> tuple[np.ndarray, int]:
    """Per string of a UTF-8 array: 1 when it is all ASCII, 2 when all of it is Han, else 0.

    ``han`` holds per code point 1 for Han, 0 for other, -1 for not known
    yet: a string holding such a character gets -1, and the characters
    (each once per call, up to ``len(unknown)``) are written into
    ``unknown``, whose number is returned. An empty string is ASCII.
    """
    n = len(offsets) - 1
    kinds = np.empty(n, dtype=np.int8)
    found = 0
    for s in range(n):
        i = offsets[s]
        end = offsets[s + 1]
        ascii_only = True
        all_han = True
        kind = 0
        while i < end:
            if data[i] < 0x80:
                all_han = False
                i += 1
                continue
            ascii_only = False
            cp, width = _decode(data, i)
            i += width
            mark = han[cp]
            if mark < 0:
                kind = -1
                if found < len(unknown):
                    han[cp] = -2  # listed once
                    unknown[found] = cp
                    found += 1
            elif mark == 0:
                all_han = False
        if kind < 0:
            kinds[s] = -1
        elif ascii_only:
            kinds[s] = 1
        elif all_han:
            kinds[s] = 2
        else:
            kinds[s] = 0
    return kinds, found


@njit(cache=True, nogil=True)
def first_seen(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys (``0 <= key < space``; a negative one stays -1) numbered in order of first
    appearance: per item its number (int32), and per number the item first holding it."""
    number_of = np.full(space, -1, dtype=np.int32)
    numbers = np.empty(len(keys), dtype=np.int32)
    firsts = np.empty(min(space, len(keys)), dtype=np.int64)
    found = 0
    for i in range(len(keys)):
        key = keys[i]
        if key < 0:
            numbers[i] = -1
            continue
        number = number_of[key]
        if number < 0:
            number = number_of[key] = found
            firsts[found] = i
            found += 1
        numbers[i] = number
    return numbers, firsts[:found]


@njit(cache=True, nogil=True)
def han_pieces(
    data: np.ndarray, offsets: np.ndarray, classes: np.ndarray, han: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """The pieces of raw tokens holding Han: the regex ``W+(?:JW+)*|\\p{Han}+|M``
    matched leftmost-first in each string of a UTF-8 array that holds a Han
    character, W being a WORD character that is not Han, J a JOINER, M a MARK
    (or JOINER); a string without Han is one piece, as it is.

    ``classes`` are :func:`scan_tokens`'s, ``han`` per code point 1 for Han and
    0 for other (-1, not known, makes the last value False and the rest
    meaningless). Returns the pieces' bytes one after the other, their
    offsets (int64), and per piece the number of its string.
    """
    n = len(offsets) - 1
    size = offsets[n] - offsets[0]
    out = np.empty(size, dtype=np.uint8)
    bounds = np.empty(size + n + 1, dtype=np.int64)  # a piece a byte, or an empty string
    owner = np.empty(size + n, dtype=np.int64)
    bounds[0] = 0
    at = 0
    pieces = 0
    for s in range(n):
        i = offsets[s]
        end = offsets[s + 1]
        has_han = False
        while i < end:  # every character known, and is one Han?
            if data[i] < 0x80:
                i += 1
                continue
            cp, width = _decode(data, i)
            mark = han[cp]
            if mark < 0:
                return out, bounds, owner, False
            has_han |= mark == 1
            i += width
        i = offsets[s]
        while i < end or not has_han:
            # a string without Han is its own piece (an empty one too)
            stop = _piece_end(data, i, end, classes, han) if has_han else end
            if stop < 0:  # a character that only separates
                i = -stop
                continue
            for b in range(i, stop):
                out[at] = data[b]
                at += 1
            owner[pieces] = s
            pieces += 1
            bounds[pieces] = at
            if not has_han:
                break
            i = stop
    return out[:at], bounds[: pieces + 1], owner[:pieces], True


@njit(cache=True, nogil=True, inline="always")
def _piece_end(data: np.ndarray, i: int, end: int, classes: np.ndarray, han: np.ndarray) -> int:
    """The end of :func:`han_pieces`' piece at byte ``i``, or minus the next character's
    byte when the one at ``i`` only separates."""
    kind, width = _class_at(data, i, classes)
    if data[i] >= 0x80 and han[_decode(data, i)[0]] == 1:
        stop = i + width
        while stop < end and data[stop] >= 0x80:
            cp, step = _decode(data, stop)
            if han[cp] != 1:
                break
            stop += step
        return stop
    if _is_word(kind):
        stop = _word_run(data, i, end, classes, han)
        while stop < end:
            joiner, step = _class_at(data, stop, classes)
            if (joiner != JOINER and joiner != APOSTROPHE) or stop + step >= end:
                break
            after = _word_run(data, stop + step, end, classes, han)
            if after == stop + step:
                break
            stop = after
        return stop
    if kind in (MARK, DOT, JOINER, APOSTROPHE):
        return i + width
    return -(i + width)


@njit(cache=True, nogil=True, inline="always")
def _word_run(data: np.ndarray, i: int, end: int, classes: np.ndarray, han: np.ndarray) -> int:
    """The end of the run of WORD characters that are not Han from byte ``i``."""
    while i < end:
        kind, width = _class_at(data, i, classes)
        if not _is_word(kind) or (data[i] >= 0x80 and han[_decode(data, i)[0]] == 1):
            return i
        i += width
    return i
