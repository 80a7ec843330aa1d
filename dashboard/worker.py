"""Work sent to a worker process: waited for with progress, a bound and a clear end; or begun.

:func:`run` sends a call to a pool (``keys.upload_pool``) and waits for it in
steps of a fraction of a second, the elapsed time shown in a status box, so the
session's script thread holds no lock while the worker reads and indexes. A
worker that dies (killed, out of memory) or passes the bound is reported as a
:class:`WorkerError` naming the fix, never as a traceback or a hang.
:func:`start_topics` begins the Topics page's first fit as an index opens.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Executor, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol, TypeVar

import streamlit as st

import analysis
from analysis import (
    AnalysisError,
    CorpusIndex,
    IngestLimits,
    LoadedCorpus,
    default_k,
    default_stopwords,
    load_uploads,
    read_progress,
    select,
)
from dashboard.escape import md
from dashboard.keys import TopicOptions
from dashboard.options import ViewState
from dashboard.state import effective_stopwords

T = TypeVar("T")

#: Longest wait for one call (seconds); ``DASHBOARD_WORKER_SECONDS`` changes it.
WAIT_SECONDS = 900.0
#: How often the status box is brought up to date (seconds).
STEP_SECONDS = 0.5


class WorkerError(AnalysisError):
    """The worker process died or took longer than the bound: nothing was loaded."""


class Workers(Protocol):
    """``data.workers``: the pool of a kind, and ``clear(kind)`` to forget it."""

    def __call__(self, kind: str) -> ProcessPoolExecutor: ...

    def clear(self, kind: str) -> None: ...


def wait_seconds() -> float:
    """The bound of one call: ``DASHBOARD_WORKER_SECONDS``, else :data:`WAIT_SECONDS`."""
    try:
        return float(os.environ.get("DASHBOARD_WORKER_SECONDS", "")) or WAIT_SECONDS
    except ValueError:
        return WAIT_SECONDS


def run(
    kind: str,
    workers: Workers,
    label: str,
    call: Callable[..., T],
    *args: Any,
    progress: Path | None = None,
    **kwargs: Any,
) -> T:
    """``call(*args, **kwargs)`` in the pool ``workers(kind)``, shown as ``label`` while it runs.

    With ``progress``, the file the call writes its progress to
    (:func:`analysis.index_into_cache`), shown as a bar beside the seconds waited.

    A worker that died, or was stopped for passing :func:`wait_seconds`, makes
    the pool forgotten (the next call starts a new one) and raises
    :class:`WorkerError` saying what happened and what to do.
    """
    timeout = wait_seconds()
    start = time.monotonic()
    slot = st.empty()
    with slot.status(md(f"{label}…"), expanded=True) as status:
        note, bar = status.empty(), status.empty()
        try:
            pool = workers(kind)
            future = pool.submit(call, *args, **kwargs)
            while True:
                waited = time.monotonic() - start
                note.caption(md(f"{label}: {waited:.0f} s (in a worker process)"))
                told = read_progress(progress) if progress is not None else None
                if told is not None:
                    bar.progress(min(max(told[0], 0.0), 1.0), text=md(told[1]))
                try:
                    result = future.result(timeout=min(STEP_SECONDS, max(timeout - waited, 0.0)))
                    break
                except FutureTimeout:
                    if time.monotonic() - start >= timeout:
                        _stop(pool)
                        workers.clear(kind)
                        raise WorkerError(
                            f"{label} took longer than {timeout:.0f} s and was stopped. "
                            "Upload fewer or smaller files, or ask the host to raise "
                            "DASHBOARD_WORKER_SECONDS."
                        ) from None
        except (BrokenProcessPool, CancelledError):  # killed, or another call's worker stopped
            workers.clear(kind)
            raise WorkerError(
                f"{label} stopped: the worker process ended before it finished (killed, or "
                "out of memory). Upload fewer or smaller files, or ask the host for more "
                "memory; the next upload starts a new worker."
            ) from None
    slot.empty()
    return result


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool's worker processes now (a call past its bound does not stop by itself)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def read_uploads(workers: Workers, files: Sequence[tuple[str, bytes]]) -> LoadedCorpus:
    """:func:`analysis.load_uploads` of ``files`` in the upload worker, under this process's
    limits (read here: the worker's environment is the one it started with)."""
    limits = IngestLimits.from_environment()
    return run("upload", workers, "Reading the upload", load_uploads, list(files), limits=limits)


def start_topics(index: CorpusIndex, pool: Executor) -> None:
    """Begin the topic fit the Topics page asks for in the default view
    (:class:`~dashboard.options.ViewState`'s values: every document, the default stopwords
    and ``k``, seed 0), so that the page, opened later, finds the model fitted or on its way
    (:func:`analysis.start_topics`). The passages are counted here, in the run that opened
    the index (a fraction of a second at 100,000 documents, once per index and process):
    on a thread they held the interpreter lock through the reruns that follow, 170 ms each.
    The fit runs in ``pool``. A fit that cannot start (a dead worker) is left to the page,
    which fits again and says what went wrong."""
    # Not in a worker process starting up (spawn runs the app's modules there, and a fit
    # begun there would start a worker of its own): multiprocessing's own test, as fit_pool's.
    if not getattr(multiprocessing.current_process(), "_inheriting", False):
        _start_topics(index, pool)


def _start_topics(index: CorpusIndex, pool: Executor) -> None:
    view = ViewState()
    mask = select(index, view.filters)
    stopwords = tuple(sorted(effective_stopwords(view, default_stopwords())))
    options = TopicOptions(k=default_k(index, mask), stopwords=stopwords, numbers=view.numbers)
    try:
        analysis.start_topics(index, mask, executor=pool, **options.arguments())
    except (BrokenProcessPool, RuntimeError):  # a dead pool, or one shut down meanwhile
        return
