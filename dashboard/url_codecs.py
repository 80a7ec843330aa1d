"""The codecs of the option table: how one option's value is written as URL values and read back.

Each codec of :data:`dashboard.options.OPTIONS` writes a value as a list of
URL values (one, or one per item for a repeated name), reads such a list
back, says what it reads for the README table, and gives the value's plain
JSON form for the settings record of exports. A value the codec cannot read
raises :class:`BadValue`; the option then keeps its default. Pure: no
streamlit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 200  # longest keyword/term/doc id taken from a URL


class BadValue(ValueError):
    """A URL value the codec cannot read; the option keeps its default."""


@dataclass(frozen=True)
class Decoding:
    """What a codec read: the value, and a note when it had to change it (clamped)."""

    value: Any
    note: str = ""
    rejected: tuple[str, ...] = ()  #: values of a list left out (the rest still count)


class Codec:
    """Writes an option's value as URL values and reads it back."""

    #: Whether the URL repeats the name, one value each (words, sources).
    repeated = False

    def encode(self, value: Any) -> list[str]:
        return [str(value)]

    def decode(self, values: list[str], default: Any) -> Decoding:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Text(Codec):
    """One trimmed string, at most ``limit`` characters; ``check`` validates it."""

    limit: int = MAX_TEXT
    check: Callable[[str], bool] | None = None
    what: str = "text"

    def decode(self, values: list[str], default: Any) -> Decoding:
        value = values[-1].strip()
        if not value:
            return Decoding(default)
        if self.check is not None and not self.check(value):
            raise BadValue(value)
        return Decoding(value[: self.limit])

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class Choice(Codec):
    """One of a fixed set of words."""

    options: tuple[str, ...]

    def decode(self, values: list[str], default: Any) -> Decoding:
        if values[-1] not in self.options:
            raise BadValue(values[-1])
        return Decoding(values[-1])

    def describe(self) -> str:
        return " / ".join(f"`{o}`" for o in self.options)


@dataclass(frozen=True)
class Switch(Codec):
    """A boolean written as a word (``on``/``off``, or ``show``/``hide``...)."""

    true: str = "on"
    false: str = "off"

    def encode(self, value: Any) -> list[str]:
        return [self.true if value else self.false]

    def decode(self, values: list[str], default: Any) -> Decoding:
        value = values[-1]
        plain = self.true == "on"  # on/off switches also read 1/0 and true/false
        if value == self.true or (plain and value in ("1", "true")):
            return Decoding(True)
        if value == self.false or (plain and value in ("0", "false")):
            return Decoding(False)
        raise BadValue(value)

    def describe(self) -> str:
        return f"`{self.true}` / `{self.false}`"


@dataclass(frozen=True)
class IntRange(Codec):
    """A whole number from ``low`` to ``high``; any other value is ignored."""

    low: int
    high: int

    def decode(self, values: list[str], default: Any) -> Decoding:
        raw = values[-1].strip()
        if not (raw.isdigit() and self.low <= int(raw) <= self.high):
            raise BadValue(raw)
        return Decoding(int(raw))

    def describe(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class IsoDate(Codec):
    """A day, ``YYYY-MM-DD``."""

    as_text: bool = False  # stored as its ISO string rather than a date

    def encode(self, value: Any) -> list[str]:
        return [value if isinstance(value, str) else value.isoformat()]

    def decode(self, values: list[str], default: Any) -> Decoding:
        try:
            day = dt.date.fromisoformat(values[-1].strip())
        except ValueError as error:
            raise BadValue(values[-1]) from error
        return Decoding(day.isoformat() if self.as_text else day)

    def describe(self) -> str:
        return "ISO date"

    def to_json(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class Words(Codec):
    """A list of words or lines, one URL value each: trimmed, de-duplicated, bounded."""

    most: int = 1_000
    check: Callable[[str], bool] | None = None

    repeated = True

    def encode(self, value: Any) -> list[str]:
        return list(value)

    def decode(self, values: list[str], default: Any) -> Decoding:
        seen: dict[str, None] = {}
        bad = []
        for raw in values:
            word = raw.strip()[:MAX_TEXT]
            if not word:
                continue
            if self.check is not None and not self.check(word):
                bad.append(raw)
                continue
            seen.setdefault(word, None)
        words = tuple(seen)
        note = f"only the first {self.most} kept" if len(words) > self.most else ""
        return Decoding(words[: self.most], note, tuple(bad))

    def describe(self) -> str:
        return "repeated"


@dataclass(frozen=True)
class Pairs(Codec):
    """Values per column (``Filters.metadata``), one ``column=value`` URL value each.

    Columns keep the order they first appear in, values their order, both
    de-duplicated; a value without ``=``, column or value is left out.
    """

    most: int = 200

    repeated = True

    def encode(self, value: Any) -> list[str]:
        return [f"{column}={item}" for column, items in value for item in items]

    def decode(self, values: list[str], default: Any) -> Decoding:
        found: dict[str, dict[str, None]] = {}
        bad = []
        kept = 0
        for raw in values:
            column, sep, item = raw.partition("=")
            column, item = column.strip()[:MAX_TEXT], item.strip()[:MAX_TEXT]
            if not (sep and column and item):
                bad.append(raw)
                continue
            if kept < self.most and item not in found.get(column, {}):
                found.setdefault(column, {})[item] = None
                kept += 1
        note = f"only the first {self.most} kept" if len(values) - len(bad) > self.most else ""
        pairs = tuple((column, tuple(items)) for column, items in found.items())
        return Decoding(pairs, note, tuple(bad))

    def describe(self) -> str:
        return "repeated `column=value`"

    def to_json(self, value: Any) -> Any:
        return {column: list(items) for column, items in value}
