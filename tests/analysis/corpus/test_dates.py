"""Tests for analysis/corpus/dates.py: dates as written, parsed with their precision."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.corpus import load_uploads, parse_dates
from tests.analysis.corpus.helpers import assert_ledger_invariant


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        ("2023-11-30", "2023-11-30", "day"),
        ("2023-11-30T12:00:00Z", "2023-11-30", "day"),
        ("2023-11-30T23:30:00-05:00", "2023-11-30", "day"),  # wall-clock date kept
        ("2022-03-30 21:00:49", "2022-03-30", "day"),
        ("2023-11", "2023-11-01", "month"),
        ("2023", "2023-01-01", "year"),
        ("30 November 2023", "2023-11-30", "day"),
        ("Nov 30, 2023", "2023-11-30", "day"),
        ("Thursday, November 30, 2023", "2023-11-30", "day"),
        ("November 2023", "2023-11-01", "month"),
        ("2023/11/30", "2023-11-30", "day"),
        ("2023年11月30日", "2023-11-30", "day"),
        ("2023年11月", "2023-11-01", "month"),
        ("2023年", "2023-01-01", "year"),
        ("２０２３年１１月３０日", "2023-11-30", "day"),
        ("20231130", "2023-11-30", "day"),
        ("03/04/2023", "2023-03-04", "day"),  # month first, as pandas reads it
        ("30/04/2023", "2023-04-30", "day"),
        ("30.11.2023", "2023-11-30", "day"),
        ("26-FEB-1987 15:01:01.79", "1987-02-26", "day"),
        ("15:45, 23-Mar-2022", "2022-03-23", "day"),
        (1946, "1946-01-01", "year"),
        (1946.0, "1946-01-01", "year"),
        (20231130, "2023-11-30", "day"),
        (pd.Timestamp("2023-01-05 13:00"), "2023-01-05", "day"),
        ("0850-06-01", "0850-06-01", "day"),  # before pandas' nanosecond range
        ("xyz", None, None),
        ("", None, None),
        (None, None, None),
        ("2023-02-30", None, None),
        ("2023-13", None, None),
        ("March", None, None),  # no year: never invented
        ("3/4/23", None, None),  # two-digit year: a guess
        ("Published: Mar 24, 2022 06:46 PM", None, None),
        (True, None, None),
    ],
)
def test_parse_dates_formats(raw: object, expected: str | None, precision: str | None) -> None:
    dates, precisions = parse_dates(pd.Series([raw], dtype=object))
    if expected is None:
        assert pd.isna(dates.iloc[0])
        assert precisions.iloc[0] is None
    else:
        assert dates.iloc[0] == pd.Timestamp(expected)
        assert precisions.iloc[0] == precision


def test_parse_dates_types_index_and_datetime_input() -> None:
    values = pd.Series(["2023-11-30", None, "2023"], index=[10, 20, 30])
    dates, precisions = parse_dates(values)
    assert dates.dtype == "datetime64[us]"
    assert list(dates.index) == [10, 20, 30]
    assert precisions.tolist() == ["day", None, "year"]
    stamps = pd.Series(pd.to_datetime(["2023-11-30 10:00", None]).tz_localize("UTC"))
    dates, precisions = parse_dates(stamps)
    assert dates.tolist()[0] == pd.Timestamp("2023-11-30")
    assert precisions.tolist() == ["day", None]


def test_parse_dates_100k_rows() -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2000-01-01", periods=3000, freq="D").strftime("%Y-%m-%d")
    values = pd.Series(rng.choice(np.asarray(days), size=100_000))
    dates, precisions = parse_dates(values)
    assert dates.notna().all()
    assert (dates.dt.strftime("%Y-%m-%d") == values).all()
    assert (precisions == "day").all()


@pytest.mark.parametrize("raw", ["-0044-03-15", "-44", "\u22120044-03-15"])
def test_negative_years_are_reported_never_made_positive(raw: str) -> None:
    records = [{"text": "Caesar falls.", "date": raw}, {"text": "Later.", "date": "0044-03-15"}]
    data = "\n".join(json.dumps(r) for r in records).encode()
    corpus = load_uploads([("d.jsonl", data)])
    assert_ledger_invariant(corpus)
    assert pd.isna(corpus.docs["date"].iloc[0])
    assert corpus.docs["date"].iloc[1] == pd.Timestamp("0044-03-15")
    assert corpus.report.loc[0, "reason"] == (
        f"undated: '{raw}' has a negative year (dates before year 1 are not supported; "
        "give the year in a metadata column)"
    )
    dates, _ = parse_dates(pd.Series([raw]))
    assert dates.isna().all()
