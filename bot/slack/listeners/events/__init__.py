"""Events API listeners: mentions in channels and the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.events import app_home_opened, app_mention


def register(app: App, advisor: SlackAdvisor) -> None:

    def on_app_mention_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        w = app_mention.work(body, context)
        if w is not None:
            advisor.accept(w)
        ack()

    def on_app_mention(body: dict[str, Any], client: WebClient) -> None:
        app_mention.handle(advisor, body, client)

    def on_app_home_opened_ack(ack: Ack, body: dict[str, Any]) -> None:
        w = app_home_opened.work(body)
        if w is not None:
            advisor.accept(w)
        ack()

    def on_app_home_opened(body: dict[str, Any], client: WebClient) -> None:
        app_home_opened.handle(advisor, body, client)

    app.event("app_mention")(ack=on_app_mention_ack, lazy=[on_app_mention])
    app.event("app_home_opened")(ack=on_app_home_opened_ack, lazy=[on_app_home_opened])
