"""Entry points for a worker process: read uploaded files, and build and save an index.

A server runs every session's script in one interpreter; reading and indexing
a large upload there holds the interpreter lock for seconds, and every other
session waits. :func:`load_uploads` and :func:`index_into_cache` run in a
worker process instead (``initializer=prepare_worker``): the first returns the
loaded corpus, the second saves the index into the on-disk cache (the store's
atomic save) and returns only what the cache said, so the server then opens
the saved files as it opens any saved index (:func:`load_index`).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from pathlib import Path

from analysis.corpus import LoadedCorpus, load_uploads
from analysis.corpus_index import IndexSettings
from analysis.index import build_index
from analysis.store import CacheNotice

__all__ = ["index_into_cache", "load_uploads", "prepare_worker"]


def prepare_worker() -> None:
    """Make a pool's worker process end with the process that started it, even a killed one
    (an idle pool worker otherwise waits for work for ever)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def index_into_cache(
    corpus: LoadedCorpus, settings: IndexSettings, cache_dir: Path
) -> tuple[CacheNotice, ...]:
    """Build the index of ``corpus`` and save it under ``cache_dir`` (or find it saved there).

    Returns the :class:`CacheNotice` of :func:`build_index`, if any: kind
    ``"unsaved"`` means the cache could not be written (read-only, full) and
    nothing was saved; ``"rebuilt"`` that an unreadable saved copy was replaced.
    """
    notices: list[CacheNotice] = []
    build_index(corpus, settings=settings, cache_dir=cache_dir, notice=notices.append)
    return tuple(notices)
