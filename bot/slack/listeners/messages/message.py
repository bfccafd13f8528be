"""A person's message: in a DM it goes to the engine; in a channel only as a thread reply
where this person already converses with the bot (mentions are handled by app_mention)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import (
    Place,
    SlackAdvisor,
    Work,
    clean_text,
    consult_work,
    is_from_person,
    mentions,
)
from bot.slack.payload import event_key, event_of, team_of


def work(advisor: SlackAdvisor, body: dict[str, Any], context: BoltContext) -> Work | None:
    """The turn this message asks for, or None (recorded in the acknowledgement)."""
    ev = event_of(body)
    if not is_from_person(ev, context.bot_user_id) or not isinstance(ev.get("channel"), str):
        return None  # bots (ourselves included), edits, deletions, joins: no loops
    kind = ev.get("channel_type")
    team = team_of(body)
    user = str(ev["user"])
    if kind == "im":
        place = Place(team, ev["channel"], _ts(ev.get("thread_ts")), user, "dm")
    elif kind in ("channel", "group"):
        thread = _ts(ev.get("thread_ts"))
        if not thread or thread == ev.get("ts"):
            return None  # channel chatter; the bot speaks in channels only when mentioned
        if mentions(_text(ev), context.bot_user_id):
            return None  # the app_mention event of the same message answers it
        place = Place(team, ev["channel"], thread, user, "thread")
        if not advisor.has_conversation(place.key):
            return None  # someone else's thread, or a thread the bot is not part of
    else:
        return None
    return consult_work(event_key(body), place, text=clean_text(_text(ev)))


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    """After the 200: answer what the acknowledgement recorded (nothing for a duplicate)."""
    advisor.deliver_accepted(client, event_key(body))


def _ts(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(ev: dict[str, Any]) -> str:
    text = ev.get("text")
    return text if isinstance(text, str) else ""
