"""Similarity: TF-IDF cosine between documents or groups, nearest neighbours, clustering.

Everything here reads the index's counts; no text is read again.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import EmptySelectionError, OptionError
from analysis.kernels import WORKERS
from analysis.kernels.columns import row_dots
from analysis.rows import as_mask, rows_for
from analysis.stopwords import default_stopwords
from analysis.terms import (
    TermKind,
    column_totals,
    kind_columns,
)

LinkageMethod = Literal["single", "complete", "average", "weighted"]


def _idf(index: CorpusIndex, columns: np.ndarray) -> np.ndarray:
    """scikit-learn's smoothed idf over every document of the index."""
    df = column_totals(index, np.ones(index.n_docs, dtype=bool))[1][columns]
    return np.asarray(np.log((1 + index.n_docs) / (1 + df)) + 1.0, dtype=np.float64)


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def tfidf_matrix(
    index: CorpusIndex,
    rows: np.ndarray,
    *,
    kind: TermKind = "word",
    stopwords: frozenset[str] | None = None,
) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of the given documents.

    The same numbers as ``TfidfTransformer(norm="l2", smooth_idf=True)``
    fitted on every document of the index (restricted to the kept columns)
    and applied to ``rows``: ``tf`` is the raw count, ``idf = ln((1 + n) /
    (1 + df)) + 1`` with ``n`` and ``df`` over the whole index, so a
    document's vector does not depend on what else is selected.
    """
    columns = kind_columns(index, kind, stopwords)
    counts = index.counts[rows][:, columns].astype(np.float64)
    weighted = sp.csr_matrix(counts @ sp.diags(_idf(index, columns)))
    return _l2_rows(weighted)


def _tfidf_weights(
    index: CorpusIndex, kind: TermKind, stopwords: frozenset[str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per column its idf (0 for a dropped column), per row the L2 norm of its TF-IDF vector.

    The same numbers as :func:`tfidf_matrix` before normalising; kept per
    index, term kind and stopword set.
    """
    resolved = default_stopwords() if stopwords is None else frozenset(stopwords)
    key = ("tfidf_weights", kind, resolved)
    memo = index._memo.get(key)
    if memo is None:
        columns = kind_columns(index, kind, resolved)
        weight = np.zeros(index.counts.shape[1], dtype=np.float64)
        weight[columns] = _idf(index, columns)
        # a row's squared norm is its squared counts times the squared weights
        norms = np.sqrt(_by_rows(index.counts, np.square(weight), squared=True))
        memo = index._memo[key] = (weight, norms)
    return cast(tuple[np.ndarray, np.ndarray], memo)


#: Non-zeros of the counts :func:`_by_rows` reads a call of its kernel at a time.
_BLOCK = 1 << 18


def _by_rows(counts: sp.csr_matrix, vector: np.ndarray, *, squared: bool = False) -> np.ndarray:
    """``counts @ vector`` (each count squared first with ``squared``), a block of rows at a
    time, in one compiled pass over the entries (:func:`~analysis.kernels.columns.row_dots`):
    the integer counts become floats one at a time, never all of them (at 100k documents
    160 MB, whose allocation alone cost more than the product on a busy machine).

    Each row's products are added in column order from 0, as in one product over the
    whole matrix: the same floats to the last bit. The blocks are shared out between
    :data:`~analysis.kernels.WORKERS` threads (the kernel lets go of the interpreter;
    each writes only its own rows): at 1,000,000 documents, 53-55 ms on one thread, 29-37 on two.
    """
    n_rows = counts.shape[0]
    out = np.zeros(n_rows, dtype=np.float64)
    steps = np.searchsorted(counts.indptr, np.arange(_BLOCK, counts.nnz, _BLOCK))
    edges = np.unique(np.concatenate([[0], steps, [n_rows]])).tolist()
    vector = np.ascontiguousarray(vector, dtype=np.float64)
    blocks = list(itertools.pairwise(edges))

    def run(share: list[tuple[int, int]]) -> None:
        for lo, hi in share:
            row_dots(counts.indptr, counts.indices, counts.data, vector, squared, lo, hi, out)

    threads = min(WORKERS, len(blocks))
    if threads <= 1:
        run(blocks)
        return out
    cuts = np.linspace(0, len(blocks), threads + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, [blocks[a:b] for a, b in itertools.pairwise(cuts)]))
    return out


def _cosines(
    index: CorpusIndex, row: int, *, kind: TermKind, stopwords: frozenset[str] | None
) -> np.ndarray:
    """TF-IDF cosine of document ``row`` with every document (the rows of :func:`tfidf_matrix`).

    One product over the counts by row, block by block (:func:`_by_rows`),
    rather than a by-column copy of every count for the few columns the
    document uses: the copy costs more than the product it would save.
    """
    weight, norms = _tfidf_weights(index, kind, stopwords)
    counts = index.counts
    start, stop = counts.indptr[row], counts.indptr[row + 1]
    cols = counts.indices[start:stop]
    vector = counts.data[start:stop].astype(np.float64) * weight[cols]
    used = vector != 0
    cols, vector = cols[used], vector[used]
    if len(cols) == 0 or norms[row] == 0:
        return np.zeros(index.n_docs, dtype=np.float64)
    query = vector * weight[cols]
    dense = np.zeros(counts.shape[1], dtype=np.float64)
    dense[cols] = query
    dots: np.ndarray = np.asarray(_by_rows(counts, dense), dtype=np.float64)
    scale = norms * norms[row]
    cosine: np.ndarray = np.divide(dots, scale, out=np.zeros_like(dots), where=scale > 0)
    return cosine


def _square(matrix: sp.csr_matrix, labels: list[str]) -> pd.DataFrame:
    sim = np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
    np.clip(sim, 0.0, 1.0, out=sim)
    return pd.DataFrame(sim, index=pd.Index(labels, name=S.DOC_ID), columns=labels)


def document_similarity(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    doc_ids: Sequence[str] | None = None,
    kind: TermKind = "word",
    stopwords: frozenset[str] | None = None,
    max_docs: int = 300,
) -> pd.DataFrame:
    """TF-IDF cosine similarity between documents.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    doc_ids
        Compare these documents, in this order, instead of the selection.
    kind
        ``word`` (default): words only. Phrases are counted beside the words
        they are made of, so adding them would weigh those words twice;
        ``all`` or ``phrase`` are there for who wants them.
    stopwords
        Columns dropped first (stopwords, and phrases starting or ending
        with one); ``None`` uses the default list, an empty set keeps all.
    max_docs
        Refuse larger selections (the result is a dense square).

    Returns
    -------
    DataFrame
        Square, ``index`` and ``columns`` the doc ids; cosine of the rows of
        :func:`tfidf_matrix` (1 on the diagonal, 0 for a document with no kept
        term).
    """
    rows = rows_for(index, doc_ids) if doc_ids else np.flatnonzero(as_mask(index, mask))
    if len(rows) == 0:
        raise EmptySelectionError(
            "No document to compare. Widen the filters or name documents with doc_ids."
        )
    if len(rows) > max_docs:
        raise OptionError(
            f"{len(rows)} documents selected; a similarity matrix takes at most {max_docs}. "
            "Narrow the filters, pick documents, or use nearest_documents."
        )
    matrix = tfidf_matrix(index, rows, kind=kind, stopwords=stopwords)
    return _square(matrix, index.docs[S.DOC_ID].astype(str).iloc[rows].tolist())


def group_similarity(
    index: CorpusIndex,
    masks: Mapping[str, np.ndarray],
    *,
    kind: TermKind = "word",
    stopwords: frozenset[str] | None = None,
) -> pd.DataFrame:
    """TF-IDF cosine between groups of documents (sources, speakers, periods).

    Each group is one pseudo-document: the sum of its documents' counts,
    weighted with the same idf as :func:`tfidf_matrix` (over the documents of
    the index) and L2-normalised. Returns a square frame indexed by group name.
    """
    if len(masks) < 1:
        raise OptionError("Give at least one group to compare.")
    columns = kind_columns(index, kind, stopwords)
    names = list(masks)
    empty = [n for n in names if not as_mask(index, masks[n]).any()]
    if empty:
        raise EmptySelectionError(
            f"Group {', '.join(map(repr, empty))} selects no document. Widen its filters."
        )
    # each group's column sums (kept per selection), not a copy of the kept columns
    summed = np.vstack([column_totals(index, as_mask(index, masks[n]))[0][columns] for n in names])
    weighted = sp.csr_matrix(summed.astype(np.float64)) @ sp.diags(_idf(index, columns))
    matrix = _l2_rows(sp.csr_matrix(weighted))
    table = _square(matrix, names)
    table.index.name = S.GROUP
    return table


def nearest_documents(
    index: CorpusIndex,
    doc_id: str,
    *,
    n: int = 10,
    mask: np.ndarray | None = None,
    kind: TermKind = "word",
    stopwords: frozenset[str] | None = None,
) -> pd.DataFrame:
    """The ``n`` selected documents most similar to ``doc_id`` (itself excluded).

    Returns
    -------
    DataFrame
        ``doc_id, title, date, source, similarity`` (TF-IDF cosine as in
        :func:`document_similarity`), most similar first, ties in corpus order.
    """
    if n < 1:
        raise OptionError(f"n must be at least 1, not {n}.")
    (row,) = rows_for(index, [doc_id])
    candidates = as_mask(index, mask).copy()
    candidates[row] = False
    rows = np.flatnonzero(candidates)
    sims = _cosines(index, row, kind=kind, stopwords=stopwords)[rows]
    order = _first_highest(sims, n)
    picked = rows[order]
    docs = index.docs
    return pd.DataFrame(
        {
            S.DOC_ID: _cells(docs[S.DOC_ID], picked).astype(str).to_numpy(),
            S.TITLE: _cells(docs[S.TITLE], picked).fillna("").astype(str).to_numpy(),
            S.DATE: _cells(docs[S.DATE], picked).to_numpy(),
            S.SOURCE: _cells(docs[S.SOURCE], picked).fillna("").astype(str).to_numpy(),
            S.SIMILARITY: np.clip(sims[order], 0.0, 1.0),
        }
    )


#: Rows :func:`_cells` reads one by one rather than by a take of the column.
_FEW_ROWS = 1000


def _cells(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """``column.iloc[rows]`` (values and dtype; a default index), read cell by cell when
    the rows are few: a take of a string column copies it whole first (pyarrow joins its
    chunks), 22-140 ms a column at 1,000,000 documents however few the rows."""
    if len(rows) > _FEW_ROWS:
        return column.iloc[rows].reset_index(drop=True)
    return pd.Series([column.iat[r] for r in rows.tolist()], dtype=column.dtype)


def _first_highest(values: np.ndarray, n: int) -> np.ndarray:
    """``np.argsort(-values, kind="stable")[:n]``, sorting only the values that can be among
    the first ``n`` (those at least the ``n``-th highest), not all of them."""
    if n >= len(values):
        return np.argsort(-values, kind="stable")
    negated = -values
    nth = np.partition(negated, n - 1)[n - 1]
    if np.isnan(nth):
        return np.argsort(negated, kind="stable")[:n]
    head = np.flatnonzero(negated <= nth)  # in order, so ties stay in it
    return head[np.argsort(negated[head], kind="stable")][:n]


def cluster_documents(sim: pd.DataFrame, *, method: LinkageMethod = "average") -> dict[str, Any]:
    """Hierarchical clustering of a similarity square, for a dendrogram.

    Distance is ``1 - similarity``. Returns ``{"linkage": Z, "labels":
    [...], "ordered_labels": [...]}``: ``Z`` is scipy's linkage matrix over
    ``labels`` (the square's order) and ``ordered_labels`` the leaves from
    left to right.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if method not in ("single", "complete", "average", "weighted"):
        raise OptionError(
            f"Unknown linkage {method!r}. Use 'single', 'complete', 'average' or 'weighted'."
        )
    if sim.shape[0] < 2 or sim.shape[0] != sim.shape[1]:
        raise OptionError("Clustering needs a square of at least two documents; select more.")
    distance = 1.0 - sim.to_numpy(dtype=np.float64)
    distance = np.clip((distance + distance.T) / 2, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    z = linkage(squareform(distance, checks=False), method=method)
    labels = [str(x) for x in sim.index]
    return {
        "linkage": z,
        "labels": labels,
        "ordered_labels": [labels[i] for i in leaves_list(z)],
    }
