"""dashboard/serve.py: N Streamlit replicas behind one sticky proxy.

The heads and the choice of replica are checked by hand; the proxy against a
fake replica (a plain asyncio server); and the whole command with two real
Streamlit replicas: two sessions land on two replicas, each one's upload and
download reach only its own replica, a killed replica is reported, its
websocket closed at once and its browsers moved, and stopping leaves no process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dashboard import serve
from dashboard.serve import Pool, Proxy, Replica

ROOT = Path(__file__).resolve().parents[2]


class _Alive:
    """Stands for a running process in a Replica."""

    returncode = None
    pid = 0


def _replica(number: int, *, ready: bool = True, sessions: int = 0, failures: int = 0) -> Replica:
    replica = Replica(number, 9000 + number, ready=ready, sessions=sessions, failures=failures)
    replica.process = _Alive()  # type: ignore[assignment]  # only returncode is read
    return replica


# ---------------------------------------------------------------------------
# Heads and routing, by hand
# ---------------------------------------------------------------------------

HEAD = (
    b"GET /_stcore/stream HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\ncookie: a=1; dashboard_replica=r2; _streamlit_xsrf=2|x\r\n"
    b"X-Forwarded-For: 10.0.0.1\r\n\r\n"
)


def test_the_cookie_and_the_upgrade_are_read_from_the_head() -> None:
    assert serve.cookie_value(HEAD) == "r2"
    assert serve.cookie_value(HEAD, "a") == "1"
    assert serve.cookie_value(HEAD, "missing") is None
    assert serve.cookie_value(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n") is None
    assert serve.is_websocket(HEAD)
    assert not serve.is_websocket(b"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n")


def test_a_plain_request_is_sent_on_as_one_request_per_connection() -> None:
    head = b"PUT /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nKeep-Alive: 5\r\n\r\n"
    sent = serve.request_head(head, websocket=False, client="127.0.0.9")
    assert sent == (
        b"PUT /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-Forwarded-For: 127.0.0.9\r\n\r\n"
    )


def test_a_websocket_head_keeps_its_upgrade_and_appends_the_client() -> None:
    sent = serve.request_head(HEAD, websocket=True, client="127.0.0.9").split(b"\r\n")
    assert b"Connection: Upgrade" in sent
    assert b"Upgrade: websocket" in sent
    assert b"X-Forwarded-For: 10.0.0.1, 127.0.0.9" in sent
    assert sent[-2:] == [b"", b""]


def test_the_answer_sets_the_cookie_only_when_asked() -> None:
    answer = b"HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\n"
    plain = serve.response_head(answer, cookie=None, close=True)
    assert plain == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nConnection: close\r\n\r\n"
    upgraded = serve.response_head(b"HTTP/1.1 101 Switching\r\n\r\n", cookie="r3", close=False)
    assert upgraded == (
        b"HTTP/1.1 101 Switching\r\n"
        b"Set-Cookie: dashboard_replica=r3; Path=/; HttpOnly; SameSite=Lax\r\n\r\n"
    )
    assert serve.status_code(upgraded) == 101


def test_a_browser_stays_with_its_replica_while_it_serves() -> None:
    one, two = _replica(1, sessions=5), _replica(2)
    pool = Pool([one, two])
    assert pool.route("r1") == (one, False)
    one.failures = serve.FAILURES_UNHEALTHY  # slow to answer health, but alive: keep it
    assert pool.route("r1") == (one, False)
    one.process.returncode = -9  # type: ignore[union-attr]  # the stand-in's field
    assert pool.route("r1") == (two, True)


def test_new_browsers_go_to_the_fewest_websockets_in_turn() -> None:
    one, two, three = _replica(1, sessions=1), _replica(2), _replica(3)
    pool = Pool([one, two, three])
    assert pool.route(None) == (two, True)
    assert pool.route("r9") == (three, True)  # an unknown name is a new browser
    assert pool.route(None) == (two, True)  # two and three equal: in turn
    assert pool.route(None) == (three, True)
    two.sessions = three.sessions = 2
    assert pool.assign() is one
    assert pool.assign(exclude=[one]) in (two, three)


def test_unhealthy_or_starting_replicas_get_no_new_browsers() -> None:
    sick = _replica(1, failures=serve.FAILURES_UNHEALTHY)
    starting = _replica(2, ready=False)
    pool = Pool([sick, starting])
    assert pool.assign() is sick  # serving, though slow: better than none
    sick.process.returncode = 1  # type: ignore[union-attr]  # the stand-in's field
    assert pool.assign() is None
    assert pool.route("r2") == (None, True)
    assert "replica 1 starting; replica 2 starting" in pool.unavailable()


# ---------------------------------------------------------------------------
# The proxy against a fake replica
# ---------------------------------------------------------------------------


@dataclass
class Fake:
    """A replica stand-in: answers each request with its head and the body's length."""

    heads: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        length = int((serve.header_values(head, b"content-length") or [b"0"])[0])
        body = await reader.readexactly(length)
        reply = b"%d %s" % (len(body), body[-8:])
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(reply), reply))
        await writer.drain()
        writer.close()


async def _through_proxy(pool: Pool, request: bytes) -> bytes:
    proxy = await asyncio.start_server(Proxy(pool).handle, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 20)
    writer.close()
    proxy.close()
    return answer


def test_a_large_body_goes_through_unread_and_the_cookie_comes_back() -> None:
    async def scenario() -> tuple[bytes, list[bytes]]:
        fake = Fake()
        upstream = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        replica = _replica(1)
        replica.port = upstream.sockets[0].getsockname()[1]
        body = bytes(range(256)) * (5 * 4096)  # 5 MiB
        request = b"PUT /_stcore/upload_file/s/f HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n"
        answer = await _through_proxy(Pool([replica]), request % len(body) + body)
        upstream.close()
        return answer, fake.heads

    answer, heads = asyncio.run(scenario())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert body == b"5242880 " + (bytes(range(256)) * 1)[-8:]
    assert b"Set-Cookie: dashboard_replica=r1; Path=/; HttpOnly; SameSite=Lax" in head
    assert b"Connection: close" in heads[0]


def test_no_ready_replica_is_a_503_naming_the_reason() -> None:
    down = _replica(1)
    down.process.returncode = -9  # type: ignore[union-attr]  # the stand-in's field
    down.status = "exited with signal 9 (SIGKILL), restarting"
    answer = asyncio.run(_through_proxy(Pool([down]), b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
    assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert answer.endswith(
        b"No replica of the dashboard is ready (replica 1 exited with signal 9 (SIGKILL), "
        b"restarting). Try again in a minute.\n"
    )


def test_an_unreachable_replica_hands_the_request_to_another() -> None:
    async def scenario() -> bytes:
        fake = Fake()
        upstream = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        gone, live = _replica(1), _replica(2)
        with socket.socket() as sock:  # a port nothing listens on
            sock.bind(("127.0.0.1", 0))
            gone.port = sock.getsockname()[1]
        live.port = upstream.sockets[0].getsockname()[1]
        answer = await _through_proxy(
            Pool([gone, live]), b"GET / HTTP/1.1\r\nHost: h\r\nCookie: dashboard_replica=r1\r\n\r\n"
        )
        upstream.close()
        return answer

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Set-Cookie: dashboard_replica=r2;" in answer


def test_bad_replica_counts_are_refused_with_the_fix(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DASHBOARD_REPLICAS", "two")
    with pytest.raises(SystemExit):
        serve.run([])
    assert (
        "DASHBOARD_REPLICAS='two' is not a whole number; set it to 1 to 64"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        serve.run(["--replicas", "0"])
    assert "--replicas 0: give 1 to 64" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Two real replicas
# ---------------------------------------------------------------------------


class Served:
    """``python -m dashboard serve --replicas 2`` with its standard error collected."""

    def __init__(self, tmp: Path) -> None:
        self.port = serve.free_ports(3)
        env = {**os.environ, "DASHBOARD_CACHE_DIR": str(tmp / "cache")}
        env.pop("DASHBOARD_CORPUS_DIR", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "serve", "--replicas", "2",
             "--port", str(self.port), "--health-interval", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace"))

    def wait_for(self, pattern: str, seconds: float = 90) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            assert self.process.poll() is None, "".join(self.lines)
            time.sleep(0.1)
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.lines)}")

    def wait_for_count(self, pattern: str, count: int, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while sum(bool(re.search(pattern, line)) for line in list(self.lines)) < count:
            assert time.monotonic() < deadline, (
                f"{pattern!r} not {count} times:\n{''.join(self.lines)}"
            )
            time.sleep(0.1)

    def pid(self, number: int) -> int:
        return int(self.wait_for(rf"replica {number} starting on .* \(pid (\d+)\)").group(1))

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


@contextlib.contextmanager
def two_replicas(tmp: Path) -> Iterator[Served]:
    """``serve --replicas 2`` with both replicas ready; stopped after."""
    running = Served(tmp)
    try:
        running.wait_for(r"replica 1 ready")
        running.wait_for(r"replica 2 ready")
        yield running
    finally:
        running.stop()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with two_replicas(tmp_path) as running:
        yield running


def _get(url: str, cookie: str = "") -> tuple[int, dict[str, list[str]], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status, _cookies(reply.headers.get_all("Set-Cookie") or []), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, _cookies(error.headers.get_all("Set-Cookie") or []), error.read()


def _cookies(headers: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for header in headers:
        name, _, value = header.split(";")[0].partition("=")
        found.setdefault(name.strip(), []).append(value)
    return found


@dataclass
class Session:
    """A websocket session through the proxy, as Streamlit's frontend opens one."""

    socket: object
    replica: str
    session_id: str = ""
    deferred: dict[str, str] = field(default_factory=dict)  # download key -> file id


async def _open_session(port: int) -> Session:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    socket_ = await websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit"],  # type: ignore[list-item]  # a Subprotocol is a str
        origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]  # an Origin is a str
        max_size=None,
        open_timeout=20,
    )
    assert socket_.response is not None
    cookies = _cookies(socket_.response.headers.get_all("Set-Cookie"))
    session = Session(socket_, cookies["dashboard_replica"][0])
    back = BackMsg()
    back.rerun_script.query_string = "corpus=seeds"
    await socket_.send(back.SerializeToString())
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(socket_.recv(), 120))
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            session.session_id = msg.new_session.initialize.session_id
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            button = msg.delta.new_element.download_button
            if button.deferred_file_id:
                session.deferred[button.id.rsplit("-", 1)[-1]] = button.deferred_file_id
        elif kind == "script_finished":
            return session


async def _ask(session: Session, back: object, answer: str) -> object:
    """Send ``back`` (a BackMsg) and return the first ForwardMsg of type ``answer``."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    await session.socket.send(back.SerializeToString())  # type: ignore[attr-defined]
    while True:
        msg = ForwardMsg()
        raw = await asyncio.wait_for(session.socket.recv(), 30)  # type: ignore[attr-defined]
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") == answer:
            return getattr(msg, answer)


async def _upload_url(session: Session) -> str:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    back = BackMsg()
    back.file_urls_request.request_id = "1"
    back.file_urls_request.session_id = session.session_id
    back.file_urls_request.file_names.append("notes.txt")
    answer = await _ask(session, back, "file_urls_response")
    return str(answer.file_urls[0].upload_url)  # type: ignore[attr-defined]


async def _media_url(session: Session, key: str) -> str:
    """The ``/media/`` address of a download, asked for as the frontend does on a click."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    back = BackMsg()
    back.backend_operation_request.request_id = "2"
    back.backend_operation_request.session_id = session.session_id
    back.backend_operation_request.deferred_file.file_id = session.deferred[key]
    answer = await _ask(session, back, "backend_operation_response")
    return str(answer.deferred_file.url)  # type: ignore[attr-defined]


def _put(port: int, path: str, replica: str, xsrf: str) -> int:
    boundary = "bench"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello replicas\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method="PUT",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": f"dashboard_replica={replica}; _streamlit_xsrf={xsrf}",
            "X-Xsrftoken": xsrf,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_two_sessions_keep_their_websocket_upload_and_media_on_their_replica(served) -> None:
    port = served.port
    status, cookies, body = _get(f"http://127.0.0.1:{port}/_stcore/health")
    assert (status, body) == (200, b"ok")
    assert cookies["dashboard_replica"][0] in ("r1", "r2")
    xsrf = cookies["_streamlit_xsrf"][0]

    async def scenario() -> None:
        first = await _open_session(port)
        second = await _open_session(port)
        assert {first.replica, second.replica} == {"r1", "r2"}  # least websockets first
        assert first.session_id
        assert second.session_id
        for mine, other in ((first, second), (second, first)):
            path = await _upload_url(mine)
            assert path.startswith(f"/_stcore/upload_file/{mine.session_id}/")
            # The other replica does not know this session: Streamlit refuses the file.
            assert _put(port, path, other.replica, xsrf) == 400
            assert _put(port, path, mine.replica, xsrf) == 204
            # A download (the sources table) is a media file of its replica only. Its
            # address is its content's hash, so once the other session has made the same
            # table, the other replica serves it too: check that first, on the first pass.
            media = await _media_url(mine, "overview_sources_csv")
            assert media.startswith("/media/")
            url = f"http://127.0.0.1:{port}{media}"
            if mine is first:
                assert _get(url, f"dashboard_replica={other.replica}")[0] == 404
            status, _, table = _get(url, f"dashboard_replica={mine.replica}")
            assert status == 200
            assert table.splitlines()[0] == "\ufeffsource,documents".encode()  # UTF-8 with BOM
        for session in (first, second):
            await session.socket.close()  # type: ignore[attr-defined]

    asyncio.run(asyncio.wait_for(scenario(), 300))


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


async def _drain(socket_: object, seconds: float) -> None:
    """Receive until the websocket closes (messages already sent may come first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.wait_for(socket_.recv(), seconds)  # type: ignore[attr-defined]


def test_a_killed_replica_is_reported_and_its_browsers_move(served) -> None:
    port = served.port

    async def scenario() -> None:
        import websockets

        first = await _open_session(port)
        second = await _open_session(port)
        victim = first.replica
        number = int(victim[1:])
        pid = served.pid(number)
        os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed):
            await _drain(first.socket, 20)
        assert time.monotonic() - started < 20  # closed at once, no hang
        served.wait_for(
            rf"replica {number} \(127\.0\.0\.1:\d+, pid {pid}\) exited with signal 9 \(SIGKILL\) "
            r"after \d+ s; its 1 open session\(s\) were disconnected",
            seconds=20,
        )
        # Its browser comes back through the proxy and is given the other replica. Asked at
        # once: the victim is started again a second after its exit is told, and once it
        # is ready (a few seconds later, more on a busy machine) it may be given again.
        status, cookies, _ = _get(
            f"http://127.0.0.1:{port}/_stcore/health", f"dashboard_replica={victim}"
        )
        assert status == 200
        assert cookies["dashboard_replica"] == [second.replica]
        moved = await _open_session(port)
        assert moved.replica == second.replica
        # Nothing of it is left behind (its worker processes share its process group).
        deadline = time.monotonic() + 10
        while _group_alive(pid):
            assert time.monotonic() < deadline, (
                f"processes of group {pid} outlived replica {number}"
            )
            await asyncio.sleep(0.2)
        await moved.socket.close()  # type: ignore[attr-defined]
        await second.socket.close()  # type: ignore[attr-defined]

        assert "Starting it again in 1 s." in "".join(served.lines)
        # And it is started again, and ready again.
        served.wait_for_count(rf"replica {number} ready", 2)

    asyncio.run(asyncio.wait_for(scenario(), 300))


def test_stopping_the_proxy_stops_every_replica(tmp_path: Path) -> None:
    running = Served(tmp_path)
    try:
        running.wait_for(r"replica 1 ready")
        running.wait_for(r"replica 2 ready")
        pids = [running.pid(1), running.pid(2)]
    finally:
        assert running.stop() == 0
    assert "dashboard serve: stopping the replicas" in "".join(running.lines)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
