"""Concurrent real sessions against a served dashboard: latency, errors, CPU and RSS.

    python benchmarks/bench_load.py [--sessions 1 10 25 50] [--corpus sotu]
                                    [--library DIR] [--cache DIR] [--port P]
                                    [--replicas 0 2 ...] [--url URL --pid PID]
                                    [--client {ws,browser}] [--heavy {lda,upload}]
                                    [--max-seconds 1200]

Starts its own server on a free loopback port, in its own process group, with
a temporary index cache (and ``DASHBOARD_CORPUS_DIR=DIR`` with ``--library``),
waits for ``/_stcore/health`` and always stops it at the end. ``--replicas``
names the servers to run one after the other, each through every N: ``0`` is
one process (``python -m streamlit run dashboard/app.py``), ``N`` is
``python -m dashboard serve --replicas N`` (N Streamlit processes behind the
sticky proxy; its ``/_stcore/health`` is waited for and every replica's
"ready" line). So ``--replicas 0 2`` gives the single-process baseline and two
replicas in one run, on the same machine load. ``--url`` (loopback) with
``--pid`` measures a server already running instead. One warm-up session per
replica (not counted) loads the corpus index into each. Then, for each N, N
sessions at once open the Terms page of the corpus and change the sidebar
keyword filter twice. Every filter value is a different query (``a | b``), so
no session is served another's cached table.

Two clients (``--client``):

- ``ws`` (default): Streamlit's own protocol, as its frontend speaks it, one
  websocket per session on ``/_stcore/stream``: a ``BackMsg`` ``rerun_script``
  with the page name, the query string and the widget states, answered by
  ``ForwardMsg`` deltas up to ``script_finished``. Opening the page is the first
  ``rerun_script`` (page ``terms``, ``corpus=...``); a filter change sends the
  query string the app last wrote and the new value of the ``sidebar_query``
  text input (its widget id read from the deltas). Like the browser, a session
  keeps the hashes of the cacheable messages it received and names them in
  ``cached_message_hashes``, so the server sends references to what it has.
  Like a browser it sends no keepalive pings (a server whose event loop is
  starved for 20 s would otherwise lose the connection to the client's ping
  timeout). Static files and images are not fetched. Each action is timed from the
  request to the ``script_finished`` of the run it caused (a run finished
  early for a rerun is followed to the end of the next one); an exception
  element or a compile error is an error.
- ``browser``: one context per session of one Debian chromium through
  Playwright (``/usr/bin/chromium``, never a downloaded browser): navigation
  and fill + Enter, timed in the browser from the action to the end of the
  script run it caused (``stApp``'s ``data-test-script-state`` back to
  ``notRunning`` after ``running``), done once that run is over, the status
  widget gone and a plotly chart drawn. On 2 cores the browsers use several
  times the server's CPU, so at large N this measures the client.

``--heavy lda`` adds one session beside the N that opens the Topics page with an
LDA fit (``?corpus=sotu&method=lda&k=12&seed=N``, a new fit each round; over the
websocket with ``--client ws``); ``--heavy upload`` one session that uploads a
~100 MB JSONL (UN General Debate speeches, ``--heavy-mb``) through the sidebar's
file uploader: with ``--client ws`` as the frontend does it (the upload URL asked
for over the websocket, one multipart PUT with the XSRF cookie and header and the
proxy's replica cookie, then the run with the uploader's value, which must show
the Overview's document count), in the browser with ``--client browser``. Its
time is reported separately; server CPU then includes it.

Per N: p50/p95/max per action kind and overall, errors (timeouts, exceptions on
the page), server CPU seconds per action (``/proc/<pid>/stat`` of the server
and its children), client CPU per action (the client shares the 2 cores), bytes
received per action, and the server's peak RSS (``VmRSS`` of the server and its
children sampled every 0.5 s; behind the proxy that is the proxy and every
replica), and the load averages at the start and end of the round. Loopback
only. Bounded: ``--action-timeout`` per action, ``--max-seconds`` per server,
after which it stops and reports what it has. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import itertools
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dashboard.serve import free_ports  # noqa: E402  # the checkout's, found through REPO

CORPORA = REPO.parent / "shared" / "corpora"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: Issue 12's goal: p95 <= 2 s on the SOTU sample, <= 3 s on a 100k-document library corpus.
GOAL_P95 = {"sample": 2.0, "library": 3.0}


def goal_text(goal: float) -> str:
    return f"goal: 50 sessions, 0 errors, p95 <= {goal:g} s"


STARTUP_SECONDS = 120
KINDS = ("open", "filter1", "filter2")
TICK = os.sysconf("SC_CLK_TCK")

#: Common State of the Union words; every filter action uses its own pair ``a | b``.
WORDS = (
    "peace", "war", "union", "congress", "people", "government", "nation", "states", "country",
    "world", "law", "public", "freedom", "power", "trade", "economy", "tax", "money", "jobs",
    "work", "health", "education", "children", "security", "defense", "army", "navy", "treaty",
    "energy", "oil", "farm", "labor", "industry", "commerce", "rights", "justice", "court", "debt",
    "budget", "revenue", "citizens", "liberty",
)  # fmt: skip

#: Records every ``data-test-script-state`` change of ``stApp`` with ``performance.now()``.
INIT_SCRIPT = """(() => {
  const runs = [];
  window.__benchRuns = runs;
  const record = (el) => {
    const state = el.getAttribute('data-test-script-state');
    if (!runs.length || runs[runs.length - 1][0] !== state) runs.push([state, performance.now()]);
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'attributes') { record(m.target); continue; }
      for (const node of m.addedNodes) {
        if (node.nodeType !== 1) continue;
        const el = node.matches('[data-test-script-state]')
          ? node : node.querySelector('[data-test-script-state]');
        if (el) record(el);
      }
    }
  }).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-test-script-state'],
  });
})();"""

#: Done after ``t0``: a run started and finished, nothing running, no status widget, and a
#: chart drawn (or an exception shown). Returns [end of the run, exception shown].
DONE = """([t0, chart]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
  let ran = false, end = null;
  for (const [state, t] of window.__benchRuns) {
    if (t < t0) continue;
    if (state === 'running') ran = true;
    else if (state === 'notRunning' && ran) end = t;
  }
  if (end === null) return null;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return null;
  const failed = document.querySelector('[data-testid="stException"]') !== null;
  if (!failed && chart && !document.querySelector('.js-plotly-plot .point')) return null;
  return [end, failed];
}"""


# ---------------------------------------------------------------------------
# Server process tree: CPU seconds and RSS from /proc
# ---------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree(root: int) -> list[int]:
    tree, pids, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(tree.get(pid, []))
    return pids


def tree_cpu(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants (and reaped children)."""
    total = 0
    for pid in _tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def own_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` alone (the proxy, not its replicas)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def client_cpu(server_pid: int) -> float:
    """CPU seconds of this process and its children (the browser), the server's tree left out."""
    return tree_cpu(os.getpid()) - tree_cpu(server_pid)


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants (VmRSS summed)."""
    total = 0
    for pid in _tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if match:
            total += int(match.group(1)) * 1024
    return total


class RssSampler(threading.Thread):
    """Samples the server tree's RSS every 0.5 s; ``peak`` since the last ``reset``."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def reset(self) -> None:
        self.peak = tree_rss(self.pid)

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.peak = max(self.peak, tree_rss(self.pid))


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


def start_server(
    work: Path, library: Path | None, cache: Path | None = None, port: int = 0, replicas: int = 0
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """One Streamlit process (``replicas`` 0), or ``python -m dashboard serve`` with that many
    replicas behind its proxy (on ``port`` and the ports after it)."""
    port = port or free_ports(1 + replicas)
    env = {**os.environ, "DASHBOARD_CACHE_DIR": str((cache or work / "cache").resolve())}
    env.pop("DASHBOARD_CORPUS_DIR", None)
    if library is not None:
        env["DASHBOARD_CORPUS_DIR"] = str(library.resolve())
    streamlit_options = [
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if replicas:
        command = [
            sys.executable, "-m", "dashboard", "serve",
            "--replicas", str(replicas), "--port", str(port), "--address", "127.0.0.1",
            "--", *streamlit_options,
        ]  # fmt: skip
    else:
        command = [
            sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            *streamlit_options,
        ]  # fmt: skip
    log_path = work / f"server-{replicas}.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                # Behind the proxy: every replica ready, so the rounds meet none starting.
                if reply.status == 200 and (not replicas or _ready(log_path) >= replicas):
                    return server, base, log_path
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(server)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise SystemExit(f"streamlit not healthy in {STARTUP_SECONDS} s:\n{tail}")


def _ready(log_path: Path) -> int:
    return len(
        re.findall(r"dashboard serve: replica \d+ ready", log_path.read_text(errors="replace"))
    )


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group (and only it), SIGKILL after 20 s."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=20)


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------


@dataclass
class Action:
    kind: str
    seconds: float | None  # None: failed
    error: str = ""
    bytes: int = 0  # received by the client (websocket client only)
    detail: str = ""


@dataclass
class Round:
    sessions: int
    replicas: int = 0  # 0: one Streamlit process, no proxy
    goal: float = GOAL_P95["sample"]
    load: str = ""  # load averages at the start and the end
    actions: list[Action] = field(default_factory=list)
    heavy: Action | None = None
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0  # this process and the browser, not the server
    proxy_cpu: float = 0.0  # of that, the proxy process's own (behind replicas)
    rss_peak: int = 0
    cut: bool = False  # stopped by --max-seconds


class Budget:
    def __init__(self, max_seconds: float, action_timeout: float) -> None:
        self.deadline = time.monotonic() + max_seconds
        self.action_timeout = action_timeout

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def timeout_ms(self, seconds: float | None = None) -> float:
        limit = self.action_timeout if seconds is None else seconds
        return max(1.0, min(limit, self.left())) * 1000


def queries() -> Iterator[str]:
    """Distinct ``a | b`` queries, in a fixed order."""
    for a, b in itertools.combinations(WORDS, 2):
        yield f"{a} | {b}"


async def _until_done(page: Any, t0: float, timeout_ms: float, chart: bool = True) -> float:
    """Seconds from ``t0`` (browser clock) to the end of the run; raises on an exception."""
    handle = await page.wait_for_function(DONE, arg=[t0, chart], polling=100, timeout=timeout_ms)
    end, failed = await handle.json_value()
    if failed:
        raise RuntimeError("exception on page (stException)")
    return float(end - t0) / 1000


def _error(exc: BaseException) -> str:
    name = type(exc).__name__
    return "timeout" if "Timeout" in name else f"{name}: {str(exc).splitlines()[0][:120]}"


async def new_page(browser: Any) -> tuple[Any, Any, list[str]]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.add_init_script(INIT_SCRIPT)
    blocked: list[str] = []

    async def abort(route: Any) -> None:
        blocked.append(route.request.url)
        await route.abort()

    # Loopback only: any other request is aborted (and counted) before it leaves.
    await context.route(re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])"), abort)
    return context, await context.new_page(), blocked


async def user_session(
    browser: Any, url: str, words: list[str], budget: Budget, actions: list[Action]
) -> None:
    """Open ``url`` and change the keyword filter to each of ``words``, timing each action."""
    context, page, blocked = await new_page(browser)
    try:
        kind = KINDS[0]
        try:
            await page.goto(url, wait_until="commit", timeout=budget.timeout_ms())
            actions.append(Action(kind, await _until_done(page, 0.0, budget.timeout_ms())))
            for kind, word in zip(KINDS[1:], words, strict=True):
                box = page.locator(".st-key-sidebar_query input")
                await box.fill(word, timeout=budget.timeout_ms())
                t0 = await page.evaluate("performance.now()")
                await box.press("Enter", timeout=budget.timeout_ms())
                actions.append(Action(kind, await _until_done(page, t0, budget.timeout_ms())))
        except Exception as exc:  # a failed action ends the session; later ones are not run
            actions.append(Action(kind, None, _error(exc)))
        if blocked:
            actions.append(Action("offhost", None, f"{len(blocked)} off-host requests aborted"))
    finally:
        await context.close()


async def heavy_session(
    browser: Any,
    base: str,
    heavy: str,
    upload: Path | None,
    budget: Budget,
    timeout: float,
    seed: int,
) -> Action:
    """The heavy work beside the sessions; ``seed`` makes each round's LDA fit a new one."""
    context, page, _ = await new_page(browser)
    start = time.monotonic()
    try:
        if heavy == "lda":
            await page.goto(
                f"{base}/topics?corpus=sotu&method=lda&k=12&seed={seed}",
                wait_until="commit",
                timeout=budget.timeout_ms(timeout),
            )
            return Action(heavy, await _until_done(page, 0.0, budget.timeout_ms(timeout)))
        assert upload is not None
        await page.goto(f"{base}/?corpus=upload", wait_until="commit")
        await _until_done(page, 0.0, budget.timeout_ms(), chart=False)
        start = time.monotonic()
        t0 = await page.evaluate("performance.now()")
        files = page.locator("[data-testid=stSidebar] input[type=file]")
        await files.set_input_files(str(upload), timeout=budget.timeout_ms(timeout))
        # Set_input_files returns once the browser has the file; the upload and the run follow.
        await _until_done(page, t0, budget.timeout_ms(timeout), chart=True)
        return Action(heavy, time.monotonic() - start)
    except Exception as exc:
        return Action(heavy, None, f"{_error(exc)} after {time.monotonic() - start:.1f} s")
    finally:
        await context.close()


def make_upload(path: Path, megabytes: int) -> None:
    """~``megabytes`` MB of JSONL: UN General Debate speeches, each once."""
    limit = megabytes * 1_000_000
    written = 0
    source = CORPORA / "un_general_debate" / "docs.jsonl.gz"
    with gzip.open(source, "rt", encoding="utf-8") as lines, path.open("w") as out:
        for line in lines:
            record = json.loads(line)
            row = json.dumps(
                {"id": record.get("id"), "date": str(record.get("date")), "text": record["text"]},
                ensure_ascii=False,
            )
            out.write(row + "\n")
            written += len(row.encode()) + 1
            if written >= limit:
                break


async def run_round(
    browser: Any,
    url: str,
    base: str,
    n: int,
    words: Iterator[str],
    args: argparse.Namespace,
    upload: Path | None,
    server_pid: int,
    sampler: RssSampler,
    budget: Budget,
) -> Round:
    """N sessions at once (and the heavy one); ``browser`` is None for the websocket client."""
    result = Round(n, replicas=args.replicas_now, goal=args.goal)
    load0 = load_average()
    sampler.reset()
    cpu0, ccpu0, start = tree_cpu(server_pid), client_cpu(server_pid), time.monotonic()
    pcpu0 = own_cpu(server_pid)
    tasks = []
    heavy = None
    if args.heavy == "lda" and args.client == "ws":
        heavy = asyncio.create_task(ws_heavy_lda(base, budget, args.heavy_timeout, n))
    elif args.heavy == "upload" and args.client == "ws":
        assert upload is not None
        heavy = asyncio.create_task(ws_heavy_upload(base, upload, budget, args.heavy_timeout))
    elif args.heavy:
        heavy = asyncio.create_task(
            heavy_session(browser, base, args.heavy, upload, budget, args.heavy_timeout, n)
        )
    for _ in range(n):
        mine = [next(words), next(words)]
        if args.client == "ws":
            query = f"corpus={args.corpus}"
            session = ws_user_session(base, query, mine, budget, result.actions)
        else:
            session = user_session(browser, url, mine, budget, result.actions)
        tasks.append(asyncio.create_task(session))
    await asyncio.gather(*tasks)
    result.wall = time.monotonic() - start
    if heavy is not None:
        result.heavy = await heavy
    result.server_cpu = tree_cpu(server_pid) - cpu0
    result.proxy_cpu = own_cpu(server_pid) - pcpu0 if args.replicas_now > 0 else 0.0
    result.client_cpu = client_cpu(server_pid) - ccpu0
    result.rss_peak = sampler.peak
    result.load = f"{load0} -> {load_average()}"
    result.cut = budget.left() <= 0
    return result


# ---------------------------------------------------------------------------
# The websocket client: Streamlit's own protocol
# ---------------------------------------------------------------------------

#: ``script_finished`` statuses (``ForwardMsg.ScriptFinishedStatus``).
FINISHED, COMPILE_ERROR, EARLY_FOR_RERUN = 0, 1, 2


class StreamSession:
    """One session over ``/_stcore/stream``, speaking as Streamlit's frontend does.

    It keeps what a browser tab keeps between runs: the query string the app
    last wrote, the page's script hash, the widget ids seen (by their key), and
    the hashes of the cacheable messages received (sent back in
    ``cached_message_hashes``, so the server sends references instead).
    """

    def __init__(
        self, ws_url: str, origin: str, page: str, query_string: str, cookie: str = ""
    ) -> None:
        self.ws_url, self.origin, self.cookie = ws_url, origin, cookie
        self.page, self.query_string = page, query_string
        self.session_id = ""
        self.metrics: dict[str, str] = {}  # label -> value of the last run's metrics
        self.page_hash = ""
        self.widget_ids: dict[str, str] = {}
        self.cached: set[str] = set()
        self.received = 0  # bytes
        self.socket: Any = None

    async def connect(self, timeout: float) -> None:
        import websockets

        self.socket = await asyncio.wait_for(
            websockets.connect(
                self.ws_url,
                subprotocols=["streamlit"],  # as the frontend asks
                origin=self.origin,  # the server checks it against its host
                max_size=None,
                open_timeout=timeout,
                ping_interval=None,  # a browser sends no keepalive pings either
                additional_headers={"Cookie": self.cookie} if self.cookie else None,
            ),
            timeout,
        )

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def run(
        self, widgets: dict[str, str], timeout: float, files: dict[str, Any] | None = None
    ) -> float:
        """Ask for a run with these text widget values (by key) and file uploader values
        (``UploadedFileInfo`` by key); seconds to its end."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query_string
        state.page_name = self.page
        state.page_script_hash = self.page_hash
        state.cached_message_hashes.extend(sorted(self.cached))
        for key, value in widgets.items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            widget.string_value = value
        for key, info in (files or {}).items():
            widget = state.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            widget.file_uploader_state_value.uploaded_file_info.append(info)
        start = time.monotonic()
        await self.socket.send(back.SerializeToString())
        await asyncio.wait_for(self._until_finished(), timeout)
        return time.monotonic() - start

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        failure = ""
        while True:
            raw = await self.socket.recv()
            self.received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.cached.add(msg.hash)
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                name = element.WhichOneof("type")
                if name == "exception":
                    failure = failure or f"exception on page: {element.exception.type}"
                elif name == "metric":
                    self.metrics[element.metric.label] = element.metric.body
                widget_id = getattr(getattr(element, name), "id", "") if name else ""
                if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                    self.widget_ids[widget_id.rsplit("-", 1)[-1]] = widget_id
            elif kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "script_finished":
                status = msg.script_finished
                if status == COMPILE_ERROR:
                    raise RuntimeError("script compile error")
                if status == EARLY_FOR_RERUN:
                    continue  # the run the app asked for follows
                if failure:
                    raise RuntimeError(failure)
                return

    async def upload_url(self, name: str, timeout: float) -> tuple[str, str]:
        """(file id, upload path) for one file, asked for as the frontend asks."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        back.file_urls_request.request_id = "bench"
        back.file_urls_request.session_id = self.session_id
        back.file_urls_request.file_names.append(name)
        await self.socket.send(back.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await asyncio.wait_for(self.socket.recv(), timeout))
            if msg.WhichOneof("type") == "file_urls_response":
                urls = msg.file_urls_response
                if urls.error_msg:
                    raise RuntimeError(f"upload refused: {urls.error_msg}")
                return urls.file_urls[0].file_id, urls.file_urls[0].upload_url


def _ws_urls(base: str) -> tuple[str, str]:
    return base.replace("http://", "ws://", 1) + "/_stcore/stream", base


async def ws_user_session(
    base: str, query: str, words: list[str], budget: Budget, actions: list[Action]
) -> None:
    """Open the Terms page with ``query`` and change the keyword filter to each of ``words``."""
    ws_url, origin = _ws_urls(base)
    session = StreamSession(ws_url, origin, "terms", query)
    kind = KINDS[0]
    timeout = budget.timeout_ms() / 1000
    try:
        await session.connect(timeout)
        before = session.received
        seconds = await session.run({}, budget.timeout_ms() / 1000)
        actions.append(Action(kind, seconds, bytes=session.received - before))
        for kind, word in zip(KINDS[1:], words, strict=True):
            if "sidebar_query" not in session.widget_ids:
                raise RuntimeError("no sidebar_query text input in the page")
            before = session.received
            seconds = await session.run({"sidebar_query": word}, budget.timeout_ms() / 1000)
            actions.append(Action(kind, seconds, bytes=session.received - before))
    except Exception as exc:  # a failed action ends the session; later ones are not run
        actions.append(Action(kind, None, _error(exc)))
    finally:
        await session.close()


async def ws_reruns(base: str, corpus: str, runs: int, server_pid: int, budget: Budget) -> str:
    """One session alone: the Terms page opened, then ``runs`` unchanged reruns, then
    ``runs`` filter changes; the median time and the server CPU per run of each."""
    ws_url, origin = _ws_urls(base)
    session = StreamSession(ws_url, origin, "terms", f"corpus={corpus}")
    timeout = budget.timeout_ms() / 1000
    await session.connect(timeout)
    lines = []
    try:
        await session.run({}, timeout)
        words = itertools.islice(queries(), 200, None)  # not the warm-up's or the rounds' first
        for what, widgets in (
            ("unchanged rerun", lambda: {}),
            ("filter change", lambda: {"sidebar_query": next(words)}),
        ):
            times, cpu0, received0 = [], tree_cpu(server_pid), session.received
            for _ in range(runs):
                times.append(await session.run(widgets(), timeout))
            cpu = (tree_cpu(server_pid) - cpu0) / runs
            lines.append(
                f"{what:<16} median {statistics.median(times) * 1000:6.0f} ms, "
                f"server CPU {cpu * 1000:5.0f} ms/run, "
                f"received {(session.received - received0) / runs / 1e3:6.1f} kB/run"
            )
    finally:
        await session.close()
    return "\n".join(lines)


async def ws_heavy_lda(base: str, budget: Budget, timeout: float, seed: int) -> Action:
    """An LDA fit on the Topics page, over the websocket: a new fit each ``seed``."""
    ws_url, origin = _ws_urls(base)
    session = StreamSession(ws_url, origin, "topics", f"corpus=sotu&method=lda&k=12&seed={seed}")
    start = time.monotonic()
    try:
        limit = min(timeout, budget.left())
        await session.connect(limit)
        return Action("lda", await session.run({}, limit))
    except Exception as exc:
        return Action("lda", None, f"{_error(exc)} after {time.monotonic() - start:.1f} s")
    finally:
        await session.close()


def _cookies(base: str) -> dict[str, str]:
    """The cookies a first request sets: the proxy's replica cookie and Streamlit's XSRF."""
    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=30) as reply:
        headers = reply.headers.get_all("Set-Cookie") or []
    pairs = (h.split(";", 1)[0].partition("=") for h in headers)
    return {name.strip(): value for name, _, value in pairs}


async def put_file(base: str, path: str, upload: Path, cookies: dict[str, str]) -> int:
    """PUT ``upload`` to ``path`` as one multipart file field, streamed from disk; the status."""
    host, port = base.removeprefix("http://").split(":")
    boundary = "bench-load-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{upload.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + upload.stat().st_size + len(tail)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    request = (
        f"PUT {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {length}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nCookie: {cookie}\r\n"
        f"X-Xsrftoken: {cookies.get('_streamlit_xsrf', '')}\r\nConnection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request + head)
        with upload.open("rb") as source:
            while chunk := source.read(1 << 20):
                writer.write(chunk)
                await writer.drain()
        writer.write(tail)
        await writer.drain()
        status = (await reader.readline()).split()
        return int(status[1]) if len(status) > 1 else 0
    finally:
        writer.close()


async def ws_heavy_upload(base: str, upload: Path, budget: Budget, timeout: float) -> Action:
    """A ~100 MB JSONL uploaded as the frontend does it: the sidebar's file uploader asks for
    an upload URL over the websocket, the file goes in one PUT (through the proxy, to the
    session's replica), then the run with the uploader's new value loads and indexes it."""
    start = time.monotonic()
    session = None
    try:
        cookies = _cookies(base)
        ws_url, origin = _ws_urls(base)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        session = StreamSession(ws_url, origin, "", "corpus=upload", cookie=cookie)
        limit = min(timeout, budget.left())
        await session.connect(limit)
        await session.run({}, limit)
        if "sidebar_upload" not in session.widget_ids:
            raise RuntimeError("no sidebar_upload file uploader on the page")
        file_id, path = await session.upload_url(upload.name, limit)
        start = time.monotonic()
        status = await asyncio.wait_for(put_file(base, path, upload, cookies), limit)
        if status not in (200, 204):
            raise RuntimeError(f"upload PUT answered {status}")
        sent = time.monotonic() - start
        from streamlit.proto.Common_pb2 import UploadedFileInfo

        info = UploadedFileInfo(name=upload.name, size=upload.stat().st_size, file_id=file_id)
        info.file_urls.file_id, info.file_urls.upload_url = file_id, path
        lines = upload.read_bytes().count(b"\n")
        session.metrics.clear()
        ran = await session.run({}, limit, files={"sidebar_upload": info})
        documents = session.metrics.get("Documents")
        if documents is None:
            raise RuntimeError(f"the upload's Overview shows no document count: {session.metrics}")
        detail = (
            f"PUT {sent:.1f} s, then the run that loads and indexes it {ran:.1f} s; "
            f"Overview: {documents} documents of the file's {lines:,} lines"
        )
        return Action("upload", time.monotonic() - start, detail=detail)
    except Exception as exc:
        return Action("upload", None, f"{_error(exc)} after {time.monotonic() - start:.1f} s")
    finally:
        if session is not None:
            await session.close()


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _stats(values: list[float]) -> str:
    if not values:
        return f"{'-':>7} {'-':>7} {'-':>7}"
    return f"{statistics.median(values):7.2f} {_p95(values):7.2f} {max(values):7.2f}"


def report(result: Round) -> str:
    done = [a for a in result.actions if a.seconds is not None]
    errors = [a for a in result.actions if a.seconds is None]
    timeouts = sum(a.error == "timeout" for a in errors)
    exceptions = sum("stException" in a.error for a in errors)
    lines = [
        f"{_config(result.replicas)}, N = {result.sessions}: "
        f"{len(done)}/{3 * result.sessions} actions done in "
        f"{result.wall:.1f} s, errors {len(errors)} (timeouts {timeouts}, "
        f"exceptions on page {exceptions}, other {len(errors) - timeouts - exceptions})"
        + ("  [cut by --max-seconds]" if result.cut else ""),
        f"  {'action':<8} {'n':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7}",
    ]
    for kind in (*KINDS, "all"):
        values = [a.seconds for a in done if kind in ("all", a.kind) and a.seconds is not None]
        lines.append(f"  {kind:<8} {len(values):>4} {_stats(values)}")
    count = max(1, len(done))
    per = "s/action" if done else "s in all, no action done"
    received = sum(a.bytes for a in done)
    lines.append(
        f"  server CPU {result.server_cpu / count:.2f} {per} ({result.server_cpu:.1f} s), "
        f"client CPU {result.client_cpu / count:.2f} {per}, "
        + (f"received {received / count / 1e3:.0f} kB/action, " if received else "")
        + f"server RSS peak {result.rss_peak / 2**20:.0f} MiB, load average {result.load}"
        + (
            f"; of the server CPU the proxy's own {result.proxy_cpu:.2f} s"
            if result.replicas > 0
            else ""
        )
    )
    if result.heavy is not None:
        heavy = result.heavy
        took = f"{heavy.seconds:.1f} s" if heavy.seconds is not None else heavy.error
        lines.append(
            f"  heavy session ({heavy.kind}): {took}"
            + (f" ({heavy.detail})" if heavy.detail else "")
        )
    for error in sorted({a.error for a in errors}):
        lines.append(f"  error: {error}")
    all_values = [a.seconds for a in done if a.seconds is not None]
    met = (
        result.sessions >= 50
        and not errors
        and bool(all_values)
        and _p95(all_values) <= result.goal
    )
    p95 = f"{_p95(all_values):.2f} s" if all_values else "-"
    verdict = "met" if met else "not met"
    lines.append(f"  {goal_text(result.goal)}: p95 {p95}, errors {len(errors)} -> {verdict}")
    return "\n".join(lines)


def _config(replicas: int) -> str:
    if replicas < 0:
        return "--url"
    return f"{replicas} replicas" if replicas else "1 process"


def summary(rounds: list[Round]) -> str:
    head = f"{'server':<10} | {'N':>3} | " + " | ".join(
        f"{k + ' p50/p95/max':<22}" for k in (*KINDS, "all")
    )
    lines = [head + " | err | CPU s/act | RSS MiB | heavy s | load (start -> end)"]
    for r in rounds:
        done = [a for a in r.actions if a.seconds is not None]
        cells = []
        for kind in (*KINDS, "all"):
            v = [a.seconds for a in done if kind in ("all", a.kind) and a.seconds is not None]
            cell = f"{statistics.median(v):.2f}/{_p95(v):.2f}/{max(v):.2f}" if v else "-"
            cells.append(f"{cell:<22}")
        errors = len(r.actions) - len(done)
        cpu = f"{r.server_cpu / len(done):9.2f}" if done else f"{r.server_cpu:5.1f} all"
        heavy = "-"
        if r.heavy is not None:
            heavy = f"{r.heavy.seconds:.1f}" if r.heavy.seconds is not None else "failed"
        lines.append(
            f"{_config(r.replicas):<10} | {r.sessions:>3} | "
            + " | ".join(cells)
            + f" | {errors:>3} | {cpu:>9} | {r.rss_peak / 2**20:7.0f} | {heavy:>7} | {r.load}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------


async def bench(args: argparse.Namespace, work: Path, base: str, server_pid: int) -> list[Round]:
    budget = Budget(args.max_seconds, args.action_timeout)
    url = f"{base}/terms?corpus={args.corpus}"
    upload = None
    if args.heavy == "upload":
        upload = work / "heavy-upload.jsonl"
        if not upload.exists():
            make_upload(upload, args.heavy_mb)
        print(f"heavy upload file: {upload.stat().st_size / 1e6:.0f} MB")
    sampler = RssSampler(server_pid)
    sampler.start()
    try:
        if args.client == "browser":
            from playwright.async_api import async_playwright

            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    return await _rounds(
                        browser, url, base, args, upload, server_pid, sampler, budget
                    )
                finally:
                    await browser.close()
        return await _rounds(None, url, base, args, upload, server_pid, sampler, budget)
    finally:
        sampler.stopped.set()


async def _rounds(
    browser: Any,
    url: str,
    base: str,
    args: argparse.Namespace,
    upload: Path | None,
    server_pid: int,
    sampler: RssSampler,
    budget: Budget,
) -> list[Round]:
    words = queries()
    warm: list[Action] = []
    start = time.monotonic()
    # One warm-up session per replica, at once (each replica loads the index into its memory).
    warming = []
    for _ in range(args.warm or max(1, args.replicas_now)):
        first = [next(words), next(words)]
        if args.client == "ws":
            warming.append(ws_user_session(base, f"corpus={args.corpus}", first, budget, warm))
        else:
            warming.append(user_session(browser, url, first, budget, warm))
    await asyncio.gather(*warming)
    took = ", ".join(
        f"{a.kind} {a.seconds:.2f} s" if a.seconds is not None else a.error for a in warm
    )
    print(f"warm-up (cold index, not counted): {took}; {time.monotonic() - start:.1f} s")
    if args.reruns and args.client == "ws":
        probe = await ws_reruns(base, args.corpus, args.reruns, server_pid, budget)
        print(f"one session alone, {args.reruns} runs each (server CPU from /proc):\n{probe}")
    print(f"client {args.client}, URL {url}   {goal_text(args.goal)}", flush=True)
    rounds: list[Round] = []
    for n in args.sessions:
        if budget.left() <= 5:
            print(f"N = {n}: not run, --max-seconds {args.max_seconds} reached")
            break
        result = await asyncio.wait_for(
            run_round(browser, url, base, n, words, args, upload, server_pid, sampler, budget),
            timeout=budget.left() + args.action_timeout + 60,
        )
        rounds.append(result)
        print(report(result), flush=True)
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 25, 50])
    parser.add_argument("--corpus", default="sotu", help="corpus URL value: sotu, lib:<name>")
    parser.add_argument("--library", type=Path, default=None, help="corpus library folder")
    parser.add_argument(
        "--cache", type=Path, default=None, help="index cache to use (default: a new temporary one)"
    )
    parser.add_argument("--client", choices=["ws", "browser"], default="ws")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--replicas",
        type=int,
        nargs="+",
        default=[0],
        help="server configurations, one after the other: 0 is one Streamlit process, N > 0 "
        "is python -m dashboard serve --replicas N (e.g. --replicas 0 2: baseline and two)",
    )
    parser.add_argument("--url", help="an already running server or proxy instead (loopback)")
    parser.add_argument("--pid", type=int, help="with --url: its process id, for CPU and RSS")
    parser.add_argument(
        "--warm", type=int, default=0, help="warm-up sessions at once (default: one per replica)"
    )
    parser.add_argument(
        "--reruns", type=int, default=10, help="unchanged reruns timed alone first (ws; 0: none)"
    )
    parser.add_argument("--heavy", choices=["lda", "upload"], default=None)
    parser.add_argument("--heavy-mb", type=int, default=100, help="size of the heavy upload")
    parser.add_argument("--heavy-timeout", type=float, default=600.0)
    parser.add_argument("--action-timeout", type=float, default=120.0)
    parser.add_argument(
        "--max-seconds", type=float, default=1200.0, help="per server configuration"
    )
    args = parser.parse_args()
    args.goal = GOAL_P95["library" if args.corpus.startswith("lib:") else "sample"]
    if any(n < 1 or n > 200 for n in args.sessions):
        parser.error("--sessions: 1..200 each")
    if any(n < 0 or n > 16 for n in args.replicas):
        parser.error("--replicas: 0..16 each")
    if args.corpus.startswith("lib:"):
        # a name the library lacks opens the default corpus with a notice: every figure
        # would then be of the wrong corpus (library names are file names: 'x.jsonl')
        from analysis import library_entries

        if args.library is None:
            parser.error("--corpus lib:NAME needs --library DIR")
        names = [entry.name for entry in library_entries(args.library)]
        if args.corpus.removeprefix("lib:") not in names:
            parser.error(f"--corpus {args.corpus}: not in {args.library}; it holds {names}")
    if args.url:
        if not re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?$", args.url.rstrip("/")):
            parser.error("--url: a loopback http://127.0.0.1:PORT only")
        if args.pid is None:
            parser.error("--url needs --pid (the server's or proxy's process id)")

    started = time.monotonic()
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        if args.url:
            args.replicas_now = -1
            print(f"server pid {args.pid} at {args.url} (already running)", flush=True)
            rounds = asyncio.run(bench(args, work, args.url.rstrip("/"), args.pid))
        for replicas in [] if args.url else args.replicas:
            args.replicas_now = replicas
            server, base, log_path = start_server(
                work, args.library, args.cache, args.port, replicas
            )
            cache = args.cache or work / "cache"
            print(
                f"\n{_config(replicas)}: server pid {server.pid} at {base} (cache {cache}), "
                f"load average {load_average()}",
                flush=True,
            )
            try:
                rounds += asyncio.run(bench(args, work, base, server.pid))
            finally:
                stop_server(server)
                log = log_path.read_text(errors="replace")
                if "Traceback" in log:
                    print(f"\nserver log has tracebacks; last part:\n{log[-2000:]}")
                if re.search(r"dashboard serve: replica \d+ .*exited", log):
                    print(
                        "\na replica exited during the run:\n"
                        + "\n".join(line for line in log.splitlines() if "exited with" in line)
                    )
        if rounds:
            print("\n" + summary(rounds))
    print(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
