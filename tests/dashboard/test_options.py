from __future__ import annotations

import datetime as dt
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.selection import Filters
from dashboard import options, state, url_codecs
from dashboard.options import ViewState

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)
_words = st.lists(_text, max_size=3, unique=True).map(tuple)
_days = st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(2100, 1, 1))


def _strategy(option: options.Option) -> st.SearchStrategy[Any]:
    """Values of one option, drawn from what its codec can write (derived from the table)."""
    codec = option.codec
    if isinstance(codec, url_codecs.Choice):
        return st.sampled_from(codec.options)
    if isinstance(codec, url_codecs.Switch):
        return st.booleans()
    if isinstance(codec, url_codecs.IntRange):
        return st.just(option.default) | st.integers(codec.low, codec.high)
    if isinstance(codec, url_codecs.IsoDate):
        return st.none() | _days if not codec.as_text else st.just("") | _days.map(str)
    if isinstance(codec, url_codecs.Pairs):
        return _pairs
    if isinstance(codec, url_codecs.Words):
        words = _words if codec.check is None else _labels
        return words.map(lambda w: w[: codec.most])
    assert isinstance(codec, url_codecs.Text), option
    if option.attr == "corpus":
        return st.sampled_from(["seeds", "sotu", "lib:speeches.zip", "upload"])
    if codec.check is None:
        return st.just("") | _text
    if option.url == "h":
        return st.sampled_from(["", "0123abcdef"])
    if option.url == "mark":
        return st.just("") | st.builds("{}|{}".format, _text, st.integers(0, 10**7))
    return st.just("") | st.builds(options.make_pick, _text, _days)  # pick, tpick


_column = _text.filter(lambda t: "=" not in t)
_pairs = st.lists(
    st.tuples(_column, _words.filter(bool)), max_size=3, unique_by=lambda p: p[0]
).map(tuple)
_labels = st.lists(
    st.tuples(st.integers(0, 49), _text).map(lambda t: f"{t[0]}={t[1]}"), max_size=3, unique=True
).map(tuple)


@st.composite
def _views(draw: st.DrawFn) -> ViewState:
    values = {option.attr: draw(_strategy(option)) for option in options.OPTIONS}
    start, end = values["filters.date_from"], values["filters.date_to"]
    if start and end and end <= start:
        values["filters.date_to"] = start + dt.timedelta(days=1)
    for side in ("a", "b"):
        if values[f"{side}_kind"] == "period":
            low = draw(st.none() | _days)
            values[f"{side}_values"] = (options.make_period(low, None),)
    return options.with_values(ViewState(), values)


def test_encode_default_view_is_empty() -> None:
    assert options.encode(ViewState()) == {}


@settings(deadline=None)  # a shared machine's load is no failure; time is for benchmarks
@given(_views())
def test_decode_inverts_encode(view: ViewState) -> None:
    decoded = options.decode(options.encode(view))
    assert decoded.ignored == ()
    assert decoded.view == view


def test_encode_writes_half_open_dates_and_repeated_sources() -> None:
    view = ViewState(
        filters=Filters(
            date_from=dt.date(2023, 11, 30),
            date_to=dt.date(2023, 12, 1),
            sources=("Xinhua", "People's Daily"),
        )
    )
    assert options.encode(view) == {
        "from": ["2023-11-30"],
        "to": ["2023-12-01"],
        "source": ["Xinhua", "People's Daily"],
    }


def test_decode_accepts_single_strings_as_streamlit_gives_them() -> None:
    decoded = options.decode({"corpus": "sotu", "source": "Xinhua", "top": "50", "phrases": "off"})
    assert decoded.view.corpus == "sotu"
    assert decoded.view.filters.sources == ("Xinhua",)
    assert decoded.view.top == 50
    assert decoded.view.phrases is False


@pytest.mark.parametrize(
    ("params", "ignored"),
    [
        ({"top": "abc"}, "top=abc"),
        ({"top": "100000"}, "top=100000"),
        ({"kind": "verbs"}, "kind=verbs"),
        ({"freq": "hourly"}, "freq=hourly"),
        ({"from": "30/11/2023"}, "from=30/11/2023"),
        ({"phrases": "maybe"}, "phrases=maybe"),
        ({"nested": "yes"}, "nested=yes"),
        ({"h": "<script>"}, "h=<script>"),
        ({"from": "2023-12-01", "to": "2023-12-01"}, "to=2023-12-01"),
    ],
)
def test_decode_ignores_and_reports_bad_values(params: dict[str, str], ignored: str) -> None:
    decoded = options.decode(params)
    assert decoded.ignored == (ignored,)
    assert decoded.view.top == ViewState().top
    assert decoded.view.filters.date_to is None


def test_decode_ignores_unknown_names_silently() -> None:
    assert options.decode({"utm_source": "mail", "embed": "true"}) == options.Decoded(ViewState())


def test_decode_strips_and_deduplicates_words() -> None:
    decoded = options.decode({"stop_add": [" said ", "said", "", "also"], "q": "  delta "})
    assert decoded.view.stopwords_added == ("said", "also")
    assert decoded.view.filters.query == "delta"


def test_metadata_filters_round_trip_through_the_url() -> None:
    metadata = (("speaker", ("Abraham Lincoln", "John Tyler")), ("party", ("Whig",)))
    view = options.with_values(ViewState(), {"filters.metadata": metadata})
    params = options.encode(view)
    assert params == {"meta": ["speaker=Abraham Lincoln", "speaker=John Tyler", "party=Whig"]}
    assert options.decode(params).view == view
    # a value may hold "=", the column may not; pairs without "=" are named and left out
    decoded = options.decode({"meta": ["title=a=b", "speaker", " party = Whig ", "party=Whig"]})
    assert decoded.view.filters.metadata == (("title", ("a=b",)), ("party", ("Whig",)))
    assert decoded.ignored == ("meta=speaker",)
    record = options.settings_record(view, page="terms", corpus_hash="abc")
    assert record["filters"]["metadata"] == {
        "speaker": ["Abraham Lincoln", "John Tyler"],
        "party": ["Whig"],
    }


def test_settings_record_is_plain_json() -> None:
    view = ViewState(
        corpus="sotu",
        filters=Filters(date_from=dt.date(2000, 1, 1), sources=("Bush",)),
        kind="phrase",
    )
    record = options.settings_record(view, page="terms", corpus_hash="abc")
    assert json.loads(json.dumps(record)) == record
    assert record["filters"] == {
        "date_from": "2000-01-01",
        "date_to_exclusive": None,
        "sources": ["Bush"],
        "metadata": {},
        "query": "",
        "collapse_duplicates": False,  # left out before: the export did not say
    }
    assert record["page"] == "terms"
    assert record["kind"] == "phrase"


def test_trend_topic_and_context_options_round_trip() -> None:
    view = ViewState(
        trend_terms=("yangtze river delta", "innovation"),
        themes=("innovation = innovation, sci-tech, g60",),
        by="day",
        norm="count",
        smooth=3,
        emerging="2023-12-03",
        trend_pick=options.make_pick("yangtze river delta", dt.date(2023, 11, 30)),
        k=4,
        method="lda",
        seed=7,
        topic_labels=("0=Economy", "2=Rivers"),
        topic_pick="1|2023-12-03",
        window=4,
        sort="left",
        coll_window=3,
        min_count=2,
    )
    params = options.encode(view)
    assert params["trend"] == ["yangtze river delta", "innovation"]
    assert params["pick"] == ["yangtze river delta|2023-11-30"]
    decoded = options.decode(params)
    assert decoded.ignored == ()
    assert decoded.view == view
    assert state.topic_labels(view) == {0: "Economy", 2: "Rivers"}
    assert state.with_topic_labels(view, {1: "Trade"}).topic_labels == ("1=Trade",)


def test_bad_trend_topic_and_context_values_are_ignored_and_named() -> None:
    params = {"k": "1", "smooth": "99", "pick": "no-date", "label": "x=y", "sort": "up"}
    decoded = options.decode(params)
    assert set(decoded.ignored) == {"k=1", "smooth=99", "pick=no-date", "label=x=y", "sort=up"}
    assert decoded.view == ViewState()


def test_collapse_duplicates_round_trips_through_the_url() -> None:
    view = ViewState(filters=Filters(collapse_duplicates=True))
    params = options.encode(view)
    assert params["dedup"] == ["on"]
    assert options.decode(params).view.filters.collapse_duplicates
    assert not options.decode(options.encode(ViewState())).view.filters.collapse_duplicates


# ---------------------------------------------------------------------------
# The table itself: every option once, and everything derived from it.

#: Fields of Filters that never travel in the URL: Compare slices build them.
SLICE_ONLY = {"filters.doc_ids"}


def test_every_view_field_has_exactly_one_row() -> None:
    attrs = [option.attr for option in options.OPTIONS]
    assert len(attrs) == len(set(attrs))
    expected = {f.name for f in fields(ViewState) if f.name != "filters"} | {
        f"filters.{f.name}" for f in fields(Filters)
    }
    assert set(attrs) == expected - SLICE_ONLY
    urls = [name for option in options.OPTIONS for name in (option.url, *option.aliases)]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("option", options.OPTIONS, ids=lambda o: o.url)
@settings(deadline=None)
@given(data=st.data())
def test_each_option_round_trips_alone_and_its_default_leaves_the_url(
    option: options.Option, data: st.DataObject
) -> None:
    assert options.encode(options.with_values(ViewState(), {option.attr: option.default})) == {}
    value = data.draw(_strategy(option))
    if value != option.default:
        view = options.with_values(ViewState(), {option.attr: value})
        params = options.encode(view)
        assert set(params) == {option.url}
        assert options.decode(params).view == view


def test_settings_record_holds_every_option_in_effect() -> None:
    view = options.with_values(
        ViewState(), {"filters.collapse_duplicates": True, "smooth": 3, "match_case": True}
    )
    record = options.settings_record(view, page="trends", corpus_hash="abc")
    for option in options.OPTIONS:
        head, _, name = option.attr.partition(".")
        key = {"date_to": "date_to_exclusive"}.get(name, name)
        assert (key in record[head]) if name else (head in record), option.attr
    assert record["filters"]["collapse_duplicates"] is True
    assert record["smooth"] == 3


def test_readme_carries_the_table_as_the_code_has_it() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert options.markdown_table() in readme


def test_changing_the_corpus_resets_its_options_and_names_them() -> None:
    before = options.with_values(
        ViewState(corpus="sotu"),
        {"smooth": 10, "filters.query": "union", "a_kind": "period", "top": 50},
    )
    after = options.with_values(before, {"corpus": "upload"})
    done = options.reset(before, after)
    assert done.view.smooth == 1
    assert done.view.filters.query == ""
    assert done.view.a_kind == "document"
    assert done.view.top == 50  # global: the user's way of working stays
    assert done.view.corpus == "upload"
    assert {o.url for o in done.options} == {"smooth", "q", "a_kind"}
    assert "sidebar_dates" in done.widgets
    assert "trends_smooth" in done.widgets


def test_a_new_topic_model_forgets_the_old_labels_only() -> None:
    before = ViewState(method="nmf", topic_labels=("0=Economy",), topic_pick="0|2023-11-30")
    after = options.with_values(before, {"method": "lda"})
    done = options.reset(before, after)
    assert done.view.topic_labels == ()
    assert done.view.topic_pick == ""
    assert done.view.method == "lda"
    assert "topics_label_" in done.widgets
    unchanged = options.reset(before, before)
    assert unchanged.view == before
    assert unchanged.options == ()
