"""Rows, lines and records of tables and JSON: which field is which, and one unit each.

The text, date, title, source, id and precision fields are found by name
(case-insensitive, in order of preference), or as given by ``text_column`` /
``date_column``; with no text name the column with the longest strings is the
text. Every other field is kept as metadata.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeAlias

from analysis.corpus.encoding import _clean
from analysis.corpus.ledger import _NO_TEXT, _Doc, _reject, _Rejected, _Unit
from analysis.corpus.options import _Options
from analysis.errors import CorpusError
from analysis.schema import CORPUS_COLUMNS

# Field names recognised in tables and JSON, in order of preference (case-insensitive).
_TEXT_NAMES = ("text", "body", "content", "full_text", "article", "speech")
_DATE_NAMES = ("date", "published", "publish_date", "timestamp", "time", "year")
_TITLE_NAMES = ("title", "headline")
_SOURCE_NAMES = ("source", "outlet", "publisher", "media")
_ID_NAMES = ("doc_id", "id")
_PRECISION_NAMES = ("date_precision",)


_Record: TypeAlias = tuple[int | None, str, dict[str, Any]]  # line, location, fields


@dataclass(frozen=True)
class _Roles:
    text: str | None
    date: str | None
    title: str | None
    source: str | None
    doc_id: str | None
    precision: str | None
    text_guessed: bool = False  # no field has a text name: the longest strings were taken

    @property
    def no_text(self) -> str:
        """The reason a record without text is quarantined, naming the field read."""
        if self.text is None:
            return f"{_NO_TEXT} (no field holds a string to read as the text)"
        if self.text_guessed:
            names = ", ".join(repr(name) for name in _TEXT_NAMES[:-1])
            names += f" or {_TEXT_NAMES[-1]!r}"
            return (
                f"{_NO_TEXT} (its text field {self.text!r} is empty or missing; no field is "
                f"named {names}, so {self.text!r} was guessed as the one with the longest "
                "strings)"
            )
        return f"{_NO_TEXT} (its text field {self.text!r} is empty or missing)"

    @property
    def used(self) -> frozenset[str]:
        names = (self.text, self.date, self.title, self.source, self.doc_id, self.precision)
        return frozenset(name for name in names if name is not None)


def _records_units(
    label: str, items: list[_Rejected | _Record], source: str, options: _Options
) -> list[_Unit]:
    records = [item[2] for item in items if not isinstance(item, _Rejected)]
    columns = list(dict.fromkeys(key for record in records for key in record))
    roles = _detect_roles(label, columns, records, options)
    # A metadata field that shares a corpus column's name (a "text" field beside
    # text_column="body") is kept under a prefixed name rather than overwritten.
    renamed = {
        name: f"meta_{name}"
        for name in columns
        if name in CORPUS_COLUMNS and name not in roles.used
    }
    units: list[_Unit] = []
    used = roles.used  # once per file, not per record
    for item in items:
        if isinstance(item, _Rejected):
            units.append(item)
        else:
            units.append(_record_unit(label, item, roles, renamed, source, used))
    return units


def _detect_roles(
    label: str, columns: list[str], records: list[dict[str, Any]], options: _Options
) -> _Roles:
    lowered: dict[str, str] = {}
    for name in columns:
        lowered.setdefault(str(name).lower(), name)
    taken: set[str] = set()

    def explicit(wanted: str, what: str) -> str:
        match = wanted if wanted in columns else lowered.get(wanted.lower())
        if match is None:
            raise CorpusError(
                f"{label} has no column {wanted!r} for the {what}. Available columns: "
                f"{', '.join(map(str, columns)) or '(none)'}. Pass one of them as "
                f"{what}_column=..."
            )
        taken.add(match)
        return match

    def pick(names: tuple[str, ...]) -> str | None:
        for name in names:
            match = lowered.get(name)
            if match is not None and match not in taken:
                taken.add(match)
                return match
        return None

    text = explicit(options.text_column, "text") if options.text_column else pick(_TEXT_NAMES)
    guessed = text is None
    day = explicit(options.date_column, "date") if options.date_column else pick(_DATE_NAMES)
    doc_id = pick(_ID_NAMES)
    precision = pick(_PRECISION_NAMES)
    src = pick(_SOURCE_NAMES)
    title = pick(_TITLE_NAMES)
    if text is None:
        # No recognised name: the column with the longest strings is the text.
        # A title column may serve (headline-only tables).
        candidates = [name for name in columns if name not in taken or name == title]
        best, best_length = None, 0.0
        for name in candidates:
            total = sum(len(r[name]) for r in records if isinstance(r.get(name), str))
            mean = total / len(records) if records else 0.0
            if mean > best_length:
                best, best_length = name, mean
        text = best
    return _Roles(
        text=text,
        date=day,
        title=title,
        source=src,
        doc_id=doc_id,
        precision=precision,
        text_guessed=guessed and text is not None,
    )


def _record_unit(
    label: str,
    record: _Record,
    roles: _Roles,
    renamed: dict[str, str],
    source: str,
    used: frozenset[str],
) -> _Unit:
    line, location, fields = record
    raw = fields.get(roles.text) if roles.text is not None else None
    if isinstance(raw, str):
        text = _clean(raw)
    elif raw is None or (isinstance(raw, float) and math.isnan(raw)):
        text = ""
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        text = str(raw)
    else:
        reason = f"text field {roles.text!r} holds a {_json_type(raw)}, not a string"
        return _reject(label, reason, line, location)
    if not text:
        return _reject(label, roles.no_text, line, location)
    meta = {renamed.get(key, key): value for key, value in fields.items() if key not in used}
    return _Doc(
        file=label,
        line=line,
        location=location,
        doc_id=(_as_label(fields.get(roles.doc_id)) or None) if roles.doc_id else None,
        date=fields.get(roles.date) if roles.date else None,
        precision=fields.get(roles.precision) if roles.precision else None,
        title=_as_label(fields.get(roles.title)) if roles.title else "",
        source=(_as_label(fields.get(roles.source)) if roles.source else "") or source,
        text=text,
        meta=meta,
    )


def _as_label(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _json_type(value: object) -> str:
    names = {list: "list", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    fallback = "number" if isinstance(value, int | float) else type(value).__name__
    return names.get(type(value), fallback)
