"""WSGI entry point for gunicorn: ``gunicorn bot.slack.wsgi:application``.

Slack posts events, interactions and commands to ``/slack/events`` (verified by signature);
``/healthz`` answers 200 for load balancers and start-up checks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.settings import Settings

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_application(settings: Settings, app: App | None = None, **app_kwargs: Any) -> WSGIApp:
    """The WSGI callable: Bolt's handler on /slack/events plus a health check."""
    if app is None:
        from bot.slack.app import create_app

        app = create_app(settings, **app_kwargs)
    handler = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        if path == EVENTS_PATH and _malformed_timestamp(environ):
            # Bolt verifies the signature (missing headers: 401), but a non-numeric timestamp
            # makes it fail with 500 instead of the 401 a forged request deserves
            start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"invalid request"]
        return handler(environ, start_response)

    return application


def _malformed_timestamp(environ: dict[str, Any]) -> bool:
    ts = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    return ts is not None and not str(ts).isdigit()


_application: WSGIApp | None = None


def __getattr__(name: str) -> Any:
    """``application`` is built on first access (PEP 562), so importing this module is cheap
    and never reads the environment; gunicorn's ``bot.slack.wsgi:application`` triggers it."""
    global _application
    if name != "application":
        raise AttributeError(name)
    if _application is None:
        from bot.slack import logs

        logs.configure(verbose=os.environ.get("HINTBOT_VERBOSE") == "1")
        _application = make_application(Settings.from_env())
    return _application
