"""The view's options as one table: URL name, codec, scope and widget of every field.

In the manner of datasette's filter table, each row of :data:`OPTIONS` says
everything the dashboard knows about one option of :class:`ViewState` (or of
its :class:`~analysis.selection.Filters`): the attribute, its URL name (and old
names still read), the codec that writes and reads its URL values (see
:mod:`dashboard.url_codecs`), its scope, its widget key and what it means. URL
encoding and decoding, the settings record of every export, widget seeding, the
corpus-change reset, the README table and the property test are all derived
from it. Pure: no streamlit here.

Scopes say when an option stops applying:

- ``global``: the user's way of working, kept across corpora (stopwords,
  phrases, chart sizes, measures);
- ``corpus``: about one corpus's contents (dates, sources, documents, Compare
  slices, clicked points), reset when the corpus changes;
- ``model``: about one topic fit (topic labels and the clicked timeline
  point), reset when the corpus, the method, k or the seed changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from analysis import MAX_FILTER_VALUES, Filters
from dashboard.url_codecs import (
    BadValue,
    Choice,
    Codec,
    IntRange,
    IsoDate,
    Pairs,
    Switch,
    Text,
    Words,
)

Kind = Literal["all", "word", "phrase"]
Measure = Literal["count", "per_million"]
Freq = Literal["auto", "day", "week", "month", "quarter", "year", "decade"]
Status = Literal["all", "loaded", "quarantined", "duplicate"]
Norm = Literal["per_million", "doc_share", "count"]
TopicMethod = Literal["nmf", "lda"]
KwicSort = Literal["position", "left", "right"]
SliceKind = Literal["document", "source", "speaker", "period", "filter", "reference"]
GroupBy = Literal["day", "week", "month", "quarter", "year", "decade"]
ContextTab = Literal["kwic", "dispersion", "collocates"]
#: The document list's order: a column, ``-`` first for descending (``auto``: see its row).
DocSort = Literal["auto", "date", "-date", "title", "-title", "source", "-source", "speaker",
                  "-speaker", "tokens", "-tokens", "count", "-count"]  # fmt: skip

KINDS: tuple[Kind, ...] = get_args(Kind)
MEASURES: tuple[Measure, ...] = get_args(Measure)
FREQS: tuple[Freq, ...] = get_args(Freq)
STATUSES: tuple[Status, ...] = get_args(Status)
NORMS: tuple[Norm, ...] = get_args(Norm)
TOPIC_METHODS: tuple[TopicMethod, ...] = get_args(TopicMethod)
KWIC_SORTS: tuple[KwicSort, ...] = get_args(KwicSort)
SLICE_KINDS: tuple[SliceKind, ...] = get_args(SliceKind)
GROUP_BYS: tuple[GroupBy, ...] = get_args(GroupBy)
CONTEXT_TABS: tuple[ContextTab, ...] = get_args(ContextTab)
DOC_SORTS: tuple[DocSort, ...] = get_args(DocSort)

DEFAULT_CORPUS = "seeds"
TOP_MIN, TOP_MAX = 5, 200
HASH_LENGTH = 10
MAX_TRENDS = 20  # terms and themes on one trend chart
SMOOTH_MAX = 12
K_MIN, K_MAX = 2, 50
SEED_MAX = 2**31 - 1
WINDOW_MIN, WINDOW_MAX = 1, 30
MIN_COUNT_MAX = 100
MAX_SLICE_VALUES = 50  # documents, sources or speakers in one compare slice
MIN_TOKENS_MIN, MIN_TOKENS_MAX = 2, 100
PAGE_MAX = 1_000_000  # pages of KWIC lines or of the document list


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
    numbers: bool = False
    phrases: bool = True
    fold_chinese: bool = False
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
    spread_term: str = ""
    spread_by: str = ""  # "": the column that tells the documents apart (default_group)
    spread_first: str = ""
    k: int = 0  # 0: the default for the corpus (analysis.topics.default_k)
    method: TopicMethod = "nmf"
    seed: int = 0
    topic_labels: tuple[str, ...] = ()
    topic_pick: str = ""
    window: int = 8
    sort: KwicSort = "position"
    match_case: bool = False
    context_tab: ContextTab = "kwic"
    kwic_page: int = 1
    mark: str = ""
    doc_sort: DocSort = "auto"
    doc_page: int = 1
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
    groups: str = ""  # "": slices A and B; a field: each of its values against the rest
    group_by: GroupBy = "year"
    group_pick: str = ""


def make_pick(name: str, period: dt.date | str) -> str:
    """A clicked point as one URL value: ``<term or topic>|<ISO date of the period>``."""
    day = period if isinstance(period, str) else period.isoformat()
    return f"{name}|{day}"


def make_period(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """A compare slice's period as one URL value: ``FROM..TO`` (``TO`` excluded).

    >>> make_period(dt.date(2023, 11, 30), None)
    '2023-11-30..'
    """
    return f"{date_from.isoformat() if date_from else ''}..{date_to.isoformat() if date_to else ''}"


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
    try:
        return (name.strip(), dt.date.fromisoformat(day)) if sep and name.strip() else None
    except ValueError:
        return None


_DEFAULT_VIEW = ViewState()
Scope = Literal["global", "corpus", "model"]
SCOPES: tuple[Scope, ...] = ("global", "corpus", "model")
#: The fields whose change ends each scope.
SCOPE_OWNERS: dict[Scope, tuple[str, ...]] = {
    "global": (),
    "corpus": ("corpus", "corpus_hash"),
    "model": ("corpus", "corpus_hash", "method", "k", "seed"),
}


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Option:
    """One row of the table: everything about one option of the view."""

    attr: str  #: attribute of ViewState, or ``filters.<field>``
    url: str
    codec: Codec
    scope: Scope
    doc: str
    #: Session keys of its widgets (seeded from the view, forgotten on reset); a key
    #: ending in ``_`` is a prefix (one widget per topic, per slice value...).
    widgets: tuple[str, ...] = ()
    to_widget: Callable[[Any], Any] = _same  #: the view's value as the widget holds it
    seeded: bool = True  #: False: the page seeds it itself (the value depends on the data)
    aliases: tuple[str, ...] = ()  #: older URL names, still read

    @property
    def default(self) -> Any:
        return get(_DEFAULT_VIEW, self.attr)  # one default view: encode() asks per option


def _lines(value: tuple[str, ...]) -> str:
    return "\n".join(value)


def _commas(value: tuple[str, ...]) -> str:
    return ", ".join(value)


def _is_hash(value: str) -> bool:
    return value.isalnum() and len(value) <= 64


def _is_pick(value: str) -> bool:
    return parse_pick(value) is not None


def _is_mark(value: str) -> bool:
    doc, sep, start = value.rpartition("|")
    return bool(sep and doc and start.isdigit())


def _is_label(value: str) -> bool:
    topic, sep, label = value.partition("=")
    return bool(sep and topic.strip().isdigit() and label.strip())


G: Scope = "global"
C: Scope = "corpus"
M: Scope = "model"

#: The table. Order is the URL's order and the README's.
OPTIONS: tuple[Option, ...] = (
    Option("corpus", "corpus", Text(what="`seeds`, `sotu`, `lib:<name>`, `upload`"), G,
           "the corpus shown"),
    Option("corpus_hash", "h", Text(check=_is_hash, what="hash"), G,
           "short content hash of the corpus the link was made on"),
    Option("filters.date_from", "from", IsoDate(), C, "first day included",
           widgets=("sidebar_dates",), seeded=False),
    Option("filters.date_to", "to", IsoDate(), C,
           "first day *not* included (half-open like `Filters`)",
           widgets=("sidebar_dates",), seeded=False),
    Option("filters.sources", "source", Words(), C, "one per selected source",
           widgets=("sidebar_sources",), seeded=False),
    Option("filters.metadata", "meta", Pairs(), C,
           "a metadata filter `column=value` (speaker, and any column with 2 to "
           f"{MAX_FILTER_VALUES} values); values of one column OR together, columns AND",
           widgets=("sidebar_meta_",), seeded=False),
    Option("filters.query", "q", Text(what="query"), C,
           "keyword or phrase the documents must contain (the query syntax)",
           widgets=("sidebar_query",)),
    Option("filters.collapse_duplicates", "dedup", Switch(), G,
           "near-duplicate copies collapsed", widgets=("sidebar_dedup",)),
    Option("stopwords", "stop", Switch(), G, "stopwords applied",
           widgets=("sidebar_stop_on",)),
    Option("stopwords_added", "stop_add", Words(), G, "stopwords added to the default list"),
    Option("stopwords_removed", "stop_drop", Words(), G, "default stopwords removed"),
    Option("numbers", "numbers", Switch(true="show", false="hide"), G,
           "pure numbers (1990, 000, 十四五) ranked in tables, clouds, topics and keyness",
           widgets=("sidebar_numbers",)),
    Option("phrases", "phrases", Switch(), G, "phrase detection", widgets=("sidebar_phrases",)),
    Option("fold_chinese", "fold", Switch(), G,
           "Traditional Chinese folded to Simplified before segmenting (經濟 = 经济)",
           widgets=("sidebar_fold",)),
    Option("user_phrases", "phrase", Words(), G, "user phrases",
           widgets=("sidebar_user_phrases",), to_widget=_lines),
    Option("user_words", "word", Words(), G, "user dictionary words for Chinese segmentation",
           widgets=("sidebar_user_words",), to_widget=_lines),
    Option("kind", "kind", Choice(KINDS), G, "terms shown (terms page)",
           widgets=("terms_kind",)),
    Option("top", "top", IntRange(TOP_MIN, TOP_MAX), G,
           "number of terms in the chart (terms page)", widgets=("terms_top",)),
    Option("measure", "measure", Choice(MEASURES), G, "bar length (terms page)",
           widgets=("terms_measure",)),
    Option("hide_nested", "nested", Switch(true="hide", false="show"), G,
           "words that mostly occur inside a phrase hidden (terms page)",
           widgets=("terms_hide_nested",)),
    Option("freq", "freq", Choice(FREQS), G, "period (overview page)",
           widgets=("overview_freq",)),
    Option("term", "term", Text(), C, "term highlighted (documents page)",
           widgets=("documents_term", "contexts_term")),
    Option("doc", "doc", Text(), C, "selected document id (documents page)",
           widgets=("documents_list",), seeded=False),
    Option("doc_sort", "dsort", Choice(DOC_SORTS), G,
           "document list order, `-` for descending; `auto`: most occurrences of the term first, "
           "else by date (documents page)", widgets=("documents_sort",)),
    Option("doc_page", "dpage", IntRange(1, PAGE_MAX), C, "page of the document list "
           "(documents page)", widgets=("documents_page",)),
    Option("status", "status", Choice(STATUSES), G, "ledger rows shown (data page)",
           widgets=("data_status",)),
    Option("trend_terms", "trend", Words(most=MAX_TRENDS), G,
           "a term or query drawn (trends page)", widgets=("trends_terms",), to_widget=_commas),
    Option("themes", "theme", Words(most=MAX_TRENDS), G,
           "a theme `name = a, b, c` drawn (trends page)", widgets=("trends_themes",),
           to_widget=_lines),
    Option("by", "by", Choice(FREQS), G, "period (trends page)",
           widgets=("trends_by", "topics_by")),
    Option("norm", "norm", Choice(NORMS), G, "measure (trends page)",
           widgets=("trends_norm",)),
    Option("smooth", "smooth", IntRange(1, SMOOTH_MAX), C,
           "moving-average width in periods, 1 = none (trends page)", widgets=("trends_smooth",)),
    Option("emerging", "emerging", IsoDate(as_text=True), C,
           "first day of the period whose emerging terms are listed (trends page)",
           widgets=("trends_emerging",), seeded=False),
    Option("trend_pick", "pick", Text(check=_is_pick, what="`term|YYYY-MM-DD`"), C,
           "clicked trend point (trends page evidence)"),
    Option("spread_term", "formulation", Text(what="query or theme"), G,
           "the formulation followed: a query, or a theme `name = a, b` (formulations page)",
           widgets=("formulations_term",)),
    Option("spread_by", "group", Text(what="column"), C,
           "documents grouped by `source`, `speaker` or another metadata column; absent = "
           "source, or speaker when all sources are alike (formulations page)",
           widgets=("formulations_by",), seeded=False),
    Option("spread_first", "first", Text(), C,
           "the group whose first use is shown (formulations page)",
           widgets=("formulations_first",), seeded=False),
    Option("k", "k", IntRange(K_MIN, K_MAX), C,
           "number of topics; absent = the default for the corpus (topics page)",
           widgets=("topics_k",), seeded=False),
    Option("method", "method", Choice(TOPIC_METHODS), G, "topic model (topics page)",
           widgets=("topics_method",)),
    Option("seed", "seed", IntRange(0, SEED_MAX), G,
           "random seed of the topic fit (topics page)", widgets=("topics_seed",)),
    Option("topic_labels", "label", Words(check=_is_label), M,
           "a renamed topic `<topic>=<label>` (topics page)", widgets=("topics_label_",)),
    Option("topic_pick", "tpick", Text(check=_is_pick, what="`topic|YYYY-MM-DD`"), M,
           "clicked timeline point (topics page)"),
    Option("window", "window", IntRange(WINDOW_MIN, WINDOW_MAX), G,
           "words either side in keyword-in-context lines (contexts page)",
           widgets=("contexts_window",)),
    Option("sort", "sort", Choice(KWIC_SORTS), G, "line order (contexts page)",
           widgets=("contexts_sort",)),
    Option("match_case", "case", Switch(), G,
           "keyword-in-context lines written exactly as typed (contexts page)",
           widgets=("contexts_case",)),
    Option("context_tab", "ctab", Choice(CONTEXT_TABS), G, "part shown (contexts page)",
           widgets=("contexts_tab",), seeded=False),
    Option("kwic_page", "kpage", IntRange(1, PAGE_MAX), C,
           "page of keyword-in-context lines (contexts page)", widgets=("contexts_kwic_page",)),
    Option("mark", "mark", Text(check=_is_mark, what="`doc_id|start`"), C,
           "clicked dispersion mark: document and character offset (contexts page)"),
    Option("coll_window", "cwindow", IntRange(WINDOW_MIN, WINDOW_MAX), G,
           "collocate window in words (contexts page)", widgets=("contexts_cwindow",)),
    Option("min_count", "min_count", IntRange(1, MIN_COUNT_MAX), G,
           "least co-occurrences of a collocate (contexts page)", widgets=("contexts_min_count",)),
    Option("a_kind", "a_kind", Choice(SLICE_KINDS), C,
           "what slice A is (compare page)", widgets=("compare_a_kind",), seeded=False),
    Option("a_values", "a", Words(most=MAX_SLICE_VALUES), C,
           "slice A's values: doc ids, sources, speakers, one period `FROM..TO`; for "
           "`reference`, the other corpus (compare page)", widgets=("compare_a_",), seeded=False),
    Option("b_kind", "b_kind", Choice(SLICE_KINDS), C,
           "what slice B is (compare page)", widgets=("compare_b_kind",), seeded=False),
    Option("b_values", "b", Words(most=MAX_SLICE_VALUES), C,
           "slice B's values; for `reference`, the other corpus (compare page)",
           widgets=("compare_b_",), seeded=False),
    Option("min_tokens", "min_tokens", IntRange(MIN_TOKENS_MIN, MIN_TOKENS_MAX), G,
           "least tokens of a shared passage (compare and formulations pages)",
           widgets=("compare_min_tokens", "formulations_min_tokens")),
    Option("key_min", "kmin", IntRange(1, MIN_COUNT_MAX), G,
           "least count (A + B) of a keyness term (compare page)", widgets=("compare_min_count",)),
    Option("key_kind", "kkind", Choice(KINDS), G, "keyness terms (compare page)",
           widgets=("compare_kind",)),
    Option("bonferroni", "bonf", Switch(), G,
           "Bonferroni correction of the keyness threshold (compare page)",
           widgets=("compare_bonferroni",)),
    Option("key_top", "ktop", IntRange(TOP_MIN, TOP_MAX), G,
           "terms drawn in the keyness charts (compare page)", widgets=("compare_top",)),
    Option("groups", "groups", Text(what="a field"), C,
           "group by this field (`source`, `period`, `speaker` or a metadata column), each "
           "value against the rest; absent = slices A and B (compare page)",
           widgets=("compare_groups",), seeded=False),
    Option("group_by", "gby", Choice(GROUP_BYS), G,
           "period of each group when grouping by `period` (compare page)",
           widgets=("compare_group_by",)),
    Option("group_pick", "gpick", Text(what="`group|term`"), C,
           "clicked group bar: that term's lines in that group (compare page)"),
)  # fmt: skip

BY_URL: dict[str, Option] = {
    name: option for option in OPTIONS for name in (option.url, *option.aliases)
}


def get(view: ViewState, attr: str) -> Any:
    """The value of ``attr`` (``top``, ``filters.query``) in ``view``."""
    head, _, rest = attr.partition(".")
    value = getattr(view, head)
    return getattr(value, rest) if rest else value


def with_values(view: ViewState, values: Mapping[str, Any]) -> ViewState:
    """``view`` with the given attributes (``filters.<field>`` included) replaced."""
    top = {k: v for k, v in values.items() if "." not in k}
    nested = {k.partition(".")[2]: v for k, v in values.items() if k.startswith("filters.")}
    if nested:
        top["filters"] = replace(top.get("filters", view.filters), **nested)
    return replace(view, **top) if top else view


@dataclass(frozen=True)
class Decoded:
    """A decoded view, the ``name=value`` pairs ignored, and the lists cut short."""

    view: ViewState
    ignored: tuple[str, ...] = ()
    clamped: tuple[str, ...] = ()


def encode(view: ViewState) -> dict[str, list[str]]:
    """Query parameters for ``view``: name -> values, defaults left out.

    >>> encode(ViewState(top=50))
    {'top': ['50']}
    """
    out: dict[str, list[str]] = {}
    for option in OPTIONS:
        value = get(view, option.attr)
        if value != option.default and value not in (None, "", ()):
            out[option.url] = option.codec.encode(value)
    return out


def _values(params: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def decode(params: Mapping[str, str | Sequence[str]]) -> Decoded:
    """The view a URL's query parameters describe (see :data:`OPTIONS`).

    ``params`` maps a name to one value or a list of values (repeated names),
    as ``st.query_params`` (via ``get_all``) or ``AppTest.query_params`` give.
    Unknown names are ignored silently (other tools add their own); known names
    with values that do not parse (a number out of its range too) are ignored
    and reported; lists longer than their limit are cut and reported. Never raises.

    >>> decoded = decode({"top": "50", "kind": "nonsense"})
    >>> decoded.view.top, decoded.view.kind, decoded.ignored
    (50, 'all', ('kind=nonsense',))
    """
    ignored: list[str] = []
    clamped: list[str] = []
    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw: list[str] = []
        for name in (option.url, *option.aliases):
            raw += _values(params, name)
        if not raw:
            continue
        try:
            got = option.codec.decode(raw, option.default)
        except BadValue as error:
            ignored.append(f"{option.url}={error.args[0]}")
            continue
        ignored.extend(f"{option.url}={value}" for value in got.rejected)
        values[option.attr] = got.value
        if got.note:
            clamped.append(f"{option.url}={got.note}")
    _cross_checks(values, ignored)
    return Decoded(
        view=with_values(ViewState(), values), ignored=tuple(ignored), clamped=tuple(clamped)
    )


def _cross_checks(values: dict[str, Any], ignored: list[str]) -> None:
    """Rules between options: a date range must be non-empty; a period slice has one period."""
    start, end = values.get("filters.date_from"), values.get("filters.date_to")
    if start is not None and end is not None and end <= start:
        ignored.append(f"to={end.isoformat()}")
        del values["filters.date_to"]
    for side in ("a", "b"):
        if values.get(f"{side}_kind", "document") != "period" or f"{side}_values" not in values:
            continue
        chosen = values[f"{side}_values"]
        good = tuple(v for v in chosen[:1] if parse_period(v) is not None)
        ignored.extend(f"{side}={v}" for v in chosen if v not in good)
        values[f"{side}_values"] = good


def settings_record(view: ViewState, *, page: str, corpus_hash: str) -> dict[str, Any]:
    """Plain JSON-able settings behind an export: page, corpus and every option in effect.

    Keys are the options' attribute names, the filters under ``filters`` (the
    end of the date range as ``date_to_exclusive``, to say it is half-open);
    dates are ISO strings, lists are lists.
    """
    record: dict[str, Any] = {"page": page, "corpus_hash": corpus_hash, "filters": {}}
    for option in OPTIONS:
        if option.attr == "corpus_hash":
            continue
        value = option.codec.to_json(get(view, option.attr))
        head, _, name = option.attr.partition(".")
        if name:
            record[head][_RECORD_NAMES.get(name, name)] = value
        else:
            record[head] = value
    return record


_RECORD_NAMES = {"date_to": "date_to_exclusive"}


def owned_by(changed: Iterable[str]) -> tuple[Option, ...]:
    """The options whose scope ends when any of the ``changed`` attributes changes."""
    changed = set(changed)
    return tuple(
        option
        for option in OPTIONS
        if option.attr not in changed and changed & set(SCOPE_OWNERS[option.scope])
    )


@dataclass(frozen=True)
class Reset:
    """A view with some options back to their defaults, and what the page must forget."""

    view: ViewState
    options: tuple[Option, ...] = ()
    widgets: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> tuple[Option, ...]:
        return self.options


def reset(before: ViewState, after: ViewState, *, owners: Iterable[str] | None = None) -> Reset:
    """``after`` with the options whose scope ended between ``before`` and ``after`` reset.

    ``owners`` names the attributes that count as changed (default: every
    owner whose value differs). Returns the options that held a value other than
    their default (what a notice should name) and the widget keys (or key
    prefixes, ending in ``_``) to forget.

    >>> r = reset(ViewState(corpus="sotu", smooth=10), ViewState(corpus="seeds", smooth=10))
    >>> r.view.smooth, [o.url for o in r.options]
    (1, ['smooth'])
    """
    if owners is None:
        owners = [
            name
            for name in {n for names in SCOPE_OWNERS.values() for n in names}
            if get(before, name) != get(after, name)
        ]
    ended = owned_by(owners)
    held = tuple(o for o in ended if get(after, o.attr) != o.default)
    view = with_values(after, {o.attr: o.default for o in ended})
    widgets = tuple(dict.fromkeys(key for o in ended for key in o.widgets))
    return Reset(view=view, options=held, widgets=widgets)


def widget_values(view: ViewState) -> dict[str, Any]:
    """Session key -> starting value, for every widget the table seeds from the view."""
    return {
        key: option.to_widget(get(view, option.attr))
        for option in OPTIONS
        if option.seeded
        for key in option.widgets
        if not key.endswith("_")
    }


def markdown_table() -> str:
    """The URL table of README, made from :data:`OPTIONS`."""
    lines = ["| URL name | values | scope | meaning |", "| --- | --- | --- | --- |"]
    for option in OPTIONS:
        lines.append(
            f"| `{option.url}` | {option.codec.describe()} | {option.scope} | {option.doc} |"
        )
    return "\n".join(lines)
