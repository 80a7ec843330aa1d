"""analysis.memory: once the package is imported, numpy asks for no huge pages and Arrow
allocates from jemalloc, each unless its own switch in the environment says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SWITCHES = ("NUMPY_MADVISE_HUGEPAGE", "ARROW_DEFAULT_MEMORY_POOL")
REPORT = (
    "import numpy, pyarrow, analysis.index; "
    "print(numpy._core.multiarray._get_madvise_hugepage(), "
    "pyarrow.default_memory_pool().backend_name)"
)


def _after_import(**env: str) -> str:
    """What a fresh process that imports analysis reports: huge pages asked, Arrow's pool."""
    environ = {k: v for k, v in os.environ.items() if k not in SWITCHES} | env
    done = subprocess.run(
        [sys.executable, "-c", REPORT], cwd=REPO, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_turns_huge_pages_off_and_arrow_from_mimalloc():
    before = subprocess.run(
        [sys.executable, "-c", "import pyarrow; print(pyarrow.default_memory_pool().backend_name)"],
        env={k: v for k, v in os.environ.items() if k not in SWITCHES},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert before == "mimalloc"  # Arrow's own default, which the import replaces
    assert _after_import() == "False jemalloc"


@pytest.mark.parametrize(
    ("env", "report"),
    [
        ({"NUMPY_MADVISE_HUGEPAGE": "1"}, "True jemalloc"),
        ({"NUMPY_MADVISE_HUGEPAGE": "0"}, "False jemalloc"),
        ({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}, "False mimalloc"),
        ({"ARROW_DEFAULT_MEMORY_POOL": "system"}, "False system"),
    ],
)
def test_each_libraries_switch_in_the_environment_is_obeyed(env, report):
    assert _after_import(**env) == report


def test_the_imported_modules_objects_are_kept_out_of_full_collections():
    """A fresh process that imports analysis has frozen what its imports made, so a
    full collection walks only what came after (fewer objects than were frozen)."""
    script = (
        "import gc, analysis; frozen = gc.get_freeze_count(); print(frozen, len(gc.get_objects()))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    frozen, walked = map(int, done.stdout.split())
    assert frozen > 10_000  # numpy, pandas, polars, pyarrow, numba...
    assert walked < frozen
