"""CorpusIndex: counts, tokens per document, passages, the saved copy."""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.index import (
    IndexSettings,
    build_index,
    evict_cache,
    saved_index_path,
    split_passages,
)
from tests.analysis.tiny import TINY

ROOT = Path(__file__).resolve().parents[2]


def _column(index, term):
    return index.vocab.index[index.vocab["term"] == term][0]


def test_build_index_counts_words_per_document():
    index = build_index(TINY, settings=IndexSettings(detect_phrases=False))
    tea = _column(index, "tea")
    assert index.counts[:, tea].toarray().ravel().tolist() == [4, 1, 0]
    assert index.doc_tokens.tolist() == [9, 5, 4]
    assert index.n_docs == 3
    assert index.counts.dtype == np.int32


def test_build_index_vocab_columns_and_languages():
    frame = pd.DataFrame({"doc_id": ["z"], "text": ["高质量发展 quality"]})
    vocab = build_index(frame).vocab
    assert list(vocab.columns[:3]) == ["term", "kind", "language"]
    languages = dict(zip(vocab["term"], vocab["language"], strict=True))
    assert languages["quality"] == "en"
    assert languages["发展"] == "zh"


def test_build_index_reloads_saved_copy_instead_of_rebuilding(tmp_path):
    built = build_index(TINY, cache_dir=tmp_path)
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1
    messages: list[str] = []
    loaded = build_index(TINY, cache_dir=tmp_path, progress=lambda _f, m: messages.append(m))
    assert messages[0] == "Loading the saved index"
    assert (loaded.counts != built.counts).nnz == 0
    assert loaded.vocab.equals(built.vocab)
    assert loaded.docs["doc_id"].tolist() == ["a", "b", "c"]
    assert pd.isna(loaded.docs["date"].iloc[2])


def test_cache_key_changes_with_settings_and_content(tmp_path):
    build_index(TINY, cache_dir=tmp_path)
    build_index(TINY, cache_dir=tmp_path, settings=IndexSettings(user_phrases=("black tea",)))
    changed = TINY.assign(text=TINY["text"].str.replace("Coffee", "Cocoa"))
    build_index(changed, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 3


def test_split_passages_uses_blank_lines():
    table = split_passages(["One.\n\nTwo\nstill two.\n\n\n", "", "Solo"])
    assert table[["doc", "passage", "start", "end"]].values.tolist() == [
        [0, 0, 0, 4],
        [0, 1, 6, 20],
        [2, 0, 0, 4],
    ]


def test_split_passages_splits_long_paragraphs_at_line_breaks():
    line = "word " * 200
    text = "\n".join([line] * 10)
    table = split_passages([text])
    assert len(table) > 1
    assert table["end"].max() <= len(text)


def test_empty_corpus_builds_an_empty_index():
    index = build_index(pd.DataFrame({"doc_id": [], "text": []}))
    assert index.counts.shape[0] == 0


def test_token_stream_matches_tokenize_for_mixed_scripts():
    from analysis.index import _Vocabulary
    from analysis.scan import scan_parts
    from analysis.text import tokenize

    texts = [
        "推动长三角一体化发展，G60科技走廊。高质量发展 the end",
        "x 长三角 y",
        "Plain text, only.",
    ]
    vocab = _Vocabulary(())
    doc, ids = vocab.encode(scan_parts(texts))
    for number, text in enumerate(texts):
        stream = [vocab.words[i] for i in ids[doc == number] if i >= 0]
        assert stream == tokenize(text)


def test_token_stream_is_kept_and_reloaded(tmp_path):
    built = build_index(TINY, cache_dir=tmp_path)
    doc, ids = built.stream(np.array([2, 0]))
    words = built.vocab["term"].to_numpy()
    assert [words[i] for i in ids[doc == 0] if i >= 0] == ["coffee", "is", "better", "surely"]
    assert [words[i] if i >= 0 else None for i in ids[doc == 1]][:4] == [
        "green",
        "tea",
        None,
        "green",
    ]
    loaded = build_index(TINY, cache_dir=tmp_path)
    assert np.array_equal(np.asarray(loaded.tokens), built.tokens)
    assert loaded.token_offsets.tolist() == built.token_offsets.tolist()
    assert loaded.word_id("tea") == built.word_id("tea") == built.column("tea")


def _passages_by_regex(text: str, long: int) -> list[tuple[int, int]]:
    """The passage rule written with re.finditer over every separator (the oracle)."""
    import re

    paragraph, line = re.compile(r"\n[ \t\u3000]*\n\s*"), re.compile(r"\n\s*")
    out = []
    start = 0
    for sep_start, sep_end in [*(m.span() for m in paragraph.finditer(text)), (len(text),) * 2]:
        a, b = start, sep_start
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a <= long:
            pieces = [(a, b)]
        else:
            pieces, cursor = [], a
            for m in line.finditer(text, a, b):
                if m.start() - cursor >= long // 4:
                    pieces.append((cursor, m.start()))
                    cursor = m.end()
            pieces.append((cursor, b))
        out.extend((x, y) for x, y in pieces if y > x)
        start = sep_end
    return out


def _passages(texts: list[str]) -> list[list[tuple[int, int]]]:
    table = split_passages(texts)
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    for doc, start, end in table[["doc", "start", "end"]].itertuples(index=False):
        out[doc].append((start, end))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("ab .\n\n \t\r\u3000\u2028\xa0\x1cé中😀")),
            max_size=120,
        ),
        max_size=4,
    )
)
def test_split_passages_equals_the_regex_rule(texts):
    import analysis.index as index

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index, "LONG_PASSAGE", 20)  # long paragraphs are the hard part
        assert _passages(texts) == [_passages_by_regex(t, 20) for t in texts]


def test_split_passages_reads_an_arrow_column_like_a_list():
    texts = ["Un.\n\nDeux é\n \n中文", "", "x\u3000\n\u3000\ny"]
    column = pd.Series(["skipped", *texts]).iloc[1:]
    assert _passages(texts) == [_passages_by_regex(t, 3000) for t in texts]
    by_column = split_passages(column)
    assert by_column.values.tolist() == split_passages(texts).values.tolist()


def test_white_space_is_pythons():
    from analysis.scan import white_space

    space = white_space()
    expected = [p for p in range(0x110000) if chr(p).isspace()]
    assert np.flatnonzero(space).tolist() == expected


@pytest.mark.parametrize(
    "name", ["un_general_debate", "us_sotu", "reuters21578", "zh_gov_work_reports"]
)
def test_split_passages_equals_the_regex_rule_on_shared_corpora(name):
    from analysis.index import LONG_PASSAGE

    from .tiny import shared_texts

    texts = shared_texts(name)
    assert _passages(texts) == [_passages_by_regex(t, LONG_PASSAGE) for t in texts]


def test_text_of_python_strings_is_read_like_arrow_text(monkeypatch):
    import analysis.index as index
    from analysis.scan import arrow_text

    texts = ["Green tea, green tea.\n\nTea is fine.", "Coffee é 中文 ﬁ", ""]
    plain = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": pd.Series(texts, dtype=object)})
    assert isinstance(arrow_text(plain["text"]).array, pd.arrays.ArrowStringArray)
    arrow = build_index(plain)
    # the same column read as Python strings (the path a column that cannot
    # go to Arrow takes)
    monkeypatch.setattr(index, "arrow_text", lambda column: column)
    python = build_index(plain)
    assert python.vocab["term"].tolist() == arrow.vocab["term"].tolist()
    assert (python.counts != arrow.counts).nnz == 0
    assert np.array_equal(python.tokens, arrow.tokens)
    assert python.passages.values.tolist() == arrow.passages.values.tolist()
    monkeypatch.undo()
    # an unpaired surrogate cannot go to Arrow: the column is read as Python strings
    odd = pd.Series(["ab\ud800cd"], dtype=object)
    assert arrow_text(odd) is odd
    index_odd = build_index(pd.DataFrame({"doc_id": ["x"], "text": odd}))
    assert set(index_odd.vocab["term"]) == {"ab", "cd"}


@pytest.mark.parametrize("dtype", [object, "str"])
def test_missing_texts_are_empty_texts(dtype):
    frame = pd.DataFrame(
        {"doc_id": ["a", "b", "c"], "text": pd.Series(["Tea time", np.nan, None], dtype=dtype)}
    )
    empty = frame.assign(text=pd.Series(["Tea time", "", ""], dtype=dtype))
    index = build_index(frame)
    assert index.vocab["term"].tolist() == ["tea", "time"]
    assert index.doc_tokens.tolist() == [2, 0, 0]
    assert index.content_hash == build_index(empty).content_hash


def test_a_chunked_arrow_column_is_read_in_place():
    from analysis.scan import _arrow_utf8, arrow_text

    column = pd.concat([pd.Series(["Tea time"]), pd.Series(["More tea"])], ignore_index=True)
    combined = arrow_text(column)
    assert _arrow_utf8(combined) is not None
    assert combined.tolist() == column.tolist()
    frame = pd.DataFrame({"doc_id": ["a", "b"], "text": column})
    assert build_index(frame).doc_tokens.tolist() == [2, 2]


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
    elif kind == "zeroed counts.npz":
        path = folder / "counts.npz"
        path.write_bytes(bytes(path.stat().st_size))
    elif kind == "no meta.json (a save killed before the atomic layout)":
        (folder / "meta.json").unlink()


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("empty meta.json", "meta.json cannot be read"),
        ("truncated tokens.npy", "tokens.npy holds"),
        ("missing tokens.npy", "tokens.npy is missing"),
        ("zeroed counts.npz", "counts.npz does not match its checksum"),
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
    from analysis.index import IndexCacheError, load_index

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


def test_a_read_only_cache_serves_from_memory_with_one_warning(tmp_path, monkeypatch):
    import analysis.index as index_module

    fresh = build_index(TINY)
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    # root writes through the mode bits: the folder's writer refuses as a read-only mount would
    monkeypatch.setattr(index_module.tempfile, "mkdtemp", _unwritable)
    notices: list = []
    index = build_index(TINY, cache_dir=cache, notice=notices.append)
    _same_index(index, fresh)
    (notice,) = notices
    assert notice.kind == "unsaved"
    assert "cannot be written (Read-only file system)" in notice.message
    assert "indexed in memory only" in notice.message
    assert "set DASHBOARD_CACHE_DIR to a writable folder" in notice.message
    assert list(cache.iterdir()) == []
    cache.chmod(0o755)


def test_a_read_only_cache_still_serves_what_it_holds(tmp_path, monkeypatch):
    import analysis.index as index_module

    folder = _saved(tmp_path)
    monkeypatch.setattr(index_module.tempfile, "mkdtemp", _unwritable)
    # removals fail there too (rmtree(..., ignore_errors=True) then leaves everything)
    monkeypatch.setattr(index_module.shutil, "rmtree", lambda *_a, **_k: None)
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
    import analysis.index as index_module

    fresh = build_index(TINY)
    real = index_module._write_files

    def full_disk(index, folder):
        real(index, folder)  # the files are half there when the disk fills
        (folder / "tokens.npy").write_bytes(b"\x93NUMPY")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_module, "_write_files", full_disk)
    notices: list = []
    index = build_index(TINY, cache_dir=tmp_path, notice=notices.append)
    _same_index(index, fresh)
    (notice,) = notices
    assert notice.kind == "unsaved"
    assert "cannot be written (No space left on device)" in notice.message
    assert "Free disk space" in notice.message
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()  # space freed: the next open saves, the one after loads
    index, notices, _ = _reopen(tmp_path)
    assert notices == []
    (folder,) = list(tmp_path.iterdir())
    _same_index(_healed(tmp_path, folder), fresh)


def test_work_folders_of_killed_saves_are_removed(tmp_path):
    import socket
    import subprocess
    import sys

    from analysis.index import remove_stale_work

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
import analysis.index as index_module
real = index_module._write_files
def killed(index, folder):
    real(index, folder)
    os.kill(os.getpid(), signal.SIGKILL)  # between the files and meta.json
index_module._write_files = killed
frame = pd.read_parquet(sys.argv[1])
index_module.build_index(frame, cache_dir=sys.argv[2])
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


# Hand-made: the same sentence in Simplified and Traditional characters, and a mixed one.
# 经济 / 經濟: 1 + 2 + 1; 发展 / 發展: 1 + 1 + 1; 台湾 / 臺灣: 0 + 1 + 0.
SCRIPTS = pd.DataFrame(
    {
        "doc_id": ["simplified", "traditional", "mixed"],
        "text": ["经济发展。", "經濟發展，臺灣經濟。", "经济 G60發展"],
    }
)


def _totals(index) -> dict[str, int]:
    totals = np.asarray(index.counts.sum(axis=0)).ravel()
    words = index.vocab["kind"] == "word"
    return dict(zip(index.vocab.loc[words, "term"], totals[words.to_numpy()], strict=True))


def test_fold_chinese_counts_traditional_and_simplified_as_one_term():
    folded = _totals(build_index(SCRIPTS, settings=IndexSettings(fold_chinese=True)))
    assert folded == {"经济": 4, "发展": 3, "台湾": 1, "g60": 1}
    # unfolded, the scripts are apart, and jieba's (Simplified) dictionary cuts 臺灣經濟 badly
    kept = _totals(build_index(SCRIPTS))
    assert (kept["经济"], kept["經濟"], kept["發展"], kept["灣經濟"]) == (2, 1, 2, 1)


def test_fold_chinese_finds_a_term_typed_in_either_script_and_folds_user_words():
    settings = IndexSettings(fold_chinese=True, user_words=("經濟發展",))
    index = build_index(SCRIPTS, settings=settings)
    assert _totals(index)["经济发展"] == 2
    assert index.column("經濟") == index.column("经济") is not None


def test_fold_chinese_is_part_of_the_cache_key_and_reloaded(tmp_path):
    build_index(SCRIPTS, cache_dir=tmp_path)
    build_index(SCRIPTS, cache_dir=tmp_path, settings=IndexSettings(fold_chinese=True))
    assert len(list(tmp_path.iterdir())) == 2
    loaded = build_index(SCRIPTS, cache_dir=tmp_path, settings=IndexSettings(fold_chinese=True))
    assert loaded.settings.fold_chinese
    assert _totals(loaded)["经济"] == 4


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
