"""Filters -> masks on TINY."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.index import IndexSettings, build_index
from analysis.selection import Filters, select
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
