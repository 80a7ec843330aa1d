"""Filters -> masks on TINY."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.corpus_index import IndexSettings
from analysis.errors import OptionError
from analysis.index import build_index
from analysis.selection import (
    MAX_FILTER_VALUES,
    Filters,
    filter_choices,
    parse_meta,
    parse_slice,
    select,
)
from tests.analysis.tiny import TINY


@pytest.fixture(scope="module")
def index():
    return build_index(TINY, settings=IndexSettings(detect_phrases=False))


def test_select_date_range_is_half_open_and_drops_undated(index):
    mask = select(index, Filters(date_from=dt.date(2024, 1, 5), date_to=dt.date(2024, 2, 10)))
    assert mask.tolist() == [True, False, False]


def test_select_without_filters_keeps_everything(index):
    assert select(index, Filters()).tolist() == [True, True, True]


def test_select_sources(index):
    assert select(index, Filters(sources=("BBC",))).tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("COFFEE", [False, True, True]),
        ("green tea", [True, True, False]),
        ("tea green", [False, False, False]),  # both words present, never in this order
        ("black tea", [True, False, False]),
        ("unheard", [False, False, False]),
        ("  ", [True, True, True]),
    ],
)
def test_select_query_matches_words_and_phrases(index, query, expected):
    assert select(index, Filters(query=query)).tolist() == expected


def test_filters_are_hashable_and_describe_themselves():
    filters = Filters(date_from=dt.date(2024, 1, 1), sources=("Xinhua",), query="tea")
    assert hash(filters) == hash(
        Filters(date_from=dt.date(2024, 1, 1), sources=("Xinhua",), query="tea")
    )
    assert filters.describe() == "from 2024-01-01 from Xinhua containing 'tea'"


def test_select_doc_ids(index):
    assert select(index, Filters(doc_ids=("c", "a"))).tolist() == [True, False, True]


def test_select_metadata_values_or_together(tmp_path):
    frame = TINY.assign(speaker=["Ann", "Bob", "Cy"])
    ix = build_index(frame, settings=IndexSettings(detect_phrases=False))
    mask = select(ix, Filters(metadata=(("speaker", ("Ann", "Cy")),)))
    assert mask.tolist() == [True, False, True]
    both = select(ix, Filters(sources=("BBC",), metadata=(("speaker", ("Ann", "Cy")),)))
    assert both.tolist() == [False, False, True]


def test_select_unknown_metadata_column_names_the_available_ones(index):
    with pytest.raises(OptionError, match=r"No metadata column 'speaker'.*doc_id.*source"):
        select(index, Filters(metadata=(("speaker", ("Ann",)),)))


def test_describe_names_documents_and_metadata():
    filters = Filters(doc_ids=("a",), metadata=(("speaker", ("Ann", "Bob")),))
    assert filters.describe() == "document a with speaker Ann or Bob"


def test_parse_slice_reads_every_key():
    filters = parse_slice(
        " source=Xinhua ; source=BBC;from=2022-03-01;to=2022-04-01;doc=a;query=green tea;"
        "speaker=George Washington;Party=X"
    )
    assert filters == Filters(
        date_from=dt.date(2022, 3, 1),
        date_to=dt.date(2022, 4, 1),
        sources=("Xinhua", "BBC"),
        query="green tea",
        doc_ids=("a",),
        metadata=(("speaker", ("George Washington",)), ("Party", ("X",))),
    )


def test_parse_slice_selects_like_the_filters(index):
    assert select(index, parse_slice("source=BBC;query=coffee;doc=b;doc=c")).tolist() == [
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source", r"key=value pairs joined by ';', for example"),
        ("=BBC", r"key=value pairs"),
        ("", r"is empty: for example"),
        ("from=March", r"not a date; write it as YYYY-MM-DD"),
        ("from=2022-04-01;to=2022-03-01", r"not before .* swap them"),
        ("query=a;query=b", r"gives 'query' twice"),
    ],
)
def test_parse_slice_bad_syntax_names_the_fix(text, message):
    with pytest.raises(OptionError, match=message):
        parse_slice(text)


def test_collapse_duplicates_keeps_the_first_copy():
    import pandas as pd

    from analysis.terms import term_frequencies

    text = "The committee approved the new budget for schools and roads after a long debate."
    frame = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "source": ["X", "Y", "X"],
            # the same words in other case and punctuation: a wire copy
            "text": [
                text,
                text.upper().replace(".", "!"),
                "Something else entirely, about rivers.",
            ],
        }
    )
    index = build_index(frame, settings=IndexSettings(detect_phrases=False))
    collapsed = Filters(collapse_duplicates=True)
    assert select(index, collapsed).tolist() == [True, False, True]
    # the copy leaves every count: "budget" counted once, not twice
    counts = term_frequencies(index, select(index, collapsed), stopwords=frozenset())
    assert counts.set_index("term").loc["budget", "count"] == 1
    assert "without near-duplicate copies" in collapsed.describe()
    # which copy stays does not depend on the other filters
    assert select(index, Filters(sources=("Y",), collapse_duplicates=True)).tolist() == [
        False,
        False,
        False,
    ]


@pytest.fixture(scope="module")
def sotu():
    from analysis.corpus import load_corpus

    return build_index(load_corpus("sotu"), settings=IndexSettings(detect_phrases=False))


@pytest.mark.parametrize(
    "metadata",
    [
        (("party", ("Whig",)),),
        (("party", ("Democratic", "Republican")), ("sotu_type", ("written",))),
        (("speaker", ("Abraham Lincoln", "George Washington")),),
        (("party", ("Democratic",)), ("speaker", ("Abraham Lincoln",))),  # no such document
    ],
)
def test_metadata_filters_equal_a_pandas_boolean_mask(sotu, metadata):
    docs = sotu.docs
    start, end = dt.date(1800, 1, 1), dt.date(1950, 1, 1)
    filters = Filters(date_from=start, date_to=end, metadata=metadata)
    expected = (docs["date"] >= pd.Timestamp(start)) & (docs["date"] < pd.Timestamp(end))
    for column, values in metadata:
        expected &= docs[column].astype(str).isin(values)
    assert select(sotu, filters).tolist() == expected.tolist()


def test_filter_choices_offer_speaker_and_columns_with_few_values(sotu):
    choices = filter_choices(sotu)
    docs = sotu.docs
    assert len(choices["speaker"]) == docs["speaker"].nunique() == 43  # always, whatever the count
    assert choices["party"] == tuple(sorted(docs["party"].dropna().astype(str).unique()))
    assert set(choices) == {"speaker", "party", "sotu_type", "is_sotu"}  # not year (229 values)
    assert all(
        2 <= len(values) <= MAX_FILTER_VALUES for c, values in choices.items() if c != "speaker"
    )
    for column, values in choices.items():
        for value in values[:3]:
            chosen = select(sotu, Filters(metadata=((column, (value,)),)))
            assert chosen.sum() == (docs[column].astype(str) == value).sum() > 0


def test_parse_meta_groups_values_by_field_and_names_the_fix():
    assert parse_meta(["party = Whig", "party=Whig", "year=1850"]) == (
        ("party", ("Whig",)),
        ("year", ("1850",)),
    )
    with pytest.raises(OptionError, match="write FIELD=VALUE"):
        parse_meta(["party"])
