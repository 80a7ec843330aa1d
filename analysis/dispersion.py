"""Where in each document a term occurs: its dispersion (AntConc's concordance plot).

Every occurrence of a typed query (:mod:`analysis.query`: any word sequence,
``word*``, ``a | b``) in the selected documents, with its place in the
document as a share of the document's words. The occurrences are those of
the token stream (:func:`analysis.query.query_matches`), so they are the
ones every count and KWIC line is made of; their character spans are the
KWIC lines' (:func:`analysis.kwic.kwic`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.kwic import kwic
from analysis.query import count_query, parse_query, query_matches
from analysis.rows import nonempty, row_of

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

POSITION = "position"
DISPERSION_COLUMNS = (S.DOC_ID, S.DATE, S.TITLE, POSITION, S.START, S.END)


@dataclass(frozen=True, eq=False)
class DispersionResult:
    """The occurrences of a query with their places (:func:`dispersion`), and what they are of.

    Attributes
    ----------
    table
        ``doc_id, date, title, position, start, end`` (see :func:`dispersion`).
    documents
        Selected documents holding the query.
    selected
        Documents selected.
    unplaced
        Ids of documents whose text gave another number of spans than the token
        stream: their occurrences are left out (empty unless the text and the
        index disagree).
    """

    table: pd.DataFrame
    documents: int
    selected: int
    unplaced: tuple[str, ...] = ()


def _boundaries(index: CorpusIndex) -> np.ndarray:
    """Stream positions of every boundary (punctuation, line break), made once per index."""
    memo = index._memo.get("boundary_positions")
    if memo is None:
        memo = index._memo["boundary_positions"] = np.flatnonzero(np.asarray(index.tokens) < 0)
    return cast(np.ndarray, memo)


def words_before(index: CorpusIndex, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per stream position ``at`` (in document ``rows``), the words of that document before it.

    Boundaries are not words: the stream position less the boundaries between
    the document's start and ``at``.
    """
    lo = index.token_offsets[rows]
    bounds = _boundaries(index)
    skipped = np.searchsorted(bounds, at, side="left") - np.searchsorted(bounds, lo, side="left")
    return np.asarray(at - lo - skipped, dtype=np.int64)


def dispersion(index: CorpusIndex, mask: np.ndarray | None, term: str) -> DispersionResult:
    """Every occurrence of a typed query in the selected documents, with its relative position.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    term
        A query as typed (see :mod:`analysis.query`).

    Returns
    -------
    DispersionResult
        ``table``: ``doc_id, date, title, position, start, end``, one row per occurrence,
        by date (undated documents last), then corpus order, then place in the
        document. ``position`` is the number of the document's words before the
        occurrence over the document's words (:attr:`CorpusIndex.doc_tokens`),
        in ``[0, 1)``: 0 is the first word. ``start``/``end`` are the
        occurrence's character offsets in the document text (as in KWIC); and
        the counts of documents holding it and selected, and any left out.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> ix = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["Tea first, then green tea."]}))
    >>> table = dispersion(ix, None, "tea").table
    >>> list(zip(table["position"], table["start"], table["end"]))
    [(0.0, 0, 3), (0.8, 22, 25)]
    """
    mask = nonempty(index, mask)
    query = parse_query(index, term)
    selected = np.flatnonzero(mask)
    counts = count_query(index, query, selected)
    rows = selected[counts > 0]
    match_row, match_at, length = query_matches(index, query, rows)
    # an alternative typed twice ("tea | tea") finds each place twice: it is one occurrence
    if len(match_row):
        keep = np.ones(len(match_row), dtype=bool)
        keep[1:] = (np.diff(match_row) != 0) | (np.diff(match_at) != 0) | (np.diff(length) != 0)
        match_row, match_at = match_row[keep], match_at[keep]
    lines = kwic(index, mask, term, window=0, limit=max(1, int(counts.sum()))).table
    ids = row_of(index)
    line_row = np.array([ids[d] for d in lines[S.DOC_ID]], dtype=np.int64)
    per_match = np.bincount(match_row, minlength=index.n_docs)
    placed = per_match == np.bincount(line_row, minlength=index.n_docs)
    unplaced = np.flatnonzero(~placed & (per_match > 0))
    take = placed[match_row]
    match_row, match_at = match_row[take], match_at[take]
    # kwic lists each document's spans in reading order, as query_matches its places
    order = np.lexsort((lines[S.START].to_numpy(), line_row))
    lines = lines.iloc[order[placed[line_row[order]]]]
    tokens = index.doc_tokens[match_row]
    position = words_before(index, match_row, match_at) / np.maximum(tokens, 1)
    docs = index.docs.iloc[match_row]
    table = pd.DataFrame(
        {
            S.DOC_ID: docs[S.DOC_ID].astype(str).to_numpy(),
            S.DATE: pd.to_datetime(docs[S.DATE]).to_numpy(),
            S.TITLE: docs[S.TITLE].fillna("").astype(str).to_numpy(),
            POSITION: position.astype(float),
            S.START: lines[S.START].to_numpy(dtype=np.int64),
            S.END: lines[S.END].to_numpy(dtype=np.int64),
            "_row": match_row,
        }
    )
    table = table.sort_values(
        [S.DATE, "_row", S.START], kind="stable", na_position="last", ignore_index=True
    ).drop(columns="_row")
    return DispersionResult(
        table,
        documents=len(np.unique(match_row)),
        selected=len(selected),
        unplaced=tuple(index.docs[S.DOC_ID].iloc[unplaced].astype(str)),
    )
