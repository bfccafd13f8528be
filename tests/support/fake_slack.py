"""A local stand-in for Slack on 127.0.0.1: the Web API and the Socket Mode WebSocket.

Tests and the benchmark drive the real Bolt app against it, so nothing ever talks to the real
Slack. Every Web API call is recorded with its decoded body; waiting for an asynchronous reply
is a bounded ``wait_for`` on a condition variable, never a fixed sleep.

Posted messages are kept per channel (with their message metadata), so ``conversations.history``
and ``conversations.replies`` answer as Slack would: what a crashed digest run or a crashed
reply may already have posted can be looked up.

Faults (``inject``): any method, optionally one channel's calls only, the first N calls answer
HTTP 500/503, 429 with or without (or with an unreadable) ``Retry-After``, ``ok: false`` with
an error (``fatal_error``, ``channel_not_found`` …), or drop the connection without an answer;
with ``effect=True`` the call takes effect first (the message is posted) and then fails, as a
crash or a lost answer after Slack did the work would look.
Message timestamps follow ``clock`` (default: the real time), so ``oldest`` filters work with
the controllable clocks tests use.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl

T = TypeVar("T")


class _Server(ThreadingHTTPServer):
    """Slack takes any number of connections; socketserver's default listen backlog of 5
    would drop bursts of them and add the kernel's one-second SYN retry to the latency the
    benchmarks measure."""

    request_queue_size = 256


@dataclass(frozen=True)
class Call:
    """One recorded Web API call; ``body`` is the decoded form or JSON body."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered
    at: float = field(default_factory=time.monotonic)

    def json_field(self, name: str) -> Any:
        """A field the SDK sends JSON-encoded inside a form (blocks, view, files)."""
        value = self.body.get(name)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class _Failure:
    error: str
    times: int
    status: int = 200
    match: Callable[[dict[str, Any]], bool] | None = None
    retry_after: str | None = "0"  # the 429's Retry-After header; None: no header
    drop: bool = False  # close the connection without answering
    effect: bool = False  # do the call first, then fail (the work is done, the answer lost)


DROP = b"__drop__"  # _dispatch's answer for "close the connection without a response"


def sign(signing_secret: str, body: str | bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send: ``v0=`` HMAC-SHA256 of ``v0:{ts}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body if isinstance(body, bytes) else body.encode()
    digest = hmac.new(
        signing_secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256
    ).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class FakeSlack:
    """Web API + Socket Mode emulation. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        team_id: str = "T0TEST",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        signing_secret: str = "test-signing-secret",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.signing_secret = signing_secret
        self.calls: list[Call] = []
        self._posts: dict[str, list[Call]] = {}  # channel -> chat.postMessage calls
        # channel -> messages as conversations.history returns them, oldest first
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._clock = clock
        self._last_us = 0
        self.uploads: dict[str, int] = {}  # file id -> uploaded byte count
        self.socket_acks: dict[str, dict[str, Any]] = {}  # envelope id -> ack frame
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._failures: dict[str, list[_Failure]] = {}
        self.faults_served: list[Call] = []  # calls answered with an injected fault
        self.latency: dict[str, float] = {}  # method -> seconds each call takes (a slow Slack)
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._ws: Any = None
        self._ws_thread: threading.Thread | None = None
        self._ws_conns: list[Any] = []

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, payload, headers = fake._dispatch(self.path, dict(self.headers), raw)
                if payload == DROP:  # a lost connection: no status line at all
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                ctype = "text/plain" if isinstance(payload, bytes) else "application/json"
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self._http = _Server(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._http_thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack-http",
            daemon=True,
        )
        self._http_thread.start()
        self._start_ws()
        return self

    def _start_ws(self) -> None:
        try:
            from websockets.sync.server import serve
        except ImportError:  # Socket Mode emulation needs the dev dependency
            return
        self._ws = serve(self._ws_handler, "127.0.0.1", 0, compression=None, close_timeout=0.5)
        self._ws_thread = threading.Thread(
            target=self._ws.serve_forever, name="fake-slack-ws", daemon=True
        )
        self._ws_thread.start()

    def stop(self) -> None:
        if self._ws is not None:
            for conn in list(self._ws_conns):
                with contextlib.suppress(Exception):
                    conn.close()
            self._ws.shutdown()
            self._ws = None
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._http is not None, "FakeSlack is not started"
        return int(self._http.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Value for ``SLACK_API_URL`` / ``WebClient(base_url=…)`` (ends with "/")."""
        return f"{self.base_url}/api/"

    @property
    def ws_url(self) -> str:
        assert self._ws is not None, "Socket Mode emulation needs the websockets package"
        port = self._ws.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=test"

    # -- failure injection ------------------------------------------------------------------
    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        match: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": …}``."""
        with self._cond:
            self._failures.setdefault(method, []).append(_Failure(error, times, 200, match))

    def rate_limit(self, method: str, *, times: int = 1, retry_after: str | None = "0") -> None:
        """Answer the next ``times`` calls with HTTP 429 and ``Retry-After`` (None: none)."""
        self.inject(method, times=times, status=429, retry_after=retry_after)

    def inject(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 500,
        error: str | None = None,
        retry_after: str | None = None,
        drop: bool = False,
        effect: bool = False,
        channel: str | None = None,
        match: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``channel`` only, or matching ``match``)
        fail: HTTP ``status`` (500, 503, 429 with ``retry_after`` as its header, or 200 with
        ``ok: false`` and ``error``), or ``drop`` the connection without an answer. With
        ``effect`` the call takes effect first (a message is posted), then fails."""
        if channel is not None:
            wanted, inner = channel, match
            match = lambda b: str(b.get("channel")) == wanted and (inner is None or inner(b))  # noqa: E731
        code = error or ("ratelimited" if status == 429 else "internal_error")
        fault = _Failure(code, times, status, match, retry_after, drop, effect)
        with self._cond:
            self._failures.setdefault(method, []).append(fault)

    def clear_faults(self) -> None:
        with self._cond:
            self._failures.clear()

    # -- recorder ---------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls, optionally to one channel (indexed: cheap to poll)."""
        with self._cond:
            if channel is not None:
                return list(self._posts.get(channel, ()))
            return [c for c in self.calls if c.method == "chat.postMessage"]

    def wait_posts(self, channel: str, count: int, timeout: float = 10.0) -> list[Call]:
        """Wait until ``channel`` has at least ``count`` posts; returns them all."""

        def enough() -> list[Call]:
            got = self._posts.get(channel, [])
            return list(got) if len(got) >= count else []

        return self.wait_for(enough, timeout)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Block until ``predicate()`` is truthy (re-checked on every recorded call)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    methods = [c.method for c in self.calls]
                    raise TimeoutError(f"condition not met within {timeout}s; calls: {methods}")
                self._cond.wait(left)

    def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = 10.0, **match: Any
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` whose body matches ``match``."""

        def found() -> list[Call]:
            hits = [
                c
                for c in self.calls
                if c.method == method and all(c.body.get(k) == v for k, v in match.items())
            ]
            return hits if len(hits) >= count else []

        return self.wait_for(found, timeout)

    def reset(self) -> None:
        with self._cond:
            self.faults_served.clear()
            self.calls.clear()
            self._posts.clear()
            self.messages.clear()
            self.socket_acks.clear()

    # -- Web API ----------------------------------------------------------------------------
    def _next_ts(self) -> str:
        """``clock()`` as a Slack ts, strictly increasing (unique per message, like Slack's)."""
        us = max(round(self._clock() * 1_000_000), self._last_us + 1)
        self._last_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _dispatch(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any] | bytes, dict[str, str]]:
        if path.startswith("/upload/"):
            file_id = path.rsplit("/", 1)[-1]
            with self._cond:
                self.uploads[file_id] = len(raw)
                self._cond.notify_all()
            return 200, f"OK - {len(raw)}".encode(), {}
        if path.startswith("/response/"):  # response_url of commands and shortcuts
            with self._cond:
                self.calls.append(Call("response_url", _decode_body(headers, raw), headers))
                self._cond.notify_all()
            return 200, b"ok", {}
        if not path.startswith("/api/"):
            return 404, {"ok": False, "error": "unknown_path"}, {}
        method, _, query = path[len("/api/") :].partition("?")
        body = {**dict(parse_qsl(query, keep_blank_values=True)), **_decode_body(headers, raw)}
        if self.latency.get(method):
            time.sleep(self.latency[method])  # outside the lock: calls overlap as on Slack
        with self._cond:
            failure = self._take_failure(method, body)
            if failure is None or failure.effect:
                answer = self._answer(method, body)
                call = Call(method, body, headers, answer)
                self.calls.append(call)
                if method == "chat.postMessage":
                    self._posts.setdefault(str(body.get("channel")), []).append(call)
            if failure is not None:
                self.faults_served.append(Call(method, body, headers, {"fault": failure.error}))
            self._cond.notify_all()
        if failure is not None:
            if failure.drop:
                return 0, DROP, {}
            err = {"ok": False, "error": failure.error}
            if failure.status == 429:
                extra = {} if failure.retry_after is None else {"Retry-After": failure.retry_after}
                return 429, err, extra
            if failure.status >= 500:
                return failure.status, b"<html>Server Error</html>", {}
            return failure.status, err, {}
        return 200, answer, {}

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages newest first, within ``oldest``/``latest`` (exclusive unless
        ``inclusive``), paged by ``limit``/``cursor``; metadata only with include_all_metadata."""
        inclusive = _truthy(body.get("inclusive"))
        with_metadata = _truthy(body.get("include_all_metadata"))
        oldest = float(body.get("oldest") or 0)
        latest = float(body["latest"]) if body.get("latest") else float("inf")

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [
            m
            for m in reversed(self.messages.get(str(body.get("channel")), []))
            if m.get("thread_ts") in (None, m["ts"]) and within(float(m["ts"]))
        ]
        start = int(body.get("cursor") or 0)
        limit = max(1, min(int(body.get("limit") or 100), 999))
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "messages": [
                {k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in page
            ],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _replies(self, body: dict[str, Any]) -> dict[str, Any]:
        """A thread: its root first, then its replies oldest first (within ``oldest``), one
        page; metadata only with include_all_metadata."""
        root = str(body.get("ts") or "")
        with_metadata = _truthy(body.get("include_all_metadata"))
        oldest = float(body.get("oldest") or 0)
        found = [
            m
            for m in self.messages.get(str(body.get("channel")), [])
            if m["ts"] == root or (m.get("thread_ts") == root and float(m["ts"]) > oldest)
        ]
        return {
            "messages": [
                {k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in found
            ],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _take_failure(self, method: str, body: dict[str, Any]) -> _Failure | None:
        for f in self._failures.get(method, []):
            if f.times > 0 and (f.match is None or f.match(body)):
                f.times -= 1
                return f
        return None

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {
                **ok,
                "url": "https://fake.slack.test/",
                "team": "Fake Team",
                "user": "hintbot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            msg: dict[str, Any] = {
                "type": "message",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": body.get("text", ""),
                "ts": ts,
            }
            if body.get("thread_ts"):
                msg["thread_ts"] = body["thread_ts"]
            metadata = _json_value(body.get("metadata"))
            if isinstance(metadata, dict) and metadata.get("event_type"):
                msg["metadata"] = {
                    "event_type": metadata["event_type"],
                    "event_payload": metadata.get("event_payload") or {},
                }
            self.messages.setdefault(str(body.get("channel")), []).append(msg)
            return {**ok, "channel": body.get("channel"), "ts": ts, "message": msg}
        if method == "conversations.history":
            return {**ok, **self._history(body)}
        if method == "conversations.replies":
            return {**ok, **self._replies(body)}
        if method == "chat.update":
            return {**ok, "channel": body.get("channel"), "ts": body.get("ts"), "text": ""}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": self._next_ts()}
        if method in ("views.publish", "views.open", "views.update"):
            return {**ok, "view": {"id": f"V{next(self._ids):08d}"}}
        if method == "conversations.open":
            users = str(body.get("users", "")).split(",")[0]
            return {**ok, "channel": {"id": f"D{users}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):08d}"
            return {**ok, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = body.get("files")
            parsed = json.loads(files) if isinstance(files, str) else files or []
            return {**ok, "files": [{"id": f.get("id"), "title": f.get("title")} for f in parsed]}
        if method == "apps.connections.open":
            return {**ok, "url": self.ws_url}
        return ok

    # -- Socket Mode ------------------------------------------------------------------------
    def _ws_handler(self, conn: Any) -> None:
        with self._cond:
            self._ws_conns.append(conn)
            self._cond.notify_all()
        try:
            conn.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": 1,
                        "connection_info": {"app_id": "A0TEST"},
                        "debug_info": {"host": "fake-slack"},
                    }
                )
            )
            for message in conn:
                try:
                    frame = json.loads(message)
                except ValueError:
                    continue
                if isinstance(frame, dict) and frame.get("envelope_id"):
                    with self._cond:
                        self.socket_acks[str(frame["envelope_id"])] = frame
                        self._cond.notify_all()
        except Exception:  # connection closed by either side
            pass
        finally:
            with self._cond:
                if conn in self._ws_conns:
                    self._ws_conns.remove(conn)
                self._cond.notify_all()

    def wait_socket_client(self, timeout: float = 10.0) -> None:
        self.wait_for(lambda: bool(self._ws_conns), timeout)

    def push_envelope(
        self, payload: dict[str, Any], *, type: str = "events_api", retry_attempt: int = 0
    ) -> str:
        """Send an envelope to the connected Socket Mode client; returns its envelope id."""
        envelope_id = f"env-{next(self._ids)}"
        frame = {
            "envelope_id": envelope_id,
            "type": type,
            "accepts_response_payload": type != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
            "payload": payload,
        }
        with self._cond:
            conns = list(self._ws_conns)
        if not conns:
            raise RuntimeError("no Socket Mode client is connected")
        conns[-1].send(json.dumps(frame))
        return envelope_id

    def wait_socket_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        def found() -> dict[str, Any]:
            return self.socket_acks.get(envelope_id) or {}

        return self.wait_for(found, timeout)


def _decode_body(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    text = raw.decode("utf-8", errors="replace")
    if "json" in ctype:
        try:
            obj = json.loads(text or "{}")
        except ValueError:
            return {"_raw": text}
        return obj if isinstance(obj, dict) else {"_json": obj}
    return dict(parse_qsl(text, keep_blank_values=True))


def _json_value(value: Any) -> Any:
    """A field the SDK may send JSON-encoded inside a form, or as JSON proper."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes")


def iter_texts(blocks: list[dict[str, Any]]) -> Iterator[str]:
    """Every text string inside Block Kit blocks (for assertions on rendered content)."""
    for b in blocks:
        for key in ("text",):
            t = b.get(key)
            if isinstance(t, dict) and isinstance(t.get("text"), str):
                yield t["text"]
        for f in b.get("fields") or []:
            yield f.get("text", "")
        for el in b.get("elements") or []:
            t = el.get("text")
            if isinstance(t, dict):
                yield t.get("text", "")
            elif isinstance(t, str):
                yield t
        acc = b.get("accessory")
        if isinstance(acc, dict) and isinstance(acc.get("text"), dict):
            yield acc["text"].get("text", "")
