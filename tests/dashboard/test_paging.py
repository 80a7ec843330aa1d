"""Paged tables: page counts and the rows of a page, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.paging import PAGE_ROWS, ordered_rows, page_count


@pytest.mark.parametrize(
    ("total", "size", "pages"),
    [(0, 100, 1), (1, 100, 1), (100, 100, 1), (101, 100, 2), (250, 100, 3)],
)
def test_page_count_by_hand(total: int, size: int, pages: int) -> None:
    assert page_count(total, size) == pages


def test_page_rows_is_the_default_size() -> None:
    assert page_count(PAGE_ROWS) == 1
    assert page_count(PAGE_ROWS + 1) == 2


TABLE = pd.DataFrame(
    {"term": ["b", "a", "d", "c", "e"], "count": [5, 4, 3, 2, 1], "docs": [1, 3, 1, 3, 2]}
)


def test_rows_keep_the_table_order_without_a_column() -> None:
    rows = ordered_rows(TABLE, by=None, ascending=True, start=1, stop=3)
    assert rows["term"].tolist() == ["a", "d"]
    assert rows.index.tolist() == [0, 1]


def test_a_stable_sort_keeps_ties_in_the_table_order() -> None:
    # docs 3: a (row 1), c (row 3); docs 2: e; docs 1: b, d, in that order.
    rows = ordered_rows(TABLE, by="docs", ascending=False, start=0, stop=5)
    assert rows["term"].tolist() == ["a", "c", "e", "b", "d"]
    assert ordered_rows(TABLE, by="term", ascending=True, start=3, stop=10)["term"].tolist() == [
        "d",
        "e",
    ]


def test_rows_past_the_end_are_empty() -> None:
    assert ordered_rows(TABLE, by=None, ascending=True, start=10, stop=20).empty
