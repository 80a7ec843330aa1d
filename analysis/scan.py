"""The compiled scan of the token rule: a batch of texts' UTF-8 bytes -> raw tokens.

One pass over the bytes (:mod:`analysis.kernels`), whose character classes are
read off :data:`analysis.rule.SCAN_PATTERN` by polars' regex engine; NFKC is
left to Python only for texts the UAX #15 quick check cannot clear.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from analysis import kernels
from analysis.nfkc import nfkc_replace, replacements
from analysis.rule import (
    _ANY_WORD_CHARS,
    _APOSTROPHES,
    _CAPITALS,
    _DOT,
    _JOINERS,
    _LETTERS,
    BOUNDARY_PATTERN,
)

#: Blocks whose characters may be in :func:`nfkc_safe` (each is still checked one by one).
_NFKC_BLOCKS = (
    (0x00A0, 0x0300),  # Latin-1 supplement, Latin extended, IPA, spacing modifiers
    (0x0370, 0x0530),  # Greek, Cyrillic
    (0x2000, 0x2C00),  # punctuation, symbols, arrows, dingbats
    (0x3000, 0x3040),  # CJK symbols and punctuation
    (0x3400, 0x4DC0),  # CJK extension A
    (0x4E00, 0xA000),  # CJK unified ideographs
)


@functools.lru_cache(maxsize=1)
def nfkc_safe() -> np.ndarray:
    """Per code point: True when any text made of such characters (and ASCII) is in NFKC.

    That is NFKC's quick check answering "yes" (UAX #15): the character is
    its own NFKC form, has combining class 0, and never composes with the
    character before it. Only characters of common blocks are marked (the
    rest are left to Python's check), each checked here for the first two;
    the blocks hold no character that composes with the one before it,
    which the tests check against every canonical decomposition.
    """
    safe = np.zeros(0x110000, dtype=bool)
    for lo, hi in _NFKC_BLOCKS:
        for point in range(lo, hi):
            char = chr(point)
            safe[point] = (
                unicodedata.combining(char) == 0 and unicodedata.normalize("NFKC", char) == char
            )
    return safe


@functools.lru_cache(maxsize=1)
def nfkc_forms() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The characters whose NFKC the compiled pass writes (:func:`analysis.nfkc.replacements`)."""
    return replacements(nfkc_safe())


@functools.lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """The class of every code point in the scan (uint8, see :mod:`analysis.kernels`).

    Read off :data:`SCAN_PATTERN`'s own character sets by polars' regex
    engine, so the compiled scan and the pattern agree by construction:
    word characters ``[\\p{L}\\p{M}\\p{N}]`` (those that are letters but not
    Han apart, as abbreviation letters), joiners (hyphens, and apostrophes
    apart, which also carry an abbreviation's possessive) that also stand
    alone as marks, marks ``[\\p{P}\\p{S}\\n]`` (the full stop apart), and
    the rest (spaces, controls), which only separate. Capital letters are
    apart among the letters (an initial is one with its full stop).
    """
    points = np.r_[0:0xD800, 0xE000:0x110000]
    # every code point but the surrogates, one string each, made without a Python loop
    every = points.astype("<u4").tobytes().decode("utf-32-le")
    chars = pl.Series([every], dtype=pl.String).str.split("").explode()
    if len(chars) != len(points):
        raise RuntimeError("polars split the code points unexpectedly")
    word = chars.str.contains(rf"^[{_ANY_WORD_CHARS}]$").to_numpy()
    mark = chars.str.contains(rf"^{BOUNDARY_PATTERN}$").to_numpy()
    joiner = chars.str.contains(rf"^[{_JOINERS}]$").to_numpy()
    apostrophe = chars.str.contains(rf"^[{_APOSTROPHES}]$").to_numpy()
    letter = chars.str.contains(rf"^[{_LETTERS}]$").to_numpy()
    capital = chars.str.contains(rf"^[{_CAPITALS}]$").to_numpy()
    dot = chars.str.contains(rf"^{_DOT}$").to_numpy()
    if (
        (word & mark).any()
        or (joiner & ~mark).any()
        or (apostrophe & ~joiner).any()
        or (letter & ~word).any()
        or (capital & ~letter).any()
        or (dot & (~mark | joiner)).any()
    ):
        raise RuntimeError("the scan's character sets overlap; the token rule changed")
    classes = np.full(0x110000, kernels.OTHER, dtype=np.uint8)
    classes[points[mark]] = kernels.MARK
    classes[points[dot]] = kernels.DOT
    classes[points[joiner]] = kernels.JOINER
    classes[points[apostrophe]] = kernels.APOSTROPHE
    classes[points[word]] = kernels.WORD
    classes[points[letter]] = kernels.LETTER
    classes[points[capital]] = kernels.CAPITAL
    return classes


#: Batches larger than this (characters, or bytes of an Arrow column) are
#: scanned in parts on parallel threads, parts of about PART_BYTES and at
#: least two per thread.
PARALLEL_BYTES = 2**22

PART_BYTES = 2**25


@dataclass
class Scanned:
    """A scanned batch: raw tokens as numbers (see :func:`scan_parts`).

    Text ``r`` has ``doc_tokens[r]`` raw tokens. Part ``k`` of the batch
    holds texts ``pieces[k][0]`` to ``pieces[k][1]`` and their tokens from
    ``pieces[k][2]`` onwards: ``pieces[k][3]`` lists their numbers within
    the part, and ``pieces[k][4][number]`` numbers the string in
    ``strings``, the distinct raw strings in order of first appearance.
    """

    doc_tokens: np.ndarray
    pieces: list[tuple[int, int, int, np.ndarray, np.ndarray]]
    strings: pl.Series

    @property
    def distinct(self) -> list[str]:
        """The distinct raw strings as Python strings."""
        return cast(list[str], self.strings.to_list())

    def numbered(self, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per raw token, in reading order: its text's position, and ``table[number in distinct]``.

        The parts are written into the two arrays on parallel threads and
        let go: the scan is spent afterwards.
        """
        total = int(self.doc_tokens.sum())
        doc = np.empty(total, dtype=np.int32)
        out = np.empty(total, dtype=table.dtype)
        jobs = [
            (doc[at : at + len(codes)], lo, self.doc_tokens[lo:hi],
             out[at : at + len(codes)], table[remap], codes)
            for lo, hi, at, codes, remap in self.pieces
        ]  # fmt: skip
        self.pieces = []
        if len(jobs) == 1:
            _number_part(*jobs[0])
        else:
            with ThreadPoolExecutor(max_workers=kernels.WORKERS) as pool:
                for job in [pool.submit(_number_part, *job) for job in jobs]:
                    job.result()
        return doc, out

    def expanded(
        self, starts: np.ndarray, lengths: np.ndarray, flat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`numbered` where distinct string ``s`` stands for ``lengths[s]`` items (or none).

        Per item, in reading order: its text's position, and the item, each
        raw token giving ``flat[starts[s]:starts[s] + lengths[s]]``; and per
        text, how many items it holds. Two passes on parallel threads (the
        items per text, then the items), into the two arrays and nothing
        else; the scan is spent afterwards.
        """
        pieces, self.pieces = self.pieces, []
        # per part, its distinct strings' lengths and starts (a part numbers them its own way)
        tables = [(lengths[remap], starts[remap]) for _lo, _hi, _at, _codes, remap in pieces]
        per_text = np.zeros(len(self.doc_tokens), dtype=np.int64)
        with ThreadPoolExecutor(max_workers=kernels.WORKERS) as pool:
            counted = [
                pool.submit(kernels.expanded_counts, codes, self.doc_tokens[lo:hi], table[0])
                for (lo, hi, _at, codes, _remap), table in zip(pieces, tables, strict=True)
            ]
            for (lo, hi, *_rest), job in zip(pieces, counted, strict=True):
                per_text[lo:hi] = job.result()
            total = int(per_text.sum())
            doc = np.empty(total, dtype=np.int32)
            out = np.empty(total, dtype=flat.dtype)
            written = []
            at = 0
            for (lo, hi, _at, codes, _remap), (part_lengths, part_starts) in zip(
                pieces, tables, strict=True
            ):
                size = int(per_text[lo:hi].sum())
                written.append(
                    pool.submit(
                        kernels.expand_into, doc[at : at + size], out[at : at + size], lo,
                        per_text[lo:hi], codes, part_starts, part_lengths, flat,
                    )
                )  # fmt: skip
                at += size
            for done in written:
                done.result()
        return doc, out, per_text


def _number_part(
    doc: np.ndarray,
    first: int,
    counts: np.ndarray,
    out: np.ndarray,
    table: np.ndarray,
    codes: np.ndarray,
) -> None:
    kernels.fill_rows(doc, first, counts)
    kernels.gather_into(out, table, codes)


def scan_parts(
    texts: Sequence[str] | pd.Series, *, meanwhile: Callable[[], object] | None = None
) -> Scanned:
    """Raw tokens of a batch of texts, as numbers.

    A raw token is a match of :data:`SCAN_PATTERN` in the NFKC text: a run of
    letters, marks and digits (internal joiners kept) or a boundary mark, not
    yet folded; :func:`classify_raw` turns each distinct one into tokens.
    The scan is a compiled pass over the UTF-8 bytes
    (:func:`analysis.kernels.scan_tokens`): those of an Arrow-backed column
    are read where they lie, other texts are encoded. A large batch is cut
    into parts: while one part is prepared (UTF-8, NFKC where needed), the
    parts before it are scanned on parallel threads, each into its own
    array. The parts' distinct strings are then numbered as one
    (:func:`analysis.kernels.number_strings`).

    ``meanwhile``, if given, is called on this thread once every part has
    been handed to the scanning threads: Python work that fills the wait
    (the index build splits passages there).
    """
    classes = char_classes()
    arrow = _arrow_utf8(texts) if isinstance(texts, pd.Series) else None
    if arrow is not None:
        data, offsets = arrow
        sizes = offsets - offsets[0]

        def prepare(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            return _normalised(data, offsets[lo : hi + 1])
    else:
        strings = _strings(texts) if isinstance(texts, pd.Series) else texts
        sizes = np.zeros(len(strings) + 1, dtype=np.int64)
        sizes[1:] = np.cumsum([len(t) for t in strings])

        def prepare(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
            return _utf8(strings[lo:hi])

    parts = 1
    if sizes[-1] > PARALLEL_BYTES:
        parts = max(2 * kernels.WORKERS, -(-int(sizes[-1]) // PART_BYTES))
    spans = kernels.split_evenly(sizes, parts)
    doc_tokens = np.zeros(len(texts), dtype=np.int64)
    with ThreadPoolExecutor(max_workers=kernels.WORKERS) as pool:
        jobs = []
        for lo, hi in spans:
            buf, bounds = prepare(lo, hi)
            # room for a token per byte; the untouched room is never paged in
            codes = np.empty(int(bounds[-1] - bounds[0]), dtype=np.int32)
            job = pool.submit(kernels.scan_tokens, buf, bounds, classes, codes, doc_tokens[lo:hi])
            jobs.append((codes, job))
        if meanwhile is not None:
            meanwhile()
        scanned = [(codes, *job.result()) for codes, job in jobs]
    # doc_tokens holds each part's running totals: per-text counts from them
    for lo, hi in spans:
        ends = doc_tokens[lo:hi]
        ends[1:] -= ends[:-1].copy()
    arena = np.concatenate([s[1] for s in scanned])
    shift = np.cumsum([0] + [len(s[1]) for s in scanned])
    string_bounds = np.concatenate(
        [s[2][:-1] + shift[k] for k, s in enumerate(scanned)] + [np.array([shift[-1]])]
    )
    numbers, firsts = kernels.number_strings(arena, string_bounds)
    distinct = _distinct_strings(arena, string_bounds, firsts)
    pieces = []
    token_at = 0
    string_at = 0
    for (lo, hi), (codes, _arena, bounds, found) in zip(spans, scanned, strict=True):
        n_strings = len(bounds) - 1
        pieces.append((lo, hi, token_at, codes[:found], numbers[string_at : string_at + n_strings]))
        token_at += found
        string_at += n_strings
    return Scanned(doc_tokens=doc_tokens, pieces=pieces, strings=distinct)


def _distinct_strings(arena: np.ndarray, bounds: np.ndarray, firsts: np.ndarray) -> pl.Series:
    """Strings ``arena[bounds[f]:bounds[f + 1]]`` for each ``f`` of ``firsts``, decoded.

    Gathered into one Arrow string array and handed to polars as it is;
    bytes that are not valid UTF-8 (surrogates of a Python text) are decoded
    one by one (:func:`_decoded`), which polars then refuses.
    """
    every = pa.LargeStringArray.from_buffers(
        len(bounds) - 1, pa.py_buffer(bounds.astype(np.int64, copy=False)), pa.py_buffer(arena)
    )
    strings = every.take(pa.array(firsts))  # Arrow gathers the bytes
    try:
        strings.validate(full=True)
    except pa.ArrowInvalid:
        return pl.Series(_decoded(arena, bounds, firsts), dtype=pl.String)
    return cast(pl.Series, pl.from_arrow(strings))


def _decoded(arena: np.ndarray, bounds: np.ndarray, firsts: np.ndarray) -> list[str]:
    """The strings of :func:`_distinct_strings` decoded one by one (surrogates kept)."""
    raw, starts = arena.tobytes(), bounds.tolist()
    return [raw[starts[f] : starts[f + 1]].decode("utf-8", "surrogatepass") for f in firsts]


def arrow_text(column: pd.Series) -> pd.Series:
    """The text column kept in Arrow (UTF-8), in one chunk, which the compiled passes read in place.

    A column of Python strings is converted once and a chunked one (after
    ``pd.concat``) combined once. A text with an unpaired surrogate cannot
    go to Arrow: such a column is returned as it is. Missing texts are read
    as empty ones.
    """
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        array = pa.array(column)
        if isinstance(array, pa.ChunkedArray) and array.num_chunks > 1:
            combined = pd.arrays.ArrowStringArray(array.combine_chunks())
            return pd.Series(combined, index=column.index, name=column.name)
        return column
    try:
        return pd.Series(_strings(column), index=column.index, name=column.name).astype(
            pd.StringDtype("pyarrow")
        )
    except (ValueError, TypeError, pa.ArrowException):
        return column


def _strings(column: pd.Series) -> list[str]:
    """The texts of a column as Python strings, a missing one as ``""``."""
    return ["" if value is None or value is pd.NA or value != value else str(value)
            for value in column.tolist()]  # fmt: skip


def _arrow_utf8(column: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The UTF-8 bytes and offsets of an Arrow-backed string column, without a copy.

    None when the column is not one (or has missing values).
    """
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return None
    array = pa.array(column)
    if not isinstance(array, pa.Array) or array.null_count:
        return None
    if pa.types.is_large_string(array.type):
        width: type[np.signedinteger] = np.int64
    elif pa.types.is_string(array.type):
        width = np.int32
    else:
        return None
    _validity, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=width)[array.offset : array.offset + len(array) + 1]
    if data is None:
        return np.zeros(0, dtype=np.uint8), bounds.astype(np.int64)
    return np.frombuffer(data, dtype=np.uint8), bounds.astype(np.int64)


def utf8_texts(texts: Sequence[str] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Texts as they are, in UTF-8: one buffer and the byte offsets of each.

    An Arrow-backed column's own buffers, without a copy; other texts are
    encoded.
    """
    if isinstance(texts, pd.Series):
        arrow = _arrow_utf8(texts)
        if arrow is not None:
            return arrow
        texts = _strings(texts)
    return _join([t.encode("utf-8", "surrogatepass") for t in texts])


@functools.lru_cache(maxsize=1)
def white_space() -> np.ndarray:
    """Per code point: True for white space (Python's ``str.isspace``, ``re``'s ``\\s``)."""
    points = np.r_[0:0xD800, 0xE000:0x110000]
    every = points.astype("<u4").tobytes().decode("utf-32-le")
    space = np.zeros(0x110000, dtype=bool)
    space[[int(points[m.start()]) for m in re.finditer(r"\s", every)]] = True
    return space


def _utf8(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The NFKC texts as UTF-8 in one buffer, and the byte offsets of each."""
    return _normalised(*_join([t.encode("utf-8", "surrogatepass") for t in texts]))


def _normalised(buf: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 texts ``buf[bounds[i]:bounds[i + 1]]`` in NFKC.

    The texts the compiled quick check cannot clear (:func:`nfkc_safe`) get
    the compiled replacements of :mod:`analysis.nfkc` (full-width forms and
    the like); those holding other characters are checked, and normalised if
    need be, by Python. When no text needs either, the bytes are returned as
    they came; else they are copied once.
    """
    todo = kernels.nfkc_unsure(buf, bounds, nfkc_safe())
    if not todo.any():
        return buf, bounds
    return nfkc_replace(buf, bounds, todo, nfkc_safe(), nfkc_forms())


def _join(encoded: Sequence[bytes | memoryview]) -> tuple[np.ndarray, np.ndarray]:
    bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), bounds


def scan(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Raw tokens of a batch of texts (:func:`scan_parts`), numbered in the batch.

    Returns
    -------
    doc, code
        Per raw token, in reading order: the position of its text in
        ``texts`` and the number of its string in ``distinct``.
    distinct
        The distinct raw strings, in order of first appearance.

    >>> doc, code, distinct = scan(["Xi's high-quality plan.", "Plan"])
    >>> doc.tolist(), code.tolist(), distinct
    ([0, 0, 0, 0, 1], [0, 1, 2, 3, 4], ["Xi's", 'high-quality', 'plan', '.', 'Plan'])
    """
    scanned = scan_parts(texts)
    doc, code = scanned.numbered(np.arange(len(scanned.strings), dtype=np.int32))
    return doc, code, scanned.distinct


def extract_raw(texts: Sequence[str]) -> pl.DataFrame:
    """Raw token stream of a batch: ``doc`` (position in ``texts``) and ``raw``.

    The strings of :func:`scan`, in reading order. The scan does not
    separate Han from other scripts; the few raw tokens holding Han
    characters are split with :data:`TOKEN_PATTERN` in :func:`classify_raw`,
    which gives exactly the tokens a scan with it would. Per-token Python
    work is limited to the distinct strings of a batch.
    """
    scanned = scan_parts(texts)
    doc, code = scanned.numbered(np.arange(len(scanned.strings), dtype=np.int32))
    return pl.DataFrame({"doc": doc, "raw": scanned.strings.gather(code)})
