"""Events API listeners: mentions in channels and the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.events import app_home_opened, app_mention
from bot.slack.payload import ack_now


def register(app: App, advisor: SlackAdvisor) -> None:

    def on_app_mention(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        app_mention.handle(advisor, body, client, context)

    def on_app_home_opened(body: dict[str, Any], client: WebClient) -> None:
        app_home_opened.handle(advisor, body, client)

    app.event("app_mention")(ack=ack_now, lazy=[on_app_mention])
    app.event("app_home_opened")(ack=ack_now, lazy=[on_app_home_opened])
