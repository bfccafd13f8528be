"""WSGI entry point for gunicorn: ``gunicorn bot.slack.wsgi:application``.

Slack posts events, interactions and commands to ``/slack/events``; ``/healthz`` answers 200
for load balancers and start-up checks.

**Authenticate before parsing.** ``RequestGuard`` runs before Bolt sees a byte of a request:

1. a body larger than ``max_body_bytes`` (default 1 MiB; Slack's largest payloads, a modal's
   submission, are far below it) is refused with 413 from its ``Content-Length`` without being
   read; a chunked body is read at most one byte past the limit;
2. a request without a well-formed, fresh (±5 minutes) signature is refused with 401, also
   before its body is read;
3. the body is read (bounded) and its HMAC-SHA256 signature checked (401 when it differs);
4. a signed body that is not a Slack payload (not UTF-8, not a JSON object, a form without a
   command, an interaction without its type's fields …) gets 400.

Only then does Bolt parse it. A request the bot cannot record at the moment (the database is
down) gets 503, so Slack sends it again; no request of any shape gets a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.settings import Settings

log = logging.getLogger("bot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
LISTENER_THREADS = 10  # answers made at once per worker process
MAX_SKEW_S = 300  # Slack's advice: refuse timestamps more than five minutes away
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Refusal:
    status: str
    reason: str  # an id for the log, never the request's content


BAD_REQUEST = "400 Bad Request"
UNAUTHORIZED = "401 Unauthorized"
TOO_LARGE = "413 Payload Too Large"


class RequestGuard:
    """Size limit, signature and payload shape, checked before Bolt parses anything."""

    def __init__(
        self, signing_secret: str, max_body: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.secret = signing_secret.encode()
        self.max_body = max_body
        self.clock = clock

    def check(self, environ: dict[str, Any]) -> Refusal | bytes:
        """The request's body when it may go to Bolt, or why it is refused."""
        length = self._length(environ)
        if isinstance(length, Refusal):
            return length
        ts = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        sig = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not ts or not sig:
            return Refusal(UNAUTHORIZED, "unsigned")
        if not (ts.isascii() and ts.isdigit()) or len(ts) > 12:
            return Refusal(UNAUTHORIZED, "bad_timestamp")
        if abs(self.clock() - int(ts)) > MAX_SKEW_S:
            return Refusal(UNAUTHORIZED, "stale_timestamp")
        if not _SIGNATURE.match(sig):
            return Refusal(UNAUTHORIZED, "bad_signature_format")
        body = self._read(environ, length)
        if isinstance(body, Refusal):
            return body
        expected = hmac.new(self.secret, b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
        if not hmac.compare_digest(f"v0={expected.hexdigest()}", sig):
            return Refusal(UNAUTHORIZED, "bad_signature")
        problem = payload_problem(environ.get("CONTENT_TYPE") or "", body)
        if problem:
            return Refusal(BAD_REQUEST, problem)
        return body

    def _length(self, environ: dict[str, Any]) -> int | Refusal | None:
        """The declared length (None: chunked, read bounded), or a refusal."""
        raw = str(environ.get("CONTENT_LENGTH") or "").strip()
        if raw:
            if not (raw.isascii() and raw.isdigit()):
                return Refusal(BAD_REQUEST, "bad_content_length")
            if int(raw) > self.max_body:
                return Refusal(TOO_LARGE, "too_large")
            return int(raw)
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
        if chunked and environ.get("wsgi.input_terminated"):
            return None
        return 0  # no body (a server that cannot end a chunked body safely sends none)

    def _read(self, environ: dict[str, Any], length: int | None) -> bytes | Refusal:
        stream = environ.get("wsgi.input")
        if stream is None:
            return b""
        want = self.max_body + 1 if length is None else length
        parts: list[bytes] = []
        got = 0
        while got < want:
            chunk = stream.read(min(65536, want - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        if got > self.max_body:
            return Refusal(TOO_LARGE, "too_large")
        if length is not None and got < length:
            return Refusal(BAD_REQUEST, "short_body")
        return b"".join(parts)


def _obj(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _str(d: dict[str, Any], key: str) -> bool:
    return isinstance(d.get(key), str)


def payload_problem(content_type: str, body: bytes) -> str | None:
    """Why a signed body is not a Slack payload Bolt can take (an id), or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "not_utf8"
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/json":
        try:
            data = _obj(json.loads(text))
        except ValueError:
            return "bad_json"
        return "not_an_object" if data is None else _event_problem(data)
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
        except ValueError:
            return "bad_form"
        if any(len(v) != 1 for v in form.values()):
            return "repeated_field"
        fields = {k: v[0] for k, v in form.items()}
        if "payload" in fields:
            try:
                data = _obj(json.loads(fields["payload"]))
            except ValueError:
                return "bad_payload_json"
            return "payload_not_an_object" if data is None else _interaction_problem(data)
        if "ssl_check" in fields or "command" in fields:
            return None
        return "unknown_form"
    return "unsupported_content_type"


def _event_problem(data: dict[str, Any]) -> str | None:
    kind = data.get("type")
    if not isinstance(kind, str):
        return "no_type"
    if kind == "url_verification":
        return None if _str(data, "challenge") else "no_challenge"
    if kind == "event_callback":
        event = _obj(data.get("event"))
        if event is None or not _str(event, "type"):
            return "no_event"
        for key in ("event_id", "team_id"):
            if key in data and not _str(data, key):
                return f"bad_{key}"
    return None


def _interaction_problem(data: dict[str, Any]) -> str | None:
    kind = data.get("type")
    if not isinstance(kind, str):
        return "no_type"
    user = _obj(data.get("user"))
    if user is None or not _str(user, "id"):
        return "no_user"
    if kind in ("view_submission", "view_closed"):
        view = _obj(data.get("view"))
        if view is None or not _str(view, "type") or not _str(view, "callback_id"):
            return "bad_view"
        if "private_metadata" in view and not _str(view, "private_metadata"):
            return "bad_private_metadata"
        if "state" in view and _obj(view["state"]) is None:
            return "bad_view_state"
    elif kind == "block_actions":
        actions = data.get("actions")
        if not isinstance(actions, list) or not actions:
            return "no_actions"
        if not all(isinstance(a, dict) and _str(a, "action_id") for a in actions):
            return "bad_actions"
    elif kind in ("shortcut", "message_action") and not _str(data, "callback_id"):
        return "no_callback_id"
    elif kind == "block_suggestion" and not _str(data, "action_id"):
        return "no_action_id"
    return None


def _respond(start_response: Callable[..., Any], status: str, body: bytes = b"") -> list[bytes]:
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def make_application(
    settings: Settings, app: App | None = None, *, sweeper: bool = False, **app_kwargs: Any
) -> WSGIApp:
    """The WSGI callable: the guard, then Bolt's handler on /slack/events; a health check.

    ``sweeper`` starts the thread that takes up unposted answers (each serving process has
    one; the production entry point below sets it)."""
    if app is None:
        from bot.runtime import build_runtime
        from bot.slack.app import create_app

        runtime = app_kwargs.pop("runtime", None) or build_runtime(
            settings, with_data=app_kwargs.pop("with_data", True)
        )
        # the answers (lazy listeners) of a worker: as many at once as Socket Mode runs
        # (Bolt's default is 5, and each answer now also records its post)
        app_kwargs.setdefault(
            "listener_executor",
            ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="hintbot-listener"),
        )
        app = create_app(settings, runtime=runtime, **app_kwargs)
        if sweeper:
            from bot.slack.advisor import start_sweeper

            start_sweeper(runtime, app.client)
    handler = SlackRequestHandler(app, path=EVENTS_PATH)
    guard = RequestGuard(settings.slack_signing_secret or "", settings.max_body_bytes)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            return _respond(start_response, "200 OK", b"ok")
        if path != EVENTS_PATH:
            return _respond(start_response, "404 Not Found", b"not found")
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, "405 Method Not Allowed", b"POST only")
        verdict = guard.check(environ)
        if isinstance(verdict, Refusal):
            level = logging.DEBUG if verdict.status == UNAUTHORIZED else logging.INFO
            log.log(level, "request refused: %s (%s)", verdict.status[:3], verdict.reason)
            body = b"invalid request" if verdict.status != TOO_LARGE else b"too large"
            return _respond(start_response, verdict.status, body)
        environ = {
            **environ,
            "wsgi.input": io.BytesIO(verdict),
            "CONTENT_LENGTH": str(len(verdict)),
        }
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        answered: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            if status.startswith("500"):
                # a listener could not record the request (the database is down): Slack
                # sends it again after a non-2xx answer
                status = "503 Service Unavailable"
                headers = [*headers, ("Retry-After", "1")]
            answered.append(status)
            return start_response(status, headers, *exc)

        try:
            return handler(environ, start)
        except Exception as exc:  # never a 500 with a traceback
            log.error("request failed: %s", type(exc).__name__)
            if answered:
                raise
            return _respond(start_response, "503 Service Unavailable", b"try again")

    return application


_application: WSGIApp | None = None


def __getattr__(name: str) -> Any:
    """``application`` is built on first access (PEP 562), so importing this module is cheap
    and never reads the environment; gunicorn's ``bot.slack.wsgi:application`` triggers it,
    in each worker (no preload), which then runs its own sweeper thread."""
    global _application
    if name != "application":
        raise AttributeError(name)
    if _application is None:
        from bot.slack import logs

        logs.configure(verbose=os.environ.get("HINTBOT_VERBOSE") == "1")
        _application = make_application(Settings.from_env(), sweeper=True)
    return _application
