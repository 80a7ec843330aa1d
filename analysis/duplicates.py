"""Near-duplicate documents: pairs by exact Jaccard of word shingles, and a mask keeping one copy.

Below :mod:`analysis.selection` (which collapses duplicates when the filters ask):
it reads the index's token stream only and imports nothing that selects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import kernels
from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.rows import as_mask, rows_for


def _shingle_sets(index: CorpusIndex, rows: np.ndarray, shingle: int) -> sp.csr_matrix:
    """Binary documents x shingles matrix: the distinct runs of ``shingle`` words.

    A document shorter than ``shingle`` words has one shingle, all its words.
    Shingles are 64-bit polynomial hashes of word ids (collisions are
    negligible at corpus sizes).
    """
    n = len(rows)
    doc_of, hash_of = kernels.shingle_hashes(
        np.asarray(index.tokens),
        index.token_offsets,
        np.asarray(rows, dtype=np.int64),
        shingle,
        np.uint64(1_000_003),
    )
    unique, column = np.unique(hash_of, return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(len(doc_of), dtype=np.float64), (doc_of, column.ravel())),
        shape=(n, len(unique)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def near_duplicates(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    threshold: float = 0.9,
    shingle: int = 5,
) -> pd.DataFrame:
    """Pairs of selected documents whose word shingles overlap by ``threshold`` or more.

    Similarity is the exact Jaccard index of the two documents' sets of
    ``shingle``-word shingles (runs of consecutive words under the token rule,
    punctuation ignored). Candidates come from prefix filtering: with
    shingles ordered rarest first, two sets with Jaccard >= t share one of
    the first ``|s| - ceil(t |s|) + 1`` shingles of each, so a sparse
    product of those prefixes finds every qualifying pair; each candidate is
    then scored exactly. No pair is missed and none is estimated. The pairs
    of the whole corpus are found once per index (and per ``threshold``,
    ``shingle``) and kept on it; a selection keeps those it holds both
    documents of, the same pairs as scoring the selection alone.

    Returns
    -------
    DataFrame
        ``doc_a, doc_b, similarity``; ``doc_a`` comes first in corpus order;
        sorted by similarity (highest first), then corpus order.
    """
    if not 0 < threshold <= 1:
        raise OptionError(f"threshold must be in (0, 1], not {threshold}.")
    if shingle < 1:
        raise OptionError(f"shingle must be at least 1 word, not {shingle}.")
    selected = as_mask(index, mask)
    key = (float(threshold), int(shingle))
    if index._near_pairs is None:
        index._near_pairs = {}
    if key not in index._near_pairs:
        # Found once per index over every document: a pair's Jaccard does not
        # depend on what else is selected, so a selection keeps the pairs
        # whose two documents it holds.
        index._near_pairs[key] = _pairs(index, np.arange(index.n_docs), threshold, shingle)
    a, b, similarity = index._near_pairs[key]
    both = selected[a] & selected[b]
    ids = index.docs[S.DOC_ID].astype(str).to_numpy()
    return pd.DataFrame(
        {S.DOC_A: ids[a[both]], S.DOC_B: ids[b[both]], S.SIMILARITY: similarity[both]}
    ).astype({S.DOC_A: object, S.DOC_B: object})


def _pairs(
    index: CorpusIndex, rows: np.ndarray, threshold: float, shingle: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near-duplicate pairs among ``rows``: index rows a, b and Jaccard, in table order."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if len(rows) < 2:
        return empty
    sets = _shingle_sets(index, rows, shingle)
    size = np.diff(sets.indptr)
    df = np.bincount(sets.indices, minlength=sets.shape[1])
    rank = np.empty(len(df), dtype=np.int64)
    # rarest first, ties by column: a stable sort on the (small, integer) frequencies
    rank[np.argsort(df, kind="stable")] = np.arange(len(df))
    prefix_len = size - np.ceil(threshold * size - 1e-9).astype(np.int64) + 1
    # Each row's prefix: its ``prefix_len`` rarest shingles (ranks are distinct):
    # renumber the columns by rank and sort each row's entries.
    by_rank = sp.csr_matrix(
        (sets.data, rank[sets.indices], sets.indptr), shape=sets.shape, copy=False
    )
    by_rank.has_sorted_indices = False
    by_rank.sort_indices()
    entry_row = np.repeat(np.arange(len(rows)), size)
    within = np.arange(len(entry_row)) - np.repeat(sets.indptr[:-1], size)
    chosen = within < prefix_len[entry_row]
    if not chosen.any():
        return empty
    prefix = sp.csr_matrix(
        (np.ones(int(chosen.sum())), (entry_row[chosen], by_rank.indices[chosen])),
        shape=sets.shape,
    )
    candidates = sp.triu(prefix @ prefix.T, k=1).tocoo()
    left, right = candidates.row, candidates.col
    # Size filter: |A ∩ B| <= min size, so Jaccard <= min / max.
    fits = np.minimum(size[left], size[right]) >= threshold * np.maximum(size[left], size[right])
    left, right = left[fits], right[fits]
    inter = np.zeros(len(left))
    for chunk in range(0, len(left), 100_000):
        sl = slice(chunk, chunk + 100_000)
        inter[sl] = np.asarray(sets[left[sl]].multiply(sets[right[sl]]).sum(axis=1)).ravel()
    union = size[left] + size[right] - inter
    jaccard = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    hit = jaccard >= threshold - 1e-12
    left, right, jaccard = left[hit].astype(np.int64), right[hit].astype(np.int64), jaccard[hit]
    order = np.lexsort((right, left, -jaccard))
    return rows[left[order]], rows[right[order]], jaccard[order]


def collapse_duplicates(index: CorpusIndex, pairs: pd.DataFrame) -> np.ndarray:
    """Mask keeping the first document (corpus order) of each group of duplicates.

    Groups are the connected components of ``pairs`` (``doc_a, doc_b``, as
    :func:`near_duplicates` returns): if a~b and b~c, only a is kept.
    Documents in no pair are kept. AND the mask into every selection to
    remove the copies from every count.
    """
    keep = np.ones(index.n_docs, dtype=bool)
    if len(pairs) == 0:
        return keep
    a = rows_for(index, pairs[S.DOC_A].astype(str).tolist())
    b = rows_for(index, pairs[S.DOC_B].astype(str).tolist())
    from scipy.sparse.csgraph import connected_components

    nodes = np.unique(np.concatenate([a, b]))
    local = {r: i for i, r in enumerate(nodes.tolist())}
    graph = sp.coo_matrix(
        (np.ones(len(a)), ([local[r] for r in a.tolist()], [local[r] for r in b.tolist()])),
        shape=(len(nodes), len(nodes)),
    )
    _, label = connected_components(graph, directed=False)
    first = pd.Series(nodes).groupby(label).transform("min").to_numpy()
    keep[nodes[nodes != first]] = False
    return keep
