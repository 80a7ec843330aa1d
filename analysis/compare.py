"""Comparison: documents, sources, speakers and periods side by side.

Everything here reads the index except text reuse, which aligns the token
streams of the documents it compares (and so reads their text):

* similarity: TF-IDF cosine between documents or groups, nearest neighbours,
  hierarchical clustering for a dendrogram;
* keyness: Dunning log-likelihood, p, log ratio and dispersion between two
  slices, or each group against the others;
* reuse: passages two documents share, near-duplicate pairs across a
  selection, and a mask that keeps one document of each duplicate group.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import polars as pl
import regex
import scipy.sparse as sp

from analysis import kernels
from analysis import schema as S
from analysis.errors import EmptySelectionError, OptionError
from analysis.index import CorpusIndex
from analysis.query import _by_column
from analysis.selection import as_mask
from analysis.stats import log_likelihood, log_ratio, p_value
from analysis.terms import column_totals, ranked, stopword_columns, vocab_arrays
from analysis.text import BOUNDARY_PATTERN, SCAN_PATTERN, classify_raw, default_stopwords

TermKind = Literal["word", "phrase", "all"]
LinkageMethod = Literal["single", "complete", "average", "weighted"]


def _row_of(index: CorpusIndex) -> dict[str, int]:
    row_of = index._memo.get("row_of")
    if not isinstance(row_of, dict):
        row_of = index._memo["row_of"] = {
            d: i for i, d in enumerate(index.docs[S.DOC_ID].astype(str))
        }
    return row_of


def _rows_for(index: CorpusIndex, doc_ids: Sequence[str]) -> np.ndarray:
    row_of = _row_of(index)
    missing = [d for d in doc_ids if str(d) not in row_of]
    if missing:
        raise OptionError(
            f"No document with id {', '.join(map(repr, missing))}. "
            "Pick ids from the Documents page or `python -m analysis summary`."
        )
    return np.array([row_of[str(d)] for d in doc_ids], dtype=np.int64)


# --- similarity -------------------------------------------------------------


def _columns(index: CorpusIndex, kind: TermKind, stopwords: frozenset[str] | None) -> np.ndarray:
    if kind not in ("word", "phrase", "all"):
        raise OptionError(f"Unknown term kind {kind!r}. Use 'word', 'phrase' or 'all'.")
    stopwords = default_stopwords() if stopwords is None else stopwords
    keep = np.ones(index.counts.shape[1], dtype=bool)
    if kind != "all":
        keep &= (index.vocab[S.KIND] == kind).to_numpy()
    if stopwords:
        keep &= ~stopword_columns(index, stopwords)
    return np.flatnonzero(keep)


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
    columns = _columns(index, kind, stopwords)
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
        columns = _columns(index, kind, resolved)
        weight = np.zeros(index.counts.shape[1], dtype=np.float64)
        weight[columns] = _idf(index, columns)
        counts = index.counts
        weighted = counts.data.astype(np.float64) * weight[counts.indices]
        per_row = np.repeat(np.arange(index.n_docs), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(per_row, weights=weighted * weighted, minlength=index.n_docs))
        memo = index._memo[key] = (weight, norms)
    return cast(tuple[np.ndarray, np.ndarray], memo)


def _cosines(
    index: CorpusIndex, row: int, *, kind: TermKind, stopwords: frozenset[str] | None
) -> np.ndarray:
    """TF-IDF cosine of document ``row`` with every document (the rows of :func:`tfidf_matrix`).

    Reads only the columns the document uses (from the by-column counts).
    """
    weight, norms = _tfidf_weights(index, kind, stopwords)
    start, stop = index.counts.indptr[row], index.counts.indptr[row + 1]
    cols = index.counts.indices[start:stop]
    vector = index.counts.data[start:stop].astype(np.float64) * weight[cols]
    used = vector != 0
    cols, vector = cols[used], vector[used]
    if len(cols) == 0 or norms[row] == 0:
        return np.zeros(index.n_docs, dtype=np.float64)
    by_column = _by_column(index)[:, cols]
    dots: np.ndarray = np.asarray(by_column @ (vector * weight[cols]), dtype=np.float64)
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
    rows = _rows_for(index, doc_ids) if doc_ids else np.flatnonzero(as_mask(index, mask))
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
    return _square(matrix, index.docs[S.DOC_ID].astype(str).to_numpy()[rows].tolist())


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
    columns = _columns(index, kind, stopwords)
    names = list(masks)
    empty = [n for n in names if not as_mask(index, masks[n]).any()]
    if empty:
        raise EmptySelectionError(
            f"Group {', '.join(map(repr, empty))} selects no document. Widen its filters."
        )
    indicator = sp.csr_matrix(
        np.vstack([as_mask(index, masks[n]) for n in names]).astype(np.float64)
    )
    summed = indicator @ index.counts[:, columns].astype(np.float64)
    matrix = _l2_rows(sp.csr_matrix(summed @ sp.diags(_idf(index, columns))))
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
    (row,) = _rows_for(index, [doc_id])
    candidates = as_mask(index, mask).copy()
    candidates[row] = False
    rows = np.flatnonzero(candidates)
    sims = _cosines(index, row, kind=kind, stopwords=stopwords)[rows]
    order = np.argsort(-sims, kind="stable")[:n]
    docs = index.docs.iloc[rows[order]]
    return pd.DataFrame(
        {
            S.DOC_ID: docs[S.DOC_ID].astype(str).to_numpy(),
            S.TITLE: docs[S.TITLE].fillna("").astype(str).to_numpy(),
            S.DATE: docs[S.DATE].to_numpy(),
            S.SOURCE: docs[S.SOURCE].fillna("").astype(str).to_numpy(),
            S.SIMILARITY: np.clip(sims[order], 0.0, 1.0),
        }
    )


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


# --- keyness ------------------------------------------------------------------


def keyness(
    index: CorpusIndex,
    mask_a: np.ndarray,
    mask_b: np.ndarray,
    *,
    stopwords: frozenset[str] | None = None,
    min_count: int = 3,
    kind: TermKind = "all",
    alpha: float = 0.05,
    bonferroni: bool = False,
    top: int | None = None,
    labels: tuple[str, str] = ("A", "B"),
    numbers: bool = False,
) -> pd.DataFrame:
    """Terms used more in slice A than in slice B, and the reverse.

    For each term, the 2x2 table of its count in each slice against the
    slice's token total (word tokens, as :func:`~analysis.terms.corpus_summary`
    reports them) gives Dunning's log-likelihood ``ll`` and its ``p``
    (chi-squared, one degree of freedom; :mod:`analysis.stats`), and the
    effect size ``log_ratio = log2((count_a / size_a) / (count_b / size_b))``
    with a zero count taken as 0.5. Rows are sorted by ``ll``; the sign of
    ``log_ratio`` says the side: positive terms are key in A, negative ones
    (negative keywords) in B.

    Parameters
    ----------
    mask_a, mask_b
        The two slices (boolean masks over the index's documents).
    stopwords
        Hidden terms; ``None`` uses the default list, an empty set hides none.
    min_count
        Keep terms with ``count_a + count_b >= min_count``.
    kind
        ``word``, ``phrase`` or ``all``.
    alpha, bonferroni
        ``significant`` is ``p < alpha``, or ``p < alpha / tested`` with the
        Bonferroni correction, ``tested`` being the number of terms left after
        ``stopwords``, ``kind`` and ``min_count`` (in ``attrs["tested"]``).
    top
        Keep the ``top`` rows with the highest ``ll``.
    labels
        Names of the slices in error messages.
    numbers
        Test pure numbers too (:func:`~analysis.text.is_number`); hidden by
        default, like stopwords, and then not counted in ``tested``.

    Returns
    -------
    DataFrame
        ``term, kind, count_a, count_b, ll, p, log_ratio, docs_a, docs_b,
        significant``; ``docs_a``/``docs_b`` count the documents of each slice
        holding the term. ``attrs`` has ``size_a``, ``size_b``, ``tested`` and
        ``alpha`` (after correction).
    """
    if min_count < 1:
        raise OptionError(f"min_count must be at least 1, not {min_count}.")
    if not 0 < alpha < 1:
        raise OptionError(f"alpha must be between 0 and 1, not {alpha}.")
    if top is not None and top < 1:
        raise OptionError(f"top must be at least 1, not {top}.")
    columns = _columns(index, kind, stopwords)
    if not numbers:
        columns = columns[~index.number_columns()[columns]]
    sides = []
    for label, mask in zip(labels, (mask_a, mask_b), strict=True):
        mask = as_mask(index, mask)
        if not mask.any():
            raise EmptySelectionError(
                f"Slice {label} selects no document. Widen its filters (dates, source, query)."
            )
        size = int(index.doc_tokens[mask].sum())
        if size == 0:
            raise EmptySelectionError(f"Slice {label} holds no word. Choose other documents.")
        count, docs = column_totals(index, mask)
        sides.append((count[columns], docs[columns], size))
    (count_a, docs_a, size_a), (count_b, docs_b, size_b) = sides
    keep = (count_a + count_b) >= min_count
    cols, count_a, count_b = columns[keep], count_a[keep], count_b[keep]
    ll = log_likelihood(count_a, count_b, size_a, size_b)
    tested = len(cols)
    threshold = alpha / max(tested, 1) if bonferroni else alpha
    # by ll (descending) then term, as a stable sort of the whole table would give
    order = ranked(index, cols, -ll)
    if top is not None:
        order = order[:top]
    docs_a, docs_b = docs_a[keep][order], docs_b[keep][order]
    cols, count_a, count_b, ll = cols[order], count_a[order], count_b[order], ll[order]
    p = p_value(ll)
    names, kinds = vocab_arrays(index)
    table = pd.DataFrame(
        {
            S.TERM: names[cols],
            S.KIND: kinds[cols],
            S.COUNT_A: count_a,
            S.COUNT_B: count_b,
            S.LL: ll,
            S.P: p,
            S.LOG_RATIO: log_ratio(count_a, count_b, size_a, size_b),
            S.DOCS_A: docs_a,
            S.DOCS_B: docs_b,
            S.SIGNIFICANT: p < threshold,
        }
    )
    table.attrs.update(size_a=size_a, size_b=size_b, tested=tested, alpha=threshold)
    return table


def keyness_groups(
    index: CorpusIndex,
    masks: Mapping[str, np.ndarray],
    *,
    stopwords: frozenset[str] | None = None,
    min_count: int = 3,
    kind: TermKind = "all",
    alpha: float = 0.05,
    bonferroni: bool = False,
    top: int | None = None,
    numbers: bool = False,
) -> pd.DataFrame:
    """Keyness of each group against the rest (the union of the other groups).

    Returns the columns of :func:`keyness` after ``group``: ``count_a`` and
    ``docs_a`` are the group's, ``count_b`` and ``docs_b`` the rest's (a
    document in two groups counts on both sides). ``top`` applies per group.
    """
    if len(masks) < 2:
        raise OptionError("Give at least two groups; for two, keyness(a, b) reads more simply.")
    checked = {name: as_mask(index, m) for name, m in masks.items()}
    tables = []
    for name, mask in checked.items():
        rest = np.zeros(index.n_docs, dtype=bool)
        for other, other_mask in checked.items():
            if other != name:
                rest |= other_mask
        table = keyness(
            index,
            mask,
            rest,
            stopwords=stopwords,
            min_count=min_count,
            kind=kind,
            alpha=alpha,
            bonferroni=bonferroni,
            top=top,
            labels=(repr(name), f"rest of {name!r}"),
            numbers=numbers,
        )
        table.insert(0, S.GROUP, name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


# --- text reuse -----------------------------------------------------------------

_SCAN = regex.compile(SCAN_PATTERN, regex.V1)
_IS_BOUNDARY = regex.compile(f"^{BOUNDARY_PATTERN}$", regex.V1)


def token_offsets(
    text: str, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> pd.DataFrame:
    """Words of ``text`` by the token rule with their character offsets.

    The text is scanned with the index's own scan pattern, each raw match is
    NFKC-normalised and classified exactly as the index does
    (:func:`~analysis.text.classify_raw`), so the words are those the index
    counted. A Han run gives several words, located inside the run in order.

    Returns
    -------
    DataFrame
        ``token, start, end`` in reading order (boundaries left out).
    """
    matches = [m for m in _SCAN.finditer(text) if not _IS_BOUNDARY.match(m.group())]
    raws = [unicodedata.normalize("NFKC", m.group()) for m in matches]
    distinct = list(dict.fromkeys(raws))
    classified = dict(
        zip(
            distinct,
            classify_raw(
                pl.Series(distinct, dtype=pl.String),
                user_words=user_words,
                fold_chinese=fold_chinese,
            ),
            strict=True,
        )
    )
    tokens: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match, raw in zip(matches, raws, strict=True):
        words = [w for w in classified[raw] if w is not None]
        if len(words) == 1:
            tokens.append(words[0])
            starts.append(match.start())
            ends.append(match.end())
            continue
        cursor = 0
        folded = raw.casefold()
        for word in words:
            at = folded.find(word, cursor)
            at = cursor if at < 0 else at
            cursor = at + len(word)
            tokens.append(word)
            starts.append(match.start() + at)
            ends.append(match.start() + min(cursor, len(raw)))
    return pd.DataFrame({"token": tokens, S.START: starts, S.END: ends})


def _aligned_runs(a: list[str], b: list[str], k: int) -> list[tuple[int, int, int]]:
    """Maximal common runs of at least ``k`` tokens: ``(start_a, start_b, length)``.

    Windows of ``k`` tokens of B are hashed (a dict of tuples); each window of
    A that matches is a seed, and seeds on one diagonal at consecutive
    positions merge into one run.
    """
    where: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(b) - k + 1):
        where.setdefault(tuple(b[j : j + k]), []).append(j)
    seeds = [(i - j, i) for i in range(len(a) - k + 1) for j in where.get(tuple(a[i : i + k]), ())]
    seeds.sort()
    runs = []
    previous: tuple[int, int] | None = None
    first = 0
    for diagonal, i in seeds:
        if previous is not None and diagonal == previous[0] and i == previous[1] + 1:
            previous = (diagonal, i)
            continue
        if previous is not None:
            runs.append((first, first - previous[0], previous[1] - first + k))
        first, previous = i, (diagonal, i)
    if previous is not None:
        runs.append((first, first - previous[0], previous[1] - first + k))
    return runs


def _tile(
    runs: list[tuple[int, int, int]], n_a: int, n_b: int, k: int
) -> list[tuple[int, int, int]]:
    """Greedy longest-first tiling: no token of A or B in two accepted runs.

    A run overlapping accepted ones is cut to its longest free stretch and
    queued again if that still has ``k`` tokens.
    """
    used_a = np.zeros(n_a, dtype=bool)
    used_b = np.zeros(n_b, dtype=bool)
    heap = [(-length, i, j) for i, j, length in runs]
    heapq.heapify(heap)
    accepted = []
    while heap:
        negative, i, j = heapq.heappop(heap)
        length = -negative
        free = ~(used_a[i : i + length] | used_b[j : j + length])
        if free.all():
            accepted.append((i, j, length))
            used_a[i : i + length] = True
            used_b[j : j + length] = True
            continue
        best_start, best_len, start = 0, 0, None
        for offset, ok in enumerate([*free.tolist(), False]):
            if ok and start is None:
                start = offset
            elif not ok and start is not None:
                if offset - start > best_len:
                    best_start, best_len = start, offset - start
                start = None
        if best_len >= k:
            heapq.heappush(heap, (-best_len, i + best_start, j + best_start))
    return sorted(accepted)


def shared_passages(
    index: CorpusIndex, doc_a: str, doc_b: str, *, min_tokens: int = 6
) -> pd.DataFrame:
    """Passages two documents share: aligned runs of at least ``min_tokens`` words.

    Both texts are read as words under the token rule (:func:`token_offsets`;
    punctuation and case do not break a match). Every maximal common run of
    at least ``min_tokens`` words is found from hashed word windows; runs are
    then taken longest first, each word of either document in at most one
    passage (an overlapping run is cut to its free part if that is still long
    enough).

    Returns
    -------
    DataFrame
        ``start_a, end_a, start_b, end_b, tokens, text_a, text_b``: character
        offsets into each document's text (from the first word's start to the
        last word's end), the number of words, and the text at those offsets;
        in the order of document A.
    """
    if min_tokens < 2:
        raise OptionError(f"min_tokens must be at least 2, not {min_tokens}.")
    rows = _rows_for(index, [doc_a, doc_b])
    texts = index.docs[S.TEXT].iloc[rows].astype(str).tolist()
    settings = index.settings
    tok_a, tok_b = (
        token_offsets(t, user_words=settings.user_words, fold_chinese=settings.fold_chinese)
        for t in texts
    )
    a, b = tok_a["token"].tolist(), tok_b["token"].tolist()
    runs = _tile(_aligned_runs(a, b, min_tokens), len(a), len(b), min_tokens)
    sa, ea = tok_a[S.START].to_numpy(), tok_a[S.END].to_numpy()
    sb, eb = tok_b[S.START].to_numpy(), tok_b[S.END].to_numpy()
    records = []
    for i, j, length in runs:
        start_a, end_a = int(sa[i]), int(ea[i + length - 1])
        start_b, end_b = int(sb[j]), int(eb[j + length - 1])
        records.append(
            (
                start_a,
                end_a,
                start_b,
                end_b,
                length,
                texts[0][start_a:end_a],
                texts[1][start_b:end_b],
            )
        )
    return pd.DataFrame.from_records(records, columns=list(S.SHARED_COLUMNS)).astype(
        dict.fromkeys((S.START_A, S.END_A, S.START_B, S.END_B, S.TOKENS), np.int64)
    )


# --- near duplicates ------------------------------------------------------------


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
    a = _rows_for(index, pairs[S.DOC_A].astype(str).tolist())
    b = _rows_for(index, pairs[S.DOC_B].astype(str).tolist())
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
