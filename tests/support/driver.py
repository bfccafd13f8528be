"""Drive the HTTP app as Slack would: signed requests, served in-process or as `hintbot serve`.

``SlackSender`` signs every request like Slack (``v0=`` HMAC-SHA256), ``serve_in_process``
runs a WSGI app on a loopback port in a thread, and ``ServeProcess`` starts the real
``hintbot serve --http`` (gunicorn) as a user would and waits until it answers.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tests.support.fake_slack import sign
from tests.support.payloads import encode_event, encode_form, encode_interaction

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    elapsed: float  # seconds until the full response was read


class SlackSender:
    """Posts signed requests to ``{base_url}/slack/events``."""

    def __init__(self, base_url: str, signing_secret: str, path: str = "/slack/events") -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = path
        self.signing_secret = signing_secret

    def post(
        self,
        body: str | bytes,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        secret: str | None = None,
        timeout: float = 10.0,
    ) -> Response:
        hdrs = {"Content-Type": content_type, **sign(secret or self.signing_secret, body)}
        hdrs.update(headers or {})
        data = body if isinstance(body, bytes) else body.encode()
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("POST", self.path, body=data, headers=hdrs)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", errors="replace")
            return Response(resp.status, text, time.perf_counter() - start)
        finally:
            conn.close()

    def event(
        self, payload: dict[str, Any], *, retry_num: int | None = None, **kw: Any
    ) -> Response:
        headers = dict(kw.pop("headers", {}) or {})
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        body, ctype = encode_event(payload)
        return self.post(body, ctype, headers=headers, **kw)

    def command(self, fields: dict[str, str], **kw: Any) -> Response:
        body, ctype = encode_form(fields)
        return self.post(body, ctype, **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> Response:
        body, ctype = encode_interaction(payload)
        return self.post(body, ctype, **kw)

    def get(self, path: str, timeout: float = 2.0) -> Response:
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return Response(resp.status, resp.read().decode(), time.perf_counter() - start)
        finally:
            conn.close()


def send_large_body(
    base_url: str,
    size: int,
    *,
    chunked: bool = False,
    headers: Mapping[str, str] | None = None,
    path: str = "/slack/events",
    timeout: float = 10.0,
) -> tuple[int | None, float, int]:
    """POST ``size`` bytes as a client that keeps sending while it waits for the answer:
    (status or None, seconds until the status line arrived, bytes the server took)."""
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout)
    head = [f"POST {path} HTTP/1.1", f"Host: {parts.hostname}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    sent = [0]
    stop = threading.Event()

    def pump() -> None:
        block = b"x" * 65536
        try:
            while sent[0] < size and not stop.is_set():
                n = min(len(block), size - sent[0])
                data = block[:n]
                if chunked:
                    data = f"{n:x}\r\n".encode() + data + b"\r\n"
                sock.sendall(data)
                sent[0] += n
            if chunked and not stop.is_set():
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: what a refusal looks like

    start = time.perf_counter()
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    writer = threading.Thread(target=pump, daemon=True)
    writer.start()
    status: int | None = None
    try:
        line = sock.makefile("rb").readline(200)
        parts_ = line.split()
        if len(parts_) >= 2 and parts_[1].isdigit():
            status = int(parts_[1])
    except OSError:
        status = None
    elapsed = time.perf_counter() - start
    stop.set()
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
    writer.join(5)
    return status, elapsed, sent[0]


class SlackLikeSender:
    """Sends events as Slack does: a delivery without a 200 (an error status, a dropped or
    refused connection, a timeout) is sent again with ``X-Slack-Retry-Num`` 1, 2, 3, after
    ``pause`` seconds (Slack waits longer; the tests and benchmarks shorten it)."""

    def __init__(self, sender: SlackSender, *, retries: int = 3, pause: float = 0.5) -> None:
        self.sender = sender
        self.retries = retries
        self.pause = pause
        self.resent = 0
        self.lost = 0  # deliveries that never got a 200
        self._lock = threading.Lock()

    def event(self, payload: dict[str, Any], *, timeout: float = 10.0) -> int | None:
        """The final status (None: no answer at all after the retries)."""
        status: int | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                with self._lock:
                    self.resent += 1
                time.sleep(self.pause)
            try:
                resp = self.sender.event(payload, retry_num=attempt or None, timeout=timeout)
                status = resp.status
            except (OSError, http.client.HTTPException):
                status = None
            if status == 200:
                return status
        with self._lock:
            self.lost += 1
        return status


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def serve_in_process(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1:<free port> in threads; yields the base URL."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="wsgi", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """``hintbot serve --http`` in a subprocess, with the environment a user would set."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        workers: int = 2,
        port: int | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.cwd = cwd or ROOT  # another checkout runs its own code (a benchmark baseline)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.args = [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self, timeout: float = 60.0) -> ServeProcess:
        out: Any = subprocess.DEVNULL
        if self.log_path is not None:
            self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
            out = self._log
        self.proc = subprocess.Popen(
            self.args, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Poll /healthz until it answers 200 (bounded; fails fast if the process died)."""
        assert self.proc is not None
        sender = SlackSender(self.base_url, "")
        deadline = time.monotonic() + timeout
        delay = 0.05
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"hintbot serve exited with {self.proc.returncode}: {self.log()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                if sender.get("/healthz").status == 200:
                    return
            time.sleep(delay)  # back-off between polls, bounded by the deadline
            delay = min(delay * 1.5, 0.5)
        raise TimeoutError(f"hintbot serve did not answer within {timeout}s: {self.log()}")

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-4000:]

    def worker_pids(self) -> list[int]:
        """The gunicorn workers' process ids (children of the master this process became)."""
        assert self.proc is not None
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …; comm may hold spaces: split after the last ")"
            fields = stat.rsplit(")", 1)[-1].split()
            if len(fields) > 1 and int(fields[1]) == self.proc.pid:
                found.append(int(entry.name))
        return sorted(found)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
