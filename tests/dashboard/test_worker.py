"""Uploads read and indexed in the upload worker (``dashboard/worker.py``): the same corpus
and counts as in this process, nothing left on disk, a killed or overlong worker reported,
the fallback when the worker cannot save."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analysis import CacheNotice, build_index, load_uploads
from dashboard import worker
from tests.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 120

#: Two documents (5 and 3 words), a line that is not JSON, a file of no known type.
LINES = (
    '{"doc_id": "%s-a", "date": "2020-01-02", "text": "Green tea and black tea."}\n'
    '{"doc_id": "%s-b", "date": "2020-02-03", "text": "River tea rose."}\n'
    "not json\n"
)


def _files(test: str) -> list[tuple[str, bytes, str]]:
    """The files of a test: AppTest runs outside a server, where every run shares the
    session-scoped caches, so each test's upload must be another corpus (its own ids)."""
    lines = (LINES % (test, test)).encode()
    return [
        ("notes.jsonl", lines, "application/json"),
        ("scan.pdf", b"%PDF-1.7", "application/pdf"),
    ]


def _die(*_args: Any, **_kwargs: Any) -> None:
    """Run in the worker: the process is killed as the out-of-memory killer would."""
    os.kill(os.getpid(), signal.SIGKILL)


def _upload(monkeypatch: pytest.MonkeyPatch, test: str) -> tuple[AppTest, list[str]]:
    """An AppTest with ``_files(test)`` uploaded, and the name of every call sent to the worker."""
    calls: list[str] = []
    run = worker.run

    def counted(kind: str, workers: Any, label: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(call.__name__)
        return run(kind, workers, label, call, *args, **kwargs)

    monkeypatch.setattr(worker, "run", counted)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["corpus"] = "upload"
    at.run()
    at.sidebar.get("file_uploader")[0].set_value(_files(test)).run()
    return at, calls


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_an_upload_is_read_and_indexed_in_the_worker_as_it_is_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, scratch = tmp_path / "cache", tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(cache))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    at, calls = _upload(monkeypatch, "same")
    assert not at.exception, [e.value for e in at.exception]
    assert calls == ["load_uploads", "index_into_cache"]
    # the worker saved the index in a temporary folder, read here and removed at once:
    # nothing of the upload is left on disk, in the shared cache (which holds the seeds
    # the app opened first) or elsewhere
    here = load_uploads([(name, content) for name, content, _ in _files("same")])
    assert list(cache.glob(f"{here.content_hash[:24]}-*")) == []
    assert list(scratch.iterdir()) == []
    assert _metrics(at)["Documents"] == "2"  # by hand: lines 1 and 2
    data = at.switch_page("views/data.py").run()
    metrics = _metrics(data)
    counts = here.counts()
    # by hand: 3 lines and a file; 2 loaded; the bad line and the pdf quarantined
    assert (metrics["Units"], metrics["Loaded"], metrics["Quarantined"]) == ("4", "2", "2")
    assert [metrics[k] for k in ("Units", "Loaded", "Quarantined", "Duplicates")] == [
        f"{counts[k]:,}" for k in ("units", "loaded", "quarantined", "duplicates")
    ]
    terms = at.switch_page("views/terms.py").run()
    assert not terms.exception
    index = build_index(here)  # in this process, kept in memory
    assert int(index.doc_tokens.sum()) == 8  # by hand: 5 + 3 words
    assert sorted(index.vocab["term"].tolist()) == sorted(
        {"green", "tea", "and", "black", "river", "rose"}
    )


def test_a_killed_worker_is_reported_and_the_next_upload_gets_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(worker, "load_uploads", _die)
    at, _ = _upload(monkeypatch, "killed")
    assert not at.exception, [e.value for e in at.exception]
    (warning,) = [shown(w.value) for w in at.warning if "worker process ended" in shown(w.value)]
    assert "killed, or out of memory" in warning
    assert "Upload fewer or smaller files" in warning
    monkeypatch.setattr(worker, "load_uploads", load_uploads)
    at.sidebar.get("file_uploader")[0].set_value(_files("again")[:1]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Documents"] == "2"


def test_a_call_past_the_bound_is_stopped_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import data

    assert worker.run("upload", data.workers, "Adding", sum, [1, 2]) == 3  # started
    monkeypatch.setenv("DASHBOARD_WORKER_SECONDS", "1")
    pool = data.workers("upload")
    (process,) = pool._processes.values()  # type: ignore[attr-defined]
    start = time.monotonic()
    with pytest.raises(worker.WorkerError, match="took longer than 1 s and was stopped"):
        worker.run("upload", data.workers, "Sleeping", time.sleep, 60)
    assert time.monotonic() - start < 30
    process.join(10)
    assert not process.is_alive()
    assert data.workers("upload") is not pool  # a new pool for the next call
    monkeypatch.delenv("DASHBOARD_WORKER_SECONDS")
    assert worker.run("upload", data.workers, "Adding", sum, [1, 2]) == 3


def test_an_upload_does_not_need_the_shared_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # under a file, no folder can be made, even by root (read-only mode bits are not
    # enough for root, and the worker is another process: no monkeypatch reaches it)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(blocker / "cache"))
    at, calls = _upload(monkeypatch, "unwritable")
    assert not at.exception, [e.value for e in at.exception]
    assert calls == ["load_uploads", "index_into_cache"]
    assert not [w for w in at.warning if "cannot be written" in shown(w.value)]
    assert _metrics(at)["Documents"] == "2"


def test_a_temporary_folder_the_worker_cannot_write_builds_here_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = worker.run
    unsaved = CacheNotice("unsaved", Path("full"), "The cache folder full cannot be written")

    def full(kind: str, workers: Any, label: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        if call.__name__ == "index_into_cache":
            return (unsaved,)  # what the worker answers when its folder is full
        return run(kind, workers, label, call, *args, **kwargs)

    monkeypatch.setattr(worker, "run", full)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["corpus"] = "upload"
    at.run()
    at.sidebar.get("file_uploader")[0].set_value(_files("full")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if "cannot be written" in shown(w.value)]
    assert _metrics(at)["Documents"] == "2"  # indexed here instead


def _started_fits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, inheriting: bool) -> int:
    """Topic fits saved after :func:`worker.start_topics` in a process that is a child of
    another (as bench_scale's AppTest part), starting up as a spawned worker or not."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from analysis import load_corpus

    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    monkeypatch.setattr(multiprocessing.current_process(), "_inheriting", inheriting, raising=False)
    index = build_index(load_corpus("seeds"), cache_dir=tmp_path)
    assert index.folder is not None
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        worker.start_topics(index, pool)
        waited = time.monotonic()
        while time.monotonic() - waited < (TIMEOUT if not inheriting else 3):
            if list(index.folder.glob("result-topics-*")):
                break
            time.sleep(0.05)
    return len(list(index.folder.glob("result-topics-*")))


def test_a_child_process_begins_the_default_topic_fit_but_a_starting_worker_does_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert _started_fits(monkeypatch, tmp_path / "child", inheriting=False) == 1
    assert _started_fits(monkeypatch, tmp_path / "starting", inheriting=True) == 0
