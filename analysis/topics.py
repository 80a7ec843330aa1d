"""Topics fitted on passages (paragraphs), their timeline and the passages behind them.

Topics are fitted on passages rather than documents, so that even a corpus of
two documents gives several topics, and a topic's share of a period is the
mean weight of that period's passages. A large selection is fitted on a seeded
sample of its passages, and a fitted model of a saved index is saved beside
its files (:mod:`analysis.result_store`): the same request in another session
or process reads it instead of fitting again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import inspect
import math
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from analysis import result_store, topic_fit
from analysis import schema as S
from analysis.errors import AnalysisError, OptionError, check_at_least, check_one_of
from analysis.periods import (
    Granularity,
    PeriodTable,
    check_granularity,
    period_ordinals,
    period_starts,
    placeable,
)
from analysis.rows import nonempty, text_cells
from analysis.stopwords import default_stopwords
from analysis.topic_fit import FITTED_ARRAYS, Fitted, TopicMethod
from analysis.topic_fit import fit_model as _fit  # looked up here at each fit (tests replace it)

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex

TOPIC = "topic"
LABEL = "label"
WEIGHT = "weight"
SHARE = "share"
PASSAGES = "passages"
TOPIC_TERM_COLUMNS = (TOPIC, LABEL, S.TERM, WEIGHT)
TOPIC_TIME_COLUMNS = (S.PERIOD, TOPIC, LABEL, SHARE, PASSAGES)
REPRESENTATIVE_COLUMNS = (S.DOC_ID, S.DATE, S.SOURCE, S.PASSAGE, WEIGHT, S.TEXT)

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
        ``None`` runs it here. The model is the same either way. A fit
        begun by :func:`start_topics` for the same request is waited for.

    Returns
    -------
    TopicModel
        Kept on the index: the same arguments (and selection) return the
        same model without fitting again. A saved index also keeps it
        beside its files, keyed by the selection, every argument but
        ``executor`` and scikit-learn's version, so another process reads
        it back (the same model, bit for bit) instead of fitting.
    """
    options = {
        "k": k,
        "method": method,
        "seed": seed,
        "stopwords": stopwords,
        "n_terms": n_terms,
        "max_passages": max_passages,
        "max_terms": max_terms,
        "numbers": numbers,
    }
    key, entry = _begin(index, mask, executor, options)
    if isinstance(entry, TopicModel):
        return entry
    models = _models(index)
    try:
        model = entry.model()
    except BaseException:
        if models.get(key) is entry:  # a failed fit is not kept: the next call fits again
            models.pop(key)
        raise
    if models.get(key) is entry:
        models[key] = model
    return model


def start_topics(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    executor: Executor,
    **options: Any,
) -> None:
    """Begin the fit :func:`fit_topics` makes with the same arguments, and return at once.

    The passages are sampled and counted here; scikit-learn fits them in
    ``executor``. A later :func:`fit_topics` call with the same arguments and
    selection waits for this fit instead of making its own, and gives the
    same model, bit for bit. A model already kept or saved is only read.
    A request that cannot be fitted (no term left after the stopwords, an
    empty selection) starts nothing: :func:`fit_topics` says why when asked.
    """
    bound = inspect.signature(fit_topics).bind(index, mask, executor=executor, **options)
    bound.apply_defaults()
    request = {n: v for n, v in bound.arguments.items() if n not in ("index", "mask", "executor")}
    try:
        _begin(index, mask, executor, request)
    except AnalysisError:
        return


class _Pending:
    """A fit on its way (:func:`start_topics`): made into a model once, by the first to ask."""

    def __init__(self, complete: Callable[[], TopicModel]) -> None:
        self._complete = complete
        self._lock = threading.Lock()
        self._model: TopicModel | None = None

    def model(self) -> TopicModel:
        with self._lock:
            if self._model is None:
                self._model = self._complete()
            return self._model

    def settle(self) -> None:
        """Make the model now (its fit has ended); a failed fit is raised to whoever asks."""
        with contextlib.suppress(Exception):  # raised again by the next model()
            self.model()


def _models(index: CorpusIndex) -> dict[tuple[object, ...], TopicModel | _Pending]:
    models = index._memo.setdefault("topic_models", {})
    assert isinstance(models, dict)
    return models


def _begin(
    index: CorpusIndex,
    mask: np.ndarray | None,
    executor: Executor | None,
    options: dict[str, Any],
) -> tuple[tuple[object, ...], TopicModel | _Pending]:
    """The model of a request (``options``: :func:`fit_topics`'s), kept, read back or
    fitted; or the fit sent to ``executor``."""
    k, method, seed, n_terms = options["k"], options["method"], options["seed"], options["n_terms"]
    max_passages, max_terms = options["max_passages"], options["max_terms"]
    stopwords, numbers = options["stopwords"], options["numbers"]
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
    # One request begun at a time: the same request asked for twice at once (the page
    # while the fit begun as the index opened is being counted) is fitted once.
    lock = cast(threading.Lock, index._memo.setdefault("topic_lock", threading.Lock()))
    with lock:
        models = _models(index)
        found = models.get(key)
        if found is not None:
            return key, found
        if len(models) >= _MODELS_KEPT:
            models.pop(next(iter(models)))
        saved = _saved_fit(index, request)
        if saved is not None:
            models[key] = _model(index, saved, method=method, seed=seed)
            return key, models[key]
        prepared = topic_fit.prepare(
            index,
            selected,
            k=k,
            seed=seed,
            stopwords=stopwords,
            max_passages=max_passages,
            max_terms=max_terms,
            numbers=numbers,
        )
        counts, fitted_k = prepared.counts, prepared.k
        if executor is None:
            matrices = _fit(counts, k=fitted_k, method=method, seed=seed)

            def result() -> tuple[np.ndarray, np.ndarray]:
                return matrices
        else:
            future = executor.submit(_fit, counts, k=fitted_k, method=method, seed=seed)
            result = future.result

        def complete() -> TopicModel:
            weights, components = result()
            fitted = topic_fit.finish(
                index, prepared, weights, components, method=method, n_terms=n_terms
            )
            info = {"k": fitted.k, "notes": fitted.notes}
            result_store.save_result(index, "topics", request, fitted.arrays(), info)
            return _model(index, fitted, method=method, seed=seed)

        pending = models[key] = _Pending(complete)
        if executor is not None:  # saved as soon as it is fitted, whether asked for yet or not
            future.add_done_callback(lambda _: pending.settle())
        return key, pending


#: Topic models kept per index (the oldest is dropped first).
_MODELS_KEPT = 16


def _saved_fit(index: CorpusIndex, request: dict[str, object]) -> Fitted | None:
    """The fit saved beside the index for ``request``, if it is there and fits the index."""
    saved = result_store.load_result(index, "topics", request)
    if saved is None:
        return None
    arrays, info = saved
    k, notes = info.get("k"), info.get("notes")
    if set(arrays) != set(FITTED_ARRAYS) or not isinstance(k, int) or not isinstance(notes, list):
        return None
    if any(arrays[name].dtype != dtype for name, dtype in FITTED_ARRAYS.items()):
        return None
    rows, weights, topic, column = (arrays[n] for n in ("rows", "weights", "topic", "column"))
    fits = (
        weights.shape == (len(rows), k)
        and len(topic) == len(column) == len(arrays["weight"])
        and bool(np.all((rows >= 0) & (rows < len(index.passages))))
        and bool(np.all((topic >= 0) & (topic < k)))
        and bool(np.all((column >= 0) & (column < len(index.vocab))))
    )
    return Fitted(k=k, notes=[str(n) for n in notes], **arrays) if fits else None


def _model(index: CorpusIndex, fitted: Fitted, *, method: TopicMethod, seed: int) -> TopicModel:
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
    texts = dict(zip(doc_rows.tolist(), text_cells(index, doc_rows), strict=True))
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
