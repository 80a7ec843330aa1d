"""Helpers over the view's values: clicked points, periods, topic names, stopwords, slices.

The view itself, its URL codec and its table of options live in
:mod:`dashboard.options`; these are the small rules pages share about what
the values mean. Pure: no streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from analysis import Filters
from analysis import schema as S
from dashboard.options import HASH_LENGTH, SLICE_KINDS, ViewState, parse_period


def short_hash(content_hash: str) -> str:
    """The prefix of a content hash kept in URLs (enough to notice a change)."""
    return content_hash[:HASH_LENGTH]


def topic_labels(view: ViewState) -> dict[int, str]:
    """The user's topic names: topic id -> label (from ``label=<topic>=<label>`` values)."""
    names: dict[int, str] = {}
    for value in view.topic_labels:
        topic, _, label = value.partition("=")
        if topic.strip().isdigit() and label.strip():
            names[int(topic)] = label.strip()
    return names


def with_topic_labels(view: ViewState, names: Mapping[int, str]) -> ViewState:
    """``view`` carrying ``names`` (topic id -> label) in topic order."""
    values = tuple(
        f"{topic}={label.strip()}" for topic, label in sorted(names.items()) if label.strip()
    )
    return replace(view, topic_labels=values)


def stopword_changes(
    chosen: Iterable[str], default: frozenset[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(added, removed)``: how ``chosen`` differs from the ``default`` list, sorted."""
    chosen_set = frozenset(chosen)
    return tuple(sorted(chosen_set - default)), tuple(sorted(default - chosen_set))


def effective_stopwords(view: ViewState, default: frozenset[str]) -> frozenset[str]:
    """The stopwords the analyses apply for ``view`` (empty when switched off)."""
    if not view.stopwords:
        return frozenset()
    return (default - frozenset(view.stopwords_removed)) | frozenset(view.stopwords_added)


def with_filters(view: ViewState, **changes: Any) -> ViewState:
    """``view`` with some ``Filters`` fields replaced."""
    return replace(view, filters=replace(view.filters, **changes))


def slice_filters(
    kind: str,
    values: Sequence[str],
    sidebar: Filters,
    *,
    speaker_column: str = "speaker",
) -> Filters | None:
    """The ``Filters`` of one compare slice, or ``None`` while it has no value yet.

    ``document`` is the chosen documents alone; ``source``, ``speaker`` and
    ``period`` narrow the sidebar's filters (replacing its sources, speakers or dates);
    ``filter`` is the sidebar's filters as they are.

    >>> slice_filters("source", ["BBC"], Filters(query="trade")).sources
    ('BBC',)
    >>> slice_filters("document", [], Filters()) is None
    True
    """
    chosen = tuple(values)
    if kind == "filter":
        return sidebar
    if not chosen:
        return None
    if kind == "document":
        return Filters(doc_ids=chosen)
    if kind == "source":
        return replace(sidebar, sources=chosen)
    if kind == "speaker":  # replaces the sidebar's speakers, as sources replace its sources
        others = tuple(pair for pair in sidebar.metadata if pair[0] != speaker_column)
        return replace(sidebar, metadata=(*others, (speaker_column, chosen)))
    if kind == "period":
        period = parse_period(chosen[0])
        if period is None:
            return None
        return replace(sidebar, date_from=period[0], date_to=period[1])
    raise ValueError(f"Unknown slice kind {kind!r}; use one of {', '.join(SLICE_KINDS)}.")


def group_filters(field: str, value: str, sidebar: Filters) -> Filters:
    """The ``Filters`` of one group of the Compare page's groups view (not ``period``).

    A source replaces the sidebar's sources, a metadata value that column's
    values, as slices do.

    >>> group_filters("party", "Whig", Filters(metadata=(("party", ("X",)),))).metadata
    (('party', ('Whig',)),)
    """
    if field == "source":
        return replace(sidebar, sources=(value,))
    others = tuple(pair for pair in sidebar.metadata if pair[0] != field)
    return replace(sidebar, metadata=(*others, (field, (value,))))


def make_group_pick(group: str, term: str) -> str:
    """A clicked group bar as one URL value: ``<group>|<term>``."""
    return f"{group}|{term}"


def parse_group_pick(value: str) -> tuple[str, str] | None:
    """``(group, term)`` of a :func:`make_group_pick` value (a term holds no ``|``).

    >>> parse_group_pick("BBC | News|ukraine war")
    ('BBC | News', 'ukraine war')
    """
    group, sep, term = value.rpartition("|")
    return (group, term) if sep and group and term.strip() else None


def doc_label(row: Mapping[Any, Any]) -> str:
    """A document in a picker: its day (or ``undated``) and its title (or id), cut at 80.

    >>> doc_label({"doc_id": "d1", "title": "", "date": None})
    'undated · d1'
    """
    title = str(row.get(S.TITLE) or "").strip() or str(row[S.DOC_ID])
    date = row.get(S.DATE)
    day = "undated" if date is None or pd.isna(date) else pd.Timestamp(date).date().isoformat()
    return f"{day} · {title[:80]}"


def side_terms(table: pd.DataFrame, side: str, *, most: int) -> list[str]:
    """The terms of a keyness table ``side`` (``A``: log ratio above 0, ``B``: below) uses
    more, strongest first, only the significant ones where any is; at most ``most``."""
    if table.empty:
        return []
    leans = table["log_ratio"] > 0 if side == "A" else table["log_ratio"] < 0
    rows = table[leans]
    if "significant" in rows and rows["significant"].any():
        rows = rows[rows["significant"].astype(bool)]
    return rows.sort_values("ll", ascending=False)[S.TERM].astype(str).head(most).tolist()
