"""The worker entry points (``analysis/worker.py``), run in a real spawned worker process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from analysis import (
    IndexSettings,
    build_index,
    index_into_cache,
    load_index,
    load_uploads,
    prepare_worker,
    read_progress,
    saved_index_path,
)

FILES = [
    ("a.txt", b"Green tea and black tea."),
    ("b.txt", "River tea rose. 长江三角洲".encode()),
    ("c.pdf", b"%PDF-1.7"),
]


def _pool() -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=prepare_worker)


def test_the_worker_loads_and_saves_the_index_built_here(tmp_path: Path) -> None:
    settings = IndexSettings(detect_phrases=True)
    cache, told = tmp_path / "cache", tmp_path / "progress.json"
    assert read_progress(told) is None  # nothing written yet
    with _pool() as pool:
        corpus = pool.submit(load_uploads, FILES).result(timeout=120)
        future = pool.submit(index_into_cache, corpus, settings, cache, told)
        notices = future.result(timeout=120)
    here = load_uploads(FILES)
    assert corpus.content_hash == here.content_hash
    assert corpus.report.equals(here.report)
    assert corpus.docs.equals(here.docs)
    assert notices == ()
    assert read_progress(told) == (1.0, "Index built")
    folder = saved_index_path(here.content_hash, settings, cache)
    assert folder is not None
    saved, fresh = load_index(folder), build_index(here, settings=settings)
    assert (saved.counts != fresh.counts).nnz == 0
    assert saved.vocab["term"].tolist() == fresh.vocab["term"].tolist()
    assert np.array_equal(np.asarray(saved.tokens), fresh.tokens)
    assert saved.doc_tokens.tolist() == fresh.doc_tokens.tolist() == [5, 3 + 1]


def test_a_cache_that_cannot_be_written_is_told_and_nothing_saved(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with _pool() as pool:
        corpus = pool.submit(load_uploads, FILES).result(timeout=120)
        future = pool.submit(index_into_cache, corpus, IndexSettings(), blocker / "cache")
        (notice,) = future.result(timeout=120)
    assert notice.kind == "unsaved"
    assert "cannot be written" in notice.message
    assert list(tmp_path.iterdir()) == [blocker]
