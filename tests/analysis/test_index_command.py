"""``python -m analysis index``: one corpus or a library, here or on a local dask cluster."""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.__main__ import run
from analysis.index import load_index

REPO = Path(__file__).resolve().parents[2]

#: Three documents, 7 tokens by hand: one two three / 高质量 发展 / four five.
LINES = [
    {"id": "a", "date": "2024-01-02", "text": "One two three."},
    {"id": "b", "date": "2024-01-03", "text": "高质量发展"},
    {"id": "c", "date": "2024-01-04", "text": "Four, five"},
]


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in LINES) + "\n")
    return path


def _json(capsys, *argv: str) -> dict[str, object]:
    assert run(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_index_corpus_json_names_counts_time_workers_and_folder(capsys, corpus, tmp_path):
    cache = tmp_path / "cache"
    row = _json(capsys, "index", str(corpus), "--cache-dir", str(cache), "--format", "json")
    assert list(row) == [
        "corpus", "status", "documents", "tokens", "terms", "quarantined", "seconds",
        "workers", "cache",
    ]  # fmt: skip
    assert (row["corpus"], row["status"], row["documents"], row["tokens"]) == (
        "small.jsonl", "built", 3, 7,
    )  # fmt: skip
    assert (row["quarantined"], row["workers"]) == (0, 0)
    index = load_index(Path(str(row["cache"])))
    assert Path(str(row["cache"])).parent == cache
    assert row["terms"] == len(index.vocab) == index.counts.shape[1]
    assert isinstance(row["seconds"], float)
    assert row["seconds"] > 0
    again = _json(capsys, "index", str(corpus), "--cache-dir", str(cache), "--format", "json")
    assert (again["status"], again["cache"], again["workers"]) == ("loaded", row["cache"], 0)


def test_index_corpus_on_two_local_workers_writes_the_local_files(capsys, corpus, tmp_path):
    local = _json(
        capsys, "index", str(corpus), "--cache-dir", str(tmp_path / "a"), "--format", "json"
    )
    # the CLI as a user runs it: worker processes start from `python -m analysis`
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "index", str(corpus), "--workers", "2",
         "--cache-dir", str(tmp_path / "b"), "--format", "json"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert (row["status"], row["workers"], row["documents"], row["tokens"]) == ("built", 2, 3, 7)
    assert row["terms"] == local["terms"]
    a, b = Path(str(local["cache"])), Path(str(row["cache"]))
    assert a.name == b.name
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert [n for n in names if not filecmp.cmp(a / n, b / n, shallow=False)] == []


def test_index_library_on_two_local_workers_builds_every_entry(capsys, corpus, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(corpus, library / "small.jsonl")
    (library / "one.txt").write_text("One text, of five tokens.", encoding="utf-8")
    argv = ["index", "--library", str(library), "--format", "json", "--cache-dir"]
    assert run([*argv, str(tmp_path / "a")]) == 0
    local = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    done = subprocess.run(
        [sys.executable, "-m", "analysis", *argv, str(tmp_path / "b"), "--workers", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["corpus"], r["status"], r["tokens"]) for r in rows] == [
        ("one.txt", "built", 5),
        ("small.jsonl", "built", 7),
    ]
    assert [r["workers"] for r in rows] == [1, 2]  # one document is one shard
    for mine, theirs in zip(local, rows, strict=True):
        a, b = Path(str(mine["cache"])), Path(str(theirs["cache"]))
        assert a.name == b.name
        assert all(filecmp.cmp(f, b / f.name, shallow=False) for f in a.iterdir())


def test_index_wants_a_corpus_or_a_library_and_one_place_to_count(capsys, corpus, tmp_path):
    assert run(["index"]) == 2
    assert "Give a CORPUS or --library DIR" in capsys.readouterr().err
    assert run(["index", str(corpus), "--library", str(tmp_path)]) == 2
    assert "Give a CORPUS or --library DIR" in capsys.readouterr().err
    assert run(["index", str(corpus), "--workers", "0"]) == 2
    assert "give 1 or more worker processes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["index", str(corpus), "--workers", "2", "--scheduler", "tcp://127.0.0.1:8719"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_index_on_an_unreachable_scheduler_is_one_line_and_status_2(capsys, corpus, monkeypatch):
    from analysis import distributed

    monkeypatch.setattr(distributed, "CONNECT_SECONDS", 1.0)
    assert run(["index", str(corpus), "--scheduler", "tcp://127.0.0.1:8719"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The dask scheduler at tcp://127.0.0.1:8719 cannot be reached")
    assert "Traceback" not in err


def test_index_library_json_is_one_object_per_entry(capsys, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "one.txt").write_text("First text.", encoding="utf-8")
    (library / "two.txt").write_text("Second text, longer.", encoding="utf-8")
    argv = ["index", "--library", str(library), "--cache-dir", str(tmp_path / "c")]
    assert run([*argv, "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["corpus"], r["status"], r["tokens"]) for r in rows] == [
        ("one.txt", "built", 2),
        ("two.txt", "built", 3),
    ]


def test_index_library_builds_every_entry_once(capsys, tmp_path, monkeypatch):
    library = tmp_path / "library"
    (library / "news").mkdir(parents=True)
    (library / "news" / "a.txt").write_text("First text of the news corpus.", encoding="utf-8")
    (library / "notes.txt").write_text("A single file is a corpus too.", encoding="utf-8")
    (library / "_drafts").mkdir()  # not a corpus: names starting with _ or . are skipped
    cache = tmp_path / "cache"
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(cache))
    assert run(["index", "--library", str(library)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["news", "notes.txt"]
    assert all(" built in " in line and f"saved in {cache}" in line for line in lines)
    assert "1 document, 6 tokens" in lines[0]
    assert run(["index", "--library", str(library)]) == 0
    assert all(" loaded in " in line for line in capsys.readouterr().out.splitlines())
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2


def test_index_library_that_is_not_a_folder_is_one_line_and_status_2(capsys, tmp_path):
    assert run(["index", "--library", str(tmp_path / "none")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_readme_lists_the_json_fields_in_order():
    from dataclasses import fields

    from analysis.index_command import Indexed

    row = next(
        line for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `index` |")
    )  # fmt: skip
    listed = next(span for span in re.findall(r"`([^`]*)`", row) if span.startswith("corpus, "))
    assert [c.strip() for c in listed.split(",")] == [f.name for f in fields(Indexed)]


def test_the_one_machine_build_never_imports_dask(tmp_path):
    code = (
        "import sys\n"
        "from analysis.__main__ import run\n"
        f"assert run(['index', 'seeds', '--cache-dir', {str(tmp_path)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
