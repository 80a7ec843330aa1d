"""The option checks shared by kwic, collocates and topics: their messages, word for word."""

from __future__ import annotations

import pytest

from analysis.errors import OptionError, check_at_least, check_one_of


@pytest.mark.parametrize(
    ("name", "value", "least", "unit", "message"),
    [
        ("window", -1, 0, "words", "window must be 0 or more words, not -1."),
        ("offset", -3, 0, "lines", "offset must be 0 or more lines, not -3."),
        ("window", 0, 1, "word", "window must be at least 1 word, not 0."),
        ("limit", 0, 1, "", "limit must be at least 1, not 0."),
        ("max_passages", 1, 2, "", "max_passages must be at least 2, not 1."),
    ],
)
def test_at_least_refuses_a_value_below_the_bound(
    name: str, value: int, least: int, unit: str, message: str
) -> None:
    with pytest.raises(OptionError) as caught:
        check_at_least(name, value, least, unit)
    assert str(caught.value) == message


def test_at_least_accepts_the_bound_itself() -> None:
    check_at_least("window", 0, 0, "words")
    check_at_least("max_passages", 2, 2)


@pytest.mark.parametrize(
    ("allowed", "message"),
    [
        (("left", "right", "position"), "Unknown sort 'x'. Use 'left', 'right' or 'position'."),
        (("nmf", "lda"), "Unknown sort 'x'. Use 'nmf' or 'lda'."),
        (("only",), "Unknown sort 'x'. Use 'only'."),
    ],
)
def test_one_of_names_every_choice(allowed: tuple[str, ...], message: str) -> None:
    with pytest.raises(OptionError) as caught:
        check_one_of("sort", "x", allowed)
    assert str(caught.value) == message
    check_one_of("sort", allowed[-1], allowed)
