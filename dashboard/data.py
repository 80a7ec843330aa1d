"""The dashboard's only caching layer, between the views and ``analysis``.

* ``st.cache_resource`` holds the loaded corpora and their indexes, keyed by
  content hash and :class:`~analysis.IndexSettings`, through small stores
  (:class:`_Store`) rather than by decorating the builders: a builder that
  reports progress draws Streamlit elements, which ``st.cache_resource``
  would replay on every later hit. Uploads go to a session-scoped store (their
  saved indexes are found by content: with the same bytes only). It also
  holds what every session reads alike, never changed once built: figures
  (:func:`figure`) and the term tables (:func:`terms`, bounded by count
  and bytes, ``keys.TERMS_ENTRIES`` and ``keys.TERMS_BYTES``).
* ``st.cache_data`` holds the other tables, keyed by plain values: the index
  key (content hash + settings), ``Filters``, and the options. The index
  itself is passed as ``_index`` (not hashed; the key stands for it).

No cached function reads a global; every input is an argument. The plain
values the keys are made of and the store live in :mod:`dashboard.keys`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import (
    KWIC_COLUMNS,
    CollocateResult,
    CorpusIndex,
    DispersionResult,
    EmergingResult,
    FieldKeyness,
    Filters,
    IndexSettings,
    KeynessResult,
    KwicResult,
    LoadedCorpus,
    PeriodTable,
    ReuseLag,
    Spread,
    Theme,
    TopicModel,
    TrendResult,
    cluster_documents,
    collocates,
    concordance,
    corpus_summary,
    default_k,
    dispersion,
    distinctive_terms,
    document_list,
    document_similarity,
    documents_per_period,
    documents_with_term,
    emerging_terms,
    field_keyness,
    fit_topics,
    formulation_query,
    formulation_spread,
    group_similarity,
    keyness,
    library_entries,
    load_corpus,
    near_duplicates,
    nearest_documents,
    parse_formulation,
    parse_themes,
    period_mask,
    representative_passages,
    reuse_lag,
    select,
    shared_passages,
    term_frequencies,
    term_trends,
    topics_over_time,
)
from analysis import schema as S
from dashboard import export, host, keys, worker
from dashboard.escape import md
from dashboard.keys import (
    FIGURE_ENTRIES,
    HASH_FUNCS,
    LIBRARY_PREFIX,
    MIN_TOPIC_WEIGHT,
    SESSION_ENTRIES,
    SHARED_ENTRIES,
    TERM_ORDERS,
    KeynessOptions,
    TermOptions,
    TopicOptions,
    TrendOptions,
    _fingerprint,
    _Store,
    content_key,
    corpus_label,
    fit_pool,
    library_dir,
    upload_pool,
)
from dashboard.paging import ordered_rows

metadata_values = st.cache_resource(show_spinner=False, max_entries=256)(keys.metadata_values)


@st.cache_resource(show_spinner=False)
def _shared_store() -> _Store:
    return _Store(SHARED_ENTRIES * 2)


@st.cache_resource(show_spinner=False, scope="session")
def _session_store() -> _Store:
    return _Store(SESSION_ENTRIES * 3)


# ---------------------------------------------------------------------------
# Where corpora come from


@st.cache_data(show_spinner=False, ttl=30)
def library_names(folder: str) -> list[str]:
    """Corpora in the library (see :func:`analysis.library_entries`: no link leads out)."""
    return [entry.name for entry in library_entries(folder)]


def _source_of(key: str) -> str | Path:
    """What ``load_corpus`` reads for a corpus key (library names checked, never joined blindly)."""
    if key.startswith(LIBRARY_PREFIX):
        folder = library_dir()
        name = key.removeprefix(LIBRARY_PREFIX)
        if folder is None or name not in library_names(str(folder)):
            raise KeyError(key)
        return folder / name
    return key


def load_named_corpus(key: str) -> LoadedCorpus:
    """The corpus behind a picker key (not ``upload``), loaded once per content.

    Raises ``KeyError`` for a library name that is not in the library, and
    :class:`~analysis.CorpusError` when nothing in it can be read.
    """
    source = _source_of(key)
    stamp = ("corpus", key, _fingerprint(source))
    workers("fit")  # started before the corpus is read: ready (seconds) by a first fit

    def read() -> LoadedCorpus:
        folder = library_dir() if key.startswith(LIBRARY_PREFIX) else None
        with st.spinner(md(f"Reading {corpus_label(key)}…")):
            return load_corpus(source, within=folder)

    return _shared_store().get(stamp, read)


def load_uploaded_corpus(
    contents: tuple[tuple[str, str], ...], files: Callable[[], Sequence[tuple[str, bytes]]]
) -> LoadedCorpus:
    """Uploaded files as a corpus, kept for this session only, read in the upload worker.

    Keyed by content: each file's name and a digest of its bytes (``app.py``
    hashes a file once), so the same files put in the uploader again are the
    same corpus, not read again. ``files`` gives ``(name, bytes)`` on a miss.
    """
    return _session_store().get(("upload", contents), lambda: worker.read_uploads(workers, files()))


def open_index(
    corpus: LoadedCorpus,
    settings: IndexSettings,
    *,
    private: bool,
    build: Callable[[], CorpusIndex],
) -> CorpusIndex:
    """The index of ``corpus`` under ``settings``, made by ``build`` on a miss, once.

    ``private`` (uploads) keeps the index in this session; otherwise it is
    shared by every session. ``build`` (``app.py``'s, with its progress bar)
    runs only when the index is in neither store, and two sessions asking for
    the same missing index wait for one build.
    """
    store = _session_store() if private else _shared_store()
    stamp = ("index", corpus.content_hash, settings.key())
    pool = workers("fit")  # ready (seconds) by the first fit
    found = store.peek(stamp)
    if found is not None:
        return cast(CorpusIndex, found)
    index = store.get(stamp, build)
    worker.start_topics(index, pool)  # the Topics page's first fit begins as the index opens
    return index


# ---------------------------------------------------------------------------
# Tables (st.cache_data: plain-valued keys; ``_index`` stands for ``key``)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=HASH_FUNCS)
def selection(key: str, filters: Filters, _index: CorpusIndex) -> np.ndarray:
    """Boolean mask of the documents ``filters`` select."""
    if filters.collapse_duplicates:
        duplicate_pairs(key, _index)  # the first search (seconds) under its own spinner
    return select(_index, filters)


@st.cache_data(show_spinner="Finding near-duplicates (once: then saved with the index)…")
def duplicate_pairs(key: str, _index: CorpusIndex) -> pd.DataFrame:
    return near_duplicates(_index)


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def summary(key: str, filters: Filters, _index: CorpusIndex) -> dict[str, Any]:
    return corpus_summary(_index, selection(key, filters, _index))


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def periods(key: str, filters: Filters, freq: str, _index: CorpusIndex) -> PeriodTable:
    return documents_per_period(_index, selection(key, filters, _index), freq=freq)  # type: ignore[arg-type]  # checked by the view's choices


@st.cache_resource(show_spinner=False)
def _terms_store() -> _Store:
    return keys.terms_store()


def terms(key: str, filters: Filters, options: TermOptions, _index: CorpusIndex) -> pd.DataFrame:
    """The full ``term, kind, count, per_million, docs`` table of the selection (shared)."""
    return _terms_store().get(
        (key, filters, options),
        lambda: term_frequencies(
            _index,
            selection(key, filters, _index),
            kind=options.kind,  # type: ignore[arg-type]  # checked by the view's choices
            stopwords=frozenset(options.stopwords),
            hide_words_in_phrases=options.hide_nested,
            numbers=options.numbers,
        ),
    )


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=HASH_FUNCS)
def term_rows(
    key: str,
    filters: Filters,
    options: TermOptions,
    order: str,
    start: int,
    stop: int,
    _index: CorpusIndex,
) -> tuple[pd.DataFrame, int]:
    """Rows ``start:stop`` of the :func:`terms` table in ``order``, and how many rows it has.

    ``order`` is a key of :data:`dashboard.keys.TERM_ORDERS`. What a page
    shows (the top of the chart, one page of the table) is small to copy out of
    the cache; the whole table is read only on a miss.
    """
    table = terms(key, filters, options, _index)
    by, ascending = TERM_ORDERS[order]
    return ordered_rows(table, by=by, ascending=ascending, start=start, stop=stop), len(table)


@st.cache_resource(show_spinner=False)
def _figure_store() -> _Store:
    return _Store(FIGURE_ENTRIES)


def figure(plot: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``plot(*args, **kwargs)`` (a chart builder), built once for every session and rerun
    that draws the same content: keyed by the builder and :func:`keys.content_key` of
    every argument, cells included. Shared, not copied: nothing may change it."""
    stamp = content_key((plot.__module__, plot.__qualname__, args, kwargs))
    return _figure_store().get(stamp, lambda: plot(*args, **kwargs))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def wordcloud_png(
    key: str,
    filters: Filters,
    options: TermOptions,
    top: int,
    font_path: str | None,
    _index: CorpusIndex,
) -> bytes:
    """PNG of the word cloud of the ``top`` terms (Han terms dropped without a CJK font)."""
    return export.wordcloud_png(terms(key, filters, options, _index).head(top), font_path=font_path)


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def distinctive(
    key: str, doc_id: str, stopwords: tuple[str, ...], _index: CorpusIndex, numbers: bool = False
) -> pd.DataFrame:
    return distinctive_terms(
        _index, doc_id, top=25, stopwords=frozenset(stopwords), numbers=numbers
    )


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def term_documents(key: str, filters: Filters, term: str, _index: CorpusIndex) -> pd.DataFrame:
    """Selected documents holding the term, most uses first (see documents_with_term)."""
    return documents_with_term(_index, selection(key, filters, _index), term, holding_only=True)


@st.cache_data(show_spinner=False)
def cjk_font() -> str | None:
    """A font with Chinese glyphs on this server (probed once)."""
    return host.find_cjk_font()


# ---------------------------------------------------------------------------
# Trends, topics and contexts (issue 3)


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def trends(key: str, filters: Filters, options: TrendOptions, _index: CorpusIndex) -> TrendResult:
    """The ``term_trends`` result of the options' terms and themes (see :mod:`analysis.trends`)."""
    items: list[str | Theme] = [*options.terms, *parse_themes("\n".join(options.themes))]
    return term_trends(
        _index,
        selection(key, filters, _index),
        items,
        by=options.by,  # type: ignore[arg-type]  # checked by the view's choices
        smooth=options.smooth,
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def emerging(
    key: str,
    filters: Filters,
    by: str,
    period: str,
    stopwords: tuple[str, ...],
    _index: CorpusIndex,
    numbers: bool = False,
) -> EmergingResult:
    """Terms rising in the period starting on ``period`` (ISO date) against the ones before."""
    return emerging_terms(
        _index,
        selection(key, filters, _index),
        by=by,  # type: ignore[arg-type]  # checked by the view's choices
        period=pd.Timestamp(period),
        stopwords=frozenset(stopwords),
        numbers=numbers,
    )


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def period_selection(
    key: str, filters: Filters, by: str, period: str, _index: CorpusIndex
) -> np.ndarray:
    """Mask of the selected documents dated inside the ``by`` period starting on ``period``.

    Like the trend itself, a document dated more coarsely than ``by`` (only a
    year, in a monthly view) is not placed in any finer period.
    """
    inside: np.ndarray = selection(key, filters, _index) & period_mask(_index.docs, by, period)
    return inside


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=HASH_FUNCS)
def kwic_lines(
    key: str,
    filters: Filters,
    terms: tuple[str, ...],
    window: int,
    sort: str,
    _index: CorpusIndex,
    by: str = "",
    period: str = "",
    limit: int = 500,
    match_case: bool = False,
    offset: int = 0,
) -> KwicResult:
    """Keyword-in-context lines ``offset`` to ``offset + limit`` of each of ``terms``
    (a term, or a theme's members).

    With ``by`` and ``period`` only documents dated inside that period are read;
    ``match_case`` keeps the lines written exactly as typed.
    Lines of several terms are listed by date and position; ``total`` counts
    the matches of them all. The column that tells the selected documents apart
    is added beside the lines (:func:`analysis.concordance`).
    """
    mask = (
        period_selection(key, filters, by, period, _index)
        if by and period
        else selection(key, filters, _index)
    )
    if not mask.any():
        return KwicResult(pd.DataFrame(columns=list(KWIC_COLUMNS)), 0)
    return concordance(
        _index,
        mask,
        terms,
        window=window,
        sort=sort,  # type: ignore[arg-type]  # checked by the view's choices
        limit=limit,
        offset=offset,
        match_case=match_case,
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def dispersion_table(
    key: str, filters: Filters, term: str, _index: CorpusIndex
) -> DispersionResult:
    """Every occurrence of ``term`` in the selection with its relative position (by date)."""
    return dispersion(_index, selection(key, filters, _index), term)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def document_table(
    key: str, filters: Filters, term: str, sort: str, descending: bool, _index: CorpusIndex
) -> pd.DataFrame:
    """The selected documents, sorted, for the Documents page's list."""
    mask = selection(key, filters, _index)
    return document_list(_index, mask, term=term, sort=sort, descending=descending)  # type: ignore[arg-type]  # checked by the view's choices


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def collocate_table(
    key: str,
    filters: Filters,
    term: str,
    window: int,
    min_count: int,
    stopwords: tuple[str, ...],
    _index: CorpusIndex,
    numbers: bool = False,
) -> CollocateResult:
    return collocates(
        _index,
        selection(key, filters, _index),
        term,
        window=window,
        min_count=min_count,
        stopwords=frozenset(stopwords),
        numbers=numbers,
    )


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=HASH_FUNCS)
def topic_default_k(key: str, filters: Filters, _index: CorpusIndex) -> int:
    return int(default_k(_index, selection(key, filters, _index)))


@st.cache_resource(show_spinner=False)
def workers(kind: str) -> ProcessPoolExecutor:
    return fit_pool() if kind == "fit" else upload_pool()  # "fit": ready before a fit


_FITTING = "Fitting topics (once: then saved with the index)…"


@st.cache_data(show_spinner=_FITTING, max_entries=16, hash_funcs=HASH_FUNCS)
def topic_model(
    key: str, filters: Filters, options: TopicOptions, _index: CorpusIndex
) -> TopicModel:
    """The selection's topic model, fitted in :func:`workers` (a dead worker is replaced)."""
    mask = selection(key, filters, _index)
    try:
        return fit_topics(_index, mask, executor=workers("fit"), **options.arguments())
    except BrokenProcessPool:  # the worker died (a fit begun as the index opened, too)
        workers.clear("fit")
        return fit_topics(_index, mask, executor=workers("fit"), **options.arguments())


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=HASH_FUNCS)
def topic_timeline(
    key: str, filters: Filters, options: TopicOptions, by: str, _index: CorpusIndex
) -> PeriodTable:
    return topics_over_time(topic_model(key, filters, options, _index), by=by)  # type: ignore[arg-type]  # checked by the view's choices


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def topic_passages(
    key: str,
    filters: Filters,
    options: TopicOptions,
    topic: int,
    _index: CorpusIndex,
    n: int = 5,
    by: str = "",
    period: str = "",
) -> pd.DataFrame:
    """Passages that best represent ``topic``; with ``by``/``period``, only those dated in it."""
    model = topic_model(key, filters, options, _index)
    if not (by and period):
        return representative_passages(model, _index, topic, n=n)
    inside = period_selection(key, filters, by, period, _index)
    ids = set(_index.docs.loc[inside, S.DOC_ID].astype(str))
    every = representative_passages(model, _index, topic, n=len(model.passages))
    # A passage where the topic weighs next to nothing is no evidence of it.
    found = every[every[S.DOC_ID].astype(str).isin(ids) & (every["weight"] >= MIN_TOPIC_WEIGHT)]
    return found.head(n).reset_index(drop=True)


# ---------------------------------------------------------------------------
# Compare (issue 4): slices A and B are Filters; masks come from ``selection``


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def keyness_table(
    key: str, filters_a: Filters, filters_b: Filters, options: KeynessOptions, _index: CorpusIndex
) -> KeynessResult:
    """``term, kind, count_a, count_b, ll, p, log_ratio, docs_a, docs_b, significant``; sizes."""
    masks = (selection(key, filters_a, _index), selection(key, filters_b, _index))
    return keyness(_index, *masks, **options.arguments())


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=HASH_FUNCS)
def group_keyness_table(
    key: str, filters: Filters, field: str, by: str, options: KeynessOptions, _index: CorpusIndex
) -> FieldKeyness:
    """Key terms of each group by ``field`` against the rest (``field_keyness``)."""
    mask = selection(key, filters, _index)
    return field_keyness(_index, mask, field, by=by, **options.arguments())  # type: ignore[arg-type]  # checked by the view's choices


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def slice_similarity(
    key: str,
    filters_a: Filters,
    filters_b: Filters,
    stopwords: tuple[str, ...],
    _index: CorpusIndex,
) -> float:
    """TF-IDF cosine between the two slices taken as one text each."""
    masks = {"A": selection(key, filters_a, _index), "B": selection(key, filters_b, _index)}
    table = group_similarity(_index, masks, stopwords=frozenset(stopwords))
    return float(table.to_numpy(dtype=float)[0, 1])  # the square is ordered A, B


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def similarity_matrix(
    key: str, doc_ids: tuple[str, ...], stopwords: tuple[str, ...], _index: CorpusIndex
) -> pd.DataFrame:
    """Square ``doc_id x doc_id`` TF-IDF cosine of ``doc_ids``."""
    return document_similarity(
        _index, doc_ids=list(doc_ids), stopwords=frozenset(stopwords), max_docs=len(doc_ids)
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def clustering(
    key: str, doc_ids: tuple[str, ...], stopwords: tuple[str, ...], _index: CorpusIndex
) -> dict[str, Any]:
    """Hierarchical clustering of ``doc_ids`` by their similarity (see ``cluster_documents``)."""
    return dict(cluster_documents(similarity_matrix(key, doc_ids, stopwords, _index)))


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def nearest(
    key: str,
    doc_id: str,
    n: int,
    filters: Filters,
    stopwords: tuple[str, ...],
    _index: CorpusIndex,
) -> pd.DataFrame:
    """The ``n`` selected documents most similar to ``doc_id``."""
    return nearest_documents(
        _index,
        doc_id,
        n=n,
        mask=selection(key, filters, _index),
        stopwords=frozenset(stopwords),
    )


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def passages(
    key: str, doc_a: str, doc_b: str, min_tokens: int, _index: CorpusIndex
) -> pd.DataFrame:
    """Passages of at least ``min_tokens`` tokens shared by two documents (char offsets)."""
    return shared_passages(_index, doc_a, doc_b, min_tokens=min_tokens)


# ---------------------------------------------------------------------------
# Formulations (issue 13): ``term`` is the box's text, a query or a theme line


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=HASH_FUNCS)
def spread(key: str, filters: Filters, term: str, by: str, _index: CorpusIndex) -> Spread:
    """First use, count and uptake per group of a query or theme (``formulation_spread``)."""
    mask = selection(key, filters, _index)
    return formulation_spread(_index, mask, parse_formulation(term), by=by)


@st.cache_data(show_spinner="Finding shared passages…", max_entries=32, hash_funcs=HASH_FUNCS)
def reuse_lags(
    key: str, filters: Filters, term: str, by: str, min_tokens: int, _index: CorpusIndex
) -> ReuseLag:
    """Passages shared by the selected documents that use ``term``, with their lag."""
    users = Filters(query=formulation_query(parse_formulation(term)))
    mask = selection(key, filters, _index) & selection(key, users, _index)
    return reuse_lag(_index, mask, by=by, min_tokens=min_tokens)
