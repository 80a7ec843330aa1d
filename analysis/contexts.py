"""Where terms stand in the text: highlighting spans, the words around a match, collocates.

These are the only analyses besides phrase queries that read text again, and
they read only the selected documents that can hold the term (found from the
index counts), so a query costs what its hits cost, not what the corpus costs.
Keyword-in-context lines are :mod:`analysis.kwic`'s.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import kernels
from analysis import schema as S
from analysis.errors import OptionError, check_at_least
from analysis.kernels.counting import window_counts
from analysis.nfkc_offsets import RawOffsets, folded_with_offsets, nfkc_with_offsets
from analysis.query import parse_query, prime_queries, query_matches, split_query
from analysis.rows import nonempty
from analysis.rule import _APOSTROPHES, _HAN_RE, _JOINERS
from analysis.stats import log_likelihood, log_ratio
from analysis.stopwords import default_stopwords
from analysis.terms import column_totals, ranked, vocab_arrays
from analysis.text import is_han, tokenize_frame

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

NODE_COUNT = "node_count"
COLLOCATE_COUNT = "collocate_count"
MI = "mi"
COLLOCATE_COLUMNS = (S.TERM, S.COUNT, NODE_COUNT, COLLOCATE_COUNT, "ll", MI, "log_ratio")


@dataclass(frozen=True, eq=False)
class CollocateResult:
    """The collocates of a node (:func:`collocates`) and the sizes they were measured against.

    Attributes
    ----------
    table
        ``term, count, node_count, collocate_count, ll, mi, log_ratio``.
    node_count
        The node's occurrences in the selection (``f_node``).
    tokens
        The word tokens of the selection (``N``).
    window_tokens
        The positions inside the node's windows (``W``).
    """

    table: pd.DataFrame
    node_count: int
    tokens: int
    window_tokens: int


def term_spans(text: str, term: str) -> list[tuple[int, int]]:
    """Character spans of a typed query in raw text, for highlighting.

    The query (:mod:`analysis.query`: words, ``word*``, ``a | b``) is matched
    as the token rule sees it: in the text normalised as the index reads it
    (NFKC and case folding: ``ﬁnance``, ``ｏｆｆｉｃｅ``, ``Straße`` and
    ``㈱`` are the words ``finance``, ``office``, ``strasse`` and ``株``, and
    ``other－a`` is one word), spans given in the text itself; whole words
    (``development`` does not match ``developments``; ``slave*`` matches
    ``slavery``), a possessive ``'s`` after the last word included, the
    words of a sequence parted by white space only (no match spans
    punctuation or a line break, as no term does). Chinese words match as
    substrings. Spans come in reading order; a query that cannot be parsed
    highlights nothing.

    >>> term_spans("The Yangtze River Delta's plan", "yangtze river delta")
    [(4, 25)]
    >>> term_spans("Slavery, slaves.", "slave*")
    [(0, 7), (9, 15)]
    >>> term_spans("The ﬁnance ｏｆｆｉｃｅ", "finance office")
    [(4, 17)]
    """
    return term_spans_many([text], term)[0]


def term_spans_many(texts: Sequence[str], term: str) -> list[list[tuple[int, int]]]:
    """:func:`term_spans` of each of ``texts``, the punctuation check made once for them all.

    >>> term_spans_many(["Civil war.", "Civil, war."], "civil war")
    [[(0, 9)], []]
    """
    try:
        alternatives = _alternatives(term)
    except OptionError:
        return [[] for _ in texts]
    return _spans_of(alternatives, [_searchable(text) for text in texts])


def term_spans_of(text: str, terms: Sequence[str]) -> list[list[tuple[int, int]]]:
    """:func:`term_spans` of each of ``terms`` in one text: the text made searchable once,
    the terms' words tokenized in one call (:func:`analysis.query.prime_queries`).

    >>> term_spans_of("Civil war and slaves.", ["civil war", "slave*", "|"])
    [[(0, 9)], [(14, 20)], []]
    """
    prime_queries(terms)
    searched = [_searchable(text)]
    found: list[list[tuple[int, int]]] = []
    for term in terms:
        try:
            alternatives = _alternatives(term)
        except OptionError:
            found.append([])
            continue
        found.append(_spans_of(alternatives, searched)[0])
    return found


def _spans_of(
    alternatives: tuple[tuple[tuple[str, bool], ...], ...],
    searched: list[tuple[str, _Back]],
) -> list[list[tuple[int, int]]]:
    """The spans of a query's ``alternatives`` in each searchable text (:func:`_searchable`)."""
    spans: list[set[tuple[int, int]]] = [set() for _ in searched]
    for words in alternatives:
        pattern = _term_pattern(words)
        found = [[m.span() for m in pattern.finditer(text)] for text, _back in searched]
        if len(words) > 1:
            # a match whose words are parted by punctuation is not the term
            places = [(n, span) for n, spans_ in enumerate(found) for span in spans_]
            if places:
                tokens = tokenize_frame([searched[n][0][a:b] for n, (a, b) in places])
                broken = set(tokens.filter(tokens["token"].is_null())["doc"].to_list())
                found = [[] for _ in searched]
                for k, (n, span) in enumerate(places):
                    if k not in broken:
                        found[n].append(span)
        for n, spans_ in enumerate(found):
            spans[n].update(spans_)
    return [_in_text(sorted(s), back) for s, (_text, back) in zip(spans, searched, strict=True)]


_Back = tuple[RawOffsets, list[int] | None] | None


def _searchable(text: str) -> tuple[str, _Back]:
    """``text`` as the index reads it (NFKC, case-folded), and the way back to its offsets
    (``None``: the same offsets).

    The pattern ignores case, so text whose case folding keeps its length is
    searched in NFKC only: as it is where that is the text (ASCII; mostly
    Chinese text too, whose full-width ``，`` and ``１`` NFKC changes one for one).
    """
    if text.isascii():
        return text, None
    normal, raw_at = nfkc_with_offsets(text)
    if len(normal.casefold()) == len(normal):
        return normal, None if raw_at.same_offsets else (raw_at, None)
    folded, at_char = folded_with_offsets(normal)
    return folded, (raw_at, at_char)


def _in_text(spans: list[tuple[int, int]], back: _Back) -> list[tuple[int, int]]:
    """Spans of the searched text (:func:`_searchable`) as spans of the text, in order."""
    if back is None or not spans:
        return spans
    raw_at, at_char = back
    bounds = np.array(spans, dtype=np.int64)
    starts, ends = bounds[:, 0], bounds[:, 1]
    if at_char is not None:
        to_normal = np.asarray(at_char, dtype=np.int64)
        starts, ends = to_normal[starts], to_normal[ends - 1] + 1
    starts, ends = raw_at.spans(starts, ends)
    # two words of one character (``½`` is 1⁄2) are one span of the text
    return sorted(set(zip(starts.tolist(), ends.tolist(), strict=True)))


#: An apostrophe or hyphen as written (the token rule folds them to ``'`` and ``-``).
_JOINER = f"[{_JOINERS}]"
_APOSTROPHE = f"[{_APOSTROPHES}]"

#: A letter or digit of a word of the token rule (not Han, whose runs are words
#: of their own: ``5G网络`` is ``5g`` and ``网络``, nor ``_``, a mark). Matched
#: case-sensitively inside the case-blind term patterns: it holds every case of
#: its letters (the same code points either way, tested), and a term pattern,
#: which holds it four times, compiles in a third of the time (22 -> 7.5 ms).
_WORD = rf"(?-i:[^\W_{_HAN_RE.pattern[1:-1]}])"


@functools.lru_cache(maxsize=256)
def _alternatives(term: str) -> tuple[tuple[tuple[str, bool], ...], ...]:
    # Parsed once per query: KWIC calls term_spans on every document it shows.
    return split_query(term)


@functools.lru_cache(maxsize=256)
def _term_pattern(words: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    # Compiled once per alternative: KWIC calls term_spans on every candidate document.
    parts = []
    for word, prefix in words:
        escaped = re.escape(word).replace("'", _APOSTROPHE).replace(r"\-", _JOINER)
        if is_han(word):
            parts.append(escaped)
            continue
        if "." in word:
            # an abbreviation: a hyphen before it parts it from the word
            # ("China-U.S."), and its last full stop may be missing ("U.S")
            parts.append(rf"(?<![\w.]){escaped[:-2]}(?:\.|(?![\w.]))")
            continue
        # not inside a word, nor right after one joined by an apostrophe or hyphen; the
        # word comes first, then the look behind it: most places fail on its first letter
        piece = rf"{escaped}(?<!{_WORD}{escaped})(?<!{_WORD}{_JOINER}{escaped})"
        if prefix:
            piece += rf"(?:{_WORD}|{_JOINER}(?={_WORD}))*"
        parts.append(piece)
    pattern = parts[0]
    for (before, _p), (after, _q), part in zip(words, words[1:], parts[1:], strict=False):
        # a Han word and the next word may touch ("5G网络"); other words are parted
        pattern += r"[\W_]*?" if is_han(before) or is_han(after) else r"[\W_]+"
        pattern += part
    if "." in words[-1][0]:
        # a hyphen after an abbreviation is a mark ("U.S.-led")
        pattern += rf"(?:{_APOSTROPHE}s)?(?!\w)"
    elif not is_han(words[-1][0]):
        # A joiner ends the word unless a letter follows it ("slavery--that").
        pattern += rf"(?:{_APOSTROPHE}s)?(?!{_WORD})(?!{_JOINER}{_WORD})"
    return re.compile(pattern, flags=re.IGNORECASE)


def _context_positions(
    index: CorpusIndex, at: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: int, n: int
) -> np.ndarray:
    """Per hit, the stream positions of the ``n`` words met walking from ``at`` by ``step``.

    Boundaries are skipped; the walk stays in ``[lo, hi)`` (the document);
    a missing word is ``-1``. Columns are 1st, 2nd, ... word met.
    """
    return kernels.walk_words(
        np.asarray(index.tokens),
        np.asarray(at, dtype=np.int64),
        np.asarray(lo, dtype=np.int64),
        np.asarray(hi, dtype=np.int64),
        step,
        n,
    )


def _empty_collocates(node_count: int, tokens: int, window_tokens: int = 0) -> CollocateResult:
    table = pd.DataFrame({c: pd.Series(dtype=float) for c in COLLOCATE_COLUMNS})
    table[S.TERM] = table[S.TERM].astype(object)
    for column in (S.COUNT, NODE_COUNT, COLLOCATE_COUNT):
        table[column] = table[column].astype(np.int64)
    return CollocateResult(table, node_count, tokens, window_tokens)


def collocates(
    index: CorpusIndex,
    mask: np.ndarray | None,
    term: str,
    *,
    window: int = 5,
    min_count: int = 3,
    top: int = 50,
    stopwords: frozenset[str] | None = None,
    numbers: bool = False,
) -> CollocateResult:
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
        :func:`~analysis.stopwords.default_stopwords`. They still fill window places.
    numbers
        Show pure numbers as collocates (:func:`~analysis.text.is_number`);
        hidden by default, they too still fill window places.

    Returns
    -------
    CollocateResult
        ``table``: ``term, count, node_count, collocate_count, ll, mi,
        log_ratio``, by ``ll`` (descending), then ``count`` and ``term``;
        ``count`` is ``O``, ``collocate_count`` is ``f_c``. Beside it
        ``node_count``, ``tokens`` (N) and ``window_tokens`` (W).
    """
    check_at_least("window", window, 1, "word")
    check_at_least("min_count", min_count, 1)
    check_at_least("top", top, 1)
    mask = nonempty(index, mask)
    query = parse_query(index, term)
    stopwords = default_stopwords() if stopwords is None else stopwords
    n_tokens = int(index.doc_tokens[mask].sum())
    # found from the positions of the query's words, in the selected documents
    match_row, match_at, length = query_matches(index, query, np.flatnonzero(mask))
    node_count = len(match_at)
    if node_count == 0:
        return _empty_collocates(0, n_tokens)
    # Each node's window: the ``window`` words on each side in its document
    # (boundaries skipped, as if dropped), read from the stream around it, each
    # position once and never one of a node (no match spans a boundary)
    n_columns = index.counts.shape[1]  # word ids are the first columns of the counts
    observed, inside_node, window_tokens, node_tokens = window_counts(
        np.asarray(index.tokens),
        index.token_offsets,
        match_row,
        match_at,
        length,
        window,
        n_columns,
    )
    rest_tokens = n_tokens - window_tokens - node_tokens
    names, _ = vocab_arrays(index)
    hidden = np.zeros(n_columns, dtype=bool) if numbers else index.number_columns()
    picked = np.array(
        [
            i
            for i in np.flatnonzero((observed >= min_count) & ~hidden).tolist()
            if names[i] not in stopwords
        ],
        dtype=np.int64,
    )
    if not len(picked):
        return _empty_collocates(node_count, n_tokens, window_tokens)
    totals, _ = column_totals(index, mask)
    o = observed[picked]
    f_c = totals[picked]
    elsewhere = f_c - o - inside_node[picked]
    attracted = o * max(rest_tokens, 1) > elsewhere * window_tokens
    picked, o, f_c = picked[attracted], o[attracted], f_c[attracted]
    elsewhere = elsewhere[attracted]
    ll = log_likelihood(o, elsewhere, window_tokens, rest_tokens)
    # by ll (descending), count (descending), then term: as a stable sort of the table
    by_count = ranked(index, picked, -o)
    order = by_count[np.argsort(-ll[by_count], kind="stable")][:top]
    picked, o, f_c, elsewhere, ll = picked[order], o[order], f_c[order], elsewhere[order], ll[order]
    table = pd.DataFrame(
        {
            # taken from the vocabulary's own string column: no string object per row
            S.TERM: index.vocab[S.TERM].array.take(picked),
            S.COUNT: o.astype(np.int64),
            NODE_COUNT: np.full(len(picked), node_count, dtype=np.int64),
            COLLOCATE_COUNT: f_c.astype(np.int64),
            "ll": ll,
            MI: np.log2(o * n_tokens / (node_count * f_c * 2.0 * window)),
            "log_ratio": log_ratio(o, elsewhere, window_tokens, rest_tokens),
        }
    )
    return CollocateResult(table, node_count, n_tokens, window_tokens)
