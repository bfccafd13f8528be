"""Slash commands: ``/hint [お悩み]``."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.slack.advisor import advisor_for
from bot.slack.listeners.commands import hint, hint_register, survey

COMMAND = "/hint"


def register(app: App) -> None:
    advisor = advisor_for(app)

    def on_hint_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        hint.handle(advisor, body, client, respond)

    app.command(COMMAND)(ack=hint.ack_command, lazy=[on_hint_command])
    survey.register(app)
    hint_register.register(app)
