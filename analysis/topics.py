"""Topics fitted on passages (paragraphs), their timeline and the passages behind them.

Topics are fitted on passages rather than documents, so that even a corpus of
two documents gives several topics, and a topic's share of a period is the
mean weight of that period's passages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd
import polars as pl
import scipy.sparse as sp

from analysis import schema as S
from analysis.errors import OptionError, check_at_least, check_one_of
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
from analysis.text import tokenize_frame

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


def _lookup_tables(index: CorpusIndex) -> tuple[pl.DataFrame, dict[int, pl.DataFrame]]:
    """Word -> column, and per phrase length the phrases' word columns (once per index)."""
    memo = index._memo.get("passage_lookup")
    if memo is not None:
        return memo  # type: ignore[return-value]  # stored below with this type
    vocab = index.vocab
    is_word = (vocab[S.KIND] == S.WORD).to_numpy()
    word_columns = pl.DataFrame(
        {
            "token": vocab[S.TERM].to_numpy()[is_word].astype(str),
            "column": np.flatnonzero(is_word).astype(np.int64),
        }
    )
    phrases = vocab[~is_word]
    lookup = dict(
        zip(word_columns["token"].to_list(), word_columns["column"].to_list(), strict=True)
    )
    by_length: dict[int, list[tuple[int, list[int]]]] = {}
    for column, tokens in zip(phrases.index, phrases["tokens"].astype(str), strict=True):
        words = tokens.split(" ")
        if all(w in lookup for w in words):
            by_length.setdefault(len(words), []).append((int(column), [lookup[w] for w in words]))
    wanted = {
        n: pl.DataFrame(
            {
                **{f"w{j}": [seq[j] for _, seq in entries] for j in range(n)},
                "column": [c for c, _ in entries],
            },
            schema={**{f"w{j}": pl.Int64 for j in range(n)}, "column": pl.Int64},
        )
        for n, entries in by_length.items()
    }
    index._memo["passage_lookup"] = (word_columns, wanted)
    return word_columns, wanted


def _selected_passage_counts(index: CorpusIndex, passages: pd.DataFrame) -> sp.csr_matrix:
    """Passages x index columns for ``passages`` (rows of ``index.passages``).

    A passage that is its document's only one holds all of the document's
    tokens, so its counts are the document's row of ``index.counts``; only
    the passages of documents with several are tokenised again
    (:func:`_passage_counts`).
    """
    per_doc = index._memo.get("passages_per_doc")
    if not isinstance(per_doc, np.ndarray):
        per_doc = np.bincount(index.passages["doc"].to_numpy(), minlength=index.n_docs)
        index._memo["passages_per_doc"] = per_doc
    doc = passages["doc"].to_numpy()
    whole = per_doc[doc] == 1
    from_index = index.counts[doc[whole]].astype(np.float64)
    parts = passages[~whole]
    doc_rows = np.unique(parts["doc"].to_numpy())
    texts_by_doc = dict(
        zip(doc_rows.tolist(), index.docs[S.TEXT].iloc[doc_rows].astype(str), strict=True)
    )
    texts = [
        texts_by_doc[d][a:b]
        for d, a, b in zip(parts["doc"], parts[S.START], parts[S.END], strict=True)
    ]
    if texts:
        tokenised = _passage_counts(index, texts)
    else:
        tokenised = sp.csr_matrix((0, len(index.vocab)), dtype=np.float64)
    stacked = sp.vstack([from_index, tokenised], format="csr")
    position = np.empty(len(doc), dtype=np.int64)
    position[np.flatnonzero(whole)] = np.arange(int(whole.sum()))
    position[np.flatnonzero(~whole)] = int(whole.sum()) + np.arange(int((~whole).sum()))
    return sp.csr_matrix(stacked[position])


def _passage_counts(index: CorpusIndex, texts: list[str]) -> sp.csr_matrix:
    """Passages x index columns: words by the token rule, and vocabulary phrases.

    A phrase counts where its words stand in a row with no boundary between
    them, as in the index; its words are counted as words too (phrase counts
    sit beside word counts, as everywhere else).
    """
    n_columns = len(index.vocab)
    word_columns, wanted_by_length = _lookup_tables(index)
    frame = tokenize_frame(
        texts,
        user_words=index.settings.user_words,
        fold_chinese=index.settings.fold_chinese,
    )
    stream = frame.join(word_columns, on="token", how="left", maintain_order="left")
    ids = stream["column"].fill_null(-1).to_numpy().astype(np.int64)
    passage = stream["doc"].to_numpy().astype(np.int64)
    rows = [passage[ids >= 0]]
    cols = [ids[ids >= 0]]
    for n, wanted in wanted_by_length.items():
        span = len(ids) - n + 1
        if span <= 0:
            continue
        grams = {f"w{j}": ids[j : j + span] for j in range(n)}
        grams["p"] = passage[:span]
        valid = passage[:span] == passage[n - 1 :]
        for j in range(n):
            valid &= grams[f"w{j}"] >= 0
        table = pl.DataFrame({key: value[valid] for key, value in grams.items()})
        found = table.join(wanted, on=[f"w{j}" for j in range(n)], how="inner")
        rows.append(found["p"].to_numpy())
        cols.append(found["column"].to_numpy())
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    matrix = sp.csr_matrix(
        (np.ones(len(row), dtype=np.float64), (row, col)), shape=(len(texts), n_columns)
    )
    matrix.sum_duplicates()
    return matrix


def fit_topics(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    k: int = 8,
    method: TopicMethod = "nmf",
    seed: int = 0,
    stopwords: frozenset[str] | None = None,
    n_terms: int = 10,
    max_passages: int = 20_000,
    numbers: bool = False,
    executor: Executor | None = None,
) -> TopicModel:
    """Fit ``k`` topics on the passages of the selected documents.

    Each passage (a paragraph, ``index.passages``) becomes a row of counts
    over the index vocabulary, words and phrases alike (by the token rule,
    phrases counted where their words stand together: a document's only
    passage is its row of the index counts, other passages are tokenised
    again). Stopwords, and phrases starting or ending with one, are
    left out; with at least 10 passages so are terms found in a single
    passage. Passages with no term left are not fitted.

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
        Passages fitted at most: a larger selection is sampled uniformly
        (without replacement, with ``seed``) and kept in corpus order;
        ``notes`` says so.
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
        same model without fitting again.
    """
    check_one_of("topic method", method, ("nmf", "lda"))
    check_at_least("k", k, 1, "topic")
    check_at_least("n_terms", n_terms, 1)
    check_at_least("max_passages", max_passages, 2)
    stopwords = default_stopwords() if stopwords is None else stopwords
    selected = nonempty(index, mask)
    key = (
        "topics",
        hashlib.blake2b(np.packbits(selected).tobytes(), digest_size=16).hexdigest(),
        k,
        method,
        seed,
        frozenset(stopwords),
        n_terms,
        max_passages,
        numbers,
    )
    models = index._memo.setdefault("topic_models", {})
    assert isinstance(models, dict)
    if key not in models:
        if len(models) >= _MODELS_KEPT:
            models.pop(next(iter(models)))
        models[key] = _fit_topics(
            index,
            selected,
            k=k,
            method=method,
            seed=seed,
            stopwords=stopwords,
            n_terms=n_terms,
            max_passages=max_passages,
            numbers=numbers,
            executor=executor,
        )
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
    numbers: bool,
    executor: Executor | None,
) -> TopicModel:
    passages = _selected_passages(index, mask)
    notes: list[str] = []
    if len(passages) > max_passages:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(passages), size=max_passages, replace=False))
        notes.append(
            f"Fitted on a sample of {max_passages:,} of {len(passages):,} passages "
            f"(seed {seed}); raise max_passages to use more."
        )
        passages = passages.iloc[keep].reset_index(drop=True)
    counts = _selected_passage_counts(index, passages)
    usable = np.ones(counts.shape[1], dtype=bool)
    if stopwords:
        usable &= ~stopword_columns(index, stopwords)
    if not numbers:
        usable &= ~index.number_columns()
    passage_df = np.bincount(counts.indices, minlength=counts.shape[1])
    min_df = 2 if len(passages) >= MIN_PASSAGES_FOR_PRUNING else 1
    usable &= passage_df >= min_df
    columns = np.flatnonzero(usable)
    counts = counts[:, columns]
    filled = np.asarray(counts.sum(axis=1)).ravel() > 0
    counts = counts[filled]
    passages = passages[filled].reset_index(drop=True)
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
    top_terms = []
    for topic in range(k):
        row = components[topic]
        # Highest weight first, ties by term: the same order every run.
        best = np.lexsort((names, -row))[:n_terms]
        best = best[row[best] > 0]
        top_terms.append((best, row[best]))
    labels = tuple(" · ".join(names[best[:LABEL_TERMS]].tolist()) for best, _ in top_terms)
    terms = pd.DataFrame(
        {
            TOPIC: np.concatenate(
                [np.full(len(b), t, dtype=np.int64) for t, (b, _) in enumerate(top_terms)]
            ),
            LABEL: np.concatenate(
                [np.full(len(b), labels[t], dtype=object) for t, (b, _) in enumerate(top_terms)]
            ),
            S.TERM: np.concatenate([names[b] for b, _ in top_terms]).astype(object),
            WEIGHT: np.concatenate([w for _, w in top_terms]).astype(np.float64),
        }
    )
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
        passage_weights=weights,
        passages=used,
        method=method,
        k=k,
        seed=seed,
        labels=labels,
        notes=tuple(notes),
    )


def _fit(
    counts: sp.csr_matrix, *, k: int, method: TopicMethod, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
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
