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
``dedup``      ``on``: near-duplicate copies collapsed
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
``trend``      a term or phrase drawn on the trends page (repeated)
``theme``      a theme ``name = a, b, c`` drawn on the trends page (repeated)
``by``         ``auto``, ``day`` ... ``year`` (trends page)
``norm``       ``per_million``, ``doc_share`` or ``count`` (trends page)
``smooth``     moving-average width in periods, 1 = none (trends page)
``emerging``   first day of the period whose emerging terms are listed (trends)
``pick``       clicked trend point ``term|YYYY-MM-DD`` (trends page evidence)
``k``          number of topics; absent = the default for the corpus (topics)
``method``     ``nmf`` or ``lda`` (topics page)
``seed``       random seed of the topic fit (topics page)
``label``      a renamed topic ``<topic>=<label>`` (repeated; topics page)
``tpick``      clicked timeline point ``topic|YYYY-MM-DD`` (topics page)
``window``     words either side in keyword-in-context lines (contexts page)
``sort``       ``position``, ``left`` or ``right`` (contexts page)
``case``       ``on``: keyword-in-context lines written exactly as typed (contexts page)
``cwindow``    collocate window in words (contexts page)
``min_count``  least co-occurrences of a collocate (contexts page)
``a_kind``     what slice A is: ``document`` (default), ``source``, ``speaker``,
               ``period`` or ``filter`` (the sidebar's filters) (compare page)
``a``          slice A's values: doc ids, sources or speakers (repeated), or one
               period ``FROM..TO`` (ISO days, ``TO`` excluded, either side may be
               empty) (compare page)
``b_kind``     what slice B is (compare page)
``b``          slice B's values (compare page)
``min_tokens`` least tokens of a shared passage (compare page)
``kmin``       least count (A + B) of a term in the keyness table (compare page)
``kkind``      ``word``, ``phrase`` or ``all`` in the keyness table (compare page)
``bonf``       ``on`` for the Bonferroni correction of the keyness threshold
``ktop``       terms drawn in the keyness charts (compare page)
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
Norm = Literal["per_million", "doc_share", "count"]
TopicMethod = Literal["nmf", "lda"]
KwicSort = Literal["position", "left", "right"]
SliceKind = Literal["document", "source", "speaker", "period", "filter"]

KINDS: tuple[Kind, ...] = get_args(Kind)
MEASURES: tuple[Measure, ...] = get_args(Measure)
FREQS: tuple[Freq, ...] = get_args(Freq)
STATUSES: tuple[Status, ...] = get_args(Status)
NORMS: tuple[Norm, ...] = get_args(Norm)
TOPIC_METHODS: tuple[TopicMethod, ...] = get_args(TopicMethod)
KWIC_SORTS: tuple[KwicSort, ...] = get_args(KwicSort)
SLICE_KINDS: tuple[SliceKind, ...] = get_args(SliceKind)

DEFAULT_CORPUS = "seeds"
TOP_MIN, TOP_MAX = 5, 200
HASH_LENGTH = 10
MAX_TEXT = 200  # longest keyword/term/doc id taken from a URL
MAX_TRENDS = 20  # terms and themes on one trend chart
SMOOTH_MAX = 12
K_MIN, K_MAX = 2, 50
SEED_MAX = 2**31 - 1
WINDOW_MIN, WINDOW_MAX = 1, 30
MIN_COUNT_MAX = 100
MAX_SLICE_VALUES = 50  # documents, sources or speakers in one compare slice
MIN_TOKENS_MIN, MIN_TOKENS_MAX = 2, 100


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
    trend_terms: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    by: Freq = "auto"
    norm: Norm = "per_million"
    smooth: int = 1
    emerging: str = ""
    trend_pick: str = ""
    k: int = 0  # 0: the default for the corpus (analysis.topics.default_k)
    method: TopicMethod = "nmf"
    seed: int = 0
    topic_labels: tuple[str, ...] = ()
    topic_pick: str = ""
    window: int = 8
    sort: KwicSort = "position"
    match_case: bool = False
    coll_window: int = 5
    min_count: int = 3
    a_kind: SliceKind = "document"
    a_values: tuple[str, ...] = ()
    b_kind: SliceKind = "document"
    b_values: tuple[str, ...] = ()
    min_tokens: int = 6
    key_min: int = 3
    key_kind: Kind = "all"
    bonferroni: bool = False
    key_top: int = 15


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
        "dedup": ["on"] if f.collapse_duplicates else [],
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
        "trend": list(view.trend_terms),
        "theme": list(view.themes),
        "by": [view.by] if view.by != default.by else [],
        "norm": [view.norm] if view.norm != default.norm else [],
        "smooth": [str(view.smooth)] if view.smooth != default.smooth else [],
        "emerging": [view.emerging] if view.emerging else [],
        "pick": [view.trend_pick] if view.trend_pick else [],
        "k": [str(view.k)] if view.k != default.k else [],
        "method": [view.method] if view.method != default.method else [],
        "seed": [str(view.seed)] if view.seed != default.seed else [],
        "label": list(view.topic_labels),
        "tpick": [view.topic_pick] if view.topic_pick else [],
        "window": [str(view.window)] if view.window != default.window else [],
        "sort": [view.sort] if view.sort != default.sort else [],
        "case": ["on"] if view.match_case else [],
        "cwindow": [str(view.coll_window)] if view.coll_window != default.coll_window else [],
        "min_count": [str(view.min_count)] if view.min_count != default.min_count else [],
        "a_kind": [view.a_kind] if view.a_kind != default.a_kind else [],
        "a": list(view.a_values),
        "b_kind": [view.b_kind] if view.b_kind != default.b_kind else [],
        "b": list(view.b_values),
        "min_tokens": [str(view.min_tokens)] if view.min_tokens != default.min_tokens else [],
        "kmin": [str(view.key_min)] if view.key_min != default.key_min else [],
        "kkind": [view.key_kind] if view.key_kind != default.key_kind else [],
        "bonf": ["on"] if view.bonferroni else [],
        "ktop": [str(view.key_top)] if view.key_top != default.key_top else [],
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

    def number(name: str, attr: str, low: int, high: int) -> None:
        value = last(name)
        if value is None:
            return
        if value.isdigit() and low <= int(value) <= high:
            changes[attr] = int(value)
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
        collapse_duplicates=last("dedup") == "on",
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

    changes["trend_terms"] = _clean_words(_values(params, "trend"))[:MAX_TRENDS]
    changes["themes"] = _clean_words(_values(params, "theme"))[:MAX_TRENDS]
    choice("by", FREQS)
    choice("norm", NORMS)
    choice("method", TOPIC_METHODS)
    choice("sort", KWIC_SORTS)
    number("smooth", "smooth", 1, SMOOTH_MAX)
    number("k", "k", K_MIN, K_MAX)
    number("seed", "seed", 0, SEED_MAX)
    number("window", "window", WINDOW_MIN, WINDOW_MAX)
    number("cwindow", "coll_window", WINDOW_MIN, WINDOW_MAX)
    number("min_count", "min_count", 1, MIN_COUNT_MAX)
    emerging = date("emerging")
    if emerging is not None:
        changes["emerging"] = emerging.isoformat()
    for name, attr in (("pick", "trend_pick"), ("tpick", "topic_pick")):
        value = last(name)
        if value is None:
            continue
        if parse_pick(value) is not None:
            changes[attr] = value.strip()[:MAX_TEXT]
        else:
            ignored.append(f"{name}={value}")
    choice("a_kind", SLICE_KINDS)
    choice("b_kind", SLICE_KINDS)
    for name, attr in (("a", "a_values"), ("b", "b_values")):
        values = _clean_words(_values(params, name))[:MAX_SLICE_VALUES]
        kind = changes.get(f"{name}_kind", "document")
        if kind == "period":
            good = tuple(v for v in values[:1] if parse_period(v) is not None)
            ignored.extend(f"{name}={v}" for v in values if v not in good)
            values = good
        changes[attr] = values
    number("min_tokens", "min_tokens", MIN_TOKENS_MIN, MIN_TOKENS_MAX)
    number("kmin", "key_min", 1, MIN_COUNT_MAX)
    number("ktop", "key_top", TOP_MIN, TOP_MAX)
    choice("kkind", KINDS, "key_kind")
    switch("bonf", "bonferroni")
    switch("case", "match_case")
    changes["topic_labels"] = tuple(
        label for label in _clean_words(_values(params, "label")) if _topic_label(label, ignored)
    )

    return Decoded(view=ViewState(**changes), ignored=tuple(ignored))


def make_pick(name: str, period: dt.date | str) -> str:
    """A clicked point as one URL value: ``<term or topic>|<ISO date of the period>``."""
    day = period if isinstance(period, str) else period.isoformat()
    return f"{name}|{day}"


def make_period(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """A compare slice's period as one URL value: ``FROM..TO`` (``TO`` excluded).

    >>> make_period(dt.date(2023, 11, 30), None)
    '2023-11-30..'
    """
    return f"{_iso(date_from)[0] if date_from else ''}..{_iso(date_to)[0] if date_to else ''}"


def parse_period(value: str) -> tuple[dt.date | None, dt.date | None] | None:
    """``(from, to)`` of a :func:`make_period` value, or ``None`` if it does not parse.

    >>> parse_period("2023-11-30..2023-12-01")
    (datetime.date(2023, 11, 30), datetime.date(2023, 12, 1))
    """
    first, sep, last = value.strip().partition("..")
    if not sep:
        return None
    try:
        start = dt.date.fromisoformat(first) if first else None
        end = dt.date.fromisoformat(last) if last else None
    except ValueError:
        return None
    if start is not None and end is not None and end <= start:
        return None
    return start, end


def parse_pick(value: str) -> tuple[str, dt.date] | None:
    """``(name, period start)`` of a :func:`make_pick` value, or ``None`` if it does not parse.

    >>> parse_pick("yangtze river delta|2023-11-30")
    ('yangtze river delta', datetime.date(2023, 11, 30))
    """
    name, sep, day = value.strip().rpartition("|")
    if not sep or not name.strip():
        return None
    try:
        return name.strip(), dt.date.fromisoformat(day)
    except ValueError:
        return None


def _topic_label(value: str, ignored: list[str]) -> bool:
    topic, sep, label = value.partition("=")
    if sep and topic.strip().isdigit() and label.strip():
        return True
    ignored.append(f"label={value}")
    return False


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


def slice_filters(
    kind: str,
    values: Sequence[str],
    sidebar: Filters,
    *,
    speaker_column: str = "speaker",
) -> Filters | None:
    """The ``Filters`` of one compare slice, or ``None`` while it has no value yet.

    ``document`` is the chosen documents alone; ``source``, ``speaker`` and
    ``period`` narrow the sidebar's filters (replacing its sources or dates);
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
    if kind == "speaker":
        return replace(sidebar, metadata=(*sidebar.metadata, (speaker_column, chosen)))
    if kind == "period":
        period = parse_period(chosen[0])
        if period is None:
            return None
        return replace(sidebar, date_from=period[0], date_to=period[1])
    raise ValueError(f"Unknown slice kind {kind!r}; use one of {', '.join(SLICE_KINDS)}.")
