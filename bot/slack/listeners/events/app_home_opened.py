"""App Home: publish the cards by category and the person's recent consultations."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.payload import event_key


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    ev = body.get("event") or {}
    if ev.get("tab", "home") != "home" or not ev.get("user"):
        return  # the Messages tab also sends app_home_opened
    if not advisor.claim(event_key(body)):
        return
    advisor.publish_home(client, ev["user"])
