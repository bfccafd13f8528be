"""WSGI entry point for gunicorn: ``gunicorn bot.wsgi:application``.

Slack posts events, interactions and commands to ``/slack/events`` (verified by signature);
``/healthz`` answers 200 for load balancers and start-up checks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.settings import Settings

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_application(settings: Settings, **app_kwargs: Any) -> WSGIApp:
    """The WSGI callable: Bolt's handler on /slack/events plus a health check."""
    from bot.app import create_app

    handler = SlackRequestHandler(create_app(settings, **app_kwargs), path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return handler(environ, start_response)

    return application


_application: WSGIApp | None = None


def __getattr__(name: str) -> Any:
    """``application`` is built on first access (PEP 562), so importing this module is cheap
    and never reads the environment; gunicorn's ``bot.wsgi:application`` triggers it."""
    global _application
    if name != "application":
        raise AttributeError(name)
    if _application is None:
        from bot.slack import logs

        logs.configure(verbose=os.environ.get("HINTBOT_VERBOSE") == "1")
        _application = make_application(Settings.from_env())
    return _application
