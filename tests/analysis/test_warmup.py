"""analysis.warmup: ``python -m analysis warm`` reaches every compiled kernel, so that a
process after it compiles nothing (each kernel is read from numba's cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from analysis import schema as S
from analysis.__main__ import run
from analysis.warmup import load_warm_corpus, warm_corpus

REPO = Path(__file__).resolve().parents[2]

#: In a process whose numba cache is empty, after warm(): every kernel of the
#: analysis package that is not inlined into others, and those without a compiled
#: signature. Kernels called by other kernels compile with their callers.
CHECK = """
import importlib, json, pkgutil
import analysis
from numba.core.registry import CPUDispatcher
from analysis.warmup import warm

seconds = warm()
kernels, missing = [], []
for found in pkgutil.walk_packages(analysis.__path__, "analysis."):
    if found.name.endswith("__main__"):
        continue
    module = importlib.import_module(found.name)
    for name, value in vars(module).items():
        if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
            if value.targetoptions.get("inline") == "always":
                continue
            kernels.append(f"{module.__name__}.{name}")
            if not value.signatures:
                missing.append(kernels[-1])
print(json.dumps({"kernels": kernels, "missing": missing, "seconds": seconds}))
"""


def test_warm_compiles_every_kernel_of_the_package(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["kernels"]) > 50
    assert report["missing"] == []
    assert any((tmp_path / "numba").rglob("*.nbi"))  # written to the cache asked for


def test_the_warm_up_corpus_has_what_the_kernels_need(tmp_path):
    frame = warm_corpus()
    assert frame[S.SOURCE].value_counts().to_dict() == {"Weekly": 20, "Daily": 20}
    assert frame[S.DATE].dt.year.nunique() == 10
    assert frame[S.TEXT].str.contains("高质量发展").all()
    assert frame[S.TEXT].iloc[-1].startswith(frame[S.TEXT].iloc[0])  # a near duplicate
    corpus = load_warm_corpus(tmp_path)
    counts = corpus.counts()
    assert (counts["loaded"], counts["duplicates"]) == (40, 1)  # the file repeats one line


def test_warm_command_prints_its_seconds(capsys):
    assert run(["warm", "--format", "json"]) == 0
    seconds = json.loads(capsys.readouterr().out)
    assert set(seconds) == {"build_seconds", "user_words_seconds", "queries_seconds", "seconds"}
    assert seconds["seconds"] >= seconds["build_seconds"] > 0
