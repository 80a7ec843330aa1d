"""The period rule: documents go only into periods their date precision allows."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import OptionError
from analysis.periods import period_mask, placeable

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
    ],
)
def test_placeable_follows_precision(by, expected):
    assert placeable(DOCS["date"], DOCS["date_precision"], by).tolist() == expected


def test_period_mask_selects_one_period():
    assert period_mask(DOCS, "month", "2020-05-01").tolist() == [True, True, False, True, False]
    assert period_mask(DOCS, "week", "2020-05-04").tolist() == [True, False, False, False, False]
    assert period_mask(DOCS, "year", "2020-07-09").tolist() == [True, True, True, True, False]


def test_unknown_granularity_names_the_choices():
    with pytest.raises(OptionError, match="Use one of day, week, month"):
        placeable(DOCS["date"], DOCS["date_precision"], "decade")
