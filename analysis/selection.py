"""Filters -> a boolean mask over the documents of an index.

Every analysis takes ``(index, mask, options)``; the mask comes from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import polars as pl

from analysis import schema as S
from analysis.phrases import count_sequence
from analysis.text import tokenize, tokenize_frame

if TYPE_CHECKING:
    from analysis.index import CorpusIndex


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the corpus to. Hashable: a cache key and a URL.

    ``date_from`` is inclusive and ``date_to`` exclusive (half-open); ``None``
    leaves that side open. When either date is set, undated documents are left
    out. ``sources`` empty means every source. ``query`` keeps documents that
    contain the word or phrase (token rule applied, so case does not matter).
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)
    query: str = ""

    def describe(self) -> str:
        """The filters in words, for messages: "between 2024-01-01 and ..."."""
        parts = []
        if self.date_from and self.date_to:
            parts.append(f"between {self.date_from} and {self.date_to}")
        elif self.date_from:
            parts.append(f"from {self.date_from}")
        elif self.date_to:
            parts.append(f"before {self.date_to}")
        if self.sources:
            parts.append("from " + ", ".join(self.sources))
        if self.query.strip():
            parts.append(f"containing '{self.query.strip()}'")
        return " ".join(parts) if parts else "in the corpus"


def select(index: CorpusIndex, filters: Filters) -> np.ndarray:
    """Boolean mask (one entry per document of ``index``) for ``filters``.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> frame = pd.DataFrame({"doc_id": ["a", "b"], "text": ["Red sky.", "Blue sea."]})
    >>> select(build_index(frame), Filters(query="SKY")).tolist()
    [True, False]
    """
    docs = index.docs
    mask = np.ones(index.n_docs, dtype=bool)
    dates = pd.to_datetime(docs[S.DATE])
    if filters.date_from is not None:
        mask &= (dates >= pd.Timestamp(filters.date_from)).to_numpy(dtype=bool, na_value=False)
    if filters.date_to is not None:
        mask &= (dates < pd.Timestamp(filters.date_to)).to_numpy(dtype=bool, na_value=False)
    if filters.sources:
        mask &= docs[S.SOURCE].astype(str).isin(filters.sources).to_numpy()
    if filters.query.strip():
        mask &= query_mask(index, filters.query)
    return mask


def query_mask(index: CorpusIndex, query: str) -> np.ndarray:
    """Documents containing a word or phrase (read from the index when it can be).

    A query that is a word or a phrase of the vocabulary is answered from the
    counts. Otherwise the documents holding all its words are candidates, and
    only their text is tokenised to check the words stand in that order.
    """
    words = tokenize(query, user_words=index.settings.user_words)
    if not words:
        return np.zeros(index.n_docs, dtype=bool)
    column = index.column(query)
    if column is not None:
        return _present(index, column)
    mask = np.ones(index.n_docs, dtype=bool)
    for word in words:
        col = index.column(word)
        if col is None:
            return np.zeros(index.n_docs, dtype=bool)
        mask &= _present(index, col)
    if len(words) == 1 or not mask.any():
        return mask
    rows = np.flatnonzero(mask)
    frame = tokenize_frame(
        index.docs[S.TEXT].iloc[rows].astype(str).tolist(), user_words=index.settings.user_words
    )
    names = {w: i for i, w in enumerate(dict.fromkeys(words))}
    ids = (
        frame["token"]
        .replace_strict(names, default=-1, return_dtype=pl.Int64)
        .fill_null(-1)
        .to_numpy()
    )
    doc = frame["doc"].to_numpy()
    hits = count_sequence(doc, ids, tuple(names[w] for w in words), len(rows))
    found = np.zeros(index.n_docs, dtype=bool)
    found[rows[hits > 0]] = True
    return found


def _present(index: CorpusIndex, column: int) -> np.ndarray:
    return np.asarray(index.counts[:, column].toarray()).ravel() > 0
