"""A running dashboard and Debian chromium driven by Playwright (sync API).

The server is started once per session from the repository root, with its
own index cache and a corpus library holding a hostile corpus, and stopped at
the end. The browser is the system chromium: no browser download, ever.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_CORPORA = REPO_ROOT.parent / "shared" / "corpora"

# Without the background-networking flags chromium waits on the closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 90

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
HOSTILE_TEXT = (
    f"date 2024-01-05 {XSS_IMG} headline\n\n"
    f"Before {XSS_SCRIPT} and {XSS_IMG} after. The delta river and the delta plain.\n\n"
    "A second paragraph: [a link](javascript:window.__xss=1) and **bold** markdown.\n"
)


#: Off-host address of every hostile link and image: loopback, on a port nothing serves. The
#: browser suite aborts and records any request to it; nothing is ever sent off the machine.
OFF_HOST = "http://127.0.0.1:9"
#: Every hostile payload carries this word, so the suite can find where each one is shown.
MARK = "pwnmark"
PAYLOADS = (
    f"![{MARK} img]({OFF_HOST}/pixel.png)",
    f"[{MARK} Your session expired. Log in again]({OFF_HOST}/login)",
    f"**{MARK} bold** _{MARK} em_",
    f":red[{MARK} red] :material/warning: :smile:",
    f"${MARK}^2$",
    f"# {MARK} heading",
    f"<script>window.__xss=1</script>{MARK}",
    f'<img src="{OFF_HOST}/x.png" onerror="window.__xss=1">{MARK}',
    f'<a href="javascript:window.__xss=1">{MARK} js</a>',
    f'<iframe src="{OFF_HOST}/frame"></iframe>{MARK}',
    f"<style>body{{display:none}}</style>{MARK}",
    f"&lt;b&gt;{MARK}&amp;",
    f'=HYPERLINK("{OFF_HOST}","{MARK}")',
    f"{MARK}\u202egnp.exe",
    f"<br>{MARK}<b>b</b>",
)


def attack_records() -> list[dict[str, str]]:
    """Documents whose every field is hostile: text, title, source, id and a metadata column."""
    records = []
    for i, payload in enumerate(PAYLOADS):
        records.append(
            {
                "id": f"{payload} #{i}",
                "date": f"2024-0{1 + i % 3}-1{i % 9}",
                "title": payload,
                "source": PAYLOADS[i % 3],
                "speaker": PAYLOADS[(i + 1) % 4],
                "text": f"The delta river {payload} and the delta plain {MARK} river.\n\n"
                f"Second part: {payload} the river delta again.",
            }
        )
    return records


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus library with two hostile corpora, ``lib:hostile`` and ``lib:attack.jsonl``,
    and the China headlines (``lib:headlines.jsonl``) when the shared corpora are present."""
    root = tmp_path_factory.mktemp("library")
    headlines = SHARED_CORPORA / "china_media_headlines_2022" / "docs.jsonl"
    if headlines.is_file():
        shutil.copyfile(headlines, root / "headlines.jsonl")
    hostile = root / "hostile"
    hostile.mkdir()
    (hostile / "xss.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (hostile / "calm.txt").write_text(
        "date 2024-02-01 A calm day\n\nThe delta river runs calm past the plain.\n",
        encoding="utf-8",
    )
    (root / "attack.jsonl").write_text(
        "".join(json.dumps(record) + "\n" for record in attack_records()), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="session")
def app_url(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a dashboard served by ``python -m streamlit run dashboard/app.py``.

    ``DASHBOARD_TEST_PORT`` names the port (where ports are shared out); else a free one.
    """
    port = int(os.environ.get("DASHBOARD_TEST_PORT") or _free_port())
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {
        **os.environ,
        "DASHBOARD_CORPUS_DIR": str(library),
        "DASHBOARD_CACHE_DIR": str(tmp_path_factory.mktemp("index-cache")),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit not healthy in {STARTUP_SECONDS}s:\n"
                    f"{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.5)
        yield base
    finally:
        # The server runs in its own process group (start_new_session): stop only it.
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        print(f"streamlit log: {log_path}")


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Factory of fresh pages, each in its own browser context (as another user would)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 1000}
        )
        context.set_default_timeout(60_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
