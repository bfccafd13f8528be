"""``/hint-register 茨木市`` asks to be registered; admins approve with ``approve U…``."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.slack.payload import ack_now
from bot.slack.survey_views import REGISTER_COMMAND, context_for, register_command


def register(app: App) -> None:
    def on_register(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        register_command(context_for(app), body, client, respond)

    app.command(REGISTER_COMMAND)(ack=ack_now, lazy=[on_register])
