from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.selection import Filters
from dashboard import state
from dashboard.state import ViewState

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)
_words = st.lists(_text, max_size=3, unique=True).map(tuple)
_days = st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(2100, 1, 1))


@st.composite
def _views(draw: st.DrawFn) -> ViewState:
    date_from = draw(st.none() | _days)
    date_to = draw(st.none() | _days)
    if date_from and date_to and date_to <= date_from:
        date_to = date_from + dt.timedelta(days=1)
    return ViewState(
        corpus=draw(st.sampled_from(["seeds", "sotu", "lib:speeches.zip", "upload"])),
        corpus_hash=draw(st.sampled_from(["", "0123abcdef"])),
        filters=Filters(
            date_from=date_from,
            date_to=date_to,
            sources=draw(_words),
            query=draw(st.sampled_from(["", "yangtze river delta", "长江"])),
        ),
        stopwords=draw(st.booleans()),
        stopwords_added=draw(_words),
        stopwords_removed=draw(_words),
        phrases=draw(st.booleans()),
        user_phrases=draw(_words),
        user_words=draw(_words),
        kind=draw(st.sampled_from(state.KINDS)),
        top=draw(st.integers(state.TOP_MIN, state.TOP_MAX)),
        measure=draw(st.sampled_from(state.MEASURES)),
        hide_nested=draw(st.booleans()),
        freq=draw(st.sampled_from(state.FREQS)),
        term=draw(st.sampled_from(["", "yangtze river delta", "长江"])),
        doc=draw(st.sampled_from(["", "000_1548ca6221300e84"])),
        status=draw(st.sampled_from(state.STATUSES)),
        match_case=draw(st.booleans()),
    )


def test_encode_default_view_is_empty() -> None:
    assert state.encode(ViewState()) == {}


@given(_views())
def test_decode_inverts_encode(view: ViewState) -> None:
    decoded = state.decode(state.encode(view))
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
    assert state.encode(view) == {
        "from": ["2023-11-30"],
        "to": ["2023-12-01"],
        "source": ["Xinhua", "People's Daily"],
    }


def test_decode_accepts_single_strings_as_streamlit_gives_them() -> None:
    decoded = state.decode({"corpus": "sotu", "source": "Xinhua", "top": "50", "phrases": "off"})
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
    decoded = state.decode(params)
    assert decoded.ignored == (ignored,)
    assert decoded.view.top == ViewState().top
    assert decoded.view.filters.date_to is None


def test_decode_ignores_unknown_names_silently() -> None:
    assert state.decode({"utm_source": "mail", "embed": "true"}) == state.Decoded(ViewState())


def test_decode_strips_and_deduplicates_words() -> None:
    decoded = state.decode({"stop_add": [" said ", "said", "", "also"], "q": "  delta "})
    assert decoded.view.stopwords_added == ("said", "also")
    assert decoded.view.filters.query == "delta"


def test_stopword_changes_against_the_default() -> None:
    default = frozenset({"the", "of", "的"})
    assert state.stopword_changes(["the", "的", "said"], default) == (("said",), ("of",))


def test_effective_stopwords_applies_changes_or_nothing_when_off() -> None:
    default = frozenset({"the", "of"})
    view = ViewState(stopwords_added=("said",), stopwords_removed=("of",))
    assert state.effective_stopwords(view, default) == {"the", "said"}
    off = ViewState(stopwords=False, stopwords_added=("said",))
    assert state.effective_stopwords(off, default) == frozenset()


def test_settings_record_is_plain_json() -> None:
    view = ViewState(
        corpus="sotu",
        filters=Filters(date_from=dt.date(2000, 1, 1), sources=("Bush",)),
        kind="phrase",
    )
    record = state.settings_record(view, page="terms", corpus_hash="abc")
    assert json.loads(json.dumps(record)) == record
    assert record["filters"] == {
        "date_from": "2000-01-01",
        "date_to_exclusive": None,
        "sources": ["Bush"],
        "query": "",
    }
    assert record["page"] == "terms"
    assert record["kind"] == "phrase"


def test_short_hash_is_a_prefix() -> None:
    assert state.short_hash("0123456789abcdef") == "0123456789"


def test_trend_topic_and_context_options_round_trip() -> None:
    view = ViewState(
        trend_terms=("yangtze river delta", "innovation"),
        themes=("innovation = innovation, sci-tech, g60",),
        by="day",
        norm="count",
        smooth=3,
        emerging="2023-12-03",
        trend_pick=state.make_pick("yangtze river delta", dt.date(2023, 11, 30)),
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
    params = state.encode(view)
    assert params["trend"] == ["yangtze river delta", "innovation"]
    assert params["pick"] == ["yangtze river delta|2023-11-30"]
    decoded = state.decode(params)
    assert decoded.ignored == ()
    assert decoded.view == view
    assert state.topic_labels(view) == {0: "Economy", 2: "Rivers"}
    assert state.with_topic_labels(view, {1: "Trade"}).topic_labels == ("1=Trade",)


def test_bad_trend_topic_and_context_values_are_ignored_and_named() -> None:
    params = {"k": "1", "smooth": "99", "pick": "no-date", "label": "x=y", "sort": "up"}
    decoded = state.decode(params)
    assert set(decoded.ignored) == {"k=1", "smooth=99", "pick=no-date", "label=x=y", "sort=up"}
    assert decoded.view == ViewState()


def test_collapse_duplicates_round_trips_through_the_url() -> None:
    view = ViewState(filters=Filters(collapse_duplicates=True))
    params = state.encode(view)
    assert params["dedup"] == ["on"]
    assert state.decode(params).view.filters.collapse_duplicates
    assert not state.decode(state.encode(ViewState())).view.filters.collapse_duplicates
