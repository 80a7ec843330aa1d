"""The token rule, in one place (stopwords live in :mod:`analysis.stopwords`).

Token rule (documented in README; an independent implementation must
reproduce it, and ``tests/analysis/test_text.py`` checks one):

1. Unicode NFKC, then full case folding (``str.casefold``); curly quotes fold
   to ``'`` and ``"``, the Unicode hyphens U+2010/U+2011 to ``-``.
2. A word is a run of letters, marks and digits (any script but Han) with
   internal hyphens or apostrophes kept: ``high-quality``, ``sci-tech``,
   ``g60`` are one token each. A dotted abbreviation (single letters each
   followed by a full stop, at least two: ``U.S.``, ``e.g.``; the last stop
   may be missing where no word character follows) is one token ending in
   its stop (``u.s.``), and is tried first; failing that, a capital with a
   full stop is an initial (``S. Africa``, ``S.Korea`` give ``s.``). A
   joiner followed by an abbreviation joins nothing (``China-U.S.``).
3. A possessive ``'s`` at the end of a word is removed (``region's`` ->
   ``region``; ``it's`` -> ``it`` too: the rule cannot tell them apart).
4. A run of Han characters is segmented by rjieba (jieba-rs: jieba's default
   dictionary and HMM, plus any user words); full-width punctuation is dropped.
   Optionally (``fold_chinese``, off by default) Traditional characters are
   first folded to Simplified with OpenCC (``t2s``), user words too.
5. Punctuation and symbols are not tokens, but they are boundaries: no
   phrase spans them (nor a line break).

Tokenising is vectorised: a batch of texts is scanned at once by one
compiled pass over its UTF-8 bytes (:func:`scan`; no per-document Python
loop), whose character classes are read off :data:`SCAN_PATTERN` by
polars' regex engine; per-token Python work (folding, segmenting) is done once
per distinct raw token of the batch.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from analysis import kernels

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201f": '"',
    "\u2010": "-",
    "\u2011": "-",
}

_WORD_CHARS = r"\p{L}\p{M}\p{N}--\p{Han}"
_ANY_WORD_CHARS = r"\p{L}\p{M}\p{N}"
_APOSTROPHES = "'\u2018\u2019\u201b"
_JOINERS = f"{_APOSTROPHES}\\-\u2010\u2011"
_LETTERS = r"\p{L}--\p{Han}"
#: Capital letters (Han has none): a capital with a full stop is an initial.
_CAPITALS = r"\p{Lu}\p{Lt}"
_DOT = r"\."
#: A dotted abbreviation, tried before a word so it wins: single letters (not
#: Han) each followed by a full stop, two letters at least (``U.S.``,
#: ``e.g.``, ``U.S.A.``), the last stop left out only where no word
#: character follows (``U.S`` in "the U.S say"), and a possessive ``'s``
#: right after it; or else one capital letter and its full stop, an initial
#: (``S.`` in ``S. Africa``, ``S.Korea``, ``George W. Bush``). Its token
#: always ends with the stop (``u.s``, as written, counts as ``u.s.``). None
#: starts right after a Han character (``中S.`` is ``中``, ``s`` and a mark):
#: the scan reads Han and other letters as one run there.
ABBREVIATION_PATTERN = (
    r"(?<!\p{Han})"
    rf"(?:[{_LETTERS}](?:{_DOT}[{_LETTERS}])+(?:{_DOT}|(?![{_ANY_WORD_CHARS}]))"
    rf"(?:[{_APOSTROPHES}][sS])?|[{_CAPITALS}]{_DOT})"
)
#: A word: internal joiners kept, except one that an abbreviation follows
#: (``China-U.S.`` is ``china`` and ``u.s.``).
WORD_PATTERN = rf"[{_WORD_CHARS}]+(?:[{_JOINERS}](?!{ABBREVIATION_PATTERN})[{_WORD_CHARS}]+)*"
HAN_PATTERN = r"\p{Han}+"
BOUNDARY_PATTERN = r"[\p{P}\p{S}\n]"
#: The whole rule as one pattern (``regex`` module, ``regex.V1``): abbreviations,
#: words, Han runs and boundary marks. It runs on NFKC text before case
#: folding (a letter of an abbreviation is one letter as written: ``ß.x.``
#: is one, and capitals are capitals); folding is done per distinct token
#: afterwards.
TOKEN_PATTERN = f"{ABBREVIATION_PATTERN}|{WORD_PATTERN}|{HAN_PATTERN}|{BOUNDARY_PATTERN}"
#: How a raw word token of the scan that holds Han characters is split
#: (polars, whose engine has no look-around): a raw word token holds no full
#: stop, so no abbreviation, and the pattern gives what TOKEN_PATTERN would.
_SPLIT_PATTERN = (
    rf"[{_WORD_CHARS}]+(?:[{_JOINERS}][{_WORD_CHARS}]+)*|{HAN_PATTERN}|{BOUNDARY_PATTERN}"
)

#: The fast scan (``regex`` module, ``regex.V1``; :mod:`analysis.kernels`
#: runs it compiled): abbreviations, runs of word characters of any script,
#: and boundary marks.
SCAN_PATTERN = (
    rf"{ABBREVIATION_PATTERN}|"
    rf"[{_ANY_WORD_CHARS}]+(?:[{_JOINERS}](?!{ABBREVIATION_PATTERN})[{_ANY_WORD_CHARS}]+)*"
    rf"|{BOUNDARY_PATTERN}"
)

#: Bump when the token rule changes: saved indexes made under another rule are not reused.
RULE_VERSION = 4

#: The token id that stands for a boundary in token streams.
BOUNDARY = -1

# The Han script's blocks, for Python-side checks (polars uses \p{Han} itself).
_HAN_RE = re.compile(
    "[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003ffff]"
)
_FOLD_TABLE = str.maketrans(_QUOTES)


def normalise(text: str) -> str:
    """Step 1 of the token rule for one string (NFKC, casefold, quotes).

    >>> normalise("Xi’s ＡＢＣ Straße")
    "xi's abc strasse"
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD_TABLE)


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
    ``distinct``.
    """

    doc_tokens: np.ndarray
    pieces: list[tuple[int, int, int, np.ndarray, np.ndarray]]
    distinct: list[str]

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
    raw = arena.tobytes()
    starts = string_bounds.tolist()
    distinct = [raw[starts[f] : starts[f + 1]].decode("utf-8", "surrogatepass") for f in firsts]
    pieces = []
    token_at = 0
    string_at = 0
    for (lo, hi), (codes, _arena, bounds, found) in zip(spans, scanned, strict=True):
        n_strings = len(bounds) - 1
        pieces.append((lo, hi, token_at, codes[:found], numbers[string_at : string_at + n_strings]))
        token_at += found
        string_at += n_strings
    return Scanned(doc_tokens=doc_tokens, pieces=pieces, distinct=distinct)


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

    The texts the compiled quick check cannot clear (:func:`nfkc_safe`) are
    checked, and normalised if need be, by Python; when none changes, the
    bytes are returned as they came.
    """
    unsure = np.flatnonzero(kernels.nfkc_unsure(buf, bounds, nfkc_safe())).tolist()
    fixed = {}
    for i in unsure:
        text = buf[bounds[i] : bounds[i + 1]].tobytes().decode("utf-8", "surrogatepass")
        if not unicodedata.is_normalized("NFKC", text):
            fixed[i] = unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")
    if not fixed:
        return buf, bounds
    view = memoryview(buf.data)
    return _join(
        [
            fixed[i] if i in fixed else view[bounds[i] : bounds[i + 1]]
            for i in range(len(bounds) - 1)
        ]
    )


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
    doc, code = scanned.numbered(np.arange(len(scanned.distinct), dtype=np.int32))
    return doc, code, scanned.distinct


def extract_raw(texts: Sequence[str]) -> pl.DataFrame:
    """Raw token stream of a batch: ``doc`` (position in ``texts``) and ``raw``.

    The strings of :func:`scan`, in reading order. The scan does not
    separate Han from other scripts; the few raw tokens holding Han
    characters are split with :data:`TOKEN_PATTERN` in :func:`classify_raw`,
    which gives exactly the tokens a scan with it would. Per-token Python
    work is limited to the distinct strings of a batch.
    """
    doc, code, distinct = scan(texts)
    return pl.DataFrame(
        {
            "doc": doc,
            "raw": pl.Series(distinct, dtype=pl.String).gather(code),
        }
    )


def classify_raw(
    raws: pl.Series, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[list[str | None]]:
    """Tokens of each distinct raw token, ``None`` standing for a boundary.

    A word is folded and loses a final possessive ``'s``; a Han run becomes
    its segmented words (Traditional characters folded to Simplified first
    when ``fold_chinese``); a raw token mixing Han and other letters is split first.

    >>> classify_raw(pl.Series(["Region’s", ",", "长三角", "G60科技"]))
    [['region'], [None], ['长三角'], ['g60', '科技']]
    """
    # ASCII raw tokens (most of them) are classified by polars at once: for
    # them NFKC and case folding are lower-casing, and there is no Han.
    ascii_raw = raws.str.contains(r"^[\x00-\x7f]*$").fill_null(False)
    out: list[list[str | None]] = [[]] * len(raws)  # every slot is replaced below
    if ascii_raw.any():
        simple = raws.filter(ascii_raw)
        words = simple.str.to_lowercase().str.replace(r"'s$", "")
        marks = simple.str.contains(f"^{BOUNDARY_PATTERN}$").to_list()
        where = ascii_raw.arg_true().to_list()
        for at, word, mark in zip(where, words.to_list(), marks, strict=True):
            out[at] = [None] if mark else [_stopped(word)]
    # Raw tokens all of Han (nearly every one in Chinese text) are cut at once:
    # NFKC is done, folding leaves Han alone, and there is nothing to split.
    han_raw = raws.str.contains(r"^\p{Han}+$").fill_null(False)
    if han_raw.any():
        where = han_raw.arg_true().to_list()
        cut = _segmenter(tuple(user_words), fold_chinese).cut
        runs = raws.filter(han_raw).to_list()
        for at, run in zip(where, to_simplified(runs) if fold_chinese else runs, strict=True):
            out[at] = cut(run, True)
    other = ~ascii_raw & ~han_raw
    if other.any():
        rest = other.arg_true().to_list()
        others = _classify_other(
            raws.gather(rest), user_words=user_words, fold_chinese=fold_chinese
        )
        for at, tokens in zip(rest, others, strict=True):
            out[at] = tokens
    return out


def _stopped(word: str) -> str:
    """An abbreviation written without its last full stop gets it (``u.s`` -> ``u.s.``).

    Only abbreviations hold a full stop: it is a boundary everywhere else.
    """
    return word + "." if "." in word and not word.endswith(".") else word


def _classify_other(
    raws: pl.Series, *, user_words: tuple[str, ...], fold_chinese: bool
) -> list[list[str | None]]:
    """:func:`classify_raw` of raw tokens with characters beyond ASCII, one by one."""
    raw_list = raws.to_list()
    mixed = [i for i, h in enumerate(raws.str.contains(r"\p{Han}").to_list()) if h]
    parts: list[list[str]] = [[raw] for raw in raw_list]
    if mixed:
        split = pl.Series([raw_list[i] for i in mixed], dtype=pl.String)
        for i, pieces in zip(mixed, split.str.extract_all(_SPLIT_PATTERN).to_list(), strict=True):
            parts[i] = pieces
    flat = pl.Series([piece for pieces in parts for piece in pieces], dtype=pl.String)
    boundary = flat.str.contains(f"^{BOUNDARY_PATTERN}$").to_list()
    han = flat.str.contains(r"^\p{Han}").to_list()
    tokens: list[list[str | None]] = []
    han_runs: dict[str, list[int]] = {}
    for piece, is_boundary, is_han_run in zip(flat.to_list(), boundary, han, strict=True):
        if is_boundary:
            tokens.append([None])
        elif is_han_run:
            han_runs.setdefault(piece, []).append(len(tokens))
            tokens.append([])
        else:
            word = piece.casefold().translate(_FOLD_TABLE)
            if word.endswith("'s") and len(word) > 2:
                word = word[:-2]
            tokens.append([_stopped(word)])
    if han_runs:
        runs = list(han_runs)
        segmented = segment_han(runs, user_words=user_words, fold_chinese=fold_chinese)
        for run, words in zip(runs, segmented, strict=True):
            for at in han_runs[run]:
                tokens[at] = list(words)
    out: list[list[str | None]] = []
    cursor = 0
    for pieces in parts:
        joined: list[str | None] = []
        for piece_tokens in tokens[cursor : cursor + len(pieces)]:
            joined.extend(piece_tokens)
        out.append(joined)
        cursor += len(pieces)
    return out


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    """OpenCC's Traditional-to-Simplified converter (``t2s``: characters and phrases)."""
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(runs: Sequence[str]) -> list[str]:
    """Han strings with Traditional characters folded to Simplified by OpenCC (``t2s``).

    One conversion for the whole batch: the strings are joined by line breaks,
    which no Han run holds and OpenCC keeps.

    >>> to_simplified(["經濟發展", "经济", "臺灣"])
    ['经济发展', '经济', '台湾']
    """
    if not runs:
        return []
    folded = _converter().convert("\n".join(runs)).split("\n")
    if len(folded) != len(runs):
        raise ValueError("to_simplified takes strings without line breaks")
    return cast(list[str], folded)


@functools.lru_cache(maxsize=8)
def _segmenter(user_words: tuple[str, ...], fold_chinese: bool = False) -> Any:
    """An rjieba (jieba-rs) segmenter with the user's words; one per distinct word list.

    rjieba ships jieba's own dictionary and HMM and cuts a Han run exactly as
    jieba 0.42.1 does (a test holds the two equal on every distinct Han run
    of the shared Chinese corpus), some 25 times faster. A private instance
    keeps one user's dictionary out of everybody else's; a word added without
    a frequency gets the one that keeps it whole, as in jieba. With
    ``fold_chinese`` the words are folded to Simplified as the text is.
    """
    import rjieba

    segmenter = rjieba.Jieba()
    words = [normalise(word).strip() for word in user_words]
    for word in to_simplified(words) if fold_chinese else words:
        if word:
            segmenter.add_word(word, None, None)
    return segmenter


def segment_han(
    runs: Sequence[str], *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[list[str]]:
    """Segment Han-only strings with rjieba (jieba's dictionary, HMM on), one list per run.

    With ``fold_chinese`` Traditional characters are folded to Simplified
    (:func:`to_simplified`) before segmenting: ``經濟`` and ``经济`` are one word.
    """
    cut = _segmenter(tuple(user_words), fold_chinese).cut
    runs = to_simplified(runs) if fold_chinese else list(runs)
    return [[w for w in cut(run, True) if w.strip()] for run in runs]


def tokenize_frame(
    texts: Sequence[str], *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> pl.DataFrame:
    """Token stream of a batch of texts, in reading order.

    Returns a frame with ``doc`` (position of the text in ``texts``) and
    ``token``; a boundary (punctuation, symbol, line break) is the token
    ``None``.

    >>> tokenize_frame(["Xi's high-quality plan."])["token"].to_list()
    ['xi', 'high-quality', 'plan', None]
    """
    raw = extract_raw(texts)
    distinct = raw["raw"].unique(maintain_order=True)
    classified = classify_raw(distinct, user_words=user_words, fold_chinese=fold_chinese)
    mapping = pl.DataFrame(
        {"raw": distinct, "token": classified},
        schema={"raw": pl.String, "token": pl.List(pl.String)},
    )
    return (
        raw.join(mapping, on="raw", how="left", maintain_order="left")
        .select("doc", "token")
        .explode("token", keep_nulls=True, empty_as_null=False)
    )


def tokenize(
    text: str, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[str]:
    """Words of one text by the token rule (boundaries dropped).

    >>> tokenize("The Yangtze River Delta's high-quality development")
    ['the', 'yangtze', 'river', 'delta', 'high-quality', 'development']
    """
    tokens = tokenize_frame([text], user_words=user_words, fold_chinese=fold_chinese)["token"]
    return [t for t in tokens.to_list() if t is not None]


#: Han characters that write numbers (``〇`` is also a Unicode number character).
HAN_NUMERALS = "〇一二三四五六七八九十百千万亿两零"
_HAN_NUMERAL_SET = frozenset(HAN_NUMERALS)
_JOINER_SET = frozenset(_APOSTROPHES + "-\u2010\u2011")


def is_number(token: str) -> bool:
    """True when a token is a pure number (hidden from rankings by default).

    A pure number is made only of Unicode number characters (category N:
    ``0``-``9``, ``²``, ``½``, ``٣``, ``Ⅻ`` ...), possibly joined by internal
    hyphens or apostrophes (``2021-2025``), or only of the Han numerals
    :data:`HAN_NUMERALS` (``一``, ``二十``, ``十四五``). A space-separated
    phrase is a number when each of its words is.

    >>> [is_number(t) for t in ("000", "1990", "2021-2025", "二十", "g60", "一带一路")]
    [True, True, True, True, False, False]
    """
    return bool(token) and all(_is_number_word(word) for word in token.split(" "))


def _is_number_word(word: str) -> bool:
    if word and set(word) <= _HAN_NUMERAL_SET:
        return True
    digits = [unicodedata.category(c).startswith("N") for c in word]
    if not digits or not digits[0] or not digits[-1]:
        return False
    # anything but a number character must be a lone joiner between two of them
    return all(d or (c in _JOINER_SET and digits[i - 1] and digits[i + 1])
               for i, (c, d) in enumerate(zip(word, digits, strict=True)))  # fmt: skip


def is_han(token: str) -> bool:
    """True when the token contains a Han character (a Chinese term)."""
    return bool(_HAN_RE.search(token))


def join_tokens(tokens: Iterable[str]) -> str:
    """Display form of a phrase: Chinese words join without spaces.

    >>> join_tokens(["yangtze", "river"]), join_tokens(["高质量", "发展"])
    ('yangtze river', '高质量发展')
    """
    out = ""
    previous_han = False
    for token in tokens:
        han = is_han(token)
        if out and not (han and previous_han):
            out += " "
        out += token
        previous_han = han
    return out
