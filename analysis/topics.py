"""Topics fitted on passages (paragraphs), their timeline and the passages behind them.

Topics are fitted on passages rather than documents, so that even a corpus of
two documents gives several topics, and a topic's share of a period is the
mean weight of that period's passages. A large selection is fitted on a seeded
sample of its passages, and a fitted model of a saved index is saved beside
its files (:mod:`analysis.result_store`): the same request in another session
or process reads it instead of fitting again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import math
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import result_store
from analysis import schema as S
from analysis.errors import OptionError, check_at_least, check_one_of
from analysis.passage_counts import selected_passage_counts
from analysis.periods import (
    Granularity,
    PeriodTable,
    check_granularity,
    period_ordinals,
    period_starts,
    placeable,
)
from analysis.rows import nonempty
from analysis.stopwords import default_stopwords
from analysis.terms import stopword_columns
from analysis.text import is_number

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

TopicMethod = Literal["nmf", "lda"]

TOPIC = "topic"
LABEL = "label"
WEIGHT = "weight"
SHARE = "share"
PASSAGES = "passages"
TOPIC_TERM_COLUMNS = (TOPIC, LABEL, S.TERM, WEIGHT)
TOPIC_TIME_COLUMNS = (S.PERIOD, TOPIC, LABEL, SHARE, PASSAGES)
REPRESENTATIVE_COLUMNS = (S.DOC_ID, S.DATE, S.SOURCE, S.PASSAGE, WEIGHT, S.TEXT)

#: Below this many passages, terms seen in a single passage are kept (a tiny
#: corpus would otherwise lose most of its vocabulary).
MIN_PASSAGES_FOR_PRUNING = 10
LABEL_TERMS = 3
#: Passages fitted at most by default: a larger selection is sampled (with the seed).
MAX_PASSAGES = 5_000
#: Terms fitted at most by default: the most frequent in the passages fitted.
MAX_TERMS = 5_000


@dataclass(frozen=True, eq=False)
class TopicModel:
    """A fitted topic model (see :func:`fit_topics`).

    Attributes
    ----------
    terms
        ``topic, label, term, weight``: the top terms of each topic, highest
        weight first; ``weight`` is the term's share of the topic's term
        weights (each topic's full distribution sums to 1).
    passage_weights
        Passages x ``k`` array, each row summing to 1 (row ``i`` belongs to
        row ``i`` of ``passages``).
    passages
        ``doc`` (index row), ``passage``, ``start``, ``end``, ``doc_id``,
        ``date``, ``date_precision``, ``source`` of the passages fitted.
    method, k, seed
        How it was fitted (``k`` after any reduction, see ``notes``).
    labels
        One label per topic: the top three terms joined by " · ", or the
        user's name for it (:func:`rename`).
    notes
        What was changed from the request, in words (a reduced ``k``, sampling).
    """

    terms: pd.DataFrame
    passage_weights: np.ndarray
    passages: pd.DataFrame
    method: TopicMethod
    k: int
    seed: int
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _selected_passages(index: CorpusIndex, mask: np.ndarray | None) -> pd.DataFrame:
    mask = nonempty(index, mask)
    passages = index.passages
    return cast(pd.DataFrame, passages[mask[passages["doc"].to_numpy()]].reset_index(drop=True))


def default_k(index: CorpusIndex, mask: np.ndarray | None = None) -> int:
    """A sensible number of topics: ``sqrt(passages / 2)``, between 2 and 12.

    >>> from analysis.index import build_index
    >>> default_k(build_index(pd.DataFrame({"doc_id": ["a"], "text": ["One.\\n\\nTwo."]})))
    2
    """
    n = len(_selected_passages(index, mask))
    return int(min(12, max(2, round(math.sqrt(n / 2)))))


def fit_topics(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    k: int = 8,
    method: TopicMethod = "nmf",
    seed: int = 0,
    stopwords: frozenset[str] | None = None,
    n_terms: int = 10,
    max_passages: int = MAX_PASSAGES,
    max_terms: int = MAX_TERMS,
    numbers: bool = False,
    executor: Executor | None = None,
) -> TopicModel:
    """Fit ``k`` topics on the passages of the selected documents.

    Each passage (a paragraph, ``index.passages``) becomes a row of counts
    over the index vocabulary, words and phrases alike (by the token rule,
    phrases counted where their words stand together:
    :func:`analysis.passage_counts.selected_passage_counts`). Stopwords,
    and phrases starting or ending with one, are left out; with at least 10
    passages so are terms found in a single passage; of the rest the
    ``max_terms`` most frequent in the passages fitted are kept (as
    scikit-learn's ``CountVectorizer(max_features=...)``, ties by vocabulary
    order). Passages with no term left are not fitted.

    ``nmf`` factorises the TF-IDF matrix (scikit-learn ``NMF``,
    ``init="nndsvda"``); ``lda`` fits ``LatentDirichletAllocation`` (batch)
    on the counts. Both use ``random_state=seed``, and topics are ordered by
    their total weight over the passages (largest first) and numbered
    0..k-1 after ordering, so the same seed gives the same topics, numbers
    and order every run.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    k
        Topics wanted. When the passages or terms cannot carry that many, the
        largest possible ``k`` is fitted and ``notes`` says so.
    method
        ``nmf`` (default) or ``lda``.
    seed
        Random state of the fit and of the passage sample.
    stopwords
        ``None`` uses :func:`~analysis.stopwords.default_stopwords`.
    n_terms
        Top terms kept per topic in ``terms``.
    max_passages
        Passages fitted at most (5,000): a larger selection is sampled
        uniformly (without replacement, with ``seed``) and kept in corpus
        order; ``notes`` says so.
    max_terms
        Terms fitted at most (5,000).
    numbers
        Fit on pure numbers too (:func:`~analysis.text.is_number`); by
        default they are left out, so they never label a topic.
    executor
        Where the scikit-learn fit itself runs, given the passage counts (a
        process pool keeps a server's other sessions off the fit's lock);
        ``None`` runs it here. The model is the same either way.

    Returns
    -------
    TopicModel
        Kept on the index: the same arguments (and selection) return the
        same model without fitting again. A saved index also keeps it
        beside its files, keyed by the selection, every argument but
        ``executor`` and scikit-learn's version, so another process reads
        it back (the same model, bit for bit) instead of fitting.
    """
    check_one_of("topic method", method, ("nmf", "lda"))
    check_at_least("k", k, 1, "topic")
    check_at_least("n_terms", n_terms, 1)
    check_at_least("max_passages", max_passages, 2)
    check_at_least("max_terms", max_terms, 1)
    stopwords = default_stopwords() if stopwords is None else stopwords
    selected = nonempty(index, mask)
    request = {
        "selection": hashlib.blake2b(np.packbits(selected).tobytes(), digest_size=16).hexdigest(),
        "k": int(k),
        "method": str(method),
        "seed": int(seed),
        "stopwords": hashlib.blake2b(
            "\n".join(sorted(stopwords)).encode("utf-8"), digest_size=16
        ).hexdigest(),
        "n_terms": int(n_terms),
        "max_passages": int(max_passages),
        "max_terms": int(max_terms),
        "numbers": bool(numbers),
        "scikit-learn": importlib.metadata.version("scikit-learn"),
    }
    key = ("topics", *request.values())
    models = index._memo.setdefault("topic_models", {})
    assert isinstance(models, dict)
    if key not in models:
        if len(models) >= _MODELS_KEPT:
            models.pop(next(iter(models)))
        fitted = _saved_fit(index, request)
        if fitted is None:
            fitted = _fit_topics(
                index,
                selected,
                k=k,
                method=method,
                seed=seed,
                stopwords=stopwords,
                n_terms=n_terms,
                max_passages=max_passages,
                max_terms=max_terms,
                numbers=numbers,
                executor=executor,
            )
            info = {"k": fitted.k, "notes": fitted.notes}
            result_store.save_result(index, "topics", request, fitted.arrays(), info)
        models[key] = _model(index, fitted, method=method, seed=seed)
    model = models[key]
    assert isinstance(model, TopicModel)
    return model


#: Topic models kept per index (the oldest is dropped first).
_MODELS_KEPT = 16


def _fit_topics(
    index: CorpusIndex,
    mask: np.ndarray,
    *,
    k: int,
    method: TopicMethod,
    seed: int,
    stopwords: frozenset[str],
    n_terms: int,
    max_passages: int,
    max_terms: int,
    numbers: bool,
    executor: Executor | None,
) -> _Fitted:
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
    columns = _fitted_columns(index, counts, stopwords=stopwords, numbers=numbers)
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
    if executor is None:
        weights, components = _fit(counts, k=k, method=method, seed=seed)
    else:
        weights, components = executor.submit(_fit, counts, k=k, method=method, seed=seed).result()
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
    return _Fitted(
        rows=rows,
        weights=weights,
        topic=np.concatenate(topic_of),
        column=np.concatenate(term_of),
        weight=np.concatenate(weight_of),
        k=k,
        notes=notes,
    )


@dataclass(frozen=True)
class _Fitted:
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
        return {name: getattr(self, name) for name in _FITTED_ARRAYS}


_FITTED_ARRAYS = {
    "rows": np.int64,
    "weights": np.float64,
    "topic": np.int64,
    "column": np.int64,
    "weight": np.float64,
}


def _saved_fit(index: CorpusIndex, request: dict[str, object]) -> _Fitted | None:
    """The fit saved beside the index for ``request``, if it is there and fits the index."""
    saved = result_store.load_result(index, "topics", request)
    if saved is None:
        return None
    arrays, info = saved
    k, notes = info.get("k"), info.get("notes")
    if set(arrays) != set(_FITTED_ARRAYS) or not isinstance(k, int) or not isinstance(notes, list):
        return None
    if any(arrays[name].dtype != dtype for name, dtype in _FITTED_ARRAYS.items()):
        return None
    rows, weights, topic, column = (arrays[n] for n in ("rows", "weights", "topic", "column"))
    fits = (
        weights.shape == (len(rows), k)
        and len(topic) == len(column) == len(arrays["weight"])
        and bool(np.all((rows >= 0) & (rows < len(index.passages))))
        and bool(np.all((topic >= 0) & (topic < k)))
        and bool(np.all((column >= 0) & (column < len(index.vocab))))
    )
    return _Fitted(k=k, notes=[str(n) for n in notes], **arrays) if fits else None


def _fitted_columns(
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


def _model(index: CorpusIndex, fitted: _Fitted, *, method: TopicMethod, seed: int) -> TopicModel:
    """The model a fit gives: its top terms named, its passages with their metadata."""
    names = index.vocab[S.TERM].to_numpy()[fitted.column].astype(object)
    labels = tuple(
        " · ".join(names[fitted.topic == t][:LABEL_TERMS].tolist()) for t in range(fitted.k)
    )
    terms = pd.DataFrame(
        {
            TOPIC: fitted.topic,
            LABEL: np.asarray(labels, dtype=object)[fitted.topic],
            S.TERM: names,
            WEIGHT: fitted.weight,
        }
    )
    passages = index.passages.iloc[fitted.rows].reset_index(drop=True)
    # Only the metadata columns: taking the text column row by row copies it.
    meta = [S.DOC_ID, S.DATE, S.DATE_PRECISION, S.SOURCE]
    docs = index.docs[meta].iloc[passages["doc"].to_numpy()]
    used = passages.assign(
        **{
            S.DOC_ID: docs[S.DOC_ID].astype(str).to_numpy(),
            S.DATE: pd.to_datetime(docs[S.DATE]).to_numpy(),
            S.DATE_PRECISION: docs[S.DATE_PRECISION].to_numpy(),
            S.SOURCE: docs[S.SOURCE].fillna("").astype(str).to_numpy(),
        }
    )
    return TopicModel(
        terms=terms,
        passage_weights=fitted.weights,
        passages=used,
        method=method,
        k=fitted.k,
        seed=seed,
        labels=labels,
        notes=tuple(fitted.notes),
    )


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


def _fit(
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


def rename(model: TopicModel, topic: int, label: str) -> TopicModel:
    """The same model with ``topic`` called ``label`` (an empty label restores the default)."""
    _check_topic(model, topic)
    labels = list(model.labels)
    if label.strip():
        labels[topic] = label.strip()
    else:
        top = model.terms[model.terms[TOPIC] == topic][S.TERM].head(LABEL_TERMS)
        labels[topic] = " · ".join(top.astype(str))
    terms = model.terms.copy()
    terms[LABEL] = [labels[t] for t in terms[TOPIC]]
    return dataclasses.replace(model, terms=terms, labels=tuple(labels))


def _check_topic(model: TopicModel, topic: int) -> None:
    if not 0 <= topic < model.k:
        raise OptionError(f"No topic {topic}: the model has topics 0 to {model.k - 1}.")


def topics_over_time(model: TopicModel, *, by: Granularity = "year") -> PeriodTable:
    """Topic share per calendar period: the topic timeline.

    ``share`` is the mean weight of the topic over the period's passages, so
    the shares of a period with passages sum to 1. Every period between the
    first and the last is present; an empty one has passages 0 and no share
    (NaN: a gap in the timeline, not a 0 %).
    Passages of documents dated more coarsely than ``by`` are left out (as in
    :func:`~analysis.terms.documents_per_period`): the result's ``too_coarse``
    and ``undated`` count the passages left out.

    Returns
    -------
    PeriodTable
        ``table``: ``period, topic, label, share, passages``, by period then topic.
    """
    check_granularity(by)
    passages = model.passages
    dates = pd.to_datetime(passages[S.DATE])
    dated = dates.notna().to_numpy()
    use = placeable(dates, passages[S.DATE_PRECISION], by)
    ordinals = period_ordinals(dates[use], by)
    weights = model.passage_weights[use]
    if len(ordinals):
        low = int(ordinals.min())
        position = (ordinals - low).astype(np.int64)
        n_periods = int(ordinals.max()) - low + 1
        starts = period_starts(np.arange(low, low + n_periods), by)
    else:
        position = np.zeros(0, dtype=np.int64)
        n_periods = 0
        starts = pd.DatetimeIndex([])
    n_passages = np.bincount(position, minlength=n_periods)
    sums = np.zeros((n_periods, model.k))
    np.add.at(sums, position, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_passages[:, None] > 0, sums / np.maximum(n_passages, 1)[:, None], np.nan)
    table = pd.DataFrame(
        {
            S.PERIOD: np.repeat(np.asarray(starts), model.k),
            TOPIC: np.tile(np.arange(model.k, dtype=np.int64), n_periods),
            LABEL: np.tile(np.asarray(model.labels, dtype=object), n_periods),
            SHARE: share.ravel(),
            PASSAGES: np.repeat(n_passages.astype(np.int64), model.k),
        }
    )
    table[S.PERIOD] = pd.to_datetime(table[S.PERIOD])
    return PeriodTable(table, int((dated & ~use).sum()), int((~dated).sum()))


def representative_passages(
    model: TopicModel, index: CorpusIndex, topic: int, *, n: int = 5
) -> pd.DataFrame:
    """The passages where ``topic`` weighs most, highest weight first.

    Returns
    -------
    DataFrame
        ``doc_id, date, source, passage, weight, text``; ``text`` is the
        passage as written, ``weight`` its share of the topic (0-1).
    """
    _check_topic(model, topic)
    check_at_least("n", n, 1)
    weight = model.passage_weights[:, topic]
    order = np.argsort(-weight, kind="stable")[:n]
    chosen = model.passages.iloc[order]
    doc_rows = np.unique(chosen["doc"].to_numpy())
    texts = dict(zip(doc_rows.tolist(), index.docs[S.TEXT].iloc[doc_rows].astype(str), strict=True))
    return pd.DataFrame(
        {
            S.DOC_ID: chosen[S.DOC_ID].to_numpy(),
            S.DATE: pd.to_datetime(chosen[S.DATE]).to_numpy(),
            S.SOURCE: chosen[S.SOURCE].to_numpy(),
            S.PASSAGE: chosen[S.PASSAGE].to_numpy(dtype=np.int64),
            WEIGHT: weight[order],
            S.TEXT: [
                texts[d][a:b]
                for d, a, b in zip(chosen["doc"], chosen[S.START], chosen[S.END], strict=True)
            ],
        }
    )
