"""Near-duplicate documents: pairs by exact Jaccard of word shingles, and a mask keeping one copy.

Below :mod:`analysis.selection` (which collapses duplicates when the filters ask):
it reads the index's token stream only and imports nothing that selects. The
pairs of a saved index are found once and saved beside its files
(:mod:`analysis.result_store`), so later sessions and processes read them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numba import njit

from analysis import kernels, result_store
from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.rows import as_mask, rows_for


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
    the first ``|s| - ceil(t |s|) + 1`` shingles of each, so the documents
    sharing a shingle of their prefixes are every qualifying pair and more;
    each candidate is then scored exactly. No pair is missed and none is
    estimated. The pairs of the whole corpus are found once per index (and
    per ``threshold``, ``shingle``), kept on it and, for a saved index,
    saved beside its files (:func:`analysis.result_store.save_result`), so
    the next process reads them instead; a selection keeps those it holds
    both documents of, the same pairs as scoring the selection alone.

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
        index._near_pairs[key] = _corpus_pairs(index, threshold, shingle)
    a, b, similarity = index._near_pairs[key]
    both = selected[a] & selected[b]
    ids = index.docs[S.DOC_ID].astype(str)  # only the pairs' ids made Python strings
    return pd.DataFrame(
        {
            S.DOC_A: ids.iloc[a[both]].to_numpy(dtype=object),
            S.DOC_B: ids.iloc[b[both]].to_numpy(dtype=object),
            S.SIMILARITY: similarity[both],
        }
    )


def _corpus_pairs(
    index: CorpusIndex, threshold: float, shingle: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of every document: read from the index folder, else found and saved there.

    Found over every document: a pair's Jaccard does not depend on what else
    is selected, so a selection keeps the pairs whose two documents it holds.
    """
    key = {"threshold": float(threshold), "shingle": int(shingle)}
    saved = result_store.load_result(index, "near_duplicates", key)
    if saved is not None:
        arrays, _ = saved
        a, b, similarity = arrays["a"], arrays["b"], arrays["similarity"]
        n = index.n_docs
        if (
            a.dtype == b.dtype == np.int64
            and similarity.dtype == np.float64
            and len(a) == len(b) == len(similarity)
            and bool(np.all((a >= 0) & (a < b) & (b < n)))
        ):
            return a, b, similarity
    a, b, similarity = _pairs(index, np.arange(index.n_docs), threshold, shingle)
    result_store.save_result(
        index, "near_duplicates", key, {"a": a, "b": b, "similarity": similarity}
    )
    return a, b, similarity


def _pairs(
    index: CorpusIndex, rows: np.ndarray, threshold: float, shingle: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near-duplicate pairs among ``rows``: index rows a, b and Jaccard, in table order.

    The shingles of every document are numbered (:func:`_number_shingles`);
    only the documents whose prefix reaches a shared shingle can be in a pair
    (a shingle of one document is in no other's set); their shared shingles,
    ranked, give the prefixes, the candidates, and the exact intersections.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if len(rows) < 2:
        return empty
    doc_of, hash_of = kernels.shingle_hashes(
        np.asarray(index.tokens),
        index.token_offsets,
        np.asarray(rows, dtype=np.int64),
        shingle,
        np.uint64(1_000_003),
    )
    bits = max(1, int(np.ceil(np.log2(max(len(hash_of), 1) / _BUCKET_ENTRIES))))
    start, hashes, docs = _bucket_order(doc_of, hash_of, bits)
    del doc_of, hash_of
    token, repeat, df, size, shared = _number_shingles(start, hashes, docs, len(rows))
    del hashes
    # The prefix of a set of s shingles, rarest first (shingles of one document
    # first, then by documents holding them, then by number): its first
    # s - ceil(t s) + 1. Two sets of Jaccard >= t share a shingle of both prefixes.
    prefix = size - np.ceil(threshold * size - 1e-9).astype(np.int64) + 1
    reach = prefix - (size - shared)  # shared shingles in the prefix
    candidate = (size > 0) & (reach > 0)
    if int(candidate.sum()) < 2:
        return empty
    members = np.flatnonzero(candidate)
    local = np.full(len(rows), -1, dtype=np.int64)
    local[members] = np.arange(len(members))
    rank = _rank_shared(df)
    sets_ptr, sets = _shared_sets(token, repeat, docs, local, rank, len(members))
    first, second = _candidate_pairs(sets_ptr, sets, reach[members], size[members], threshold)
    if len(first) == 0:
        return empty
    inter = _intersections(sets_ptr, sets, first, second)
    union = size[members][first] + size[members][second] - inter
    jaccard = inter / union
    hit = jaccard >= threshold - 1e-12
    left, right, jaccard = members[first[hit]], members[second[hit]], jaccard[hit]
    order = np.lexsort((right, left, -jaccard))
    return rows[left[order]], rows[right[order]], jaccard[order]


#: Shingles per bucket of :func:`_bucket_order`, about: a bucket's table stays in cache.
_BUCKET_ENTRIES = 4096
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)


@njit(cache=True, nogil=True)
def _bucket_order(
    doc_of: np.ndarray, hash_of: np.ndarray, bits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shingles grouped in ``2 ** bits`` buckets by their mixed hash's top bits.

    Returns the bucket starts, and the hashes and documents in bucket order
    (within a bucket in their order, so by document).
    """
    n_buckets = 1 << bits
    shift = np.uint64(64 - bits)
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for e in range(len(hash_of)):
        start[np.int64((hash_of[e] * _MIX) >> shift) + 1] += 1
    for b in range(n_buckets):
        start[b + 1] += start[b]
    fill = start[:-1].copy()
    hashes = np.empty(len(hash_of), dtype=np.uint64)
    docs = np.empty(len(hash_of), dtype=np.int64)
    for e in range(len(hash_of)):
        bucket = np.int64((hash_of[e] * _MIX) >> shift)
        at = fill[bucket]
        hashes[at] = hash_of[e]
        docs[at] = doc_of[e]
        fill[bucket] = at + 1
    return start, hashes, docs


@njit(cache=True, nogil=True)
def _number_shingles(
    start: np.ndarray, hashes: np.ndarray, docs: np.ndarray, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct shingles numbered bucket by bucket, with a hash table per bucket.

    Returns, in bucket order, each entry's shingle number and whether its
    document already had that shingle; per shingle the documents holding it;
    per document its distinct shingles and those another document holds too.
    """
    n_buckets = len(start) - 1
    largest = 0
    for b in range(n_buckets):
        largest = max(largest, start[b + 1] - start[b])
    capacity = 1
    while capacity < 2 * largest:
        capacity *= 2
    keys = np.empty(capacity, dtype=np.uint64)
    numbers = np.empty(capacity, dtype=np.int64)
    last = np.empty(capacity, dtype=np.int64)
    stamp = np.full(capacity, -1, dtype=np.int64)
    token = np.empty(len(hashes), dtype=np.int64)
    repeat = np.zeros(len(hashes), dtype=np.bool_)
    df = np.empty(len(hashes), dtype=np.int64)
    size = np.zeros(n_docs, dtype=np.int64)
    shared = np.zeros(n_docs, dtype=np.int64)
    n_tokens = 0
    for b in range(n_buckets):
        lo, hi = start[b], start[b + 1]
        width = 1
        while width < 2 * (hi - lo):
            width *= 2
        mask = np.uint64(width - 1)
        for i in range(lo, hi):
            key = hashes[i]
            mixed = (key ^ (key >> np.uint64(31))) * _MIX2
            slot = np.int64((mixed >> np.uint64(17)) & mask)
            while True:
                if stamp[slot] != b:  # empty in this bucket: a new shingle
                    stamp[slot] = b
                    keys[slot] = key
                    numbers[slot] = n_tokens
                    last[slot] = docs[i]
                    token[i] = n_tokens
                    df[n_tokens] = 1
                    n_tokens += 1
                    break
                if keys[slot] == key:
                    t = numbers[slot]
                    token[i] = t
                    if last[slot] == docs[i]:
                        repeat[i] = True
                    else:
                        last[slot] = docs[i]
                        df[t] += 1
                    break
                slot = np.int64((np.uint64(slot) + np.uint64(1)) & mask)
        # a bucket's shingles are in no other bucket: their counts are final
        for i in range(lo, hi):
            if not repeat[i]:
                size[docs[i]] += 1
                if df[token[i]] > 1:
                    shared[docs[i]] += 1
    return token, repeat, df[:n_tokens], size, shared


@njit(cache=True, nogil=True)
def _rank_shared(df: np.ndarray) -> np.ndarray:
    """Rank of each shingle held by several documents, by (documents, number); -1 for the rest."""
    largest = 0
    for t in range(len(df)):
        largest = max(largest, df[t])
    begin = np.zeros(largest + 2, dtype=np.int64)
    for t in range(len(df)):
        if df[t] > 1:
            begin[df[t] + 1] += 1
    for d in range(largest + 1):
        begin[d + 1] += begin[d]
    rank = np.full(len(df), -1, dtype=np.int64)
    for t in range(len(df)):
        if df[t] > 1:
            rank[t] = begin[df[t]]
            begin[df[t]] += 1
    return rank


@njit(cache=True, nogil=True)
def _shared_sets(
    token: np.ndarray,
    repeat: np.ndarray,
    docs: np.ndarray,
    local: np.ndarray,
    rank: np.ndarray,
    n_members: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate document (``local`` >= 0), the ranks of its shared shingles, sorted (CSR)."""
    ptr = np.zeros(n_members + 1, dtype=np.int64)
    for i in range(len(token)):
        m = local[docs[i]]
        if m >= 0 and not repeat[i] and rank[token[i]] >= 0:
            ptr[m + 1] += 1
    for m in range(n_members):
        ptr[m + 1] += ptr[m]
    fill = ptr[:-1].copy()
    sets = np.empty(ptr[-1], dtype=np.int64)
    for i in range(len(token)):
        m = local[docs[i]]
        if m >= 0 and not repeat[i] and rank[token[i]] >= 0:
            sets[fill[m]] = rank[token[i]]
            fill[m] += 1
    for m in range(n_members):
        sets[ptr[m] : ptr[m + 1]].sort()
    return ptr, sets


@njit(cache=True, nogil=True)
def _candidate_pairs(
    ptr: np.ndarray, sets: np.ndarray, reach: np.ndarray, size: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (first < second) of documents sharing a shingle of both prefixes, size filter passed.

    Distinct pairs, by first then second.
    """
    n_postings = 0
    for m in range(len(reach)):
        n_postings += reach[m]
    key = np.empty(n_postings, dtype=np.int64)
    n = len(reach)
    at = 0
    for m in range(n):
        for j in range(reach[m]):
            key[at] = sets[ptr[m] + j] * n + m
            at += 1
    key.sort()
    found = []
    lo = 0
    while lo < len(key):
        hi = lo + 1
        while hi < len(key) and key[hi] // n == key[lo] // n:
            hi += 1
        for x in range(lo, hi):
            a = key[x] % n
            for y in range(x + 1, hi):
                b = key[y] % n
                small, large = min(size[a], size[b]), max(size[a], size[b])
                if small >= threshold * large:  # |A ∩ B| <= min, so Jaccard <= min / max
                    found.append(a * n + b)
        lo = hi
    pairs = np.unique(np.array(found, dtype=np.int64))
    return pairs // n, pairs % n


@njit(cache=True, nogil=True)
def _intersections(
    ptr: np.ndarray, sets: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """Shared shingles of each pair, by a merge of the two sorted sets."""
    inter = np.zeros(len(first), dtype=np.float64)
    for p in range(len(first)):
        i, i_end = ptr[first[p]], ptr[first[p] + 1]
        j, j_end = ptr[second[p]], ptr[second[p] + 1]
        common = 0
        while i < i_end and j < j_end:
            if sets[i] == sets[j]:
                common += 1
                i += 1
                j += 1
            elif sets[i] < sets[j]:
                i += 1
            else:
                j += 1
        inter[p] = common
    return inter


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
