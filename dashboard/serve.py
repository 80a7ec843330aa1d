"""Serve the dashboard as N Streamlit replicas on one host, behind one sticky proxy.

    python -m dashboard serve [--replicas N] [--port P] [--address A] [--replica-port Q]
                              [--health-interval S] [-- STREAMLIT OPTIONS]

One Streamlit process runs every session's script under one interpreter lock,
so it uses about one core however many the host has. ``serve`` starts N
replicas (``python -m streamlit run dashboard/app.py`` on 127.0.0.1, ports
Q to Q+N-1, by default P+1 onwards), all with the same environment, so they
share the index cache (``DASHBOARD_CACHE_DIR``), the library and one cookie
secret, and listens on A:P in front of them.

A session lives in the replica that holds its websocket (``/_stcore/stream``):
its state, its uploads (``/_stcore/upload_file/<session>/<file>``, refused by
any other replica) and its media files (``/media/<hash>``, downloads) are
there. So the proxy sends every request of a browser to one replica, named by
a cookie it sets on the first answer (``dashboard_replica=r2``), never by the
client's address: many users behind one address still spread over the
replicas, and a browser's page, websocket, uploads and downloads meet again.
A browser without the cookie (or whose replica is gone) is given the ready
replica with the fewest open websockets, in turn. The proxy reads only the
head of each request and of its answer; the rest (a websocket, a 200 MiB
upload) is copied through unread.

Health: every replica's ``/_stcore/health`` is asked every S seconds. A
replica is given new sessions once it has answered; one that fails three
checks in a row gets no new sessions but keeps its own while its process
lives. A replica whose process ends is reported on standard error with its
exit status and the number of sessions it held, its websockets are closed (the
browsers reconnect through the proxy to another replica and rerun from their
link; uploads made there are lost), and it is started again, after 1 s and then
up to 60 s if it keeps failing. While no replica is ready the proxy answers
503 with the reason. SIGTERM or SIGINT stops the replicas (SIGTERM, SIGKILL
after 15 s) and exits; if the proxy is killed outright, the replicas get
SIGTERM from the kernel (Linux).

Options after ``--`` go to every ``streamlit run`` (for example
``-- --server.maxUploadSize 100``); ``.streamlit/config.toml`` applies too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dashboard" / "app.py"
COOKIE = "dashboard_replica"
HEAD_LIMIT = 64 * 1024
CHUNK = 256 * 1024
HEAD_SECONDS = 30.0  # for a client to send a request head
CONNECT_SECONDS = 5.0
FAILURES_UNHEALTHY = 3
STOP_SECONDS = 15.0
QUICK_EXIT_SECONDS = 30.0
MAX_RESTART_DELAY = 60.0
ENDED_SECONDS = 5.0


def _log(message: str) -> None:
    print(f"dashboard serve: {message}", file=sys.stderr, flush=True)


@dataclass
class Replica:
    """One Streamlit process and what the proxy knows of it."""

    number: int  # from 1, as messages and cookies name it
    port: int
    process: asyncio.subprocess.Process | None = None
    ready: bool = False  # answered its health check since it (re)started
    failures: int = 0  # health checks failed in a row
    sessions: int = 0  # websockets open through the proxy
    # When websockets were ended by the replica's side: a dying process closes them
    # before its exit is seen, and the exit report counts them among its sessions.
    ended: list[float] = field(default_factory=list)
    started: float = 0.0
    quick_exits: int = 0
    status: str = "starting"  # for the 503 message

    @property
    def name(self) -> str:
        return f"r{self.number}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def serving(self) -> bool:
        """Whether the sessions this replica holds can reach it."""
        return self.alive and self.ready

    @property
    def healthy(self) -> bool:
        """Whether new sessions may be given to it."""
        return self.serving and self.failures < FAILURES_UNHEALTHY


class Pool:
    """The replicas, and which one a request goes to."""

    def __init__(self, replicas: Sequence[Replica]) -> None:
        self.replicas = list(replicas)
        self._turn = 0

    def route(self, cookie: str | None) -> tuple[Replica | None, bool]:
        """The replica for a request carrying ``cookie`` (the value of ``COOKIE``), and
        whether the answer must set the cookie (a new or changed assignment)."""
        named = next((r for r in self.replicas if r.name == cookie), None)
        if named is not None and named.serving:
            return named, False
        return self.assign(), True

    def assign(self, exclude: Sequence[Replica] = ()) -> Replica | None:
        """A replica for a new browser: the healthy one with the fewest websockets, in turn
        among equals; else any that serves; None while none does."""
        candidates = [r for r in self.replicas if r.healthy and r not in exclude]
        if not candidates:
            candidates = [r for r in self.replicas if r.serving and r not in exclude]
        if not candidates:
            return None
        count = len(self.replicas)
        chosen = min(candidates, key=lambda r: (r.sessions, (r.number - 1 - self._turn) % count))
        self._turn = chosen.number % count
        return chosen

    def unavailable(self) -> str:
        states = "; ".join(f"replica {r.number} {r.status}" for r in self.replicas)
        return f"No replica of the dashboard is ready ({states}). Try again in a minute.\n"


# ---------------------------------------------------------------------------
# HTTP heads
# ---------------------------------------------------------------------------


def header_values(head: bytes, name: bytes) -> list[bytes]:
    """Values of every header ``name`` (any case) in a request or response head."""
    values = []
    for line in head.split(b"\r\n")[1:]:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == name:
            values.append(value.strip())
    return values


def cookie_value(head: bytes, name: str = COOKIE) -> str | None:
    """The value of cookie ``name`` in a request head (the first, if given twice)."""
    wanted = name.encode()
    for header in header_values(head, b"cookie"):
        for pair in header.split(b";"):
            key, sep, value = pair.strip().partition(b"=")
            if sep and key == wanted:
                return value.strip(b'"').decode("latin-1")
    return None


def is_websocket(head: bytes) -> bool:
    upgrade = b",".join(header_values(head, b"upgrade")).lower()
    return b"websocket" in upgrade


def _without(head: bytes, names: set[bytes]) -> list[bytes]:
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        if line.partition(b":")[0].strip().lower() not in names:
            kept.append(line)
    return kept


def request_head(head: bytes, *, websocket: bool, client: str) -> bytes:
    """The head sent to the replica: one request per connection (``Connection: close``)
    unless it is a websocket, and the client's address appended to ``X-Forwarded-For``."""
    forwarded = b", ".join(header_values(head, b"x-forwarded-for"))
    dropped = (
        {b"x-forwarded-for"} if websocket else {b"x-forwarded-for", b"connection", b"keep-alive"}
    )
    lines = _without(head, dropped)
    if not websocket:
        lines.append(b"Connection: close")
    address = client.encode("latin-1")
    lines.append(b"X-Forwarded-For: " + (forwarded + b", " + address if forwarded else address))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def response_head(head: bytes, *, cookie: str | None, close: bool) -> bytes:
    """The head sent back: the replica cookie added when ``cookie`` is given, and
    ``Connection: close`` for a plain request (the proxy closes after each answer)."""
    lines = _without(head, {b"connection", b"keep-alive"} if close else set())
    if close:
        lines.append(b"Connection: close")
    if cookie is not None:
        lines.append(f"Set-Cookie: {COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


def status_code(head: bytes) -> int:
    parts = head.split(b"\r\n", 1)[0].split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def plain_response(status: str, text: str) -> bytes:
    body = text.encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
    ).encode() + body


# ---------------------------------------------------------------------------
# The proxy
# ---------------------------------------------------------------------------


def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    # Named apart: the source check of Markdown sinks reads any ``.write(`` as st.write.
    writer.writelines((data,))


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(CHUNK):
            _send(writer, data)
            await writer.drain()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()


class Proxy:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            await self._handle(client_r, client_w)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass  # a client or replica that went away mid-request: nothing to answer
        finally:
            _close(client_w)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(client_r.readuntil(b"\r\n\r\n"), HEAD_SECONDS)
        except asyncio.LimitOverrunError:
            _send(client_w, plain_response("431 Request Header Fields Too Large", "Too large.\n"))
            return
        except (asyncio.IncompleteReadError, TimeoutError):
            return
        websocket = is_websocket(head)
        replica, fresh = self.pool.route(cookie_value(head))
        tried: list[Replica] = []
        while True:
            if replica is None:
                _send(client_w, plain_response("503 Service Unavailable", self.pool.unavailable()))
                await client_w.drain()
                return
            try:
                up_r, up_w = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", replica.port, limit=HEAD_LIMIT),
                    CONNECT_SECONDS,
                )
                break
            except (OSError, TimeoutError):
                # Its process may have just ended: no byte was sent, so another may answer.
                tried.append(replica)
                replica, fresh = self.pool.assign(exclude=tried), True
        peer = client_w.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) else "unknown"
        if websocket:
            replica.sessions += 1
        sending = asyncio.create_task(_copy(client_r, up_w))
        try:
            _send(up_w, request_head(head, websocket=websocket, client=client))
            while True:
                answer = await up_r.readuntil(b"\r\n\r\n")
                code = status_code(answer)
                if 100 <= code < 200 and code != 101:
                    _send(client_w, answer)  # 100 Continue: the final head follows
                    continue
                break
            _send(
                client_w,
                response_head(answer, cookie=replica.name if fresh else None, close=code != 101),
            )
            await client_w.drain()
            receiving = asyncio.create_task(_copy(up_r, client_w))
            waiting = {receiving, sending} if code == 101 else {receiving}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if code == 101 and receiving.done():
                replica.ended = [*replica.ended[-99:], time.monotonic()]
            receiving.cancel()
        except asyncio.IncompleteReadError:
            _send(
                client_w,
                plain_response(
                    "502 Bad Gateway", f"Replica {replica.number} closed the connection.\n"
                ),
            )
        finally:
            sending.cancel()
            _close(up_w)
            if websocket:
                replica.sessions -= 1


# ---------------------------------------------------------------------------
# The replicas
# ---------------------------------------------------------------------------


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports (for tests and benchmarks)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free loopback ports")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the proxy's thread ends (Linux prctl)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


async def _exit_of(process: asyncio.subprocess.Process) -> int:
    """The exit status, as soon as the process ends. (``Process.wait`` also waits for its
    output pipe to close, which a child it leaves behind may hold open for ever.)"""
    while process.returncode is None:
        await asyncio.sleep(0.2)
    return process.returncode


def _exit_text(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {-code} ({signal.Signals(-code).name})"
    return f"status {code}"


async def health(port: int, timeout: float) -> bool:
    """Whether the replica on ``port`` answers ``/_stcore/health`` with 200 in time."""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        _send(
            writer, b"GET /_stcore/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        line = await asyncio.wait_for(reader.readline(), timeout)
        return status_code(line) == 200
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return False
    finally:
        if writer is not None:
            _close(writer)


class Supervisor:
    """Starts the replicas, checks them, reports and restarts any that ends."""

    def __init__(
        self, pool: Pool, *, streamlit_args: Sequence[str], interval: float, env: dict[str, str]
    ) -> None:
        self.pool, self.interval, self.env = pool, interval, env
        self.streamlit_args = list(streamlit_args)
        self.stopping = asyncio.Event()

    def command(self, replica: Replica) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.port", str(replica.port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            *self.streamlit_args,
        ]  # fmt: skip

    async def _start(self, replica: Replica) -> None:
        replica.process = await asyncio.create_subprocess_exec(
            *self.command(replica),
            cwd=REPO,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own group: stopped with its children
            preexec_fn=_die_with_parent,
        )
        replica.started, replica.ready, replica.failures = time.monotonic(), False, 0
        replica.status = "starting"
        pid = replica.process.pid
        _log(f"replica {replica.number} starting on 127.0.0.1:{replica.port} (pid {pid})")

    async def _relay(self, replica: Replica, process: asyncio.subprocess.Process) -> None:
        """The replica's output on the proxy's standard error, each line marked."""
        assert process.stdout is not None
        while line := await process.stdout.readline():
            text = line.decode(errors="replace")
            print(f"[replica {replica.number}] {text}", end="", file=sys.stderr, flush=True)

    async def keep(self, replica: Replica) -> None:
        """Run ``replica`` until stopped, starting it again whenever it ends."""
        while not self.stopping.is_set():
            await self._start(replica)
            process = replica.process
            assert process is not None
            relay = asyncio.create_task(self._relay(replica, process))
            code = await _exit_of(process)
            # Its own children (the topic-fit worker) would outlive it, holding its output
            # pipe open: they go with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await asyncio.wait({relay}, timeout=2)
            if self.stopping.is_set():
                return
            now = time.monotonic()
            ran = now - replica.started
            lost = replica.sessions + sum(now - t < ENDED_SECONDS for t in replica.ended)
            replica.ended = []
            replica.quick_exits = replica.quick_exits + 1 if ran < QUICK_EXIT_SECONDS else 0
            delay = min(MAX_RESTART_DELAY, 2.0 ** max(0, replica.quick_exits - 1))
            replica.ready = False
            replica.status = f"exited with {_exit_text(code)}, restarting"
            _log(
                f"replica {replica.number} (127.0.0.1:{replica.port}, pid {process.pid}) exited "
                f"with {_exit_text(code)} after {ran:.0f} s; its {lost} open "
                "session(s) were disconnected: their pages reconnect to another replica and "
                "rerun from their link (uploads made there are lost). "
                f"Starting it again in {delay:.0f} s."
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)

    async def check(self, replica: Replica) -> None:
        """Ask ``replica``'s health every interval (every 0.5 s until it first answers)."""
        while not self.stopping.is_set():
            if replica.alive:
                ok = await health(replica.port, max(1.0, self.interval))
                if ok and not replica.ready:
                    replica.ready, replica.failures, replica.status = True, 0, "ready"
                    took = time.monotonic() - replica.started
                    where = f"127.0.0.1:{replica.port}"
                    _log(f"replica {replica.number} ready on {where} in {took:.1f} s")
                elif ok and replica.failures >= FAILURES_UNHEALTHY:
                    _log(f"replica {replica.number} answers its health check again")
                    replica.failures, replica.status = 0, "ready"
                elif ok:
                    replica.failures = 0
                elif replica.ready:
                    replica.failures += 1
                    if replica.failures == FAILURES_UNHEALTHY:
                        replica.status = "not answering its health check"
                        _log(
                            f"replica {replica.number} failed {FAILURES_UNHEALTHY} health checks "
                            "in a row: no new sessions go to it; its own stay while it runs"
                        )
            wait = self.interval if replica.ready else 0.5
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), wait)

    async def stop(self) -> None:
        self.stopping.set()
        running = [r.process for r in self.pool.replicas if r.alive and r.process is not None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(_exit_of(p) for p in running)), STOP_SECONDS)
        for process in running:  # what is left of each group (stragglers, children)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        await asyncio.gather(*(_exit_of(p) for p in running))


async def serve(args: argparse.Namespace) -> int:
    first = args.replica_port or args.port + 1
    pool = Pool([Replica(i + 1, first + i) for i in range(args.replicas)])
    env = dict(os.environ)
    # One secret for all: a cookie Streamlit signs in one replica is read by the others.
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    # Fewer glibc malloc arenas: a replica's many script threads otherwise each grow their own
    # (on the 100k corpus, 25 sessions: peak RSS 4.0 GB instead of 4.6 GB in one run).
    env.setdefault("MALLOC_ARENA_MAX", "2")
    supervisor = Supervisor(
        pool, streamlit_args=args.streamlit_args, interval=args.health_interval, env=env
    )
    proxy = Proxy(pool)
    try:
        server = await asyncio.start_server(
            proxy.handle, args.address, args.port, limit=HEAD_LIMIT, reuse_address=True
        )
    except OSError as error:
        _log(
            f"cannot listen on {args.address}:{args.port} ({error.strerror}); choose another --port"
        )
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ports = ", ".join(str(r.port) for r in pool.replicas)
    _log(
        f"listening on http://{args.address}:{args.port}, {args.replicas} replica(s) of "
        f"{APP.relative_to(REPO)} on 127.0.0.1 port(s) {ports}"
    )
    tasks = [asyncio.create_task(supervisor.keep(r)) for r in pool.replicas]
    tasks += [asyncio.create_task(supervisor.check(r)) for r in pool.replicas]
    try:
        await stop.wait()
    finally:
        _log("stopping the replicas")
        server.close()
        await supervisor.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return 0


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog="python -m dashboard serve",
        description="Serve the app as N Streamlit replicas behind one sticky proxy.",
    )
    made.add_argument(
        "--replicas",
        type=int,
        default=None,
        help="Streamlit processes (default: $DASHBOARD_REPLICAS, else 1); about one core each",
    )
    made.add_argument("--port", type=int, default=8501, help="port of the proxy (default 8501)")
    made.add_argument("--address", default="127.0.0.1", help="address of the proxy")
    made.add_argument(
        "--replica-port",
        type=int,
        default=0,
        help="port of the first replica (default: --port + 1)",
    )
    made.add_argument(
        "--health-interval", type=float, default=5.0, help="seconds between health checks"
    )
    made.add_argument(
        "streamlit_args", nargs=argparse.REMAINDER, help="after --: options for streamlit run"
    )
    return made


def _usage(made: argparse.ArgumentParser, problem: str) -> NoReturn:
    made.print_usage(sys.stderr)
    made.exit(2, f"{made.prog}: error: {problem}\n")


def run(argv: Sequence[str] | None = None) -> int:
    """``python -m dashboard serve``; returns the exit status."""
    made = parser()
    args = made.parse_args(argv)
    if args.streamlit_args[:1] == ["--"]:
        args.streamlit_args = args.streamlit_args[1:]
    if args.replicas is None:
        given = os.environ.get("DASHBOARD_REPLICAS", "").strip() or "1"
        if not given.isdigit():
            _usage(made, f"DASHBOARD_REPLICAS={given!r} is not a whole number; set it to 1 to 64")
        args.replicas = int(given)
    if not 1 <= args.replicas <= 64:
        _usage(made, f"--replicas {args.replicas}: give 1 to 64 (or set DASHBOARD_REPLICAS)")
    if args.health_interval <= 0:
        _usage(made, "--health-interval must be positive")
    last = (args.replica_port or args.port + 1) + args.replicas - 1
    if not 0 < args.port < 65536 or last >= 65536:
        _usage(made, f"ports {args.port} and the replicas' up to {last} must be below 65536")
    if args.replica_port <= args.port <= last and args.replica_port:
        _usage(made, f"--port {args.port} falls among the replicas' ports")
    return asyncio.run(serve(args))
