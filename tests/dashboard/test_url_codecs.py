"""The option table's codecs, one by one (the table's round trips are in test_options)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.url_codecs import (
    MAX_TEXT,
    BadValue,
    Choice,
    IntRange,
    IsoDate,
    Pairs,
    Switch,
    Text,
    Words,
)


def test_text_trims_takes_the_last_value_and_cuts_at_the_limit() -> None:
    codec = Text(limit=5)
    assert codec.decode(["first", "  second  "], "").value == "secon"
    assert codec.decode(["   "], "fallback").value == "fallback"
    with pytest.raises(BadValue):
        Text(check=str.isdigit).decode(["12a"], "")


def test_choice_reads_only_its_words() -> None:
    codec = Choice(("count", "per_million"))
    assert codec.decode(["per_million"], "count").value == "per_million"
    with pytest.raises(BadValue):
        codec.decode(["Count"], "count")
    assert codec.describe() == "`count` / `per_million`"


def test_switch_writes_its_words_and_plain_switches_read_one_and_zero() -> None:
    assert Switch().encode(True) == ["on"]
    assert Switch(true="show", false="hide").encode(False) == ["hide"]
    assert Switch().decode(["1"], False).value is True
    assert Switch().decode(["false"], True).value is False
    with pytest.raises(BadValue):
        Switch(true="show", false="hide").decode(["1"], False)


def test_int_range_holds_both_ends_and_refuses_signs_and_words() -> None:
    codec = IntRange(5, 200)
    assert [codec.decode([v], 30).value for v in ("5", "200", " 17 ")] == [5, 200, 17]
    for bad in ("4", "201", "-5", "+5", "ten", "5.0"):
        with pytest.raises(BadValue):
            codec.decode([bad], 30)


def test_iso_date_reads_days_as_dates_or_as_text() -> None:
    assert IsoDate().decode(["2023-11-30"], None).value == dt.date(2023, 11, 30)
    assert IsoDate(as_text=True).decode(["2023-11-30"], "").value == "2023-11-30"
    assert IsoDate().encode(dt.date(1790, 1, 8)) == ["1790-01-08"]
    assert IsoDate().to_json(dt.date(1790, 1, 8)) == "1790-01-08"
    with pytest.raises(BadValue):
        IsoDate().decode(["2023-02-30"], None)


def test_words_trim_deduplicate_bound_and_name_the_rejected() -> None:
    got = Words(most=2, check=lambda w: w != "bad").decode(
        [" a ", "a", "", "bad", "b", "c", "x" * (MAX_TEXT + 5)], ()
    )
    assert got.value == ("a", "b")  # 4 kept words (a, b, c, x...), the first 2 returned
    assert got.note == "only the first 2 kept"
    assert got.rejected == ("bad",)
    assert Words().decode(["x" * (MAX_TEXT + 5)], ()).value == ("x" * MAX_TEXT,)
    assert Words().encode(("a", "b")) == ["a", "b"]
    assert Words.repeated


def test_pairs_group_values_by_column_and_bound_them() -> None:
    codec = Pairs(most=2)
    got = codec.decode(["party=Whig", "speaker=A", "party=Whig", "party=Federalist", "x"], ())
    assert got.value == (("party", ("Whig",)), ("speaker", ("A",)))
    assert got.note == "only the first 2 kept"
    assert got.rejected == ("x",)
    assert codec.encode(got.value) == ["party=Whig", "speaker=A"]
    assert codec.to_json(got.value) == {"party": ["Whig"], "speaker": ["A"]}
