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


KEPT = """
import os, resource
import numpy as np
import analysis.memory as memory

PAGES = 16_384  # 64 MiB of 4 KiB pages

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def second_touch():
    first = np.ones(PAGES * 512); del first  # a large array, freed
    before = faults(); again = np.ones(PAGES * 512); touched = faults() - before
    del again
    return touched

default = second_touch()
with memory.freed_memory_kept() as kept:
    with memory.freed_memory_kept():
        pass  # a nested block's end leaves the memory kept
    inside = second_touch()
    held = rss()
after_block = rss()
after = second_touch()
print(kept, default, inside, after, held - after_block)
"""


def test_freed_memory_is_reused_within_the_block_and_given_back_after_it():
    done = subprocess.run(
        [sys.executable, "-c", KEPT], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    kept, default, inside, after, given_back = done.stdout.split()
    if kept != "True":
        pytest.skip("not glibc: freed_memory_kept does nothing")
    default, inside, after = int(default), int(inside), int(after)
    # outside the block a large array is mapped anew and faulted in again (16,385
    # faults of 4 KiB pages here; fewer where the kernel gives huge pages always)
    assert default > 0
    assert after * 2 > default
    # inside, the pages the freed array held serve the next one
    assert inside * 10 < default
    # the 64 MiB freed in the block were given back at its end
    assert int(given_back) > 48 * 2**20
