"""analysis.memory: numpy stops asking for huge pages once the package is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASKS = "import numpy, analysis.index; print(numpy._core.multiarray._get_madvise_hugepage())"


def _asks_for_huge_pages(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"} | env
    done = subprocess.run(
        [sys.executable, "-c", ASKS], cwd=REPO, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_turns_huge_pages_off() -> None:
    assert _asks_for_huge_pages() == "False"


@pytest.mark.parametrize(("value", "asks"), [("1", "True"), ("0", "False")])
def test_numpy_switch_in_the_environment_is_obeyed(value: str, asks: str) -> None:
    assert _asks_for_huge_pages(NUMPY_MADVISE_HUGEPAGE=value) == asks
