"""Terms, phrases and themes over real calendar time, and the terms that emerge.

Periods follow :func:`analysis.terms.documents_per_period`: a period is named
by the Timestamp of its first day; weeks are ISO weeks (Monday to Sunday),
quarters and years are calendar ones. Documents dated more coarsely than the
view (a year-only date in a monthly view) are left out, never spread over
invented days. Everything is read from the index; no text is re-read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import EmptySelectionError, OptionError
from analysis.periods import (
    Granularity,
    check_granularity,
    period_ordinal,
    period_ordinals,
    period_starts,
    placeable,
)
from analysis.query import Query, count_query, parse_query
from analysis.rows import nonempty
from analysis.stats import log_likelihood, log_ratio, p_value
from analysis.stopwords import default_stopwords
from analysis.terms import (
    TermKind,
    column_totals,
    ranked,
    stopword_columns,
    vocab_arrays,
)

_PRECISION_WORDS = {"month": "to the month", "year": "only to the year"}
_VIEW_WORDS = {
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
    "decade": "decade",
}


@dataclass(frozen=True)
class Theme:
    """A named group of terms counted together as one series.

    A theme's count is the sum of its terms' counts (a phrase and a word inside
    it both count: phrase counts sit beside word counts), and its ``docs`` the
    documents containing any of them.
    """

    name: str
    terms: tuple[str, ...]


def parse_themes(text: str) -> tuple[Theme, ...]:
    """Themes from lines ``name = term, term, ...``.

    Blank lines and lines starting with ``#`` are skipped; terms are trimmed
    and empty ones dropped; a repeated term within a theme is kept once.

    Examples
    --------
    >>> parse_themes("innovation = innovation, sci-tech, technology, g60")
    (Theme(name='innovation', terms=('innovation', 'sci-tech', 'technology', 'g60')),)
    """
    themes: list[Theme] = []
    names: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition("=")
        name = name.strip()
        terms = tuple(dict.fromkeys(t.strip() for t in rest.split(",") if t.strip()))
        if not sep or not name or not terms:
            raise OptionError(
                f"Theme line {number} ({line!r}) is not 'name = term, term'. "
                "Write the theme name, an equals sign, then its terms separated by commas."
            )
        if name in names:
            raise OptionError(f"Theme {name!r} is defined twice (line {number}). Rename one.")
        names.add(name)
        themes.append(Theme(name, terms))
    return tuple(themes)


def _check_granularity(by: str) -> None:
    check_granularity(by)


@dataclass(frozen=True)
class _Periods:
    """Selected documents placed in periods at one granularity."""

    rows: np.ndarray  # index rows of the documents used
    codes: np.ndarray  # period number of each used row, 0 = first period
    first: int | None  # ordinal of the first period (None when no document is used)
    n_periods: int
    too_coarse: dict[str, int]  # date precision -> documents left out
    undated: int
    by: Granularity = "year"

    def starts(self) -> pd.DatetimeIndex:
        if self.first is None:
            return pd.DatetimeIndex([])
        return period_starts(np.arange(self.first, self.first + self.n_periods), self.by)


def _place(index: CorpusIndex, mask: np.ndarray, by: Granularity) -> _Periods:
    rows = np.flatnonzero(mask)
    dated_all, use_all, ordinals_all = _placements(index, by)
    dated, use = dated_all[rows], use_all[rows]
    # only the left-out documents' precisions are read
    coarse_rows = rows[dated & ~use]
    precision = index.docs[S.DATE_PRECISION].iloc[coarse_rows].fillna("day").astype(str)
    coarse = precision.value_counts()
    too_coarse = {str(k): int(v) for k, v in coarse.items()}
    if not use.any():
        empty = np.zeros(0, dtype=np.int64)
        return _Periods(empty, empty, None, 0, too_coarse, int((~dated).sum()), by)
    ordinals = ordinals_all[rows[use]]
    low = int(ordinals.min())
    return _Periods(
        rows=rows[use],
        codes=(ordinals - low).astype(np.int64),
        first=low,
        n_periods=int(ordinals.max()) - low + 1,
        too_coarse=too_coarse,
        undated=int((~dated).sum()),
        by=by,
    )


def _placements(index: CorpusIndex, by: Granularity) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document, once per index and granularity: dated, placeable in ``by`` periods
    (a missing precision read as ``day``), and the period ordinal (0 where not placeable).

    Read-only; a selection takes its rows (at 100k documents reading the dates and
    precisions of the selected rows cost 57 ms a call).
    """
    key = ("trend_placements", by)
    memo = index._memo.get(key)
    if memo is None:
        dates = pd.to_datetime(index.docs[S.DATE])
        precision = index.docs[S.DATE_PRECISION].fillna("day").astype(str)
        dated = dates.notna().to_numpy()
        use = placeable(dates, precision, by)
        ordinals = np.zeros(index.n_docs, dtype=np.int64)
        if use.any():
            ordinals[use] = period_ordinals(dates[use], by)
        for array in (dated, use, ordinals):
            array.flags.writeable = False
        memo = index._memo[key] = (dated, use, ordinals)
    return cast(tuple[np.ndarray, np.ndarray, np.ndarray], memo)


@dataclass(frozen=True, eq=False)
class TrendResult:
    """Terms and themes per calendar period (:func:`term_trends`), and what the view left out.

    Attributes
    ----------
    table
        ``period, term, count, per_million, doc_share, docs, period_tokens,
        period_docs, thin`` (+ the ``smoothed`` columns).
    too_coarse_by_precision
        Documents dated more coarsely than the view, left out, by their
        precision (``month``, ``year``); :attr:`too_coarse` is their sum.
    undated
        Undated documents, left out.
    missing
        The members (as typed) that occur nowhere in the corpus.
    on_the_fly
        The labels of the queries counted from the token stream (not terms of
        the vocabulary).
    expansions
        Per query with a prefix or alternatives, the vocabulary terms it counts.
    """

    table: pd.DataFrame
    too_coarse_by_precision: Mapping[str, int]
    undated: int
    missing: tuple[str, ...]
    on_the_fly: tuple[str, ...]
    expansions: Mapping[str, tuple[str, ...]]

    @property
    def too_coarse(self) -> int:
        """Documents dated more coarsely than the view, left out."""
        return sum(self.too_coarse_by_precision.values())


@dataclass(frozen=True, eq=False)
class EmergingResult:
    """The terms rising in one period (:func:`emerging_terms`) and what they were compared on.

    Attributes
    ----------
    table
        ``term, kind, count, count_before, ll, log_ratio, p``.
    period, before_from
        The first days of the period and of the first period before it compared.
    tokens, tokens_before
        The tokens of the period and of the periods before it.
    """

    table: pd.DataFrame
    period: pd.Timestamp
    before_from: pd.Timestamp
    tokens: int
    tokens_before: int


def left_out_note(trend: TrendResult, by: str) -> str | None:
    """One sentence on the documents a period view left out, or ``None``.

    Reads a :class:`TrendResult` of :func:`term_trends`; the CLI prints it to
    stderr.
    """
    parts = []
    for precision in ("year", "month"):
        n = trend.too_coarse_by_precision.get(precision, 0)
        if n:
            noun, verb = ("document", "is") if n == 1 else ("documents", "are")
            parts.append(
                f"{n} {noun} dated {_PRECISION_WORDS[precision]} {verb} left out of "
                f"a {_VIEW_WORDS[by]} view; use --by {precision}"
            )
    undated = trend.undated
    if undated:
        parts.append(f"{undated} undated document{'s' if undated != 1 else ''} left out")
    return "; ".join(parts) if parts else None


@dataclass(frozen=True)
class _Series:
    label: str
    queries: tuple[Query, ...]


def _series(index: CorpusIndex, terms: Sequence[str | Theme]) -> list[_Series]:
    """One series per term or theme, each member parsed as a query (:mod:`analysis.query`)."""
    series: list[_Series] = []
    labels: set[str] = set()
    for item in terms:
        if isinstance(item, Theme):
            members = tuple(m for m in item.terms if m.strip())
            queries = tuple(parse_query(index, m) for m in members)
            label = item.name
        else:
            if not str(item).strip():
                continue
            queries = (parse_query(index, str(item)),)
            label = queries[0].label
        if not label:
            continue
        if label in labels:
            if isinstance(item, Theme):
                raise OptionError(f"{label!r} is both a theme and a term. Rename the theme.")
            continue
        labels.add(label)
        series.append(_Series(label, queries))
    return series


def term_trends(
    index: CorpusIndex,
    mask: np.ndarray | None,
    terms: Sequence[str | Theme],
    *,
    by: Granularity = "year",
    smooth: int = 1,
    min_period_tokens: int = 1000,
) -> TrendResult:
    """Counts of terms, phrases and themes per calendar period.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    terms
        Queries as typed (``"Yangtze River Delta"``, ``"preserve the union"``,
        ``"slave*"``, ``"union | secession"``; see :mod:`analysis.query`) and
        :class:`Theme` objects (whose members are queries too), one series
        each. A word sequence that is not a vocabulary term is counted on the
        fly from the token stream. A term occurring nowhere in the corpus is
        listed with zeros; if none occurs at all, the call fails with
        :class:`~analysis.errors.OptionError`.
    by
        ``day``, ``week`` (ISO, Monday first), ``month``, ``quarter``, ``year``, ``decade``.
    smooth
        When above 1, adds ``smoothed``, ``smoothed_doc_share`` and
        ``smoothed_count``: the centred moving averages of ``per_million``,
        ``doc_share`` and ``count`` over ``smooth`` periods (for an even window
        the extra period is the earlier one; at the edges the window is cut
        short). Periods without any tokens have no rate (and without documents
        no share) and are skipped in those averages; a window of only such
        periods has no average (NaN). Counts of empty periods are zeros and count.
    min_period_tokens
        Periods with fewer tokens are flagged ``thin``.

    Returns
    -------
    TrendResult
        ``table``: ``period, term, count, per_million, doc_share, docs, period_tokens,
        period_docs, thin`` (+ the ``smoothed`` columns), one row per series and period,
        series in the order given, periods ascending. Every period from the
        first to the last dated selected document is present, empty ones with
        zero counts. ``per_million = count / period_tokens * 1e6`` and
        ``doc_share = docs / period_docs``; a period without tokens has no rate
        and one without documents no share: NaN there (a gap, not a 0 %).
        Beside it ``too_coarse`` (documents dated more coarsely than ``by``,
        left out), ``too_coarse_by_precision``, ``undated``, ``missing``
        (requested terms not in the vocabulary), ``on_the_fly`` and
        ``expansions``. See :func:`left_out_note`.

    Examples
    --------
    >>> from analysis.index import build_index
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "text": ["tea tea", "coffee"],
    ...                      "date": pd.to_datetime(["2024-01-05", "2024-03-01"])})
    >>> t = term_trends(build_index(docs), None, ["tea"], by="month").table
    >>> t[["period", "count", "period_tokens"]].astype(str).values.tolist()
    [['2024-01-01', '2', '2'], ['2024-02-01', '0', '0'], ['2024-03-01', '0', '1']]
    """
    _check_granularity(by)
    if smooth < 1:
        raise OptionError(f"smooth must be at least 1 period, not {smooth}.")
    if min_period_tokens < 0:
        raise OptionError(f"min_period_tokens cannot be negative ({min_period_tokens}).")
    if not terms:
        raise OptionError("Give at least one term or theme to follow.")
    mask = nonempty(index, mask)
    series = _series(index, terms)
    placed = _place(index, mask, by)
    labels = [s.label for s in series]
    n_series, n_periods = len(series), placed.n_periods
    # per used document and series: the sum of its members' counts
    per_doc = np.zeros((len(placed.rows), n_series), dtype=np.int64)
    for k, item in enumerate(series):
        for query in item.queries:
            per_doc[:, k] += count_query(index, query, placed.rows)
    missing = _missing(index, series)
    if len(missing) == sum(len(s.queries) for s in series):
        raise OptionError(
            f"None of {', '.join(repr(m) for m in missing)} occurs in this corpus. "
            "Check the spelling, or pick terms from the Terms table."
        )

    period_tokens = np.bincount(
        placed.codes, weights=index.doc_tokens[placed.rows], minlength=n_periods
    ).astype(np.int64)
    period_docs = np.bincount(placed.codes, minlength=n_periods).astype(np.int64)
    count = np.zeros((n_series, n_periods), dtype=np.int64)
    docs = np.zeros((n_series, n_periods), dtype=np.int64)
    for k in range(n_series):
        count[k] = np.bincount(placed.codes, weights=per_doc[:, k], minlength=n_periods)
        docs[k] = np.bincount(placed.codes, weights=per_doc[:, k] > 0, minlength=n_periods)

    tokens_rep = np.tile(period_tokens, n_series)
    docs_rep = np.tile(period_docs, n_series)
    count_flat = count.ravel()
    docs_flat = docs.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        per_million = np.where(tokens_rep > 0, count_flat / tokens_rep * 1e6, np.nan)
        doc_share = np.where(docs_rep > 0, docs_flat / docs_rep, np.nan)
    table = pd.DataFrame(
        {
            S.PERIOD: np.tile(placed.starts().to_numpy(), n_series),
            S.TERM: np.repeat(np.asarray(labels, dtype=object), n_periods),
            S.COUNT: count_flat,
            S.PER_MILLION: per_million,
            S.DOC_SHARE: doc_share,
            S.DOCS: docs_flat,
            S.PERIOD_TOKENS: tokens_rep,
            S.PERIOD_DOCS: docs_rep,
            S.THIN: tokens_rep < min_period_tokens,
        }
    )
    table[S.PERIOD] = pd.to_datetime(table[S.PERIOD])
    if smooth > 1:
        # A rate or share of a period without tokens (documents) does not exist: left out
        # of the average. A count of such a period is a true zero and stays in.
        has_tokens = period_tokens[:, None] > 0
        has_docs = period_docs[:, None] > 0
        for column, values, present in (
            (S.SMOOTHED, per_million, has_tokens),
            (S.SMOOTHED_DOC_SHARE, doc_share, has_docs),
            (S.SMOOTHED_COUNT, count_flat, None),
        ):
            frame = pd.DataFrame(np.asarray(values, dtype=float).reshape(n_series, n_periods).T)
            if present is not None:
                frame = frame.where(np.broadcast_to(present, frame.shape))
            averaged = frame.rolling(smooth, center=True, min_periods=1).mean()
            table[column] = averaged.to_numpy().T.ravel()
    return TrendResult(
        table,
        too_coarse_by_precision=placed.too_coarse,
        undated=placed.undated,
        missing=tuple(missing),
        on_the_fly=tuple(q.label for item in series for q in item.queries if q.on_the_fly),
        expansions={
            q.label: tuple(q.expansions) for item in series for q in item.queries if q.expansions
        },
    )


def _missing(index: CorpusIndex, series: list[_Series]) -> list[str]:
    """The members (as typed) that occur nowhere in the corpus."""
    missing = []
    everywhere = np.arange(index.n_docs)
    for item in series:
        for query in item.queries:
            if not query.known or not count_query(index, query, everywhere).any():
                missing.append(query.text)
    return missing


def _period_of(value: str | dt.date | pd.Timestamp, by: Granularity) -> int:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise OptionError(f"{value!r} is not a date; write it as YYYY-MM-DD.") from None
    if pd.isna(stamp):
        raise OptionError("Give the period to examine as a date (YYYY-MM-DD).")
    return period_ordinal(stamp, by)


def emerging_terms(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    by: Granularity,
    period: str | dt.date | pd.Timestamp,
    before: int | None = None,
    min_count: int = 5,
    top: int | None = 50,
    kind: TermKind = "all",
    stopwords: frozenset[str] | None = None,
    numbers: bool = False,
) -> EmergingResult:
    """Terms used more in one period than in the periods before it.

    The period at granularity ``by`` containing the date ``period`` is
    compared with the ``before`` periods just preceding it (all earlier ones
    when ``None``), token totals as corpus sizes. Documents dated more
    coarsely than ``by`` are left out, as in :func:`term_trends`.

    Statistics (from :mod:`analysis.stats`): ``ll`` is Dunning's
    log-likelihood G² of the 2x2 table (term / other tokens x period /
    before); ``log_ratio`` is ``log2`` of the ratio of relative frequencies,
    a zero count replaced by 0.5; ``p`` the chi-squared (1 d.f.) tail of
    ``ll``. Only rising terms (``log_ratio > 0``) with at least ``min_count``
    occurrences in the period are kept, highest ``ll`` first.

    Parameters
    ----------
    kind, stopwords, numbers
        As in :func:`analysis.terms.term_frequencies` (``None``: default
        stopwords, an empty set hides nothing; pure numbers hidden unless
        ``numbers``).
    top
        Keep the first ``top`` rows (``None``: all).

    Returns
    -------
    EmergingResult
        ``table``: ``term, kind, count, count_before, ll, log_ratio, p``;
        beside it ``period`` and ``before_from`` (Timestamps of the first
        days), ``tokens``, ``tokens_before``.
    """
    _check_granularity(by)
    if kind not in ("word", "phrase", "all"):
        raise OptionError(f"Unknown term kind {kind!r}. Use 'word', 'phrase' or 'all'.")
    if before is not None and before < 1:
        raise OptionError(f"before must be at least 1 period (or None for all), not {before}.")
    if min_count < 1:
        raise OptionError(f"min_count must be at least 1, not {min_count}.")
    if top is not None and top < 1:
        raise OptionError(f"top must be at least 1, not {top}.")
    mask = nonempty(index, mask)
    target = _period_of(period, by)
    placed = _place(index, mask, by)
    if placed.first is None:
        raise EmptySelectionError(
            f"No selected document is dated finely enough for a {_VIEW_WORDS[by]} view. "
            "Use a coarser period (--by year)."
        )
    code = target - placed.first
    start = 0 if before is None else max(code - before, 0)
    in_period = placed.rows[placed.codes == code]
    in_before = placed.rows[(placed.codes >= start) & (placed.codes < code)]
    label = period_starts(np.array([target]), by)[0].date().isoformat()
    if len(in_period) == 0:
        raise EmptySelectionError(
            f"No selected document in the {by} starting {label}. "
            "Pick a period that has documents, or widen the filters."
        )
    if len(in_before) == 0:
        raise EmptySelectionError(
            f"No selected document before the {by} starting {label}, so there is nothing "
            "to compare with. Pick a later period or allow more periods before it."
        )
    mask_now = np.zeros(index.n_docs, dtype=bool)
    mask_now[in_period] = True
    mask_then = np.zeros(index.n_docs, dtype=bool)
    mask_then[in_before] = True
    count, _ = column_totals(index, mask_now)
    count_before, _ = column_totals(index, mask_then)
    size = int(index.doc_tokens[in_period].sum())
    size_before = int(index.doc_tokens[in_before].sum())

    keep = count >= min_count
    stopwords = default_stopwords() if stopwords is None else stopwords
    if stopwords:
        keep &= ~stopword_columns(index, stopwords)
    if not numbers:
        keep &= ~index.number_columns()
    if kind != "all":
        keep &= vocab_arrays(index)[1] == kind
    cols = np.flatnonzero(keep)
    a, b = count[cols], count_before[cols]
    ll = log_likelihood(a, b, size, size_before)
    lr = log_ratio(a, b, size, size_before)
    rising = lr > 0
    cols, a, b, ll, lr = cols[rising], a[rising], b[rising], ll[rising], lr[rising]
    # by ll (descending) then term, as a stable sort of the table would give
    order = ranked(index, cols, -ll)
    if top is not None:
        order = order[:top]
    cols, a, b, ll, lr = cols[order], a[order], b[order], ll[order], lr[order]
    names, kinds = vocab_arrays(index)
    table = pd.DataFrame(
        {
            S.TERM: names[cols],
            S.KIND: kinds[cols],
            S.COUNT: a,
            S.COUNT_BEFORE: b,
            S.LL: ll,
            S.LOG_RATIO: lr,
            S.P: p_value(ll),
        }
    )
    return EmergingResult(
        table,
        period=period_starts(np.array([target]), by)[0],
        before_from=period_starts(np.array([placed.first + start]), by)[0],
        tokens=size,
        tokens_before=size_before,
    )
