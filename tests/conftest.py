"""Shared by every test layer: a throwaway index cache, and the system browser and font.

Corpora for the analysis tests live next to those tests; this file stays small.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    import pandas as pd

DEBIAN_CHROMIUM = "/usr/bin/chromium"

# Property tests assert what holds for every example, not how fast an example runs: on a
# loaded or slow CI machine a per-example deadline fails tests that are right.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def in_ci() -> bool:
    """True on the CI machine, where a missing browser or font fails instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session", autouse=True)
def _isolated_index_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Index files written by tests go to a throwaway folder, never the user's cache.
    os.environ.setdefault("DASHBOARD_CACHE_DIR", str(tmp_path_factory.mktemp("index-cache")))


@pytest.fixture
def formula_table() -> pd.DataFrame:
    """Cells a spreadsheet would run as formulas, beside harmless ones and numbers."""
    import pandas as pd

    return pd.DataFrame(
        {
            "title": [
                '=HYPERLINK("http://x","y")',
                "+1",
                "-2+3",
                "@SUM(A1)",
                "\tx",
                "\rx",
                "长江三角洲",
                "plain",
            ],
            "count": [1, -2, 3, 4, 5, 6, 7, 8],
        }
    )


def _missing(message: str) -> NoReturn:
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium; skips locally and fails in CI when it is missing.

    ``DASHBOARD_TEST_CHROMIUM`` names another binary (and only that one is tried).
    """
    wanted = os.environ.get("DASHBOARD_TEST_CHROMIUM")
    if wanted:
        path = wanted if Path(wanted).is_file() else None
    else:
        path = DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).is_file() else shutil.which("chromium")
    if not path:
        message = (
            f"Chromium not found ({wanted or DEBIAN_CHROMIUM}, or chromium on PATH). "
            "Install it: apt-get install chromium."
        )
        _missing(message)
    return path


@pytest.fixture(scope="session")
def cjk_font_path() -> str:
    """A font with Chinese glyphs; skips locally and fails in CI when there is none."""
    from dashboard.host import find_cjk_font

    path = find_cjk_font()
    if path is None:
        _missing("No CJK font found. Install one: apt-get install fonts-noto-cjk.")
    return path


@pytest.fixture(scope="session", autouse=True)
def _compiled_kernels() -> None:
    # The compiled loops (analysis.kernels) are compiled on first use, about
    # fifteen seconds on a fresh checkout, then loaded from numba's cache. Pay
    # that once, here, and not inside the first AppTest's time limit.
    import pandas as pd

    from analysis.index import build_index

    build_index(pd.DataFrame({"doc_id": ["a", "b"], "text": ["Warm up, warm up.", "Warm up."]}))


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown element built with ``dashboard.escape.md``.

    AppTest hands back an element's Markdown source; the dashboard escapes the
    text it puts there (backslashes before punctuation, a word joiner after a
    colon), and this undoes exactly that.
    """
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")
