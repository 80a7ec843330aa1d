"""Plain values and plain machinery behind the caches of :mod:`dashboard.data`.

The corpus keys of the picker and their labels, the change detector of a
corpus on disk, the index key that stands for an index in cache keys, the
hashable option records that are part of those keys, and the thread-safe
store that holds loaded corpora and indexes, and where the host's library is.
Nothing here caches or draws; :mod:`dashboard.data` is the only module that
uses Streamlit's caches (Streamlit is read here for the secrets file only).
"""

from __future__ import annotations

import functools
import hashlib
import io
import multiprocessing
import os
import pickle
import stat as statmode
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import streamlit as st

from analysis import (
    CorpusIndex,
    Filters,
    filter_choices,
    parse_themes,
    prepare_fit,
    prepare_worker,
)
from analysis import schema as S

T = TypeVar("T")

SEEDS = "seeds"
SAMPLE = "sotu"
UPLOAD = "upload"
LIBRARY_PREFIX = "lib:"
SAMPLE_LABELS = {SEEDS: "Seeds (2 documents)", SAMPLE: "State of the Union (sample)"}

#: Indexes kept in memory for everyone; each can be a few hundred MB.
SHARED_ENTRIES = 4
#: Upload corpora kept per session (each with its indexes).
SESSION_ENTRIES = 2
#: Term tables kept for everyone (a 100k-document corpus's is 5-8 MB): by count and bytes.
TERMS_ENTRIES = 64
TERMS_BYTES = 256 * 2**20
#: Charts kept for everyone (``data.figure``), each tens of kB.
FIGURE_ENTRIES = 256


class _Store:
    """A thread-safe least-recently-used map that builds each value once.

    Two sessions asking for the same missing key wait for one build instead
    of running two. With ``size``, it also holds at most ``max_bytes`` of
    values (the newest value is kept even if larger alone). With ``view``,
    callers get ``view(value)`` rather than the held value.
    """

    def __init__(
        self,
        max_entries: int,
        *,
        max_bytes: int = 0,
        size: Callable[[Any], int] | None = None,
        view: Callable[[Any], Any] | None = None,
    ) -> None:
        self._max, self._max_bytes, self._size = max_entries, max_bytes, size
        self._view = view or (lambda value: value)
        self._sizes: dict[Any, int] = {}
        self.bytes = 0
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Any, threading.Lock] = {}

    def peek(self, key: Any) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def get(self, key: Any, make: Callable[[], T]) -> T:
        found = self.peek(key)
        if found is not None:
            return cast(T, self._view(found))
        with self._lock:
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            found = self.peek(key)
            if found is not None:
                return cast(T, self._view(found))
            value = make()
            size = self._size(value) if self._size is not None else 0
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                self.bytes += size - self._sizes.get(key, 0)
                self._sizes[key] = size
                while len(self._items) > self._max or (
                    self._max_bytes and self.bytes > self._max_bytes and len(self._items) > 1
                ):
                    old, _ = self._items.popitem(last=False)
                    self.bytes -= self._sizes.pop(old, 0)
                self._building.pop(key, None)
            return cast(T, self._view(value))

    def __len__(self) -> int:
        return len(self._items)


def library_dir() -> Path | None:
    """The host's corpus library folder, if one is configured and exists.

    ``DASHBOARD_CORPUS_DIR`` wins; else ``corpus_dir`` in ``.streamlit/secrets.toml``
    (see :func:`_secret_corpus_dir`: a secrets file added or edited while the server
    runs is read at the next call).
    """
    configured = os.environ.get("DASHBOARD_CORPUS_DIR") or _secret_corpus_dir()
    if not configured:
        return None
    folder = Path(configured).expanduser()
    return folder if folder.is_dir() else None


#: ``st.secrets`` and the stamp of its files when they last held no readable secrets.
_NO_SECRETS: list[tuple[Any, tuple[Any, ...]]] = []


def _secret_corpus_dir() -> str:
    """``corpus_dir`` of Streamlit's secrets, or ``""``.

    Loaded secrets are answered from memory (Streamlit reloads them when a file
    changes). While no secrets file can be read, Streamlit would look for its
    files again on every call, holding the lock every session's run waits for:
    that answer is kept until a secrets file appears, changes or goes (the
    stamp of :func:`_secrets_stamp`), or ``st.secrets`` is replaced (AppTest).
    """
    secrets = st.secrets
    stamp = _secrets_stamp()
    if _NO_SECRETS and _NO_SECRETS[0][0] is secrets and _NO_SECRETS[0][1] == stamp:
        return ""
    try:
        return str(secrets.get("corpus_dir", "") or "")
    except (FileNotFoundError, OSError, KeyError, st.errors.StreamlitSecretNotFoundError):
        _NO_SECRETS[:] = [(secrets, stamp)]
        return ""


@functools.cache
def _secrets_files() -> tuple[str, ...]:
    """Where Streamlit looks for secrets (``secrets.files``), read once: Streamlit reads its
    configuration at start, and asking it costs a lock and tens of microseconds."""
    return tuple(st.config.get_option("secrets.files"))


def _secrets_stamp() -> tuple[Any, ...]:
    """Kind, size and modification time of each of Streamlit's secrets files, and of the
    folders in a secrets folder (one folder per secret), ``None`` where absent."""

    def stamp(path: str) -> tuple[int, int, int] | None:
        try:
            found = os.stat(path)
        except OSError:
            return None
        return found.st_mode, found.st_size, found.st_mtime_ns

    stamps: list[tuple[str, tuple[int, int, int] | None]] = []
    for path in _secrets_files():
        stamps.append((path, stamp(path)))
        if stamps[-1][1] is not None and statmode.S_ISDIR(stamps[-1][1][0]):
            try:
                names = sorted(os.listdir(path))
            except OSError:
                names = []
            inner = [os.path.join(path, name) for name in names]
            stamps += [(each, stamp(each)) for each in inner]
    return tuple(stamps)


# ---------------------------------------------------------------------------
# Keys


def corpus_label(key: str) -> str:
    if key in SAMPLE_LABELS:
        return SAMPLE_LABELS[key]
    if key.startswith(LIBRARY_PREFIX):
        return f"Library: {key.removeprefix(LIBRARY_PREFIX)}"
    if key == UPLOAD:
        return "Upload your files"
    return key


def _fingerprint(source: str | Path) -> str:
    """Cheap change detector for a path: names, sizes and modification times."""
    path = Path(source)
    if not path.exists():
        return str(source)  # a sample name: fixed by the installed package
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        stat = file.stat()
        digest.update(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def index_key(index: CorpusIndex) -> str:
    """Plain-value stand-in for an index in cache keys: content hash + settings."""
    return f"{index.content_hash}:{index.settings.key()}"


#: A metadata filter with more values than this lists only those matching a search.
LISTED_VALUES = 200
#: Matching values listed for one search of such a filter.
SHOWN_MATCHES = 50


def metadata_values(key: str, column: str, _index: CorpusIndex) -> tuple[str, ...]:
    """The values a filter on metadata ``column`` offers: as text, sorted, no empty ones.

    Those of :func:`analysis.filter_choices` for a filter column; for another
    column of the documents (a link may name one) its values alike; none for a
    column the documents lack. ``key`` (:func:`index_key`) stands for the index
    in the cache of :data:`dashboard.data.metadata_values`, which keeps the
    tuple, so each run hands Streamlit the same options.
    """
    choices = filter_choices(_index)
    if column in choices:
        return choices[column]
    docs = _index.docs
    if column not in docs.columns or column in S.CORPUS_COLUMNS:
        return ()
    cells = docs[column][docs[column].notna()].astype(str)
    return tuple(sorted(set(cells[cells.str.strip() != ""])))


def matching_values(
    values: tuple[str, ...], search: str, *, limit: int = SHOWN_MATCHES
) -> tuple[tuple[str, ...], int]:
    """The first ``limit`` of ``values`` holding ``search`` (case folded; none for an empty
    search), and how many hold it."""
    needle = search.strip().casefold()
    if not needle:
        return (), 0
    found = [value for value in values if needle in value.casefold()]
    return tuple(found[:limit]), len(found)


# ---------------------------------------------------------------------------
# Option records (hashable, so part of cache keys)


#: Orders of a paged term table: label -> (column, ascending); ``None`` keeps the
#: table's own order (by count, then term).
TERM_ORDERS: dict[str, tuple[str | None, bool]] = {
    "count": (None, True),
    "docs": (S.DOCS, False),
    "tfidf": (S.TFIDF, False),
    "term": (S.TERM, True),
}


@dataclass(frozen=True)
class TermOptions:
    """Options of a term table: hashable, so part of cache keys."""

    kind: str = "all"
    stopwords: tuple[str, ...] = ()
    hide_nested: bool = True
    numbers: bool = False  # pure numbers ranked too


@dataclass(frozen=True)
class TrendOptions:
    """What a trend chart draws: hashable, so part of cache keys.

    ``themes`` holds the theme editor's lines (``name = a, b, c``), parsed by
    :func:`analysis.trends.parse_themes`.
    """

    terms: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    by: str = "year"
    smooth: int = 1


#: Least weight of a topic in a passage shown as evidence of that topic in a period.
MIN_TOPIC_WEIGHT = 0.05


@dataclass(frozen=True)
class TopicOptions:
    """A topic fit: hashable, so part of cache keys."""

    k: int = 8
    method: str = "nmf"
    seed: int = 0
    stopwords: tuple[str, ...] = ()
    numbers: bool = False

    def arguments(self) -> dict[str, Any]:
        """The options as keyword arguments of :func:`analysis.fit_topics`."""
        return {
            "k": self.k,
            "method": self.method,
            "seed": self.seed,
            "stopwords": frozenset(self.stopwords),
            "numbers": self.numbers,
        }


def fit_pool() -> ProcessPoolExecutor:
    """One worker process for every session's topic fits (they queue): a fit there holds a core,
    not the interpreter lock all other sessions' runs need, for seconds (LDA: tens). It starts
    at once and imports scikit-learn, so the first fit does not wait for it; not while this
    process is itself a worker starting up (it may run the app's script again then, and may
    not start processes: the test below is multiprocessing's own)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=prepare_fit)
    if not getattr(multiprocessing.current_process(), "_inheriting", False):
        pool.submit(int)  # starts the worker (prepare_fit runs first there)
    return pool


def upload_pool() -> ProcessPoolExecutor:
    """One worker process for every session's uploads (they queue): reading and indexing
    100 MB there holds a core for seconds, not the interpreter lock every other session's
    script needs. Started by the first upload, not with the server."""
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=prepare_worker)


def theme_terms(options: TrendOptions) -> dict[str, tuple[str, ...]]:
    """Name -> the terms it stands for: a term for itself, a theme for its members."""
    named: dict[str, tuple[str, ...]] = {term: (term,) for term in options.terms}
    for theme in parse_themes("\n".join(options.themes)):
        named[theme.name] = tuple(theme.terms)
    return named


@dataclass(frozen=True)
class KeynessOptions:
    """A keyness table of A against B: hashable, so part of cache keys."""

    kind: str = "all"
    min_count: int = 3
    bonferroni: bool = False
    stopwords: tuple[str, ...] = ()
    numbers: bool = False

    def arguments(self) -> dict[str, Any]:
        """The options as keyword arguments of the keyness functions of ``analysis``."""
        return {
            "stopwords": frozenset(self.stopwords),
            "min_count": self.min_count,
            "kind": self.kind,
            "bonferroni": self.bonferroni,
            "numbers": self.numbers,
        }


def terms_store() -> _Store:
    """A store of term tables: at most ``TERMS_ENTRIES`` of them and ``TERMS_BYTES`` (their
    strings counted), each caller given a shallow copy, which pandas' copy-on-write keeps
    from ever changing the held table."""
    return _Store(
        TERMS_ENTRIES,
        max_bytes=TERMS_BYTES,
        size=lambda frame: int(frame.memory_usage(index=True, deep=True).sum()),
        view=lambda frame: frame.copy(deep=False),
    )


def _pickled(value: Any) -> bytes:
    return pickle.dumps(value, protocol=5)


#: How ``data.py``'s caches hash the records and tuples in their keys: a record by its
#: ``repr``, which names every field's plain value, a tuple (of stopwords, of document
#: ids) by its pickle. Streamlit would hash each item on its own (a record copied into
#: a dict first), each of the ~300 stopwords: milliseconds per cached call.
HASH_FUNCS: dict[str | type[Any], Callable[[Any], Any]] = {
    **dict.fromkeys((Filters, TermOptions, TrendOptions, TopicOptions, KeynessOptions), repr),
    tuple: _pickled,
}


def content_key(value: Any) -> str:
    """A digest of everything ``value`` holds: every cell of a table or array, every item.

    Made from the pickle, which writes the whole value: values that differ never share
    a key (equal ones pickled differently only miss the cache). The pickle is written
    without its memo (``Pickler.fast``): an object met twice is written twice, so the
    bytes do not depend on which equal objects are one object. A table fresh from its
    computation and the same table read back from a cache share no ``'name'`` string,
    and their memoised pickles differed: the Overview's chart was drawn again on the
    first rerun after every view change.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
        data = buffer.getvalue()
    except (RecursionError, ValueError):  # a value that holds itself needs the memo
        data = pickle.dumps(value, protocol=5)
    return hashlib.blake2b(data, digest_size=20).hexdigest()
