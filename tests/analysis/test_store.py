"""The on-disk store: atomic saves, checked loads, healing, work folders, eviction."""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.index import build_index
from analysis.store import evict_cache, saved_index_path
from tests.analysis.tiny import TINY

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------
# The saved copy heals: every fault leaves loading serving the right counts.


def _same_index(got, want) -> None:
    assert (got.counts != want.counts).nnz == 0
    assert got.vocab["term"].tolist() == want.vocab["term"].tolist()
    assert got.doc_tokens.tolist() == want.doc_tokens.tolist()
    assert np.array_equal(np.asarray(got.tokens), want.tokens)
    assert got.token_offsets.tolist() == want.token_offsets.tolist()
    assert got.docs["doc_id"].tolist() == want.docs["doc_id"].tolist()


def _saved(tmp_path):
    build_index(TINY, cache_dir=tmp_path)
    (folder,) = list(tmp_path.iterdir())
    return folder


def _reopen(tmp_path):
    """Build again from the cache: (index, notices, progress messages)."""
    notices: list = []
    messages: list[str] = []
    index = build_index(
        TINY,
        cache_dir=tmp_path,
        notice=notices.append,
        progress=lambda _f, m: messages.append(m),
    )
    return index, notices, messages


def _healed(tmp_path, folder):
    """The folder is whole again: the next open loads it without a notice."""
    index, notices, messages = _reopen(tmp_path)
    assert notices == []
    assert messages == ["Loading the saved index", "Index loaded"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]
    return index


def _break(kind: str, folder) -> None:
    if kind == "empty meta.json":
        (folder / "meta.json").write_text("")
    elif kind == "truncated tokens.npy":
        path = folder / "tokens.npy"
        os.truncate(path, path.stat().st_size // 2)
    elif kind == "missing tokens.npy":
        (folder / "tokens.npy").unlink()
    elif kind == "zeroed word_counts.npz":
        path = folder / "word_counts.npz"
        path.write_bytes(bytes(path.stat().st_size))
    elif kind == "no meta.json (a save killed before the atomic layout)":
        (folder / "meta.json").unlink()


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("empty meta.json", "meta.json cannot be read"),
        ("truncated tokens.npy", "tokens.npy holds"),
        ("missing tokens.npy", "tokens.npy is missing"),
        ("zeroed word_counts.npz", "word_counts.npz does not match its checksum"),
        ("no meta.json (a save killed before the atomic layout)", "meta.json is missing"),
    ],
)
def test_a_broken_saved_index_is_removed_and_rebuilt_with_a_notice(tmp_path, kind, reason):
    fresh = build_index(TINY)
    folder = _saved(tmp_path)
    _break(kind, folder)
    index, notices, _ = _reopen(tmp_path)
    _same_index(index, fresh)
    (notice,) = notices
    assert notice.kind == "rebuilt"
    assert reason in notice.message
    assert "it was removed and built again" in notice.message
    _same_index(_healed(tmp_path, folder), fresh)


def test_load_index_raises_a_typed_error_naming_the_file(tmp_path):
    from analysis.store import IndexCacheError, load_index

    folder = _saved(tmp_path)
    (folder / "meta.json").write_text("{}")
    with pytest.raises(IndexCacheError, match=r"meta.json lacks version"):
        load_index(folder)
    (folder / "meta.json").write_text(json.dumps({"version": 0}))
    with pytest.raises(IndexCacheError, match=r"lacks"):
        load_index(folder)


def test_a_saved_index_of_another_version_is_rebuilt(tmp_path):
    folder = _saved(tmp_path)
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "version": -1}))
    index, (notice,), _ = _reopen(tmp_path)
    assert "is version -1" in notice.message
    _same_index(index, build_index(TINY))


def _unwritable(*_args, **_kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


def _unsaved_message(cache, fresh) -> str:
    """Build into ``cache`` that cannot be saved to: the same index as ``fresh``, one notice."""
    notices: list = []
    _same_index(build_index(TINY, cache_dir=cache, notice=notices.append), fresh)
    (notice,) = notices
    assert notice.kind == "unsaved"
    return str(notice.message)


def test_a_read_only_cache_serves_from_memory_with_one_warning(tmp_path, monkeypatch):
    import analysis.store as store_module

    fresh = build_index(TINY)
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    # root writes through the mode bits: the folder's writer refuses as a read-only mount would
    monkeypatch.setattr(store_module.tempfile, "mkdtemp", _unwritable)
    message = _unsaved_message(cache, fresh)
    assert "cannot be written (Read-only file system)" in message
    assert "indexed in memory only" in message
    assert "set DASHBOARD_CACHE_DIR to a writable folder" in message
    assert list(cache.iterdir()) == []
    cache.chmod(0o755)


def test_a_read_only_cache_still_serves_what_it_holds(tmp_path, monkeypatch):
    import analysis.store as store_module

    folder = _saved(tmp_path)
    monkeypatch.setattr(store_module.tempfile, "mkdtemp", _unwritable)
    # removals fail there too (rmtree(..., ignore_errors=True) then leaves everything)
    monkeypatch.setattr(store_module.shutil, "rmtree", lambda *_a, **_k: None)
    index, notices, messages = _reopen(tmp_path)
    assert notices == []
    assert messages[0] == "Loading the saved index"
    _same_index(index, build_index(TINY))
    # a broken folder there cannot be removed or replaced: one warning says both
    (folder / "meta.json").write_text("")
    index, (notice,), _ = _reopen(tmp_path)
    _same_index(index, build_index(TINY))
    assert notice.kind == "unsaved"
    assert "was unreadable" in notice.message
    assert "cannot be written" in notice.message


def test_a_full_cache_serves_from_memory_and_leaves_no_partial_folder(tmp_path, monkeypatch):
    import analysis.store as store_module

    fresh = build_index(TINY)
    real = store_module._write_files

    def full_disk(index, folder, **options):
        real(index, folder, **options)  # the files are half there when the disk fills
        (folder / "tokens.npy").write_bytes(b"\x93NUMPY")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_write_files", full_disk)
    message = _unsaved_message(tmp_path, fresh)
    assert "cannot be written (No space left on device)" in message
    assert "Free disk space" in message
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()  # space freed: the next open saves, the one after loads
    _, notices, _ = _reopen(tmp_path)
    assert notices == []
    (folder,) = list(tmp_path.iterdir())
    _same_index(_healed(tmp_path, folder), fresh)


@pytest.mark.parametrize(
    ("name", "writer"), [("tokens.npy", "save_npy"), ("word_counts.npz", "save_csr")]
)
def test_a_disk_that_fills_while_a_file_is_written_early_is_a_full_cache(
    tmp_path, monkeypatch, name, writer
):
    import analysis.store as store_module

    fresh = build_index(TINY)
    real = getattr(store_module, writer)

    def full_disk(path, array, *args, **kwargs):
        if Path(path).name == name:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, array, *args, **kwargs)

    monkeypatch.setattr(store_module, writer, full_disk)
    message = _unsaved_message(tmp_path, fresh)
    assert "cannot be written (No space left on device)" in message
    assert list(tmp_path.iterdir()) == []


def test_the_token_stream_and_word_counts_are_written_while_the_index_is_built(
    tmp_path, monkeypatch
):
    import analysis.store as store_module
    from analysis.store import load_index

    early: list[np.ndarray] = []
    words_early: list[int] = []
    written: list[tuple[bool, bool]] = []
    real_tokens, real_words = (
        store_module.PendingSave.write_tokens,
        store_module.PendingSave.write_word_counts,
    )
    real_rest = store_module._write_files

    def write_tokens(self, tokens):
        early.append(tokens)
        real_tokens(self, tokens)

    def write_word_counts(self, indptr, indices, data, n_words):
        words_early.append(n_words)
        real_words(self, indptr, indices, data, n_words)

    def write_files(index, folder, *, tokens=True, written_words=None):
        written.append((tokens, written_words is None))
        real_rest(index, folder, tokens=tokens, written_words=written_words)

    monkeypatch.setattr(store_module.PendingSave, "write_tokens", write_tokens)
    monkeypatch.setattr(store_module.PendingSave, "write_word_counts", write_word_counts)
    monkeypatch.setattr(store_module, "_write_files", write_files)
    index = build_index(TINY, cache_dir=tmp_path)
    (stream,) = early
    assert stream is index.tokens
    assert words_early == [int((index.vocab["kind"] == "word").sum())]
    assert written == [(False, False)]  # finish wrote neither again
    (folder,) = list(tmp_path.iterdir())
    loaded, fresh = load_index(folder), build_index(TINY)
    np.testing.assert_array_equal(loaded.tokens, fresh.tokens)
    assert loaded.counts.shape == fresh.counts.shape
    assert (loaded.counts != fresh.counts).nnz == 0


def test_a_save_whose_early_word_counts_differ_from_the_index_writes_the_index(tmp_path):
    from analysis.store import PendingSave, load_index

    index = build_index(TINY)
    n_words = int((index.vocab["kind"] == "word").sum())
    assert (index.vocab["kind"] == "phrase").any()
    one_row = index.counts[:1, :n_words]  # the first document's counts only
    indptr = np.zeros(index.counts.shape[0] + 1, dtype=np.int64)
    indptr[1:] = one_row.nnz
    pending = PendingSave(index.docs, tmp_path / "index")
    pending.write_word_counts(indptr, one_row.indices, one_row.data, n_words)
    pending.finish(index)
    assert (load_index(tmp_path / "index").counts != index.counts).nnz == 0


def test_a_save_whose_index_holds_another_token_stream_writes_that_one(tmp_path):
    from analysis.store import PendingSave, load_index

    index = build_index(TINY)
    pending = PendingSave(index.docs, tmp_path / "index")
    pending.write_tokens(np.zeros_like(index.tokens))  # not the index's own array
    pending.finish(index)
    np.testing.assert_array_equal(load_index(tmp_path / "index").tokens, index.tokens)
    assert index.tokens.any()  # the zeros would have shown


def test_work_folders_of_killed_saves_are_removed(tmp_path):
    import socket
    import subprocess
    import sys

    from analysis.store import remove_stale_work

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    host = socket.gethostname()
    dead = tmp_path / f".partial-abc-{host}-{gone}-x1"
    aside = tmp_path / f".replaced-abc-{host}-{gone}-x2"
    live = tmp_path / f".partial-abc-{host}-{os.getpid()}-x3"
    for folder in (dead, aside, live):
        folder.mkdir()
        (folder / "tokens.npy").write_bytes(b"partial")
    old = tmp_path / f".partial-abc-otherhost-{os.getpid()}-x4"
    old.mkdir()
    os.utime(old, (1_000_000, 1_000_000))
    assert sorted(p.name for p in remove_stale_work(tmp_path)) == sorted(
        [dead.name, aside.name, old.name]
    )
    assert [p.name for p in tmp_path.iterdir()] == [live.name]


_KILLED_SAVE = """
import os, signal, sys
import pandas as pd
import analysis.store as store_module
from analysis.index import build_index
real = store_module._write_files
def killed(index, folder, **options):
    real(index, folder, **options)
    os.kill(os.getpid(), signal.SIGKILL)  # between the files and meta.json
store_module._write_files = killed
frame = pd.read_parquet(sys.argv[1])
build_index(frame, cache_dir=sys.argv[2])
"""


def test_a_save_killed_midway_leaves_nothing_that_is_read(tmp_path):
    import signal
    import subprocess
    import sys

    frame = tmp_path / "frame.parquet"
    TINY.to_parquet(frame)
    cache = tmp_path / "cache"
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_SAVE, str(frame), str(cache)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    (partial,) = list(cache.iterdir())
    assert partial.name.startswith(".partial-")
    notices: list = []
    _same_index(build_index(TINY, cache_dir=cache, notice=notices.append), build_index(TINY))
    assert notices == []  # the work folder was never the index: nothing to report
    (folder,) = list(cache.iterdir())
    assert not folder.name.startswith(".")
    _same_index(_healed(cache, folder), build_index(TINY))


_READER = """
import sys
import numpy as np
from analysis.index import build_index
import pandas as pd
frame = pd.read_parquet(sys.argv[1])
index = build_index(frame, cache_dir=sys.argv[2])
print("loaded", flush=True)
sys.stdin.readline()  # the cache is replaced and truncated meanwhile
rows = np.arange(index.n_docs)
doc, ids = index.stream(rows)
print(int(np.asarray(index.tokens).astype(np.int64).sum()), int(index.word_totals().sum()),
      int(ids.astype(np.int64).sum()), int(index.counts.sum()), flush=True)
"""


def _big_frame() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    words = np.array([f"w{i}" for i in range(400)])
    texts = [" ".join(rng.choice(words, size=200)) for _ in range(400)]  # 80k tokens
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(400)], "text": texts})


def test_truncating_the_cache_under_an_open_index_does_not_kill_the_reader(tmp_path):
    import subprocess
    import sys

    frame_path = tmp_path / "frame.parquet"
    frame = _big_frame()
    frame.to_parquet(frame_path)
    cache = tmp_path / "cache"
    fresh = build_index(frame, cache_dir=cache)
    (folder,) = list(cache.iterdir())
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(frame_path), str(cache)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdin is not None
        assert reader.stdout.readline().strip() == "loaded"
        tokens = folder / "tokens.npy"
        assert tokens.stat().st_size > 64 * 4096  # many pages: a mapped reader would fault
        os.truncate(tokens, 128)  # in place, under the reader
        healed = build_index(frame, cache_dir=cache, notice=lambda _n: None)
        _same_index(healed, fresh)  # a fresh load heals (the folder is replaced by rename)
        os.truncate(folder / "tokens.npy", 0)  # the replacement too
        out, err = reader.communicate("go\n", timeout=300)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    stream = fresh.stream(np.arange(fresh.n_docs))[1]
    assert out.split() == [
        str(int(fresh.tokens.astype(np.int64).sum())),
        str(int(fresh.word_totals().sum())),
        str(int(stream.astype(np.int64).sum())),
        str(int(fresh.counts.sum())),
    ]
    notices: list = []
    _same_index(build_index(frame, cache_dir=cache, notice=notices.append), fresh)
    assert [n.kind for n in notices] == ["rebuilt"]


# The cache bounded in size: least recently used indexes evicted.


def _saved_folders(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))


def test_cache_over_its_size_evicts_the_least_recently_used(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    frames = [pd.DataFrame({"doc_id": ["a"], "text": [f"text number {n}"]}) for n in range(3)]
    first, second = (build_index(frame, cache_dir=cache) for frame in frames[:2])
    folders = {
        index.content_hash: next(p for p in cache.iterdir() if index.content_hash[:24] in p.name)
        for index in (first, second)
    }
    size = sum(f.stat().st_size for f in folders[first.content_hash].rglob("*") if f.is_file())
    # Used an hour and two hours ago; the first was loaded (touched) more recently.
    os.utime(folders[first.content_hash], (time.time() - 3600,) * 2)
    os.utime(folders[second.content_hash], (time.time() - 7200,) * 2)
    monkeypatch.setenv("DASHBOARD_CACHE_MAX_BYTES", str(int(size * 2.5)))
    third = build_index(frames[2], cache_dir=cache)
    kept = _saved_folders(cache)
    assert len(kept) == 2
    assert not folders[second.content_hash].exists()  # the oldest went
    assert folders[first.content_hash].exists()
    assert any(third.content_hash[:24] in name for name in kept)  # never the one just written


def test_loading_a_saved_index_marks_it_used(tmp_path):
    cache = tmp_path / "cache"
    frame = pd.DataFrame({"doc_id": ["a"], "text": ["loaded again"]})
    build_index(frame, cache_dir=cache)
    (folder,) = (p for p in cache.iterdir() if not p.name.startswith("."))
    os.utime(folder, (1_000_000.0, 1_000_000.0))
    build_index(frame, cache_dir=cache)
    assert folder.stat().st_mtime > 1_000_000.0


def test_evict_cache_spares_kept_and_recently_used_folders(tmp_path):
    cache = tmp_path / "cache"
    for name in ("old", "kept", "fresh"):
        (cache / name).mkdir(parents=True)
        (cache / name / "tokens.npy").write_bytes(b"x" * 1000)
    (cache / ".partial-work").mkdir()
    (cache / ".partial-work" / "tokens.npy").write_bytes(b"x" * 1000)
    now = 10_000.0
    os.utime(cache / "old", (now - 500, now - 500))
    os.utime(cache / "kept", (now - 900, now - 900))
    os.utime(cache / "fresh", (now - 1, now - 1))  # within the grace period: maybe being read
    removed = evict_cache(cache, max_bytes=1000, keep=(cache / "kept",), now=now)
    assert removed == [cache / "old"]
    assert _saved_folders(cache) == ["fresh", "kept"]
    assert (cache / ".partial-work").exists()  # work folders are remove_stale_work's


def test_saved_index_path_says_whether_a_build_is_needed(tmp_path):
    frame = pd.DataFrame({"doc_id": ["a"], "text": ["saved or not"]})
    index = build_index(frame)
    assert saved_index_path(index.content_hash, index.settings, tmp_path) is None
    build_index(frame, cache_dir=tmp_path)
    folder = saved_index_path(index.content_hash, index.settings, tmp_path)
    assert folder is not None
    assert (folder / "meta.json").is_file()


# ---------------------------------------------------------------------------
# The documents table is saved while the index is built.


def test_a_build_that_fails_leaves_no_work_folder(tmp_path):
    def failing(docs, content_hash, settings, progress):
        raise RuntimeError("the build broke")

    with pytest.raises(RuntimeError, match="the build broke"):
        build_index(TINY, cache_dir=tmp_path, builder=failing)
    assert list(tmp_path.iterdir()) == []


def test_a_builder_that_returns_other_documents_has_them_saved(tmp_path):
    from analysis.index import _build
    from analysis.store import load_index

    def reordered(docs, content_hash, settings, progress):
        return _build(docs.iloc[::-1].reset_index(drop=True), content_hash, settings, progress)

    build_index(TINY, cache_dir=tmp_path, builder=reordered)
    (folder,) = list(tmp_path.iterdir())
    saved = load_index(folder)
    assert saved.docs["doc_id"].tolist() == TINY["doc_id"].tolist()[::-1]


def test_object_columns_of_strings_are_saved_as_the_value_by_value_conversion_saves_them(
    tmp_path,
):
    # strings with every kind of missing value, and a column of lists beside them
    from analysis.store import _jsonable, _write_docs

    strings = ["year", None, "day", np.nan, pd.NA, "", "nan", "中文"] * 3
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(len(strings))],
            "precision": pd.Series(strings, dtype=object),
            "tags": pd.Series([["a", 1], {"k": "v"}, None, "s"] * 6, dtype=object),
        }
    )
    (tmp_path / "fast").mkdir()
    _write_docs(docs, tmp_path / "fast")
    slow = docs.copy()
    for column in ("precision", "tags"):
        slow[column] = slow[column].map(_jsonable)
    slow.to_parquet(tmp_path / "slow.parquet", index=False, compression=None)
    assert (tmp_path / "fast" / "docs.parquet").read_bytes() == (
        tmp_path / "slow.parquet"
    ).read_bytes()
    tags = pd.read_parquet(tmp_path / "fast" / "docs.parquet")["tags"]
    assert tags.tolist()[:2] == ['["a", 1]', '{"k": "v"}']
    assert tags.isna().tolist()[:4] == [False, False, True, False]


def test_the_documents_table_is_saved_uncompressed(tmp_path):
    import pyarrow.parquet as pq

    from analysis.store import load_index

    build_index(TINY, cache_dir=tmp_path)
    (folder,) = list(tmp_path.iterdir())
    metadata = pq.ParquetFile(folder / "docs.parquet").metadata
    codecs = {
        metadata.row_group(g).column(c).compression
        for g in range(metadata.num_row_groups)
        for c in range(metadata.num_columns)
    }
    assert codecs == {"UNCOMPRESSED"}  # compressing cost the build more than it saved
    pd.testing.assert_frame_equal(load_index(folder).docs, build_index(TINY).docs)
