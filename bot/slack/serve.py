"""Serving the Slack app over Socket Mode or HTTP (gunicorn), for ``hintbot serve``.

The command itself (options, settings checks) is ``bot.cli.serve``; this module starts the
server. A wrong token or an unreachable Slack is a Japanese message with exit code 2.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.settings import Settings

log = logging.getLogger("bot.slack")

THREADS_PER_WORKER = 8


def _check_token(settings: Settings) -> str | None:
    """auth.test once, so a wrong token is a clear message rather than a crashing worker."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.client import make_web_client

    try:
        make_web_client(settings).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        return (
            f"SLACK_BOT_TOKEN で Slack に接続できませんでした（原因: {error}）。"
            "トークンが正しいか、アプリがワークスペースにインストールされているかをご確認ください。"
        )
    except (SlackClientError, OSError) as exc:
        return (
            f"Slack の Web API に接続できませんでした（{type(exc).__name__}）。"
            "ネットワークやプロキシ（HTTPS_PROXY）、SLACK_API_URL の設定をご確認ください。"
        )
    return None


SHUTDOWN_GRACE_S = 20.0  # how long answers in progress may take to finish on SIGTERM


def serve_socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.error import BoltError

    from bot.runtime import build_runtime
    from bot.slack.advisor import start_sweeper
    from bot.slack.app import create_app

    problem = _check_token(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    executor = ThreadPoolExecutor(max_workers=10, thread_name_prefix="hintbot-listener")
    runtime = build_runtime(settings)
    try:
        app = create_app(settings, runtime=runtime, socket_mode=True, listener_executor=executor)
    except BoltError as exc:
        print(f"Slack アプリを起動できませんでした: {exc}", file=sys.stderr)
        return 2
    # answers left unposted (a restart, a lost connection, Slack's errors) are taken up again
    sweeper = start_sweeper(runtime, app.client)
    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_a: stop.set())
    print("Socket Mode で Slack に接続します（終了は Ctrl+C）。", file=sys.stderr, flush=True)
    handler.connect()  # reconnects by itself
    stop.wait()
    # a restart (deploy, SIGTERM) must not cut an answer in half: stop receiving, then let
    # the answers already acknowledged finish (bounded), then close
    print("終了します。処理中の回答を送り終えるまでお待ちください。", file=sys.stderr, flush=True)
    handler.disconnect()
    drained = threading.Thread(target=executor.shutdown, kwargs={"wait": True}, daemon=True)
    drained.start()
    drained.join(SHUTDOWN_GRACE_S)
    sweeper.stop()
    handler.close()
    print("終了しました。", file=sys.stderr, flush=True)
    return 0


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    """The production server: gunicorn with threaded workers running ``bot.slack.wsgi``."""
    extra: list[str] = []
    if _gunicorn_has("control_socket_disable"):
        # newer gunicorn opens a control socket in ~/.gunicorn; the bot needs none, and
        # several instances (tests, bench) must not fight over one path
        extra.append("--no-control-socket")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "bot.slack.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(max(1, workers)),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS_PER_WORKER),
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        *extra,
    ]


def _gunicorn_has(setting: str) -> bool:
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:  # pragma: no cover - gunicorn is a dependency
        return False
    return any(s.name == setting for s in KNOWN_SETTINGS)


def serve_http(settings: Settings, host: str, port: int, workers: int, *, verbose: bool) -> int:
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema

    problem = _check_token(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    # create (new database) or check the schema once here, before the workers start
    ensure_schema(make_engine(settings.database_url))
    argv = gunicorn_argv(host, port, workers)
    if verbose:
        os.environ["HINTBOT_VERBOSE"] = "1"
    print(
        f"HTTP で待ち受けます: http://{host}:{port}/slack/events"
        f"（ワーカー {workers}、終了は Ctrl+C）",
        file=sys.stderr,
        flush=True,
    )
    sys.stdout.flush()
    os.execv(sys.executable, argv)  # replaces this process: signals go straight to gunicorn
    return 0  # pragma: no cover
