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

import json
import multiprocessing
import multiprocessing.connection
import os
import threading
from pathlib import Path

from analysis.corpus import LoadedCorpus, load_uploads
from analysis.corpus_index import IndexSettings
from analysis.index import build_index
from analysis.memory import freed_memory_kept
from analysis.store import CacheNotice

__all__ = ["index_into_cache", "load_uploads", "prepare_worker", "read_progress"]


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
    corpus: LoadedCorpus,
    settings: IndexSettings,
    cache_dir: Path,
    progress_file: Path | None = None,
) -> tuple[CacheNotice, ...]:
    """Build the index of ``corpus`` and save it under ``cache_dir`` (or find it saved there).

    Returns the :class:`CacheNotice` of :func:`build_index`, if any: kind
    ``"unsaved"`` means the cache could not be written (read-only, full) and
    nothing was saved; ``"rebuilt"`` that an unreadable saved copy was replaced.
    With ``progress_file``, the build's progress is written there as it goes
    (replaced whole each time), for :func:`read_progress` in the waiting process.
    """
    notices: list[CacheNotice] = []

    def report(fraction: float, message: str) -> None:
        if progress_file is not None:
            work = progress_file.with_name(progress_file.name + ".new")
            work.write_text(json.dumps([float(fraction), str(message)]), encoding="utf-8")
            os.replace(work, progress_file)

    # the index is dropped as build_index returns: the memory is given back whole
    with freed_memory_kept():
        build_index(
            corpus, settings=settings, cache_dir=cache_dir, progress=report, notice=notices.append
        )
    return tuple(notices)


def read_progress(progress_file: Path) -> tuple[float, str] | None:
    """The last progress :func:`index_into_cache` wrote to ``progress_file``, if any yet."""
    try:
        fraction, message = json.loads(progress_file.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None
    return float(fraction), str(message)
