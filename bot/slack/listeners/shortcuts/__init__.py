"""Shortcuts: the message shortcut 「このメッセージで相談」."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.shortcuts import consult_message
from bot.slack.payload import ack_now


def register(app: App, advisor: SlackAdvisor) -> None:

    def on_consult_message(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        consult_message.handle(advisor, body, client, respond)

    app.shortcut(consult_message.CALLBACK_ID)(ack=ack_now, lazy=[on_consult_message])
