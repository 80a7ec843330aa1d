"""The period rule: documents go only into periods their date precision allows."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import OptionError
from analysis.periods import (
    period_label,
    period_mask,
    period_ordinals,
    period_starts,
    placeable,
)

DOCS = pd.DataFrame(
    {
        "date": pd.to_datetime(["2020-05-04", "2020-05-31", "2020-01-01", "2020-05-01", None]),
        "date_precision": ["day", "day", "year", "month", None],
    }
)


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("day", [True, True, False, False, False]),
        ("week", [True, True, False, False, False]),
        ("month", [True, True, False, True, False]),
        ("quarter", [True, True, False, True, False]),
        ("year", [True, True, True, True, False]),
        ("decade", [True, True, True, True, False]),
    ],
)
def test_placeable_follows_precision(by, expected):
    assert placeable(DOCS["date"], DOCS["date_precision"], by).tolist() == expected


def test_period_mask_selects_one_period():
    assert period_mask(DOCS, "month", "2020-05-01").tolist() == [True, True, False, True, False]
    assert period_mask(DOCS, "week", "2020-05-04").tolist() == [True, False, False, False, False]
    assert period_mask(DOCS, "year", "2020-07-09").tolist() == [True, True, True, True, False]


def test_unknown_granularity_names_the_choices():
    with pytest.raises(OptionError, match="Use one of day, week, month, quarter, year, decade"):
        placeable(DOCS["date"], DOCS["date_precision"], "century")


# Decades by hand: 1989-12-31 is in the 1980s, 1990-01-01 and 1999-12-31 in the 1990s,
# 2000-01-01 in the 2000s; a year-only date (1995) still has its decade.
DECADE_DOCS = pd.DataFrame(
    {
        "date": pd.to_datetime(
            ["1989-12-31", "1990-01-01", "1999-12-31", "2000-01-01", "1995-01-01"]
        ),
        "date_precision": ["day", "day", "day", "day", "year"],
    }
)


def test_decade_ordinals_starts_and_labels_by_hand():
    ordinals = period_ordinals(DECADE_DOCS["date"], "decade")
    assert ordinals.tolist() == [198, 199, 199, 200, 199]
    assert period_starts(ordinals, "decade").strftime("%Y-%m-%d").tolist() == [
        "1980-01-01", "1990-01-01", "1990-01-01", "2000-01-01", "1990-01-01",
    ]  # fmt: skip
    assert period_label(pd.Timestamp("2026-12-01"), "decade") == "2020-01-01"
    # the other granularities keep pandas' ordinals (year 1990 is 20 years after 1970)
    assert period_ordinals(pd.to_datetime(pd.Series(["1990-06-01"])), "year").tolist() == [20]


def test_decade_mask_holds_the_year_only_document():
    assert period_mask(DECADE_DOCS, "decade", "1990-01-01").tolist() == [
        False,
        True,
        True,
        False,
        True,
    ]
    assert period_mask(DECADE_DOCS, "decade", "1985-07-04").tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]
