"""Calendar periods: the one rule for placing dated documents in periods.

A document is placed in a period of granularity ``by`` only when its date is
at least that precise: a speech dated only to 1990 belongs to the year 1990,
but to no month or week of it. Counts, trends, topic timelines and the
evidence behind a clicked point all use :func:`placeable`, so a point and
its passages always agree.

A period is numbered by an ordinal (pandas' period ordinal for day to year;
``year // 10`` for a decade) and named by the first day it holds: the decade
of 1994 is 1990-01-01 to 1999-12-31, named 1990-01-01.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import OptionError

Granularity = Literal["day", "week", "month", "quarter", "year", "decade"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month", "quarter", "year", "decade")

#: pandas period aliases; weeks end on Sunday, so they start on Monday (ISO).
#: A decade has no pandas alias: it is counted from the year (:func:`period_ordinals`).
PERIOD_FREQ: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
}
#: How fine a date precision is, on the granularity scale below.
PRECISION_RANK: dict[str, int] = {"day": 0, "month": 2, "year": 4}
GRANULARITY_RANK: dict[str, int] = {
    "day": 0,
    "week": 1,
    "month": 2,
    "quarter": 3,
    "year": 4,
    "decade": 5,
}
DECADE = "decade"


@dataclass(frozen=True, eq=False)
class PeriodTable:
    """A table per calendar period, and what the period view left out.

    Attributes
    ----------
    table
        One row per period (and series), every period from the first to the
        last present (see the function that made it for its columns).
    too_coarse
        Documents (or passages) dated more coarsely than the view, left out.
    undated
        Documents (or passages) without a date, left out.
    """

    table: pd.DataFrame
    too_coarse: int
    undated: int


def check_granularity(by: str) -> None:
    """Raise :class:`OptionError` naming the choices when ``by`` is not a granularity."""
    if by not in GRANULARITY_RANK:
        raise OptionError(f"Unknown period {by!r}. Use one of {', '.join(GRANULARITIES)}.")


def placeable(dates: pd.Series, precision: pd.Series, by: str) -> np.ndarray:
    """Which documents can be placed in ``by`` periods: dated, and precisely enough.

    >>> placeable(pd.Series(pd.to_datetime(["2020-05-01", "2020-01-01", None])),
    ...           pd.Series(["day", "year", None]), "month").tolist()
    [True, False, False]
    """
    check_granularity(by)
    rank = precision.map(PRECISION_RANK).fillna(0).to_numpy()
    dated = pd.to_datetime(dates).notna().to_numpy()
    return dated & (rank <= GRANULARITY_RANK[by])


def period_ordinals(dates: pd.Series | pd.DatetimeIndex, by: str) -> np.ndarray:
    """The ordinal of the ``by`` period holding each date (the dates must all be set).

    Consecutive periods have consecutive ordinals.

    >>> period_ordinals(pd.to_datetime(pd.Series(["1989-12-31", "1990-01-01"])), "decade").tolist()
    [198, 199]
    """
    check_granularity(by)
    stamps = pd.DatetimeIndex(pd.to_datetime(dates))
    if by == DECADE:
        return np.asarray(stamps.year // 10, dtype=np.int64)
    return np.asarray(pd.PeriodIndex(stamps, freq=PERIOD_FREQ[by]).asi8, dtype=np.int64)


def period_ordinal(day: str | dt.date | pd.Timestamp, by: str) -> int:
    """The ordinal of the ``by`` period holding one day."""
    return int(period_ordinals(pd.DatetimeIndex([pd.Timestamp(day)]), by)[0])


def period_starts(ordinals: np.ndarray | range, by: str) -> pd.DatetimeIndex:
    """The first day of each period ordinal, as Timestamps.

    >>> period_starts(np.array([198, 199]), "decade").strftime("%Y-%m-%d").tolist()
    ['1980-01-01', '1990-01-01']
    """
    check_granularity(by)
    values = np.asarray(ordinals, dtype=np.int64)
    if by == DECADE:
        return pd.DatetimeIndex(pd.to_datetime([f"{10 * int(v):04d}-01-01" for v in values]))
    periods = pd.PeriodIndex.from_ordinals(values, freq=PERIOD_FREQ[by])  # type: ignore[attr-defined]
    return pd.DatetimeIndex(periods.to_timestamp())


def period_label(day: pd.Timestamp | dt.date, by: str) -> str:
    """A period's name for tables: the ISO date of its first day (decades too).

    >>> period_label(pd.Timestamp("1994-05-01"), "decade")
    '1990-01-01'
    """
    return str(period_starts(np.array([period_ordinal(day, by)]), by)[0].date().isoformat())


def period_mask(docs: pd.DataFrame, by: str, period: str | dt.date) -> np.ndarray:
    """Documents of ``docs`` placed in the ``by`` period that contains ``period``.

    ``period`` is any date inside it, usually its first day as tables print it.
    """
    dates = pd.to_datetime(docs[S.DATE])
    inside = placeable(dates, docs[S.DATE_PRECISION], by)
    target = period_ordinal(period, by)
    same = np.zeros(len(docs), dtype=bool)
    dated = dates.notna().to_numpy()
    same[dated] = period_ordinals(dates[dated], by) == target
    return inside & same
