"""Calendar periods: the one rule for placing dated documents in periods.

A document is placed in a period of granularity ``by`` only when its date is
at least that precise: a speech dated only to 1990 belongs to the year 1990,
but to no month or week of it. Counts, trends, topic timelines and the
evidence behind a clicked point all use :func:`placeable`, so a point and
its passages always agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import OptionError

Granularity = Literal["day", "week", "month", "quarter", "year"]

#: pandas period aliases; weeks end on Sunday, so they start on Monday (ISO).
PERIOD_FREQ: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q",
    "year": "Y",
}
#: How fine a date precision is, on the granularity scale below.
PRECISION_RANK: dict[str, int] = {"day": 0, "month": 2, "year": 4}
GRANULARITY_RANK: dict[str, int] = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}


def check_granularity(by: str) -> None:
    """Raise :class:`OptionError` naming the choices when ``by`` is not a granularity."""
    if by not in PERIOD_FREQ:
        raise OptionError(f"Unknown period {by!r}. Use one of {', '.join(PERIOD_FREQ)}.")


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


def period_mask(docs: pd.DataFrame, by: str, period: str | dt.date) -> np.ndarray:
    """Documents of ``docs`` placed in the ``by`` period that contains ``period``.

    ``period`` is any date inside it, usually its first day as tables print it.
    """
    dates = pd.to_datetime(docs[S.DATE])
    inside = placeable(dates, docs[S.DATE_PRECISION], by)
    target = pd.Period(pd.Timestamp(period), freq=PERIOD_FREQ[by])
    same = (dates.dt.to_period(PERIOD_FREQ[by]) == target).to_numpy(dtype=bool, na_value=False)
    return inside & same
