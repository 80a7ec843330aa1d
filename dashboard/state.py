"""The view (corpus, filters, page options) <-> URL query parameters.

Pure: no streamlit here, so the round trip is unit-tested on its own. The page
itself travels in the URL path (``/terms``), set by ``st.navigation``; every
other choice travels in the query string, defaults left out so URLs stay short:

=============  ==========================================================
``corpus``     ``seeds`` (default), ``sotu``, ``lib:<name>``, ``upload``
``h``          short content hash of the corpus the link was made on
``from``       first day included (ISO date)
``to``         first day *not* included (ISO date; half-open like ``Filters``)
``source``     one per selected source (repeated)
``q``          keyword or phrase the documents must contain
``stop``       ``off`` when stopwords are not applied
``stop_add``   stopwords added to the default list (repeated)
``stop_drop``  default stopwords removed (repeated)
``phrases``    ``off`` when phrase detection is off
``phrase``     user phrases (repeated)
``word``       user dictionary words for Chinese segmentation (repeated)
``kind``       ``word``, ``phrase`` or ``all`` (terms page)
``top``        number of terms in the chart (terms page)
``measure``    ``count`` or ``per_million`` (terms page)
``nested``     ``show`` to keep words that mostly occur inside a phrase (terms page)
``freq``       ``auto``, ``day`` ... ``year`` (overview page)
``term``       selected term, highlighted on the documents page
``doc``        selected document id (documents page)
``status``     ledger rows shown on the data page
=============  ==========================================================

Decoding never raises: a value that does not parse is dropped (the default is
used) and named in ``Decoded.ignored`` so the page can say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal, get_args

from analysis.selection import Filters

Kind = Literal["all", "word", "phrase"]
Measure = Literal["count", "per_million"]
Freq = Literal["auto", "day", "week", "month", "quarter", "year"]
Status = Literal["all", "loaded", "quarantined", "duplicate"]

KINDS: tuple[Kind, ...] = get_args(Kind)
MEASURES: tuple[Measure, ...] = get_args(Measure)
FREQS: tuple[Freq, ...] = get_args(Freq)
STATUSES: tuple[Status, ...] = get_args(Status)

DEFAULT_CORPUS = "seeds"
TOP_MIN, TOP_MAX = 5, 200
HASH_LENGTH = 10
MAX_TEXT = 200  # longest keyword/term/doc id taken from a URL


@dataclass(frozen=True)
class ViewState:
    """Everything a URL reproduces, except the page (the URL path does that).

    Hashable and made of plain values, so it doubles as a cache key.
    """

    corpus: str = DEFAULT_CORPUS
    corpus_hash: str = ""
    filters: Filters = field(default_factory=Filters)
    stopwords: bool = True
    stopwords_added: tuple[str, ...] = ()
    stopwords_removed: tuple[str, ...] = ()
    phrases: bool = True
    user_phrases: tuple[str, ...] = ()
    user_words: tuple[str, ...] = ()
    kind: Kind = "all"
    top: int = 30
    measure: Measure = "count"
    hide_nested: bool = True
    freq: Freq = "auto"
    term: str = ""
    doc: str = ""
    status: Status = "all"


@dataclass(frozen=True)
class Decoded:
    """A decoded view and the ``name=value`` pairs that were ignored."""

    view: ViewState
    ignored: tuple[str, ...] = ()


def short_hash(content_hash: str) -> str:
    """The prefix of a content hash kept in URLs (enough to notice a change)."""
    return content_hash[:HASH_LENGTH]


def _iso(day: dt.date | None) -> list[str]:
    return [day.isoformat()] if day is not None else []


def encode(view: ViewState) -> dict[str, list[str]]:
    """Query parameters for ``view``: name -> values, defaults left out.

    >>> encode(ViewState(corpus="sotu", kind="phrase"))
    {'corpus': ['sotu'], 'kind': ['phrase']}
    """
    default = ViewState()
    f = view.filters
    params: dict[str, list[str]] = {
        "corpus": [view.corpus] if view.corpus != default.corpus else [],
        "h": [view.corpus_hash] if view.corpus_hash else [],
        "from": _iso(f.date_from),
        "to": _iso(f.date_to),
        "source": list(f.sources),
        "q": [f.query] if f.query else [],
        "stop": [] if view.stopwords else ["off"],
        "stop_add": list(view.stopwords_added),
        "stop_drop": list(view.stopwords_removed),
        "phrases": [] if view.phrases else ["off"],
        "phrase": list(view.user_phrases),
        "word": list(view.user_words),
        "kind": [view.kind] if view.kind != default.kind else [],
        "top": [str(view.top)] if view.top != default.top else [],
        "measure": [view.measure] if view.measure != default.measure else [],
        "nested": [] if view.hide_nested else ["show"],
        "freq": [view.freq] if view.freq != default.freq else [],
        "term": [view.term] if view.term else [],
        "doc": [view.doc] if view.doc else [],
        "status": [view.status] if view.status != default.status else [],
    }
    return {name: values for name, values in params.items() if values}


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    return [str(v) for v in raw]


def _clean_words(values: Iterable[str]) -> tuple[str, ...]:
    """Stripped, non-empty, de-duplicated, in first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        word = value.strip()[:MAX_TEXT]
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def decode(params: Mapping[str, str | Sequence[str]]) -> Decoded:
    """The view a URL's query parameters describe (see the module table).

    ``params`` maps a name to one value or a list of values (repeated names),
    as ``st.query_params`` (via ``get_all``) or ``AppTest.query_params`` give.
    Unknown names are ignored silently (other tools add their own); known names
    with values that do not parse are ignored and reported.

    >>> decoded = decode({"top": "50", "kind": "nonsense"})
    >>> decoded.view.top, decoded.view.kind, decoded.ignored
    (50, 'all', ('kind=nonsense',))
    """
    ignored: list[str] = []
    changes: dict[str, Any] = {}

    def last(name: str) -> str | None:
        values = _values(params, name)
        return values[-1] if values else None

    def choice(name: str, options: Sequence[str], attr: str | None = None) -> None:
        value = last(name)
        if value is None:
            return
        if value in options:
            changes[attr or name] = value
        else:
            ignored.append(f"{name}={value}")

    def switch(name: str, attr: str) -> None:
        value = last(name)
        if value is None:
            return
        if value in ("off", "0", "false"):
            changes[attr] = False
        elif value in ("on", "1", "true"):
            changes[attr] = True
        else:
            ignored.append(f"{name}={value}")

    def date(name: str) -> dt.date | None:
        value = last(name)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            ignored.append(f"{name}={value}")
            return None

    corpus = last("corpus")
    if corpus is not None:
        corpus = corpus.strip()
        if corpus and len(corpus) <= MAX_TEXT:
            changes["corpus"] = corpus
        else:
            ignored.append(f"corpus={corpus}")
    content_hash = last("h")
    if content_hash is not None:
        if content_hash.isalnum() and len(content_hash) <= 64:
            changes["corpus_hash"] = content_hash
        else:
            ignored.append(f"h={content_hash}")

    date_from, date_to = date("from"), date("to")
    if date_from is not None and date_to is not None and date_to <= date_from:
        ignored.append(f"to={date_to.isoformat()}")
        date_to = None
    query = (last("q") or "").strip()[:MAX_TEXT]
    changes["filters"] = Filters(
        date_from=date_from,
        date_to=date_to,
        sources=_clean_words(_values(params, "source")),
        query=query,
    )

    switch("stop", "stopwords")
    switch("phrases", "phrases")
    nested = last("nested")
    if nested is not None:
        if nested in ("show", "hide"):
            changes["hide_nested"] = nested == "hide"
        else:
            ignored.append(f"nested={nested}")
    changes["stopwords_added"] = _clean_words(_values(params, "stop_add"))
    changes["stopwords_removed"] = _clean_words(_values(params, "stop_drop"))
    changes["user_phrases"] = _clean_words(_values(params, "phrase"))
    changes["user_words"] = _clean_words(_values(params, "word"))

    choice("kind", KINDS)
    choice("measure", MEASURES)
    choice("freq", FREQS)
    choice("status", STATUSES)
    top = last("top")
    if top is not None:
        if top.isdigit() and TOP_MIN <= int(top) <= TOP_MAX:
            changes["top"] = int(top)
        else:
            ignored.append(f"top={top}")
    for name in ("term", "doc"):
        value = last(name)
        if value is not None and value.strip():
            changes[name] = value.strip()[:MAX_TEXT]

    return Decoded(view=ViewState(**changes), ignored=tuple(ignored))


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


def settings_record(view: ViewState, *, page: str, corpus_hash: str) -> dict[str, Any]:
    """Plain JSON-able settings behind an export: page, corpus, filters and options."""
    record: dict[str, Any] = {"page": page, "corpus_hash": corpus_hash}
    for item in fields(view):
        if item.name in ("filters", "corpus_hash"):
            continue
        value = getattr(view, item.name)
        record[item.name] = list(value) if isinstance(value, tuple) else value
    filters = asdict(view.filters)
    record["filters"] = {
        "date_from": view.filters.date_from.isoformat() if view.filters.date_from else None,
        "date_to_exclusive": view.filters.date_to.isoformat() if view.filters.date_to else None,
        "sources": list(filters["sources"]),
        "query": filters["query"],
    }
    return record


def with_filters(view: ViewState, **changes: Any) -> ViewState:
    """``view`` with some ``Filters`` fields replaced."""
    return replace(view, filters=replace(view.filters, **changes))
