"""Keyword in context: every occurrence of a word or phrase with the words around it.

The lines come from the token stream (so they equal the counts) and are
placed in the texts of the documents that hold them (:func:`analysis.contexts.term_spans`);
sorted by their left or right context, only the texts of the lines shown are read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import polars as pl
import regex

from analysis import kernels
from analysis import schema as S
from analysis.contexts import _context_positions, term_spans_many
from analysis.errors import check_at_least, check_one_of
from analysis.query import Query, count_query, parse_query, query_matches
from analysis.rows import nonempty, text_cells
from analysis.rule import _HAN_RE, BOUNDARY, SCAN_PATTERN
from analysis.text import classify_raw

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

KwicSort = Literal["left", "right", "position"]


@dataclass(frozen=True, eq=False)
class KwicResult:
    """Keyword-in-context lines (:func:`kwic`) and how many matches they were taken from.

    Attributes
    ----------
    table
        ``doc_id, date, source, title, left, match, right, start, end``, one
        row per line shown (see :func:`kwic`).
    total
        The number of matches before ``limit``: at least ``len(table)``.
    telling
        The metadata column set beside the lines that tells their documents
        apart (:func:`analysis.documents.telling_lines`), or ``""``.
    """

    table: pd.DataFrame
    total: int
    telling: str = ""


LEFT = "left"
MATCH = "match"
RIGHT = "right"
KWIC_COLUMNS = (S.DOC_ID, S.DATE, S.SOURCE, S.TITLE, LEFT, MATCH, RIGHT, S.START, S.END)


#: Context words compared when sorting by the left or right context (AntConc's
#: 1L, 2L, 3L); further ties keep corpus order.
SORT_LEVELS = 3


_HAN = _HAN_RE.pattern
# A context word as the reader counts it: a run of letters and digits with
# internal hyphens or apostrophes (the token rule's words), or, in Chinese, two
# characters (about jieba's average word length; segmenting every context line
# would cost more than the whole lookup).
_CONTEXT_WORD = re.compile(
    rf"(?:(?!{_HAN})[^\W_])+(?:['’\-‐‑](?:(?!{_HAN})[^\W_])+)*|{_HAN}{{1,2}}"
)
_SPACE = re.compile(r"\s+")


def _texts(index: CorpusIndex, rows: np.ndarray) -> dict[int, str]:
    """Text of the given rows (one column slice, not a lookup per hit)."""
    rows = np.unique(rows)
    texts = text_cells(index, rows)
    return dict(zip(rows.tolist(), texts, strict=True))


def _hits(
    index: CorpusIndex,
    query: Query,
    rows: np.ndarray,
    counts: np.ndarray,
    texts: dict[int, str] | None = None,
) -> pd.DataFrame:
    """Every occurrence of the query in the given rows: ``row, start, end``, corpus order.

    The occurrences are those of the token stream (``counts`` per row, from
    :func:`analysis.query.count_query`), so the lines equal the counts. Their
    character spans come from :func:`term_spans` (one pass for them all:
    :func:`term_spans_many`) where it finds as many in a document; elsewhere
    (a possessive inside a sequence, NFKC folding) the document's tokens are
    located one by one (:func:`_exact_spans`). ``texts``: the rows' texts, when read.
    """
    if texts is None:
        texts = _texts(index, rows)
    found_row: list[int] = []
    found_start: list[int] = []
    found_end: list[int] = []
    every = term_spans_many([texts[row] for row in rows.tolist()], query.text)
    for row, expected, spans in zip(rows.tolist(), counts.tolist(), every, strict=True):
        if len(spans) != expected:
            spans = _exact_spans(index, texts[row], query)
        for start, end in spans:
            found_row.append(row)
            found_start.append(start)
            found_end.append(end)
    return pd.DataFrame({"row": found_row, S.START: found_start, S.END: found_end}, dtype=np.int64)


_SCAN = regex.compile(SCAN_PATTERN, regex.V1)


def _exact_spans(index: CorpusIndex, text: str, query: Query) -> list[tuple[int, int]]:
    """Spans of the query's occurrences in one text, token by token (the slow, sure way).

    The text is scanned with the index's scan pattern, each raw token
    classified as the index does (boundaries kept), and the query matched in
    that stream by the index's own kernel.
    """
    matches = list(_SCAN.finditer(text))
    raws = [unicodedata.normalize("NFKC", m.group()) for m in matches]
    distinct = list(dict.fromkeys(raws))
    settings = index.settings
    classified = dict(
        zip(
            distinct,
            classify_raw(
                pl.Series(distinct, dtype=pl.String),
                user_words=settings.user_words,
                fold_chinese=settings.fold_chinese,
            ),
            strict=True,
        )
    )
    unknown = index.n_words  # an id no place allows
    ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for match, raw in zip(matches, raws, strict=True):
        cursor = 0
        folded = raw.casefold()
        words = classified[raw]
        for word in words:
            if word is None:
                ids.append(BOUNDARY)
                starts.append(match.start())
                ends.append(match.end())
                continue
            found = index.word_id(word)
            ids.append(unknown if found is None else found)
            if len(words) == 1:
                starts.append(match.start())
                ends.append(match.end())
                continue
            at = folded.find(word, cursor)
            at = cursor if at < 0 else at
            cursor = at + len(word)
            starts.append(match.start() + at)
            ends.append(match.start() + min(cursor, len(raw)))
    stream = np.asarray(ids, dtype=np.int32)
    bounds = np.array([0, len(stream)], dtype=np.int64)
    spans: set[tuple[int, int]] = set()
    for part in query.parts:
        if not all(part.slots):
            continue
        allowed = np.zeros((len(part.slots), index.n_words + 1), dtype=np.bool_)
        for place, slot in enumerate(part.slots):
            allowed[place, list(slot)] = True
        _, places = kernels.match_sequence(stream, bounds, np.zeros(1, np.int64), allowed, True)
        last = len(part.slots) - 1
        spans.update((starts[p], ends[p + last]) for p in places.tolist())
    return sorted(spans)


def _context_ids(
    index: CorpusIndex, at: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: int, n: int
) -> np.ndarray:
    """Per hit, the ids of the ``n`` words met walking from ``at`` (``-1``: none)."""
    positions = _context_positions(index, at, lo, hi, step, n)
    tokens = np.asarray(index.tokens)
    return np.where(positions >= 0, tokens[np.maximum(positions, 0)], -1).astype(np.int64)


def _sorted_hits(
    index: CorpusIndex,
    query: Query,
    selected: np.ndarray,
    *,
    sort: KwicSort,
    limit: int,
    offset: int = 0,
) -> tuple[pd.DataFrame, dict[int, str], int]:
    """Occurrences ``offset`` to ``offset + limit`` in the documents ``selected`` by their
    left or right context: ``row, start, end``; the texts of their rows; and the number
    of occurrences.

    The occurrences are the token stream's (:func:`analysis.query.query_matches`: a
    word's listed positions, or a sequence's found from its rarest place), so no
    count of the query is read first. The context words (:data:`SORT_LEVELS` of them,
    nearest first) are the token stream's words beside the match, boundaries skipped,
    compared as strings (code points); a missing word sorts first, ties keep corpus
    order. Only the texts of the documents holding the chosen lines are read, to
    place those lines (:func:`_hits`).
    """
    match_row, match_at, length = query_matches(index, query, selected)
    if len(match_row) == 0:
        return _hits(index, query, selected[:0], selected[:0], {}), {}, 0
    lo = index.token_offsets[match_row]
    hi = index.token_offsets[match_row + 1]
    if sort == "right":
        ids = _context_ids(index, match_at + length, lo, hi, 1, SORT_LEVELS)
    else:
        ids = _context_ids(index, match_at - 1, lo, hi, -1, SORT_LEVELS)
    words, order_of = index.sorted_words()
    rank = np.empty(len(words) + 1, dtype=np.int64)
    rank[order_of] = np.arange(len(words))
    rank[-1] = -1  # a missing word (-1) sorts first
    chosen = _first_in_order(rank[ids], offset, limit)
    # which occurrence of its row each chosen match is (matches come in corpus order)
    first_of_row = np.searchsorted(match_row, match_row[chosen], side="left")
    nth = chosen - first_of_row
    chosen_rows = np.unique(match_row[chosen])
    counts = np.searchsorted(match_row, chosen_rows, side="right") - np.searchsorted(
        match_row, chosen_rows, side="left"
    )
    texts = _texts(index, chosen_rows)
    placed = _hits(index, query, chosen_rows, counts, texts)
    placed_rows = placed["row"].to_numpy()
    placed_first = np.searchsorted(placed_rows, match_row[chosen], side="left")
    placed_last = np.searchsorted(placed_rows, match_row[chosen], side="right")
    # _hits places as many spans as the stream holds; should a text ever
    # disagree, a line it cannot place is left out rather than misplaced
    found = placed_first + nth < placed_last
    lines: pd.DataFrame = placed.iloc[(placed_first + nth)[found]]
    return lines.reset_index(drop=True), texts, len(match_row)


def _first_in_order(keys: np.ndarray, offset: int, limit: int) -> np.ndarray:
    """Positions ``offset`` to ``offset + limit`` of the rows of ``keys`` (one column per
    level, ``-1`` lowest) in sorted order, ties in row order.

    The levels are packed into one integer where they fit, and only the rows up to the
    last one asked for (ties with it included) are sorted.

    >>> _first_in_order(np.array([[2, 0], [1, 5], [-1, 9], [1, 5]]), 1, 2).tolist()
    [1, 3]
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    shifted = keys.astype(np.int64) + 1  # -1 (no word) becomes 0
    bits = max(int(shifted.max()).bit_length(), 1)
    if bits * keys.shape[1] > 62:  # does not fit one integer: sort level by level
        levels = (shifted[:, j] for j in reversed(range(keys.shape[1])))
        return np.lexsort((np.arange(len(keys)), *levels))[offset : offset + limit]
    packed = np.zeros(len(keys), dtype=np.int64)
    for j in range(keys.shape[1]):
        packed = (packed << bits) | shifted[:, j]
    last = min(offset + limit, len(packed)) - 1
    if last < 0:
        return np.zeros(0, dtype=np.int64)
    bound = np.partition(packed, last)[last]
    near = np.flatnonzero(packed <= bound)  # in row order, so a stable sort keeps ties so
    return near[np.argsort(packed[near], kind="stable")][offset : offset + limit]


def _left_words(text: str, start: int, n: int, *, words: bool = True) -> tuple[int, list[str]]:
    """Offset where the ``n`` words before ``start`` begin, and (``words``) those words
    nearest first."""
    budget = 16 * n + 32
    while True:
        lo = max(0, start - budget)
        found = list(_CONTEXT_WORD.finditer(text, lo, start))
        # A word cut by the slice edge is not a whole word: drop the first match.
        if lo > 0 and found and found[0].start() == lo:
            found = found[1:]
        if len(found) >= n or lo == 0:
            chosen = found[-n:] if n else []
            begin = chosen[0].start() if chosen else start
            return begin, [m.group().casefold() for m in reversed(chosen)] if words else []
        budget *= 4


def _right_words(text: str, end: int, n: int, *, words: bool = True) -> tuple[int, list[str]]:
    """Offset where the ``n`` words after ``end`` stop, and (``words``) those words in
    reading order."""
    budget = 16 * n + 32
    while True:
        hi = min(len(text), end + budget)
        found = list(_CONTEXT_WORD.finditer(text, end, hi))
        if hi < len(text) and found and found[-1].end() == hi:
            found = found[:-1]
        if len(found) >= n or hi == len(text):
            chosen = found[:n]
            stop = chosen[-1].end() if chosen else end
            return stop, [m.group().casefold() for m in chosen] if words else []
        budget *= 4


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def kwic(
    index: CorpusIndex,
    mask: np.ndarray | None,
    term: str,
    *,
    window: int = 8,
    sort: KwicSort = "position",
    limit: int = 500,
    offset: int = 0,
    match_case: bool = False,
) -> KwicResult:
    """Keyword in context: every occurrence of a word or phrase with the words around it.

    Only the selected documents that can hold the term are read (see
    :func:`candidate_documents`), and matched with :func:`term_spans`. For the
    evidence behind one point of a timeline, pass a mask built from
    ``Filters(date_from=period_start, date_to=period_end)`` (half-open, like
    the period itself).

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    term
        A word or phrase, as typed (the token rule applies: case does not matter).
    window
        Words of context on each side (a Chinese "word" here is two characters).
        The left context starts at its first word and the right one stops at
        its last word.
    sort
        ``position``: corpus order. ``left``: by the words left of the match,
        nearest first (1L, then 2L, then 3L). ``right``: by the words right of
        it (1R, 2R, 3R). The words compared are the index's tokens (token
        rule: case-folded, a possessive ``'s`` dropped, Chinese as segmented;
        punctuation skipped), read from the token stream, so only the texts
        of the lines returned are read. Ties keep corpus order.
    limit, offset
        Lines returned after sorting, and how many sorted lines come before
        them (a page of the concordance: ``offset=200, limit=200`` is the second).
    match_case
        Keep only the occurrences written exactly as typed: same case, same
        word forms (``US`` finds "US" but not "us"; ``Union*`` finds "Unionists"
        but not "union"). Words are still compared across any run of spaces.

    Returns
    -------
    KwicResult
        ``table``: ``doc_id, date, source, title, left, match, right, start,
        end``, the context as written in the text (whitespace runs shown as one
        space), ``start``/``end`` the match's character offsets in the document
        text; ``total``: the number of matches before ``offset`` and ``limit``.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> ix = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["We drink Green Tea daily."]}))
    >>> kwic(ix, None, "green tea", window=2).table[["left", "match", "right"]].values.tolist()
    [['We drink', 'Green Tea', 'daily']]
    """
    check_one_of("sort", sort, ("left", "right", "position"))
    check_at_least("window", window, 0, "words")
    check_at_least("limit", limit, 1)
    check_at_least("offset", offset, 0, "lines")
    mask = nonempty(index, mask)
    query = parse_query(index, term)
    selected = np.flatnonzero(mask)
    if sort != "position" and not match_case:
        # Sorted from the token stream: only the texts of the lines shown are read.
        hits, texts, total = _sorted_hits(
            index, query, selected, sort=sort, limit=limit, offset=offset
        )
        return KwicResult(_lines(index, hits, texts, window), total)
    per_doc = count_query(index, query, selected)
    rows, per_doc = selected[per_doc > 0], per_doc[per_doc > 0]
    known_total = int(per_doc.sum())
    if sort == "position" and len(rows) and not match_case:
        # In corpus order the counts say which documents hold matches
        # ``offset`` to ``offset + limit``: read only those.
        ends = np.cumsum(per_doc)
        first = int(np.searchsorted(ends, offset, side="right"))
        keep = int(np.searchsorted(ends, offset + limit)) + 1
        skipped = int(ends[first - 1]) if first else 0
        rows, per_doc = rows[first:keep], per_doc[first:keep]
        offset -= skipped  # the lines of the documents skipped are not read
    texts = _texts(index, rows)
    hits = _hits(index, query, rows, per_doc, texts)
    if match_case and len(hits):
        exact = exact_pattern(term)
        exact_hits = [
            exact.fullmatch(texts[row][start:end]) is not None
            for row, start, end in hits[["row", S.START, S.END]].itertuples(index=False)
        ]
        hits = hits[np.array(exact_hits, dtype=bool)].reset_index(drop=True)
        known_total = len(hits)
    if sort != "position" and len(hits):
        keys = []
        for row, start, end in hits[["row", S.START, S.END]].itertuples(index=False):
            text = texts[row]
            if sort == "left":
                keys.append(_left_words(text, start, SORT_LEVELS)[1])
            else:
                keys.append(_right_words(text, end, SORT_LEVELS)[1])
        # Missing words sort first, as an empty string would.
        order = sorted(range(len(hits)), key=lambda i: (keys[i], i))
        hits = hits.iloc[order].reset_index(drop=True)
    total = max(known_total, len(hits))
    return KwicResult(_lines(index, hits.iloc[offset : offset + limit], texts, window), total)


def _lines(
    index: CorpusIndex, hits: pd.DataFrame, texts: dict[int, str], window: int
) -> pd.DataFrame:
    """The table of :func:`kwic` for its chosen ``hits`` (``row, start, end``): each
    line's document, and its ``window`` words of context either side as written."""
    left: list[str] = []
    right: list[str] = []
    match: list[str] = []
    for row, start, end in hits[["row", S.START, S.END]].itertuples(index=False):
        text = texts[row]
        begin = _left_words(text, start, window, words=False)[0]
        stop = _right_words(text, end, window, words=False)[0]
        left.append(_flat(text[begin:start]))
        match.append(_flat(text[start:end]))
        right.append(_flat(text[end:stop]))
    docs = index.docs[[S.DOC_ID, S.DATE, S.SOURCE, S.TITLE]].iloc[hits["row"].to_numpy()]
    table = pd.DataFrame(
        {
            S.DOC_ID: docs[S.DOC_ID].astype(str).to_numpy(),
            S.DATE: pd.to_datetime(docs[S.DATE]).to_numpy(),
            S.SOURCE: docs[S.SOURCE].fillna("").astype(str).to_numpy(),
            S.TITLE: docs[S.TITLE].fillna("").astype(str).to_numpy(),
            LEFT: left,
            MATCH: match,
            RIGHT: right,
            S.START: hits[S.START].to_numpy(dtype=np.int64),
            S.END: hits[S.END].to_numpy(dtype=np.int64),
        }
    )
    return table


def exact_pattern(term: str) -> re.Pattern[str]:
    """A case-sensitive pattern for the text of an occurrence written exactly as ``term``.

    Each ``|`` alternative's words must stand as typed, separated by any
    whitespace (none between Chinese words); a trailing ``*`` lets the word go on.

    >>> bool(exact_pattern("Civil War | US*").fullmatch("US-led"))
    True
    >>> bool(exact_pattern("Civil War").fullmatch("civil war"))
    False
    """
    alternatives = []
    for alternative in term.split("|"):
        words = []
        for word in alternative.split():
            stem = word[:-1] if word.endswith("*") else word
            words.append(re.escape(stem) + (r"\S*" if word.endswith("*") else ""))
        if words:
            alternatives.append(r"\s*".join(words))
    return re.compile("|".join(f"(?:{a})" for a in alternatives) or "(?!)")
