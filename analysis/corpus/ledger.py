"""The ledger: every input unit ends ``loaded``, ``quarantined`` or ``duplicate``.

Readers (:mod:`analysis.corpus.formats`, :mod:`analysis.corpus.containers`,
:mod:`analysis.corpus.samples`) turn input into units, a document (``_Doc``) or
a refusal with its reason (``_Rejected``), or a block of documents as Arrow
columns (``_Docs``, which :mod:`analysis.corpus.columns` finalises column by
column). ``_finalise_units`` parses the dates,
drops duplicates, renames repeated ids, types the metadata columns and builds
the two tables of a :class:`LoadedCorpus`, so ``units == loaded + quarantined +
duplicates`` and ``loaded == len(docs)`` always hold.

Ledger vocabulary
-----------------
``status`` is ``loaded``, ``quarantined`` or ``duplicate``. ``reason`` is:

- loaded: ``""``, or ``"; "``-joined notes, each starting with a keyword:
  ``undated: no date`` / ``undated: could not parse date '...'``;
  ``renamed: doc_id 'x' was already used; this is 'x#2'``;
  ``precision: ignored date_precision '...'``;
  ``replaced: unpaired surrogates (broken \\u escapes) shown as U+FFFD``;
  ``metadata: 'x' mixes integer and text; the column is stored as text`` (or
  ``holds an integer beyond 64 bits``, ``holds a 5,000-digit number``);
  ``undated: '-0044-03-15' has a negative year (...)``.
- duplicate: ``same text as '<kept doc_id>'`` (also in ``duplicate_of``).
- quarantined: ``no text`` (sometimes with a parenthesis: ``(only the 'date
  ...' line)``, ``(a header row and no data rows)``, ``(an empty JSON
  array)``, ``(the archive holds no files)``, ``(no data rows in any
  sheet)``; a row or record: ``(its text field 'body' is empty or missing)``,
  with ``; no field is named 'text', ... so 'body' was guessed as the one
  with the longest strings`` when no field has a text name, or ``(no field
  holds a string to read as the text)``); ``binary file (...)``; ``bad
  encoding: ...`` (whole file) or ``bad encoding on line N: not UTF-8`` (one
  JSON line); ``invalid JSON on
  line N: <message>``; ``JSON line is not an object (got list)``; ``JSON
  record is not an object (...)``; ``JSON holds ...``; ``text field 'x' holds
  a list, not a string``; ``CSV row has 5 fields, header has 3``; ``CSV parse
  error on line(s) ...``; ``CSV header could not be parsed ...``;
  ``unsupported file type .pdf (...)``; ``unreadable file|gzip|zip|zip
  member|.docx|.xlsx: ...``; ``encrypted zip member (...)``; ``refused: ..., over the limit
  of ... (DASHBOARD_MAX_...); <what to do>, or ask the host to raise the limit``
  (an archive, workbook or upload crossing a limit of :mod:`analysis.limits`:
  one row for it, nothing from it loaded); ``not a regular file: a FIFO (named pipe)|a character
  device|a block device|a socket; only regular files are read``; ``skipped: a
  link to ..., outside the folder (...)``, ``skipped: a link to the folder ...
  inside this folder, whose files are read there``, ``skipped: a broken or
  looping link``, ``skipped: ... was already read``, ``skipped: .DS_Store is
  operating-system clutter`` (uploads); ``bad encoding: this looks like
  EUC-KR (Korean), which is not read (...)``, ``bad encoding: a UTF-8
  byte-order mark over UTF-16 data without its own mark (...)``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.corpus.dates import _NEGATIVE_YEAR, parse_dates
from analysis.corpus.dedup import _all_distinct, _first_copies
from analysis.corpus.digest import _hash_docs
from analysis.schema import (
    DATE,
    DATE_PRECISION,
    DOC_ID,
    DUPLICATE,
    DUPLICATE_OF,
    FILE,
    LINE,
    LOADED,
    LOCATION,
    QUARANTINED,
    REASON,
    REPORT_COLUMNS,
    SOURCE,
    STATUS,
    TEXT,
    TITLE,
    UNDATED,
    UNIT,
)

_PRECISION_RANK: dict[str, int] = {"day": 0, "month": 1, "year": 2}


_NO_TEXT = "no text"
_NO_DATE = f"{UNDATED}: no date"


@dataclass(frozen=True, eq=False)
class LoadedCorpus:
    """A loaded corpus: the documents and the ledger of every input unit.

    Equality is identity (``eq=False``): two frames cannot be compared with
    ``==``; compare :attr:`content_hash` instead.

    Attributes
    ----------
    name : str
        ``"seeds"``, ``"sotu"``, the file or folder name, or ``"upload"``.
    docs : pandas.DataFrame
        One row per loaded document, index ``0..n-1``, in input order.
        Columns ``doc_id`` (str, unique), ``date`` (``datetime64[us]``, NaT when
        undated; month and year dates are stored as the first day of the
        period), ``date_precision`` (``"day"``/``"month"``/``"year"``, None when
        undated), ``title`` (str, may be ``""``), ``source`` (str, ``""`` when
        unknown), ``text`` (str, the body; titles are not prepended), then any
        metadata column the input carries.
    report : pandas.DataFrame
        The ledger, one row per input unit: ``unit`` (0..), ``file`` (path
        relative to the loaded root, ``"a.zip!member.csv"`` inside archives,
        or the uploaded name), ``line`` (1-based, ``<NA>`` for whole files and
        JSON array records), ``location`` (``"file:line"``, ``"file[i]"`` for
        the i-th record of a JSON array, or ``"file"``), ``status``
        (``loaded``/``quarantined``/``duplicate``), ``reason``, ``doc_id`` and
        ``duplicate_of``.

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> corpus = load_corpus("seeds")
    >>> corpus.counts()["loaded"], len(corpus.content_hash)
    (2, 64)
    """

    name: str
    docs: pd.DataFrame
    report: pd.DataFrame

    # cached_property writes to the instance __dict__ directly, which a frozen
    # (non-slots) dataclass allows: the hash of a 200 MB corpus is computed once.
    @cached_property
    def content_hash(self) -> str:
        """SHA-256 hex digest of every docs column, stable across runs and processes."""
        return _hash_docs(self.docs)

    def counts(self) -> dict[str, int]:
        """Unit and document counts for summaries.

        Returns
        -------
        dict
            ``units``, ``loaded``, ``quarantined``, ``duplicates`` (report rows
            by status) and ``undated`` (loaded documents without a date).

        Examples
        --------
        >>> from analysis.corpus import load_corpus
        >>> load_corpus("seeds").counts()
        {'units': 2, 'loaded': 2, 'quarantined': 0, 'duplicates': 0, 'undated': 0}
        """
        status = self.report[STATUS]
        return {
            "units": len(self.report),
            "loaded": int((status == LOADED).sum()),
            "quarantined": int((status == QUARANTINED).sum()),
            "duplicates": int((status == DUPLICATE).sum()),
            "undated": int(self.docs[DATE].isna().sum()),
        }


@dataclass(slots=True)
class _Doc:
    """A unit that parsed into a document (before dates, ids and duplicates)."""

    file: str
    line: int | None
    location: str
    doc_id: str | None  # None: the location stands in as id
    date: object  # the raw value; parsed later, all at once
    precision: object  # a raw ``date_precision`` field, or None
    title: str
    source: str
    text: str
    meta: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class _Rejected:
    file: str
    line: int | None
    location: str
    reason: str


@dataclass(slots=True, eq=False)
class _Docs:
    """Documents of one file, one a line from ``first_line``, as Arrow columns of strings.

    What :func:`_Doc` would hold, a column each: ``texts`` cleaned and none
    empty; ``doc_ids`` stripped, ``""`` where the location stands in;
    ``titles`` stripped; ``sources`` stripped, ``""`` where ``source`` (the
    folder's) stands in; ``dates`` and ``precisions`` raw; ``meta`` the other
    fields under their stored names. A column that is None is absent (no
    field). None of them holds a missing value or an unpaired surrogate.
    """

    file: str
    first_line: int
    source: str
    texts: pa.Array
    doc_ids: pa.Array | None
    titles: pa.Array | None
    sources: pa.Array | None
    dates: pa.Array | None
    precisions: pa.Array | None
    meta: dict[str, pa.Array]

    def __len__(self) -> int:
        return len(self.texts)

    def lines(self) -> pa.Array:
        """The line number of each document."""
        return pa.array(np.arange(self.first_line, self.first_line + len(self), dtype=np.int64))

    def docs(self) -> list[_Doc]:
        """The same documents one by one, as the general reader makes them."""
        n = len(self)

        def column(values: pa.Array | None, default: object) -> list[Any]:
            return [default] * n if values is None else values.to_pylist()

        ids, titles = column(self.doc_ids, ""), column(self.titles, "")
        sources, dates = column(self.sources, ""), column(self.dates, None)
        precisions, texts = column(self.precisions, None), self.texts.to_pylist()
        keys = list(self.meta)
        meta_rows = zip(*(self.meta[key].to_pylist() for key in keys), strict=True)
        units = []
        for row in range(n):
            line = self.first_line + row
            units.append(
                _Doc(
                    file=self.file,
                    line=line,
                    location=f"{self.file}:{line}",
                    doc_id=ids[row] or None,
                    date=dates[row],
                    precision=precisions[row],
                    title=titles[row],
                    source=sources[row] or self.source,
                    text=texts[row],
                    meta=dict(zip(keys, next(meta_rows), strict=True)) if keys else {},
                )
            )
        return units


_Unit: TypeAlias = _Doc | _Rejected | _Docs


def _reject(label: str, reason: str, line: int | None = None, location: str = "") -> _Rejected:
    if not location:
        location = f"{label}:{line}" if line is not None else label
    return _Rejected(file=label, line=line, location=location, reason=reason)


def _finalise_units(name: str, units: list[_Doc | _Rejected]) -> LoadedCorpus:
    """The corpus of units read one by one (:mod:`analysis.corpus.columns` reads blocks)."""
    docs = [unit for unit in units if isinstance(unit, _Doc)]
    notes: list[list[str]] = [[] for _ in docs]

    for position, doc in enumerate(docs):
        if _replace_surrogates(doc):
            notes[position].append(
                "replaced: unpaired surrogates (broken \\u escapes) shown as U+FFFD"
            )
    dates, precisions = parse_dates(pd.Series([doc.date for doc in docs], dtype=object))
    day_values = dates.to_numpy(dtype="datetime64[us]").copy()
    precision_values = precisions.to_numpy(dtype=object).copy()
    _apply_declared_precision(docs, day_values, precision_values, notes)
    for position, doc in enumerate(docs):
        if np.isnat(day_values[position]):
            notes[position].insert(0, _undated_reason(doc.date))

    statuses, duplicate_of, final_ids = _deduplicate(docs, notes)
    keep = np.array([status == LOADED for status in statuses], dtype=bool)
    kept = [doc for doc, loaded in zip(docs, keep, strict=True) if loaded]
    kept_notes = [note for note, loaded in zip(notes, keep, strict=True) if loaded]
    meta_columns = {
        key: _metadata_series(key, [doc.meta.get(key) for doc in kept], kept_notes)
        for key in dict.fromkeys(key for doc in kept for key in doc.meta)
    }

    report_rows: dict[str, list[Any]] = {column: [] for column in REPORT_COLUMNS}
    doc_position = 0
    for number, unit in enumerate(units):
        report_rows[UNIT].append(number)
        # labels from file names (undecodable bytes arrive as lone surrogates)
        # and reasons quoting a field name or value
        report_rows[FILE].append(_no_surrogates(unit.file))
        report_rows[LINE].append(unit.line)
        report_rows[LOCATION].append(_no_surrogates(unit.location))
        if isinstance(unit, _Rejected):
            report_rows[STATUS].append(QUARANTINED)
            report_rows[REASON].append(_no_surrogates(unit.reason))
            report_rows[DOC_ID].append("")
            report_rows[DUPLICATE_OF].append("")
        else:
            report_rows[STATUS].append(statuses[doc_position])
            report_rows[REASON].append("; ".join(notes[doc_position]))
            report_rows[DOC_ID].append(final_ids[doc_position])
            report_rows[DUPLICATE_OF].append(duplicate_of[doc_position])
            doc_position += 1
    report = pd.DataFrame(
        {
            UNIT: pd.Series(report_rows[UNIT], dtype="int64"),
            FILE: pd.Series(report_rows[FILE], dtype="str"),
            LINE: pd.Series(report_rows[LINE], dtype="Int64"),
            LOCATION: pd.Series(report_rows[LOCATION], dtype="str"),
            STATUS: pd.Series(report_rows[STATUS], dtype="str"),
            REASON: pd.Series(report_rows[REASON], dtype="str"),
            DOC_ID: pd.Series(report_rows[DOC_ID], dtype="str"),
            DUPLICATE_OF: pd.Series(report_rows[DUPLICATE_OF], dtype="str"),
        }
    )

    columns: dict[str, Any] = {
        DOC_ID: pd.Series([i for i, k in zip(final_ids, keep, strict=True) if k], dtype="str"),
        DATE: pd.Series(day_values[keep], dtype="datetime64[us]"),
        DATE_PRECISION: pd.Series(precision_values[keep], dtype=object),
        TITLE: pd.Series([doc.title for doc in kept], dtype="str"),
        SOURCE: pd.Series([doc.source for doc in kept], dtype="str"),
        TEXT: pd.Series([doc.text for doc in kept], dtype="str"),
    }
    columns.update(meta_columns)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(kept)))
    return LoadedCorpus(name=name, docs=frame, report=report)


_SURROGATES = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any) -> Any:
    """``value`` with unpaired surrogates as U+FFFD, in strings, lists and dicts.

    A JSON ``\\u`` escape of half a surrogate pair, or an undecodable byte
    in a file name, arrives as one; text columns must be valid Unicode.
    """
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATES.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return type(value)(_no_surrogates(item) for item in value)
    if isinstance(value, dict):
        return {_no_surrogates(key): _no_surrogates(item) for key, item in value.items()}
    return value


_FIELDS = ("text", "title", "source", "doc_id", "file", "location", "meta", "date", "precision")


def _replace_surrogates(doc: _Doc) -> bool:
    """Replace the unpaired surrogates of a document's fields; whether there were any."""
    changed = False
    for name in _FIELDS:
        value = getattr(doc, name)
        # Tested, not compared after replacing: NaN (a missing date) is never equal to itself.
        if _has_surrogates(value):
            setattr(doc, name, _no_surrogates(value))
            changed = True
    return changed


def _has_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return not value.isascii() and not _encodes(value)
    if isinstance(value, list | tuple):
        return any(_has_surrogates(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogates(k) or _has_surrogates(v) for k, v in value.items())
    return False


def _encodes(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no unpaired surrogate): faster than a search."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _apply_declared_precision(
    docs: list[_Doc], days: np.ndarray, precisions: np.ndarray, notes: list[list[str]]
) -> None:
    """Honour a ``date_precision`` field, which can only make a date coarser.

    ``1946-01-01`` declared ``"year"`` is a year, not the first of January; a
    declared ``"day"`` on ``"2023-11"`` stays a month: no day is invented.
    """
    for position, doc in enumerate(docs):
        declared = doc.precision
        if declared is None or (isinstance(declared, float) and math.isnan(declared)):
            continue
        wanted = str(declared).strip().lower()
        if wanted not in _PRECISION_RANK:
            notes[position].append(f"precision: ignored date_precision {str(declared)[:20]!r}")
            continue
        parsed = precisions[position]
        if parsed is None or _PRECISION_RANK[wanted] <= _PRECISION_RANK[str(parsed)]:
            continue
        unit = "Y" if wanted == "year" else "M"
        days[position] = days[position].astype(f"datetime64[{unit}]").astype("datetime64[us]")
        precisions[position] = wanted


def _undated_reason(raw: object) -> str:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or not str(raw).strip():
        return _NO_DATE
    shown = str(raw).strip()
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if _NEGATIVE_YEAR.match(unicodedata.normalize("NFKC", shown)):
        return (
            f"{UNDATED}: '{shown}' has a negative year (dates before year 1 are not "
            "supported; give the year in a metadata column)"
        )
    return f"{UNDATED}: could not parse date '{shown}'"


def _deduplicate(
    docs: list[_Doc], notes: list[list[str]]
) -> tuple[list[str], list[str], list[str]]:
    """Statuses, kept-copy ids and final ids, in input order (first copy wins)."""
    first = _first_copies(pa.array([doc.text for doc in docs], pa.large_string())).tolist()
    loaded = [at == position for position, at in enumerate(first)]
    final_ids = [doc.doc_id or doc.location for doc in docs]
    renamed = _renamed(pa.array(final_ids, pa.large_string()), np.array(loaded, dtype=bool))
    for position, final in renamed.items():
        notes[position].append(_renamed_note(final_ids[position], final))
        final_ids[position] = final
    statuses = [LOADED if kept else DUPLICATE for kept in loaded]
    duplicate_of = ["" if kept else final_ids[at] for kept, at in zip(loaded, first, strict=True)]
    for position, kept_id in enumerate(duplicate_of):
        if kept_id:
            # Date notes do not matter for a copy that is not loaded.
            notes[position][:] = [_same_text_note(kept_id)]
    return statuses, duplicate_of, final_ids


def _renamed(wanted: pa.Array, loaded: np.ndarray) -> dict[int, str]:
    """Position and new id of each loaded document whose id an earlier one already took.

    Ids are ``id#2``, ``id#3``... (the first not yet used); the ids of
    copies that are not loaded are never taken.
    """
    ids = pc.filter(wanted, pa.array(loaded))
    if _all_distinct(ids):
        return {}
    renamed: dict[int, str] = {}
    used: set[str] = set()
    for position, wanted_id in zip(np.flatnonzero(loaded).tolist(), ids.to_pylist(), strict=True):
        final = wanted_id
        if final in used:
            suffix = 2
            while f"{wanted_id}#{suffix}" in used:
                suffix += 1
            final = renamed[position] = f"{wanted_id}#{suffix}"
        used.add(final)
    return renamed


def _renamed_note(wanted: str, final: str) -> str:
    return f"renamed: doc_id {wanted!r} was already used; this is {final!r}"


def _same_text_note(kept: str) -> str:
    return f"same text as {kept!r}"


_INT64 = (-(2**63), 2**63 - 1)


def _value_kind(value: Any) -> str | None:
    """The storage kind of one metadata value (None: missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, int | np.integer):
        return "integer" if _INT64[0] <= int(value) <= _INT64[1] else "huge integer"
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else "number"
    if isinstance(value, _LongNumber):
        return "long number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime | date | pd.Timestamp):
        return "date"
    if isinstance(value, list | tuple | dict):
        return "list or object"
    return type(value).__name__


def _as_text(value: Any) -> Any:
    kind = _value_kind(value)
    if kind is None:
        return None
    if kind == "list or object":
        return json.dumps(value, ensure_ascii=False, default=str)
    if kind == "date":
        return value.isoformat()
    return str(value)


def _metadata_series(name: str, values: list[Any], notes: list[list[str]]) -> pd.Series:
    """One metadata column; values of kinds that cannot share a column are stored as text.

    Integers beside floats are numbers; integers beyond 64 bits, and any other
    mix (numbers and text, dates and ``n/a``), make the column text, with a note
    on each row whose value was not text before.
    """
    kinds = [_value_kind(value) for value in values]
    present = {kind for kind in kinds if kind is not None}
    if present <= {"integer"} and present:
        # Integers with gaps would otherwise turn into floats.
        return pd.Series(values, dtype="Int64" if None in kinds else "int64")
    if present == {"integer", "number"} and all(
        abs(int(value)) <= 2**53
        for value, kind in zip(values, kinds, strict=True)
        if kind == "integer"
    ):
        return pd.Series(
            [np.nan if k is None else float(v) for v, k in zip(values, kinds, strict=True)]
        )
    if len(present) <= 1 and not present & {"huge integer", "long number"}:
        return pd.Series(values)
    text_kinds = {"text", "list or object"}
    ordinary = present - {"huge integer", "long number"}
    mix = " and ".join(sorted(ordinary))
    for position, kind in enumerate(kinds):
        if kind == "huge integer":
            why = f"{name!r} holds an integer beyond 64 bits"
        elif kind == "long number":
            why = f"{name!r} holds a {len(values[position]):,}-digit number"
        elif len(ordinary) > 1 and kind is not None and kind not in text_kinds:
            why = f"{name!r} mixes {mix}"
        else:
            continue
        notes[position].append(f"metadata: {why}; the column is stored as text")
    return pd.Series([_as_text(value) for value in values], dtype=object)


class _LongNumber(str):
    """A JSON number kept as its digits (too long for ``int``, or beyond ``float``)."""

    __slots__ = ()
