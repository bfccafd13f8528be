"""Message events: DMs with the bot, and thread replies where the bot is conversing."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.messages import message
from bot.slack.payload import ack_now


def register(app: App, advisor: SlackAdvisor) -> None:

    def on_message(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        message.handle(advisor, body, client, context)

    # One listener for every message event (all subtypes), so none goes unhandled: Bolt would
    # answer an unhandled event with 404 and Slack would keep retrying it.
    app.event("message")(ack=ack_now, lazy=[on_message])
