"""The selected documents as a list to browse, and the column that tells them apart.

The list is what a reader scans before opening a document (date, title,
source, speaker, length); the telling column is what a concordance line
shows beside its date: the source, unless every document has the same one
(each State of the Union speech comes from one archive), then the speaker or
another column whose values differ.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import OptionError
from analysis.kwic import KwicResult, KwicSort, kwic
from analysis.query import count_query, parse_query
from analysis.rows import as_mask

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

SPEAKER = "speaker"
ListSort = Literal["date", "title", "source", "speaker", "tokens", "count"]
LIST_SORTS: tuple[ListSort, ...] = ("date", "title", "source", "speaker", "tokens", "count")
#: Columns never offered as the telling column: the text, and what every line shows anyway.
_NOT_TELLING = (S.DOC_ID, S.DATE, S.DATE_PRECISION, S.TITLE, S.TEXT)


def _texts(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def document_list(
    index: CorpusIndex,
    mask: np.ndarray | None,
    *,
    term: str = "",
    sort: ListSort = "date",
    descending: bool = False,
) -> pd.DataFrame:
    """The selected documents, one row each, sorted for browsing.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    term
        A query (:mod:`analysis.query`); when given, ``count`` says how often
        each document holds it (documents without it stay, with 0).
    sort, descending
        The column to sort by (``speaker`` only where the corpus has one,
        ``count`` only with a term). Text sorts ignore case; documents without
        a date, speaker or source come last either way; ties keep corpus order.

    Returns
    -------
    DataFrame
        ``doc_id, date, date_precision, title, source``, then ``speaker`` where
        the corpus has that column, ``tokens`` (word tokens) and, with a term,
        ``count``.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> ix = build_index(pd.DataFrame({"doc_id": ["a", "b"], "text": ["Tea.", "Tea and tea."]}))
    >>> document_list(ix, None, term="tea", sort="count", descending=True)[["doc_id", "count"]]
      doc_id  count
    0      b      2
    1      a      1
    """
    rows = np.flatnonzero(as_mask(index, mask))
    docs = index.docs.iloc[rows]
    offered = [s for s in LIST_SORTS if s != SPEAKER or SPEAKER in docs.columns]
    if not term.strip():
        offered.remove("count")
    if sort not in offered:
        raise OptionError(
            f"Documents cannot be sorted by {sort!r} here. Use one of: " + ", ".join(offered) + "."
        )
    table = pd.DataFrame(
        {
            S.DOC_ID: docs[S.DOC_ID].astype(str).to_numpy(),
            S.DATE: pd.to_datetime(docs[S.DATE]).to_numpy(),
            S.DATE_PRECISION: docs[S.DATE_PRECISION].to_numpy(),
            S.TITLE: _texts(docs[S.TITLE]).to_numpy(),
            S.SOURCE: _texts(docs[S.SOURCE]).to_numpy(),
        }
    )
    if SPEAKER in docs.columns:
        table[SPEAKER] = _texts(docs[SPEAKER]).to_numpy()
    table[S.TOKENS] = index.doc_tokens[rows].astype(np.int64)
    if term.strip():
        table[S.COUNT] = count_query(index, parse_query(index, term), rows)
    key = table[sort]
    if sort in (S.TITLE, S.SOURCE, SPEAKER):
        missing = (key == "").to_numpy()
        key = key.str.casefold()
    else:
        missing = key.isna().to_numpy()
    keys = pd.DataFrame({"missing": missing, "key": key.to_numpy(), "n": np.arange(len(table))})
    order = keys.sort_values(
        ["missing", "key", "n"], ascending=[True, not descending, True], kind="stable"
    ).index.to_numpy()
    return table.iloc[order].reset_index(drop=True)


def telling_column(index: CorpusIndex, mask: np.ndarray | None) -> str:
    """The column a concordance line should show beside its date, for the selected documents.

    ``source`` when the selection holds documents of two or more sources;
    otherwise ``speaker`` when its values differ there; otherwise the first
    other metadata column whose values differ but repeat (a grouping such as
    party or outlet, not an id or a link). When nothing differs, ``source`` if
    the documents have one, else ``""``.

    >>> from analysis.index import build_index
    >>> ix = build_index(pd.DataFrame({"doc_id": ["a", "b"], "text": ["x", "y"],
    ...                                "source": ["UCSB", "UCSB"], "speaker": ["Adams", "Polk"]}))
    >>> telling_column(ix, None)
    'speaker'
    """
    docs = index.docs.iloc[np.flatnonzero(as_mask(index, mask))]
    extra = [c for c in docs.columns if c not in (*_NOT_TELLING, S.SOURCE, SPEAKER)]
    for column in (S.SOURCE, SPEAKER, *extra):
        if column not in docs.columns:
            continue
        values = _texts(docs[column])
        values = values[values != ""]
        distinct = values.nunique()
        grouping = column in (S.SOURCE, SPEAKER) or distinct < len(values)
        if distinct >= 2 and grouping:
            return str(column)
    return S.SOURCE if S.SOURCE in docs.columns and (_texts(docs[S.SOURCE]) != "").any() else ""


def with_column(index: CorpusIndex, table: pd.DataFrame, column: str) -> pd.DataFrame:
    """``table`` (with a ``doc_id`` column) with the documents' ``column`` beside it.

    The values are text (missing ones empty); a column the table already has,
    or an empty name, leaves it as it is.
    """
    if not column or column in table.columns:
        return table
    values = _texts(index.docs[column]).to_numpy()
    rows = index.docs[S.DOC_ID].astype(str)
    lookup = dict(zip(rows, values, strict=True))
    out = table.copy()
    out[column] = [lookup.get(str(d), "") for d in table[S.DOC_ID]]
    return out


def telling_lines(index: CorpusIndex, mask: np.ndarray | None, lines: KwicResult) -> KwicResult:
    """KWIC ``lines`` with the :func:`telling_column` of the selection beside them, named
    in their ``telling``."""
    column = telling_column(index, mask)
    return replace(lines, table=with_column(index, lines.table, column), telling=column)


def concordance(
    index: CorpusIndex,
    mask: np.ndarray | None,
    terms: tuple[str, ...],
    *,
    window: int = 8,
    sort: KwicSort = "position",
    limit: int = 500,
    offset: int = 0,
    match_case: bool = False,
) -> KwicResult:
    """KWIC lines ``offset`` to ``offset + limit`` of each of ``terms`` (a term, or a
    theme's members), with the :func:`telling_column` beside them.

    One term's lines are :func:`~analysis.kwic.kwic`'s; several terms' are
    merged by date, document and place, ``total`` counting the matches of them
    all. Each of several terms gives every line (its lines come in corpus
    order, which is not the date order the page is cut from).
    """
    own, size = (offset, limit) if len(terms) == 1 else (0, 2**62)
    found = [
        kwic(
            index, mask, t, window=window, sort=sort, limit=size, offset=own, match_case=match_case
        )
        for t in terms
    ]
    if len(found) == 1:
        return telling_lines(index, mask, found[0])
    table = pd.concat([f.table for f in found], ignore_index=True)
    table = table.sort_values([S.DATE, S.DOC_ID, S.START], kind="stable", ignore_index=True)
    table = table.iloc[offset : offset + limit].reset_index(drop=True)
    return telling_lines(index, mask, KwicResult(table, sum(f.total for f in found)))
