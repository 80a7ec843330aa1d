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
why they are undated. The reasons are listed in :mod:`analysis.corpus.ledger`.

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

Modules
-------
Imports go one way, from the leaves up to this package's entry points:
:mod:`~analysis.corpus.dates` (date parsing and precision) and
:mod:`~analysis.corpus.encoding` (bytes to text, or the reason not) import no
sibling, nor does :mod:`~analysis.corpus.buffers` (an Arrow column's offsets and
bytes as numpy arrays); :mod:`~analysis.corpus.dedup` (duplicate texts, by a
compiled hash of each normalised text) and :mod:`~analysis.corpus.digest` (the
content hash, fed in pieces) import only that; :mod:`~analysis.corpus.ledger`
(units, :class:`LoadedCorpus`, the units invariant) uses them;
:mod:`~analysis.corpus.columns` (the same tables made column by column from
blocks of Arrow columns) uses the ledger;
:mod:`~analysis.corpus.options` (columns asked for, upload limits charged);
:mod:`~analysis.corpus.records` (fields of table rows and JSON records);
:mod:`~analysis.corpus.formats` (txt/md/seed, docx, csv/tsv, json/jsonl, xlsx);
:mod:`~analysis.corpus.containers` (files, folders, uploads, zips, gzip and the
archive limits); :mod:`~analysis.corpus.samples` (seeds, sotu);
:mod:`~analysis.corpus.arrowjson` (JSON Lines of string records read by Arrow
into one block of columns, after one compiled pass over the bytes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from analysis.corpus.columns import _finalise
from analysis.corpus.containers import (
    _LINK_HINT,
    SUPPORTED_FORMATS,
    _folder_units,
    _follow_links,
    _inside,
    _path_units,
    _unsupported_reason,
    _upload_units,
    library_entries,
)
from analysis.corpus.dates import Precision, parse_dates
from analysis.corpus.digest import frame_hash
from analysis.corpus.ledger import LoadedCorpus, _reject
from analysis.corpus.options import _UPLOAD_FIX, _Budget, _Options, _UploadRefused
from analysis.corpus.samples import SAMPLES, SEEDS_DIR, _sotu_units
from analysis.errors import CorpusError
from analysis.limits import IngestLimits, refusal

__all__ = [
    "SAMPLES",
    "SEEDS_DIR",
    "SUPPORTED_FORMATS",
    "LoadedCorpus",
    "Precision",
    "frame_hash",
    "library_entries",
    "load_corpus",
    "load_uploads",
    "parse_dates",
]


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
