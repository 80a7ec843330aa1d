"""Shared by every test layer: repository paths and the browser requirement.

Corpora for the analysis tests live next to those tests; this file stays small.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("DASHBOARD_TEST_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    """True on the CI machine, where a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session", autouse=True)
def _isolated_index_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Index files written by tests go to a throwaway folder, never the user's cache.
    os.environ.setdefault(
        "DASHBOARD_CACHE_DIR", str(tmp_path_factory.mktemp("index-cache"))
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium; skips locally and fails in CI when it is missing."""
    path = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not path:
        message = f"Chromium not found at {CHROMIUM} or on PATH (apt-get install chromium)."
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path
