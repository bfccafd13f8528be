"""Message events: DMs with the bot, and thread replies where the bot is conversing."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.messages import message


def register(app: App, advisor: SlackAdvisor) -> None:

    def on_message_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        # recorded before the 200: a worker lost after it leaves work the sweeper finds
        w = message.work(advisor, body, context)
        if w is not None:
            advisor.accept(w)
        ack()

    def on_message(body: dict[str, Any], client: WebClient) -> None:
        message.handle(advisor, body, client)

    # One listener for every message event (all subtypes), so none goes unhandled: Bolt would
    # answer an unhandled event with 404 and Slack would keep retrying it.
    app.event("message")(ack=on_message_ack, lazy=[on_message])
