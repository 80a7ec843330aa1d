"""Paged tables: the browser is sent one page of rows, never the whole table.

A table of 137,000 terms sent on every run costs the server its conversion,
hashing and sending each time, and the browser its memory; a page of
:data:`PAGE_ROWS` rows costs neither. The order is chosen on the server, so
sorting covers every row, not only the page shown. Pure: no streamlit here.
"""

from __future__ import annotations

import math

import pandas as pd

#: Rows of one page of a paged table.
PAGE_ROWS = 100


def page_count(total: int, size: int = PAGE_ROWS) -> int:
    """Pages of ``size`` rows that ``total`` rows fill (at least one, even when empty).

    >>> page_count(0), page_count(100), page_count(101)
    (1, 1, 2)
    """
    return max(1, math.ceil(total / size))


def ordered_rows(
    table: pd.DataFrame, *, by: str | None, ascending: bool, start: int, stop: int
) -> pd.DataFrame:
    """Rows ``start:stop`` of ``table`` ordered by column ``by`` (``None``: as it is).

    The sort is stable, so rows that tie keep the table's own order (a term
    table's: by count, then term).

    >>> t = pd.DataFrame({"term": ["b", "a", "c"], "docs": [1, 2, 1]})
    >>> ordered_rows(t, by="docs", ascending=False, start=0, stop=2)["term"].tolist()
    ['a', 'b']
    """
    if by is not None:
        table = table.sort_values(by, ascending=ascending, kind="stable")
    return table.iloc[max(start, 0) : max(stop, 0)].reset_index(drop=True)
