"""Shortcuts: the message shortcut 「このメッセージで相談」."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.shortcuts import consult_message


def register(app: App, advisor: SlackAdvisor) -> None:

    def on_consult_message_ack(ack: Ack, body: dict[str, Any]) -> None:
        w = consult_message.work(body)
        if w is not None:
            advisor.accept(w)
        ack()

    def on_consult_message(body: dict[str, Any], client: WebClient) -> None:
        consult_message.handle(advisor, body, client)

    app.shortcut(consult_message.CALLBACK_ID)(ack=on_consult_message_ack, lazy=[on_consult_message])
