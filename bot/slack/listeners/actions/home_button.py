"""A card button in App Home opens that card in the person's DM with the bot.

App Home is not replaced after a click, so a double click sends two actions with different
trigger ids: the same card asked for by the same person within ``DOUBLE_CLICK_S`` seconds is
one request (a compare-and-set on a claim per person and card), answered with one DM.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, Work, consult_work
from bot.slack.payload import first_action, team_of, user_of

DOUBLE_CLICK_S = 10.0


def key_of(body: dict[str, Any]) -> str | None:
    user = user_of(body)
    action = first_action(body)
    if not user or not action:
        return None
    trigger = body.get("trigger_id") or f"{user}:{action.get('action_ts')}"
    return f"action:home:{trigger}"


def work(body: dict[str, Any]) -> Work | None:
    key = key_of(body)
    user = user_of(body)
    if key is None or user is None:
        return None
    value = str(first_action(body).get("value") or "menu")
    place = Place(team_of(body), "", None, user, "home")  # "": the DM, opened later
    w = consult_work(key, place, choose=value, fresh=True)
    return Work(
        w.key, w.kind, w.user, w.payload, once_within=(f"home:{user}:{value}", DOUBLE_CLICK_S)
    )


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    key = key_of(body)
    if key is not None:
        advisor.deliver_accepted(client, key)
