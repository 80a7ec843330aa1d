"""Containers: files, folders, uploads, zips and gzip, and the limits on archives.

A name's extension picks the reader of :mod:`analysis.corpus.formats`; an
archive (zip, gzip, or the zip inside ``.xlsx`` / ``.docx``) is read in memory,
never extracted to disk, and refused whole when it crosses an archive limit of
:mod:`analysis.limits`. Folders are walked in sorted path order; hidden names
are skipped, special files are reported never opened, and symbolic links are
followed only inside the folder unless the host opts in.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from analysis.corpus.formats import (
    _csv_units,
    _docx_units,
    _json_units,
    _jsonl_in_place,
    _jsonl_units,
    _text_units,
    _xlsx_units,
)
from analysis.corpus.ledger import _NO_TEXT, _reject, _Rejected, _Unit
from analysis.corpus.options import _Options
from analysis.errors import CorpusError
from analysis.limits import IngestLimits, refusal

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


class _ArchiveRefused(Exception):
    """An archive crossed an archive limit: it is one quarantined unit, nothing loaded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
            if _kind(path.name) in _IN_PLACE:
                buffer = _read_into(handle, status.st_size)
                units = _jsonl_in_place(label, buffer, source, options)
                if units is not None:
                    options.budget.charge(units)
                    return units
                data = bytes(buffer)  # read the general way, as any file
                del buffer
            else:
                data = handle.read()
    except zipfile.BadZipFile as error:
        return [_reject(label, f"unreadable zip: {error}")]
    except OSError as error:
        return [_reject(label, f"unreadable file: {error.strerror or error}")]
    return _bytes_units(label, path.name, data, source, options, depth=0)


#: Files whose bytes Arrow's JSON reader may read, then its texts take over (plain JSON Lines).
_IN_PLACE = frozenset((suffix, False) for suffix in _JSONL_SUFFIXES)


def _read_into(handle: io.BufferedReader, size: int) -> bytearray:
    """The rest of an open file in a bytearray (``size`` bytes expected; it may have changed)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    filled = 0
    while filled < size:
        read = handle.readinto(view[filled:])
        if not read:
            break
        filled += read
    view.release()
    del buffer[filled:]
    buffer += handle.read()  # grown since its size was taken
    return buffer


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
