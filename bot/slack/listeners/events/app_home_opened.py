"""App Home: publish the cards by category and the person's recent consultations."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack import review_views
from bot.slack.advisor import SlackAdvisor, Work, home_work
from bot.slack.payload import event_key, event_of


def work(body: dict[str, Any]) -> Work | None:
    ev = event_of(body)
    user = ev.get("user")
    if ev.get("tab", "home") != "home" or not isinstance(user, str) or not user:
        return None  # the Messages tab also sends app_home_opened
    return home_work(event_key(body), user)


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    advisor.deliver_accepted(client, event_key(body))
    if (w := work(body)) is not None:
        review_views.publish_home(advisor, client, w.user)  # reviewers see the queue too
