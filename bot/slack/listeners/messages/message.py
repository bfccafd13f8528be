"""A person's message: in a DM it goes to the engine; in a channel only as a thread reply
where this person already converses with the bot (mentions are handled by app_mention)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, clean_text, is_from_person, mentions
from bot.slack.payload import event_key, team_of


def handle(
    advisor: SlackAdvisor, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ev = body.get("event") or {}
    if not is_from_person(ev, context.bot_user_id) or not ev.get("channel"):
        return  # bots (ourselves included), edits, deletions, joins: no loops
    kind = ev.get("channel_type")
    team = team_of(body)
    if kind == "im":
        place = Place(team, ev["channel"], ev.get("thread_ts"), ev["user"], "dm")
    elif kind in ("channel", "group"):
        thread = ev.get("thread_ts")
        if not thread or thread == ev.get("ts"):
            return  # channel chatter; the bot speaks in channels only when mentioned
        if mentions(ev.get("text"), context.bot_user_id):
            return  # the app_mention event of the same message answers it
        place = Place(team, ev["channel"], thread, ev["user"], "thread")
        if not advisor.has_conversation(place.key):
            return  # someone else's thread, or a thread the bot is not part of
    else:
        return
    if not advisor.claim(event_key(body)):
        return
    advisor.consult(client, place, text=clean_text(ev.get("text")))
