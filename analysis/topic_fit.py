"""The fit behind :func:`analysis.topics.fit_topics`, in three steps.

:func:`prepare` samples the passages and counts them over the columns fitted (in the
process that holds the index), :func:`fit_model` runs scikit-learn on those counts (in
a worker process, or here), and :func:`finish` turns its matrices into what a fit
decides (:class:`Fitted`: the passages, their weights, the top terms), which is what
is saved beside the index.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp

from analysis import schema as S
from analysis.errors import OptionError
from analysis.passage_counts import selected_passage_counts
from analysis.terms import stopword_columns
from analysis.text import is_number

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

TopicMethod = Literal["nmf", "lda"]

#: Below this many passages, terms seen in a single passage are kept (a tiny
#: corpus would otherwise lose most of its vocabulary).
MIN_PASSAGES_FOR_PRUNING = 10


@dataclass(frozen=True)
class Prepared:
    """What scikit-learn is given: ``counts`` (passages x ``columns``, vocabulary columns)
    of the passages ``rows`` (of ``index.passages``), ``k`` topics, and ``notes`` so far."""

    rows: np.ndarray
    counts: sp.csr_matrix
    columns: np.ndarray
    k: int
    notes: list[str]


def prepare(
    index: CorpusIndex,
    mask: np.ndarray,
    *,
    k: int,
    seed: int,
    stopwords: frozenset[str],
    max_passages: int,
    max_terms: int,
    numbers: bool,
) -> Prepared:
    """The passages a fit reads (sampled with ``seed``) and their counts over the columns
    fitted; ``k`` reduced to what they can carry (see :func:`analysis.topics.fit_topics`)."""
    rows = np.flatnonzero(mask[index.passages["doc"].to_numpy()])  # rows of index.passages
    notes: list[str] = []
    if len(rows) > max_passages:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(rows), size=max_passages, replace=False))
        notes.append(
            f"Fitted on a sample of {max_passages:,} of {len(rows):,} passages "
            f"(seed {seed}); raise max_passages to use more."
        )
        rows = rows[keep]
    counts = selected_passage_counts(index, index.passages.iloc[rows].reset_index(drop=True))
    columns = fitted_columns(index, counts, stopwords=stopwords, numbers=numbers)
    if len(columns) > max_terms:
        # the most frequent first, ties by column (a stable sort), then back in column order
        frequency = np.asarray(counts[:, columns].sum(axis=0)).ravel()
        columns = np.sort(columns[np.argsort(-frequency, kind="stable")[:max_terms]])
    counts = counts[:, columns]
    filled = np.asarray(counts.sum(axis=1)).ravel() > 0
    counts = counts[filled]
    rows = rows[filled]
    if counts.shape[0] == 0 or counts.shape[1] == 0:
        raise OptionError(
            "After stopwords, no term remains to fit topics on. Select more documents "
            "or shorten the stopword list."
        )
    largest = min(counts.shape[0], counts.shape[1])
    if k > largest:
        notes.append(
            f"Asked for {k} topics, but {counts.shape[0]} passages and {counts.shape[1]} "
            f"terms allow at most {largest}: fitted {largest}."
        )
        k = largest
    return Prepared(rows=rows, counts=counts, columns=columns, k=k, notes=notes)


def finish(
    index: CorpusIndex,
    prepared: Prepared,
    weights: np.ndarray,
    components: np.ndarray,
    *,
    method: TopicMethod,
    n_terms: int,
) -> Fitted:
    """What the fit of ``prepared`` decides, from scikit-learn's ``weights`` and
    ``components``: topics ordered by weight, passage weights summing to 1, top terms."""
    rows, columns, k, notes = prepared.rows, prepared.columns, prepared.k, list(prepared.notes)
    # Scale so each topic's term weights sum to 1; the passage weights take the
    # scale, so a topic's total passage weight is its share of the fit.
    scale = components.sum(axis=1)
    scale[scale == 0] = 1.0
    components = components / scale[:, None]
    weights = weights * scale[None, :] if method == "nmf" else weights
    order = np.argsort(-weights.sum(axis=0), kind="stable")
    weights, components = weights[:, order], components[order]
    totals = weights.sum(axis=1, keepdims=True)
    empty = totals.ravel() == 0
    weights = np.where(empty[:, None], 1.0 / k, weights / np.where(totals == 0, 1.0, totals))
    if empty.any():
        notes.append(f"{int(empty.sum())} passages fit no topic and count equally in each of them.")
    names = index.vocab[S.TERM].to_numpy()[columns]
    topic_of, term_of, weight_of = [], [], []
    for topic in range(k):
        row = components[topic]
        # Highest weight first, ties by term: the same order every run.
        best = np.lexsort((names, -row))[:n_terms]
        best = best[row[best] > 0]
        topic_of.append(np.full(len(best), topic, dtype=np.int64))
        term_of.append(columns[best].astype(np.int64))
        weight_of.append(row[best].astype(np.float64))
    return Fitted(
        rows=rows,
        weights=weights,
        topic=np.concatenate(topic_of),
        column=np.concatenate(term_of),
        weight=np.concatenate(weight_of),
        k=k,
        notes=notes,
    )


@dataclass(frozen=True)
class Fitted:
    """What a fit decides (the rest of a :class:`TopicModel` is read from the index).

    ``rows``: the passages fitted (rows of ``index.passages``), ``weights``
    theirs; ``topic, column, weight``: the top terms (vocabulary columns).
    """

    rows: np.ndarray
    weights: np.ndarray
    topic: np.ndarray
    column: np.ndarray
    weight: np.ndarray
    k: int
    notes: list[str]

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in FITTED_ARRAYS}


FITTED_ARRAYS = {
    "rows": np.int64,
    "weights": np.float64,
    "topic": np.int64,
    "column": np.int64,
    "weight": np.float64,
}


def fitted_columns(
    index: CorpusIndex, counts: sp.csr_matrix, *, stopwords: frozenset[str], numbers: bool
) -> np.ndarray:
    """Columns fitted: in enough passages, not stopwords, not numbers unless asked."""
    passage_df = np.bincount(counts.indices, minlength=counts.shape[1])
    min_df = 2 if counts.shape[0] >= MIN_PASSAGES_FOR_PRUNING else 1
    usable = passage_df >= min_df
    if stopwords:
        usable &= ~stopword_columns(index, stopwords)
    columns = np.flatnonzero(usable)
    if not numbers:
        known = index._numbers  # decided once per index elsewhere; else only these columns
        if known is not None:
            columns = columns[~known[columns]]
        else:
            tokens = index.vocab["tokens"].to_numpy()[columns].astype(str)
            columns = columns[[not is_number(t) for t in tokens]]
    return columns


def prepare_fit() -> None:
    """Ready a worker process for fits: import what a fit runs, and end with its parent.

    Give it as the ``initializer`` of the process pool that fits topics
    (``executor`` of :func:`fit_topics`): scikit-learn's NMF, LDA and TF-IDF
    are imported as the worker starts, not at the first fit, and the worker
    ends when the process that started it ends, even if that one was killed
    (a pool's idle worker otherwise waits for work for ever).
    """
    import sklearn.decomposition
    import sklearn.feature_extraction.text  # noqa: F401  # imported to be loaded, not used

    from analysis.worker import prepare_worker

    prepare_worker()


def fit_model(
    counts: sp.csr_matrix, *, k: int, method: TopicMethod, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    # One BLAS thread: the fit's dense products are small (passages x k), and
    # threads that wait for a busy core made the NMF initialisation 15x slower
    # on a loaded 2-core machine (2.2 s against 0.13 s of its SVD).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # A topic model that stops at max_iter is still a usable model; the
        # dashboard has no way to act on the warning.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "nmf":
            from sklearn.decomposition import NMF
            from sklearn.feature_extraction.text import TfidfTransformer

            tfidf = TfidfTransformer().fit_transform(counts)
            model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
            weights = model.fit_transform(tfidf)
            return np.asarray(weights), np.asarray(model.components_)
        from sklearn.decomposition import LatentDirichletAllocation

        lda = LatentDirichletAllocation(n_components=k, random_state=seed, learning_method="batch")
        weights = lda.fit_transform(counts)
        return np.asarray(weights), np.asarray(lda.components_)
