"""Where terms stand in the text: highlighting spans, keyword in context, collocates.

These are the only analyses besides phrase queries that read text again, and
they read only the selected documents that can hold the term (found from the
index counts), so a query costs what its hits cost, not what the corpus costs.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import OptionError
from analysis.selection import nonempty
from analysis.stats import log_likelihood, log_ratio
from analysis.terms import column_totals
from analysis.text import _HAN_RE, default_stopwords, is_han, tokenize, tokenize_frame

if TYPE_CHECKING:
    from analysis.index import CorpusIndex

KwicSort = Literal["left", "right", "position"]

LEFT = "left"
MATCH = "match"
RIGHT = "right"
KWIC_COLUMNS = (S.DOC_ID, S.DATE, S.SOURCE, S.TITLE, LEFT, MATCH, RIGHT, S.START, S.END)

NODE_COUNT = "node_count"
COLLOCATE_COUNT = "collocate_count"
MI = "mi"
COLLOCATE_COLUMNS = (S.TERM, S.COUNT, NODE_COUNT, COLLOCATE_COUNT, "ll", MI, "log_ratio")

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


def term_spans(text: str, term: str) -> list[tuple[int, int]]:
    """Character spans of a word or phrase in raw text, for highlighting.

    The term is matched as the token rule sees it: case-insensitive, whole
    words (``development`` does not match ``developments``), a possessive
    ``'s`` after the last word included, and any run of spaces or punctuation
    between the words of a phrase. Chinese terms match as substrings.

    >>> term_spans("The Yangtze River Delta's plan", "yangtze river delta")
    [(4, 25)]
    """
    pattern = _term_pattern(term)
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]


@functools.lru_cache(maxsize=256)
def _term_pattern(term: str) -> re.Pattern[str] | None:
    # Compiled once per term: KWIC calls term_spans on every candidate document.
    words = tokenize(term)
    if not words:
        return None
    parts = []
    for word in words:
        escaped = re.escape(word).replace("'", "['’]")
        # not inside a word, nor right after one joined by an apostrophe or hyphen
        parts.append(escaped if is_han(word) else rf"(?<!\w)(?<!\w['’\-‐‑]){escaped}")
    gap = r"[\W_]*?" if all(is_han(w) for w in words) else r"[\W_]+"
    pattern = gap.join(parts)
    if not is_han(words[-1]):
        # A joiner ends the word unless a letter follows it ("slavery--that").
        pattern += r"(?:['’]s)?(?!\w)(?!['’\-‐‑]\w)"
    return re.compile(pattern, flags=re.IGNORECASE)


def _term_words(index: CorpusIndex, term: str) -> list[str]:
    words = tokenize(term, user_words=index.settings.user_words)
    if not words:
        raise OptionError(f"{term!r} holds no word. Type a word or a phrase to look for.")
    return words


def _present(index: CorpusIndex, column: int) -> np.ndarray:
    return np.asarray(index.counts[:, column].toarray()).ravel() > 0


def candidate_documents(index: CorpusIndex, mask: np.ndarray, words: list[str]) -> np.ndarray:
    """Rows of the selected documents that can hold the term, from the index counts.

    A term of the vocabulary: the documents that count it. Otherwise the
    documents holding every one of its (non-Chinese) words. Chinese words give
    no such guarantee (jieba may segment a text differently from the term
    alone), so they do not narrow the candidates.
    """
    candidates = mask.copy()
    column = index.column(" ".join(words))
    if column is not None and not any(is_han(w) for w in words):
        return np.flatnonzero(candidates & _present(index, column))
    for word in words:
        if is_han(word):
            continue
        col = index.column(word)
        if col is None:
            return np.zeros(0, dtype=np.int64)
        candidates &= _present(index, col)
    return np.flatnonzero(candidates)


def _texts(index: CorpusIndex, rows: np.ndarray) -> dict[int, str]:
    """Text of the given rows (one column slice, not a lookup per hit)."""
    rows = np.unique(rows)
    return dict(zip(rows.tolist(), index.docs[S.TEXT].iloc[rows].astype(str), strict=True))


def _hits(index: CorpusIndex, rows: np.ndarray, words: list[str]) -> pd.DataFrame:
    """Every match of the term in the given rows: ``row, start, end``, corpus order.

    Matches come from :func:`term_spans`; for a phrase of non-Chinese words a
    match whose words are separated by punctuation or a line break is dropped,
    since the token rule does not count it as the phrase (so the number of
    lines equals the index count).
    """
    texts = _texts(index, rows)
    term = " ".join(words)
    found_row: list[int] = []
    found_start: list[int] = []
    found_end: list[int] = []
    for row in rows.tolist():
        for start, end in term_spans(texts[row], term):
            found_row.append(row)
            found_start.append(start)
            found_end.append(end)
    hits = pd.DataFrame({"row": found_row, S.START: found_start, S.END: found_end}, dtype=np.int64)
    if len(words) > 1 and not any(is_han(w) for w in words) and len(hits):
        matched = [texts[r][a:b] for r, a, b in zip(found_row, found_start, found_end, strict=True)]
        tokens = tokenize_frame(matched, user_words=index.settings.user_words)
        broken = np.zeros(len(hits), dtype=bool)
        broken[tokens.filter(tokens["token"].is_null())["doc"].to_numpy()] = True
        hits = hits[~broken].reset_index(drop=True)
    return hits


def _left_words(text: str, start: int, n: int) -> tuple[int, list[str]]:
    """Offset where the ``n`` words before ``start`` begin, and those words nearest first."""
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
            return begin, [m.group().casefold() for m in reversed(chosen)]
        budget *= 4


def _right_words(text: str, end: int, n: int) -> tuple[int, list[str]]:
    """Offset where the ``n`` words after ``end`` stop, and those words in reading order."""
    budget = 16 * n + 32
    while True:
        hi = min(len(text), end + budget)
        found = list(_CONTEXT_WORD.finditer(text, end, hi))
        if hi < len(text) and found and found[-1].end() == hi:
            found = found[:-1]
        if len(found) >= n or hi == len(text):
            chosen = found[:n]
            stop = chosen[-1].end() if chosen else end
            return stop, [m.group().casefold() for m in chosen]
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
) -> pd.DataFrame:
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
        it (1R, 2R, 3R). Ties keep corpus order.
    limit
        Lines returned after sorting.

    Returns
    -------
    DataFrame
        ``doc_id, date, source, title, left, match, right, start, end``: the
        context as written in the text (whitespace runs shown as one space),
        ``start``/``end`` the match's character offsets in the document text.
        ``attrs["total"]`` is the number of matches before ``limit``.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> ix = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["We drink Green Tea daily."]}))
    >>> kwic(ix, None, "green tea", window=2)[["left", "match", "right"]].values.tolist()
    [['We drink', 'Green Tea', 'daily']]
    """
    if sort not in ("left", "right", "position"):
        raise OptionError(f"Unknown sort {sort!r}. Use 'left', 'right' or 'position'.")
    if window < 0:
        raise OptionError(f"window must be 0 or more words, not {window}.")
    if limit < 1:
        raise OptionError(f"limit must be at least 1, not {limit}.")
    mask = nonempty(index, mask)
    words = _term_words(index, term)
    rows = candidate_documents(index, mask, words)
    column = index.column(term)
    known_total: int | None = None
    if sort == "position" and column is not None and len(rows):
        # In corpus order the index says which documents hold the first
        # ``limit`` matches: read only those, and take the total from the counts.
        per_doc = np.asarray(index.counts[rows][:, column].toarray()).ravel()
        known_total = int(per_doc.sum())
        rows = rows[: int(np.searchsorted(np.cumsum(per_doc), limit)) + 1]
    hits = _hits(index, rows, words)
    texts = _texts(index, hits["row"].to_numpy())
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
    total = len(hits) if known_total is None else max(known_total, len(hits))
    hits = hits.head(limit)
    left: list[str] = []
    right: list[str] = []
    match: list[str] = []
    for row, start, end in hits[["row", S.START, S.END]].itertuples(index=False):
        text = texts[row]
        begin = _left_words(text, start, window)[0]
        stop = _right_words(text, end, window)[0]
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
    table.attrs["total"] = total
    return table


def _node_starts(ids: np.ndarray, doc: np.ndarray, seq: list[int]) -> np.ndarray:
    """Positions where the id sequence ``seq`` starts within one document."""
    n = len(seq)
    span = len(ids) - n + 1
    if span <= 0:
        return np.zeros(0, dtype=np.int64)
    match = doc[:span] == doc[n - 1 :]
    for offset, word in enumerate(seq):
        match &= ids[offset : offset + span] == word
    return np.flatnonzero(match)


def _empty_collocates(node_count: int, tokens: int) -> pd.DataFrame:
    table = pd.DataFrame({c: pd.Series(dtype=float) for c in COLLOCATE_COLUMNS})
    table[S.TERM] = table[S.TERM].astype(object)
    for column in (S.COUNT, NODE_COUNT, COLLOCATE_COUNT):
        table[column] = table[column].astype(np.int64)
    table.attrs.update(node_count=node_count, tokens=tokens, window_tokens=0)
    return table


def collocates(
    index: CorpusIndex,
    mask: np.ndarray | None,
    term: str,
    *,
    window: int = 5,
    min_count: int = 3,
    top: int = 50,
    stopwords: frozenset[str] | None = None,
) -> pd.DataFrame:
    """Words that keep company with a word or phrase, ranked by log-likelihood.

    The node (``term``) is found in the token streams of the selected
    documents that hold it (token rule; a phrase never spans punctuation, as
    in the index). Its window is the ``window`` words on each side within the
    same document. Punctuation and line breaks do not stop the window (as in
    AntConc: a five-word span easily crosses a comma or a full stop). A word
    position inside several windows counts once, and the node's own positions
    are never in a window; collocates are words (phrases are not counted
    again as collocates).

    With ``N`` the word tokens of the selection, ``f_node`` the node's
    occurrences, ``f_c`` the collocate's occurrences in the selection, ``O``
    its occurrences inside the windows and ``W`` the number of window
    positions:

    * ``ll``: Dunning's G² (:func:`analysis.stats.log_likelihood`) of the 2x2
      table "inside the windows" (``O`` of ``W`` tokens) against "elsewhere"
      (``f_c - O - f_in_node`` of ``N - W - node tokens``), where
      ``f_in_node`` counts the collocate inside the node itself (a word of a
      phrase node).
    * ``mi = log2(O * N / (f_node * f_c * 2 * window))``: pointwise mutual
      information with the usual window-size correction (the expected
      co-occurrence is ``f_node * f_c * span / N`` with ``span = 2 * window``).
    * ``log_ratio``: :func:`analysis.stats.log_ratio` of the same table
      (log2 of the relative frequency inside the windows over elsewhere).

    Only attracted words are kept (more frequent inside the windows than
    elsewhere) with ``O >= min_count``, stopwords left out.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    term
        The node: a word or a phrase as typed.
    window
        Words on each side of the node.
    min_count
        Fewest co-occurrences a collocate needs.
    top
        Rows returned.
    stopwords
        Words never shown as collocates; ``None`` uses
        :func:`~analysis.text.default_stopwords`. They still fill window places.

    Returns
    -------
    DataFrame
        ``term, count, node_count, collocate_count, ll, mi, log_ratio``, by
        ``ll`` (descending), then ``count`` and ``term``. ``count`` is ``O``,
        ``collocate_count`` is ``f_c``. ``attrs`` carries ``node_count``,
        ``tokens`` (N) and ``window_tokens`` (W).
    """
    if window < 1:
        raise OptionError(f"window must be at least 1 word, not {window}.")
    if min_count < 1:
        raise OptionError(f"min_count must be at least 1, not {min_count}.")
    if top < 1:
        raise OptionError(f"top must be at least 1, not {top}.")
    mask = nonempty(index, mask)
    words = _term_words(index, term)
    stopwords = default_stopwords() if stopwords is None else stopwords
    n_tokens = int(index.doc_tokens[mask].sum())
    rows = candidate_documents(index, mask, words)
    if len(rows) == 0:
        return _empty_collocates(0, n_tokens)
    doc, codes = index.stream(rows)
    codes = codes.astype(np.int64)
    node_ids = [index.word_id(w) for w in words]
    if any(i is None for i in node_ids):
        return _empty_collocates(0, n_tokens)
    starts = _node_starts(codes, doc, [int(i) for i in node_ids if i is not None])
    # Drop boundaries; a phrase never spans one, so its words stay adjacent.
    keep = codes >= 0
    new_position = np.cumsum(keep) - 1
    codes, doc = codes[keep], doc[keep]
    starts = new_position[starts]
    size = len(codes)
    node_count = len(starts)
    if node_count == 0:
        return _empty_collocates(0, n_tokens)
    # where each node's document begins and ends (windows stop there)
    first = np.searchsorted(doc, doc[starts], side="left")
    last = np.searchsorted(doc, doc[starts], side="right")
    length = len(words)
    ends = starts + length
    # Union of intervals by a difference array: +1 where a window or node opens.
    cover = np.zeros(size + 1, dtype=np.int64)
    np.add.at(cover, np.maximum(starts - window, first), 1)
    np.add.at(cover, np.minimum(ends + window, last), -1)
    node = np.zeros(size + 1, dtype=np.int64)
    np.add.at(node, starts, 1)
    np.add.at(node, ends, -1)
    is_node = np.cumsum(node)[:size] > 0
    in_window = (np.cumsum(cover)[:size] > 0) & ~is_node
    n_words = index.n_words
    observed = np.bincount(codes[in_window], minlength=n_words)
    inside_node = np.bincount(codes[is_node], minlength=n_words)
    names = index.vocab[S.TERM].to_numpy()
    # word ids are the word columns of the counts
    chosen = [
        i for i in np.flatnonzero(observed >= min_count).tolist() if names[i] not in stopwords
    ]
    columns = chosen
    window_tokens = int(in_window.sum())
    rest_tokens = n_tokens - window_tokens - int(is_node.sum())
    if not chosen:
        table = _empty_collocates(node_count, n_tokens)
        table.attrs["window_tokens"] = window_tokens
        return table
    totals, _ = column_totals(index, mask)
    picked = np.asarray(chosen, dtype=np.int64)
    o = observed[picked]
    f_c = totals[np.asarray(columns, dtype=np.int64)]
    elsewhere = f_c - o - inside_node[picked]
    table = pd.DataFrame(
        {
            S.TERM: [names[i] for i in chosen],
            S.COUNT: o.astype(np.int64),
            NODE_COUNT: np.full(len(chosen), node_count, dtype=np.int64),
            COLLOCATE_COUNT: f_c.astype(np.int64),
            "ll": log_likelihood(o, elsewhere, window_tokens, rest_tokens),
            MI: np.log2(o * n_tokens / (node_count * f_c * 2.0 * window)),
            "log_ratio": log_ratio(o, elsewhere, window_tokens, rest_tokens),
        }
    )
    attracted = o * max(rest_tokens, 1) > elsewhere * window_tokens
    table = table[attracted].sort_values(
        ["ll", S.COUNT, S.TERM], ascending=[False, False, True], kind="stable"
    )
    table = table.head(top).reset_index(drop=True)
    table.attrs.update(node_count=node_count, tokens=n_tokens, window_tokens=window_tokens)
    return table
