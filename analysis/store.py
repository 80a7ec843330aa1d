"""The on-disk store of built indexes: atomic saves, checked loads, work folders, eviction.

:func:`save_index` writes an index into a work folder, describes every file
in ``meta.json`` (size, shape, dtype, checksum) and renames the folder into
place (:class:`PendingSave` begins with the documents table while the index
is still being built); :func:`load_index` checks the files against it first
(:func:`check_index`). Saves killed midway leave work folders that
:func:`remove_stale_work` removes; :func:`evict_cache` keeps the cache under
its size by removing the least recently used indexes. Results computed once
from a saved index (near-duplicate pairs, topic models) are kept beside its
files (:mod:`analysis.result_store`)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.array_files import load_counts, read_frame, save_csr, save_csr_matrix, save_npy
from analysis.corpus_index import INDEX_VERSION, CorpusIndex, IndexSettings
from analysis.errors import AnalysisError
from analysis.phrases import PhraseOptions


def default_cache_dir() -> Path:
    """Where saved indexes live: ``$DASHBOARD_CACHE_DIR`` or ``~/.cache/discourse-dashboard``."""
    configured = os.environ.get("DASHBOARD_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "discourse-dashboard"


def _cache_path(cache_dir: Path | None, content_hash: str, settings: IndexSettings) -> Path | None:
    if cache_dir is None:
        return None
    return Path(cache_dir) / f"{content_hash[:24]}-{settings.key()}"


#: Files of a saved index; ``meta.json`` (written last) describes each of them.
_FILES = (
    "docs.parquet",
    "vocab.parquet",
    "passages.parquet",
    "word_counts.npz",
    "phrase_counts.npz",
    "doc_tokens.npy",
    "tokens.npy",
    "token_offsets.npy",
)
_META_KEYS = ("version", "content_hash", "settings", "files")
#: Files up to this size are hashed whole; larger ones by their size, head, tail and
#: evenly spaced blocks (a truncated, extended or zeroed file never passes).
FULL_HASH_BYTES = 8 << 20
_SAMPLE_BLOCK = 64 << 10
_SAMPLE_BLOCKS = 64
#: Prefixes of the folders a save works in; left behind only by a killed process.
_TEMP_PREFIX = ".partial-"
_OLD_PREFIX = ".replaced-"
#: A work folder older than this is abandoned even if its process id is in use
#: (another host sharing the cache, or a reused id).
STALE_SECONDS = 6 * 3600


class IndexCacheError(AnalysisError):
    """A saved index folder is unreadable (partial, truncated, corrupt or from another version)."""


@dataclass(frozen=True)
class CacheNotice:
    """What happened to the index cache during :func:`build_index`, for the user to read.

    ``kind`` is ``rebuilt`` (a saved folder was unreadable: removed and built
    again) or ``unsaved`` (the cache folder could not be written: the index
    lives in memory only).
    """

    kind: str
    folder: Path
    message: str


def _checksum(path: Path, size: int) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(size.to_bytes(8, "little"))
    with path.open("rb") as handle:
        if size <= FULL_HASH_BYTES:
            digest.update(handle.read())
        else:
            step = (size - _SAMPLE_BLOCK) / (_SAMPLE_BLOCKS - 1)
            for block in range(_SAMPLE_BLOCKS):  # first and last block included
                handle.seek(int(block * step))
                digest.update(handle.read(_SAMPLE_BLOCK))
    return digest.hexdigest()


def _describe(path: Path) -> dict[str, object]:
    size = path.stat().st_size
    entry: dict[str, object] = {"bytes": size, "blake2b": _checksum(path, size)}
    if path.suffix == ".npy":
        shape, dtype = _npy_header(path)
        entry.update(shape=list(shape), dtype=dtype)
    return entry


def _npy_header(path: Path) -> tuple[tuple[int, ...], str]:
    with path.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        data_start = handle.tell()
    expected = data_start + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if path.stat().st_size != expected:
        raise ValueError(f"holds {path.stat().st_size:,} bytes, its header says {expected:,}")
    return tuple(int(n) for n in shape), dtype.str


def _write_docs(docs: pd.DataFrame, folder: Path) -> None:
    # Metadata columns may hold lists or dicts; parquet wants one type per column.
    docs = docs.copy(deep=False)
    for column in docs.columns:
        values = docs[column]
        if values.dtype != object:
            continue
        if pd.api.types.infer_dtype(values, skipna=True) == "string":
            # the strings as map would give them back (their type inferred again),
            # without a Python call per value
            docs[column] = pd.Series(values.to_numpy(), index=values.index, name=values.name)
        else:
            docs[column] = values.map(_jsonable)
    # Uncompressed: snappy took 0.73-0.78 CPU-s of the 100k build's two cores for
    # 98 MB less on disk (226 against 128 MB), and reading it back 0.2-1.3 s against 0.11.
    docs.to_parquet(folder / "docs.parquet", index=False, compression=None)


def _write_files(
    index: CorpusIndex,
    folder: Path,
    *,
    tokens: bool = True,
    written_words: tuple[tuple[int, int], int] | None = None,
) -> None:
    """Every file but ``docs.parquet`` (:func:`_write_docs`), on two threads.

    The token stream and the counts are most of the bytes, and writing them
    is the kernel's copying into the page cache: each has a thread. Without
    ``tokens``, ``tokens.npy`` is already written (:meth:`PendingSave.write_tokens`);
    ``word_counts.npz`` is when ``written_words`` gives the shape and number of
    entries of the index's words' counts (:meth:`PendingSave.write_word_counts`).
    """

    def counts() -> None:
        n_words = int(np.count_nonzero(index.vocab[S.KIND].to_numpy() == S.WORD))
        matrix = index.counts.tocsr()
        phrases = matrix[:, n_words:]
        words_shape = (matrix.shape[0], n_words)
        if written_words != (words_shape, matrix.nnz - phrases.nnz):
            save_csr_matrix(folder / "word_counts.npz", matrix[:, :n_words])
        save_csr_matrix(folder / "phrase_counts.npz", phrases)

    def tables() -> None:
        if tokens:
            save_npy(folder / "tokens.npy", np.asarray(index.tokens))
        index.vocab.to_parquet(folder / "vocab.parquet", index=False)
        index.passages.to_parquet(folder / "passages.parquet", index=False)
        np.save(folder / "doc_tokens.npy", index.doc_tokens)
        np.save(folder / "token_offsets.npy", index.token_offsets)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(counts), pool.submit(tables)]:
            done.result()


class PendingSave:
    """A save of an index into ``folder`` begun before the index is built.

    The documents table (known before the build) is written into the work
    folder on a thread of its own while the build runs (its Parquet
    encoding releases the GIL), and so is the token stream once the build
    has it (:meth:`write_tokens`); :meth:`finish` writes the rest once the
    index is there, :meth:`abandon` removes the work folder if it never
    comes. See :func:`save_index`.
    """

    def __init__(self, docs: pd.DataFrame, folder: Path) -> None:
        self.folder = Path(folder)
        self._docs = docs
        self._work: Path | None = None
        self._error: BaseException | None = None
        self._tokens: np.ndarray | None = None
        self._words: tuple[tuple[int, int], int] | None = None  # shape, nnz written early
        self._words_error: BaseException | None = None
        self._folder_made = threading.Event()
        self._thread = threading.Thread(target=self._begin, name="save-docs", daemon=True)
        self._thread.start()

    def write_tokens(self, tokens: np.ndarray) -> None:
        """Write the index's token stream now, on a thread, after the documents table.

        The build goes on meanwhile (phrases, counts: a core is left over
        there, where the write at :meth:`finish` would wait for it alone).
        :meth:`finish` writes it again should the index hold another array.
        """
        documents = self._thread

        def write() -> None:
            documents.join()
            if self._error is not None or self._work is None:
                return
            try:
                save_npy(self._work / "tokens.npy", tokens)
            except BaseException as error:  # raised again by finish, on the caller's thread
                self._error = error

        self._tokens = tokens
        self._thread = threading.Thread(target=write, name="save-tokens", daemon=True)
        self._thread.start()

    def write_word_counts(
        self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_words: int
    ) -> None:
        """Write the documents x words counts now, on the caller's thread (the build's
        counting thread, whose core phrase detection leaves over at times).

        ``indptr``, ``indices`` and ``data`` are their CSR arrays, read only
        until this returns. The index given to :meth:`finish` must hold these
        counts in its first ``n_words`` columns; it writes them again only
        should their shape or number of entries differ.
        """
        self._folder_made.wait()
        if self._work is None:
            return  # the folder could not be made: finish raises why
        shape = (len(indptr) - 1, n_words)
        try:
            save_csr(self._work / "word_counts.npz", indptr, indices, data, shape)
        except BaseException as error:  # raised again by finish, on the caller's thread
            self._words_error = error
            return
        self._words = (shape, int(indptr[-1]))

    def _begin(self) -> None:
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self._work = Path(
                tempfile.mkdtemp(
                    prefix=_work_prefix(_TEMP_PREFIX, self.folder), dir=self.folder.parent
                )
            )
        except BaseException as error:  # raised again by finish, on the caller's thread
            self._error = error
            return
        finally:
            self._folder_made.set()
        try:
            _write_docs(self._docs, self._work)
        except BaseException as error:  # raised again by finish, on the caller's thread
            self._error = error

    def finish(self, index: CorpusIndex) -> None:
        """Write the rest of ``index``, then rename the work folder to ``folder``.

        Raises what :func:`save_index` raises, and then leaves no work folder.
        """
        self._thread.join()
        work = self._work
        try:
            for error in (self._error, self._words_error):
                if error is not None:
                    raise error
            if work is None:
                raise RuntimeError("the save's work folder was never made")
            if index.docs is not self._docs:
                _write_docs(index.docs, work)
            _write_files(
                index,
                work,
                tokens=index.tokens is not self._tokens,
                written_words=self._words,
            )
            meta = {
                "version": INDEX_VERSION,
                "content_hash": index.content_hash,
                "settings": asdict(index.settings),
                "files": {name: _describe(work / name) for name in _FILES},
            }
            (work / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")
            _replace(work, self.folder)
        except BaseException:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
            raise
        finally:
            self._error = self._words_error = None  # the error's traceback holds this frame
            self._tokens = self._words = None
        index.folder = self.folder

    def abandon(self) -> None:
        """Remove the work folder: the index will not come."""
        self._thread.join()
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)


def save_index(index: CorpusIndex, folder: Path) -> None:
    """Save the index as ``folder``, atomically.

    The files are written into a work folder beside ``folder``, described in
    ``meta.json`` (size, shape, dtype and a checksum of each, written last),
    and the work folder is renamed to ``folder``. No file is ever rewritten in
    place: a process still reading an older copy keeps its files. An older
    ``folder`` is moved aside first and removed. On any error (a full or
    read-only disk) the work folder is removed and the ``OSError`` raised;
    ``folder`` is then as it was (or absent). :class:`PendingSave` is the
    same save begun before the index is built.
    """
    PendingSave(index.docs, folder).finish(index)


def _work_prefix(kind: str, folder: Path) -> str:
    return f"{kind}{folder.name}-{socket.gethostname()}-{os.getpid()}-"


def _replace(work: Path, folder: Path) -> None:
    try:
        os.rename(work, folder)
        return
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
    # An older (or concurrently saved) copy is in the way: move it aside, then rename.
    aside = Path(tempfile.mkdtemp(prefix=_work_prefix(_OLD_PREFIX, folder), dir=folder.parent))
    with contextlib.suppress(FileNotFoundError):  # someone removed it meanwhile
        os.rename(folder, aside / "index")
    try:
        os.rename(work, folder)
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
        # another process saved the same index between the two renames: theirs stays
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(aside, ignore_errors=True)


def remove_stale_work(cache_dir: Path, *, now: float | None = None) -> list[Path]:
    """Remove the work folders of saves that were killed; returns the folders removed.

    A work folder names the host and process that made it: it is stale when
    that process is gone (same host) or it is older than :data:`STALE_SECONDS`.
    A folder that cannot be removed (a read-only cache) is left alone.
    """
    now = time.time() if now is None else now
    host = socket.gethostname()
    removed = []
    try:
        entries = list(Path(cache_dir).iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith((_TEMP_PREFIX, _OLD_PREFIX)) or entry.is_symlink():
            continue
        parts = entry.name.rsplit("-", 2)  # <prefix><index>-<host>-<pid>-<random>
        alive = False
        if len(parts) == 3 and parts[0].endswith(f"-{host}") and parts[1].isdigit():
            alive = _process_alive(int(parts[1]))
        try:
            old = now - entry.stat().st_mtime > STALE_SECONDS
        except OSError:
            continue
        if alive and not old:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


#: A saved index used (loaded or saved) this recently is never evicted: another
#: process may be reading it.
EVICT_GRACE_SECONDS = 60.0


def _touch(folder: Path) -> None:
    """Mark ``folder`` used now (its mtime orders the eviction); a read-only cache is left as is."""
    with contextlib.suppress(OSError):
        os.utime(folder)


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def evict_cache(
    cache_dir: Path,
    *,
    max_bytes: int | None = None,
    keep: Sequence[Path] = (),
    now: float | None = None,
) -> list[Path]:
    """Remove the least recently used saved indexes until ``cache_dir`` holds ``max_bytes``.

    Parameters
    ----------
    cache_dir
        The index cache (one folder per saved index).
    max_bytes
        By default ``DASHBOARD_CACHE_MAX_BYTES``
        (:attr:`~analysis.limits.IngestLimits.cache_bytes`, 10 GiB).
    keep
        Folders never removed (the one being written or loaded).
    now
        The time to judge :data:`EVICT_GRACE_SECONDS` by (default: now).

    Returns
    -------
    list of Path
        The folders removed, oldest first. Use is the folder's modification
        time, set on every save and load. Work folders (``.partial-…``) are
        left to :func:`remove_stale_work`; a folder used within
        :data:`EVICT_GRACE_SECONDS`, or one that cannot be removed (a read-only
        cache), stays even if the cache is then over ``max_bytes``.
    """
    from analysis.limits import IngestLimits  # here: limits reads the environment

    limit = IngestLimits.from_environment().cache_bytes if max_bytes is None else max_bytes
    now = time.time() if now is None else now
    kept = {Path(folder).resolve() for folder in keep}
    folders: list[tuple[float, int, Path]] = []
    total = 0
    try:
        entries = list(Path(cache_dir).iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            used = entry.stat().st_mtime
        except OSError:
            continue
        size = _folder_bytes(entry)
        total += size
        folders.append((used, size, entry))
    removed: list[Path] = []
    for used, size, entry in sorted(folders, key=lambda item: item[0]):
        if total <= limit:
            break
        if entry.resolve() in kept or now - used < EVICT_GRACE_SECONDS:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
            total -= size
    return removed


def saved_index_path(
    content_hash: str, settings: IndexSettings, cache_dir: Path | None = None
) -> Path | None:
    """The folder :func:`build_index` saves this index in, if it is there now (else None).

    The dashboard asks before a build, so that loading a saved index is not
    counted against a session's rebuild limit. ``cache_dir`` defaults to
    :func:`default_cache_dir`.
    """
    folder = _cache_path(cache_dir or default_cache_dir(), content_hash, settings)
    return folder if folder is not None and (folder / "meta.json").is_file() else None


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _jsonable(value: object) -> object:
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def check_index(folder: Path) -> dict[str, object]:
    """The parsed ``meta.json`` of a saved index, after checking every file against it.

    Raises
    ------
    IndexCacheError
        ``meta.json`` is missing, unparsable, from another version or
        incomplete, or a file is missing or differs from its description
        (size, shape, dtype, checksum). The message names the file.
    """
    folder = Path(folder)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCacheError(f"{meta_path} is missing (a save did not finish)") from None
    except (OSError, ValueError) as error:
        raise IndexCacheError(f"{meta_path} cannot be read ({error})") from None
    if not isinstance(meta, dict) or any(key not in meta for key in _META_KEYS):
        raise IndexCacheError(f"{meta_path} lacks {', '.join(_META_KEYS)}")
    if meta["version"] != INDEX_VERSION:
        raise IndexCacheError(
            f"{meta_path} is version {meta['version']!r}, this code reads {INDEX_VERSION}"
        )
    files = meta["files"]
    if not isinstance(files, dict) or set(files) != set(_FILES):
        raise IndexCacheError(f"{meta_path} does not describe the index files")
    for name in _FILES:
        path, want = folder / name, files[name]
        try:
            size = path.stat().st_size
            if size != want["bytes"]:
                raise IndexCacheError(f"{path} holds {size:,} bytes, not {want['bytes']:,}")
            if path.suffix == ".npy":
                shape, dtype = _npy_header(path)
                if list(shape) != want["shape"] or dtype != want["dtype"]:
                    raise IndexCacheError(
                        f"{path} is {dtype} {list(shape)}, not {want['dtype']} {want['shape']}"
                    )
            if _checksum(path, size) != want["blake2b"]:
                raise IndexCacheError(f"{path} does not match its checksum")
        except FileNotFoundError:
            raise IndexCacheError(f"{path} is missing") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexCacheError(f"{path} cannot be checked ({error})") from None
    return meta


def load_index(folder: Path) -> CorpusIndex:
    """Read an index written by :func:`save_index`, after :func:`check_index`.

    Every array is read into memory (none is memory-mapped), so nothing done
    to the files later — a replacement, a truncation, a removal — can reach
    an index already loaded.

    Raises
    ------
    IndexCacheError
        The folder is partial or corrupt (see :func:`check_index`).
    """
    folder = Path(folder)
    meta = check_index(folder)
    try:
        raw = meta["settings"]
        if not isinstance(raw, dict):
            raise TypeError("settings is not a mapping")
        settings = IndexSettings(
            detect_phrases=raw["detect_phrases"],
            user_phrases=tuple(raw["user_phrases"]),
            user_words=tuple(raw["user_words"]),
            phrase_options=PhraseOptions(**raw["phrase_options"]),
            fold_chinese=bool(raw.get("fold_chinese", False)),
        )
        index = CorpusIndex(
            folder=folder,
            docs=read_frame(folder / "docs.parquet"),
            vocab=read_frame(folder / "vocab.parquet"),
            counts=load_counts(folder),
            doc_tokens=np.load(folder / "doc_tokens.npy"),
            passages=pd.read_parquet(folder / "passages.parquet"),
            content_hash=str(meta["content_hash"]),
            settings=settings,
            tokens=np.load(folder / "tokens.npy"),
            token_offsets=np.load(folder / "token_offsets.npy"),
        )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        # the checksum of a large file is sampled: a change between samples shows here
        raise IndexCacheError(f"{folder} cannot be read ({error})") from None
    n_docs = index.counts.shape[0]
    if not (len(index.docs) == len(index.doc_tokens) == len(index.token_offsets) - 1 == n_docs):
        raise IndexCacheError(f"{folder} holds tables of different lengths")
    if int(index.token_offsets[-1]) != len(index.tokens):
        raise IndexCacheError(f"{folder}: the token offsets do not match the token stream")
    return index
