"""``hintbot serve``: run the Slack app over Socket Mode or HTTP (gunicorn).

Missing settings are reported in Japanese with the environment variable to set, exit code 2,
no traceback. The serving itself is ``bot.slack.serve``, imported only when the command runs:
Slack's libraries stay inside ``bot/slack/``.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.base import Subcommands, add_command
from bot.settings import Settings

DEFAULT_PORT = 3000
DEFAULT_WORKERS = 2


def register(sub: Subcommands) -> None:
    p = add_command(
        sub,
        "serve",
        help="Slack で応答します（--socket: Socket Mode / --http: HTTP サーバー）",
        description="Slack アプリとして応答します。Socket Mode は公開 URL が不要です。",
        handler=cmd_serve,
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--socket",
        action="store_true",
        help="Socket Mode で接続します（SLACK_APP_TOKEN, SLACK_BOT_TOKEN。公開 URL 不要）",
    )
    mode.add_argument(
        "--http",
        action="store_true",
        help="HTTP で受け付けます（SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET。/slack/events）",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP のポート（既定: 3000）")
    p.add_argument("--host", default="0.0.0.0", help="HTTP の待受アドレス（既定: 0.0.0.0）")
    p.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help="HTTP のワーカープロセス数（既定: 2）",
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.client import SlackConfigError, require

    try:
        if args.socket:
            require(settings, "slack_app_token", "slack_bot_token")
        else:
            require(settings, "slack_bot_token", "slack_signing_secret")
    except SlackConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    verbose = bool(getattr(args, "verbose", False))
    from bot.slack import logs

    logs.configure(verbose)
    from bot.slack.serve import serve_http, serve_socket

    if args.socket:
        return serve_socket(settings)
    return serve_http(settings, args.host, args.port, args.workers, verbose=verbose)
