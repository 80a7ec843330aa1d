"""Dates as written in corpora: parse them, and say how precise each one is.

:func:`parse_dates` turns strings, numbers and datetimes into days with a
precision (``day``, ``month``, ``year``), never inventing a day or month the
input did not give. The loader parses every document's raw date here, once per
distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Literal

import numpy as np
import pandas as pd

from analysis.schema import DATE, DATE_PRECISION

Precision = Literal["day", "month", "year"]


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates and say how precise each one is, without inventing days.

    Work is done once per unique value, so 100k rows with a few thousand
    distinct dates take milliseconds.

    Parameters
    ----------
    values
        Strings, integers (``2023`` is a year, ``20231130`` a day), datetimes,
        or missing values, in any mix.

    Returns
    -------
    dates : pandas.Series
        ``datetime64[us]``, time zone dropped (the wall-clock date as written is
        kept) and time of day floored to midnight; NaT when missing or not
        understood. Month and year dates are the first day of the period.
    precision : pandas.Series
        ``"day"``, ``"month"``, ``"year"``, or None where the date is NaT.

    Notes
    -----
    Understood: ISO ``2023-11-30`` with optional time and zone, ``2023/11/30``,
    ``20231130``, ``2023-11`` (month), ``2023`` (year), ``30 November 2023``,
    ``Nov 30, 2023``, ``November 2023`` (month), ``23-Mar-2022``,
    ``2023年11月30日``, ``2023年11月`` (month), ``2023年`` (year), and what
    ``dateutil`` reads when the string shows a four-digit year. Numeric
    ``03/04/2023`` is read month-first (US, as pandas does) unless the first
    number exceeds 12; dotted ``30.11.2023`` is read day-first. Two-digit years
    are not accepted.

    Examples
    --------
    >>> dates, precision = parse_dates(pd.Series(["2023-11-30", "2023-11", "1946", "soon"]))
    >>> dates.dt.strftime("%Y-%m-%d").tolist()
    ['2023-11-30', '2023-11-01', '1946-01-01', nan]
    >>> precision.tolist()
    ['day', 'month', 'year', None]
    """
    values = pd.Series(values)
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        days = values.dt.floor("D").astype("datetime64[us]")
        precision = np.full(len(days), None, dtype=object)
        precision[days.notna().to_numpy()] = "day"
        return (
            pd.Series(days.to_numpy(), index=index, name=DATE),
            pd.Series(precision, index=index, dtype=object, name=DATE_PRECISION),
        )

    objects = values.astype(object)
    try:
        codes, uniques = pd.factorize(objects, use_na_sentinel=True)
    except TypeError:
        # Unhashable cells (lists from JSON) cannot be dates; compare them as text.
        codes, uniques = pd.factorize(objects.map(_hashable), use_na_sentinel=True)

    n_unique = len(uniques)
    # One extra slot at the end receives the -1 code of missing values.
    days_by_code = np.full(n_unique + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    precision_by_code = np.full(n_unique + 1, None, dtype=object)
    for position, value in enumerate(uniques):
        parsed = _parse_date_value(value)
        if parsed is not None:
            days_by_code[position] = np.datetime64(parsed[0], "D")
            precision_by_code[position] = parsed[1]
    dates = pd.Series(days_by_code[codes].astype("datetime64[us]"), index=index, name=DATE)
    precision_series = pd.Series(
        precision_by_code[codes], index=index, dtype=object, name=DATE_PRECISION
    )
    return dates, precision_series


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_TIME_TAIL = (
    r"(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp][Mm])?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME_TAIL)
_YM = re.compile(r"(\d{4})[-/.](\d{1,2})")
_Y = re.compile(r"(\d{4})(?:\.0)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_HAN_YMD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]" + r"(?:\s*\S.*)?")
_HAN_YM = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月份?")
_HAN_Y = re.compile(r"(\d{4})\s*年度?")
_WEEKDAY = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_D_MONTH_Y = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?,?\s+(\d{4})", re.I)
_MONTH_D_Y = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)
_MONTH_Y = re.compile(r"([a-z]+)\.?,?\s+(\d{4})", re.I)
_D_MON_Y = re.compile(r"(\d{1,2})-([a-z]{3,9})-(\d{4})", re.I)
_NUMERIC_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")
#: A year written with a minus sign (ISO 8601 expanded years, astronomical numbering).
_NEGATIVE_YEAR = re.compile(r"[-\u2212]\s*\d")


def _parse_date_value(value: object) -> tuple[date, str] | None:
    """One raw value -> (first day of the period, precision), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):  # pandas.Timestamp included
        return value.date(), "day"
    if isinstance(value, date):
        return value, "day"
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else (pd.Timestamp(value).date(), "day")
    if isinstance(value, int | np.integer):
        return _from_number(int(value))
    if isinstance(value, float | np.floating):
        return _from_number(int(value)) if float(value).is_integer() else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or _NEGATIVE_YEAR.match(text):
        return None  # "-0044-03-15" is 44 BC, never the year 44
    return _parse_date_text(text)


def _from_number(number: int) -> tuple[date, str] | None:
    if 1000 <= number <= 9999:
        return date(number, 1, 1), "year"
    if 10000101 <= number <= 99991231:
        return _day(number // 10000, number // 100 % 100, number % 100)
    return None


def _day(year: int, month: int, day: int) -> tuple[date, str] | None:
    try:
        return date(year, month, day), "day"
    except ValueError:
        return None


def _month(year: int, month: int) -> tuple[date, str] | None:
    return (date(year, month, 1), "month") if year >= 1 and 1 <= month <= 12 else None


def _year(year: int) -> tuple[date, str] | None:
    return (date(year, 1, 1), "year") if year >= 1 else None


def _parse_date_text(text: str) -> tuple[date, str] | None:
    if match := _YMD.fullmatch(text):
        return _day(int(match[1]), int(match[3]), int(match[4]))
    if match := _Y.fullmatch(text):
        return _year(int(match[1]))
    if match := _YM.fullmatch(text):
        return _month(int(match[1]), int(match[2]))
    if match := _COMPACT.fullmatch(text):
        return _day(int(match[1]), int(match[2]), int(match[3]))
    if match := _HAN_YMD.fullmatch(text):
        return _day(int(match[1]), int(match[2]), int(match[3]))
    if match := _HAN_YM.fullmatch(text):
        return _month(int(match[1]), int(match[2]))
    if match := _HAN_Y.fullmatch(text):
        return _year(int(match[1]))
    plain = _WEEKDAY.sub("", text, count=1) if _WEEKDAY.match(text) else text
    for pattern, order in ((_D_MONTH_Y, "dmy"), (_D_MON_Y, "dmy"), (_MONTH_D_Y, "mdy")):
        if (match := pattern.fullmatch(plain)) is not None:
            day_text, month_name = (match[1], match[2]) if order == "dmy" else (match[2], match[1])
            month = _MONTHS.get(month_name.lower())
            return _day(int(match[3]), month, int(day_text)) if month else None
    if match := _MONTH_Y.fullmatch(plain):
        month = _MONTHS.get(match[1].lower())
        return _month(int(match[2]), month) if month else None
    if match := _NUMERIC_DMY.fullmatch(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        # Dots are European day-first; slashes and dashes read month-first (US, as
        # pandas does) unless the first number cannot be a month.
        if match[2] == "." or first > 12:
            return _day(year, second, first)
        return _day(year, first, second)
    return _parse_with_dateutil(text)


def _parse_with_dateutil(text: str) -> tuple[date, str] | None:
    """Last resort. Parsing twice with different defaults shows which parts were invented."""
    from dateutil import parser  # a pandas dependency

    if not _FOUR_DIGITS.search(text):
        return None  # two-digit years are guesses
    try:
        first = parser.parse(text, default=datetime(1, 1, 1))
        second = parser.parse(text, default=datetime(2, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return None
    if first.year != second.year or str(first.year) not in text:
        return None
    if first.month != second.month:
        return date(first.year, 1, 1), "year"
    if first.day != second.day:
        return date(first.year, first.month, 1), "month"
    return first.date(), "day"


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value
