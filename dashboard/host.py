"""Facts about the host the dashboard runs on: a Chrome for image export, a CJK font.

Pure: no streamlit here, so charts, exports and tests ask the same questions
the same way. Each answer honours its override variable first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Fonts known to carry Han glyphs, tried in order when fontconfig is absent.
_CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


#: How long the answer "no browser" is kept (a browser installed meanwhile is found after it).
NO_BROWSER_SECONDS = 60.0
#: ``PATH`` -> the browser found on it (or ``None``) and when it was looked for.
_BROWSERS: dict[str, tuple[str | None, float]] = {}


def find_browser() -> str | None:
    """Path of the Chrome or Chromium kaleido will drive, or ``None``.

    ``BROWSER_PATH`` wins (kaleido honours it too); then the search kaleido's
    own browser finder does; then ``PATH``. Every page asks (to offer image and
    PDF exports), and the search looks in every folder of ``PATH`` for a dozen
    names, so its answer is kept per ``PATH``: a browser found while it stays
    executable, no browser for :data:`NO_BROWSER_SECONDS`.
    """
    override = os.environ.get("BROWSER_PATH")
    if override:
        return override if os.access(override, os.X_OK) else None
    path = os.environ.get("PATH", "")
    held = _BROWSERS.get(path)
    if held is not None:
        found, when = held
        if found is not None and os.access(found, os.X_OK):
            return found
        if found is None and time.monotonic() - when < NO_BROWSER_SECONDS:
            return None
    found = _search_browser()
    _BROWSERS[path] = (found, time.monotonic())
    return found


def _search_browser() -> str | None:
    try:
        # kaleido's own browser search (choreographer is its dependency).
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        pass
    else:
        found = Chromium.find_browser(skip_local=False)
        if found:
            return str(found)
    for name in _BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def find_cjk_font() -> str | None:
    """Path of a font with Chinese glyphs, or ``None`` when the system has none.

    ``DASHBOARD_CJK_FONT`` wins when it names a file; then fontconfig is asked
    for fonts covering Simplified Chinese (a Noto CJK regular face preferred);
    then a few well-known install paths are tried.
    """
    override = os.environ.get("DASHBOARD_CJK_FONT")
    if override and Path(override).is_file():
        return override
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run(
                [fc_list, ":lang=zh-cn", "file"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        files = sorted({line.split(":")[0].strip() for line in listed.splitlines() if line.strip()})
        files = [f for f in files if Path(f).is_file()]
        if files:
            preferred = [f for f in files if "CJK" in f and "Regular" in f and "Sans" in f]
            return (preferred or files)[0]
    for candidate in _CJK_FONT_PATHS:
        if Path(candidate).is_file():
            return candidate
    return None
