"""@mention in a channel: the answer and the rest of the conversation go in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, clean_text, is_from_person
from bot.slack.payload import event_key, team_of


def handle(
    advisor: SlackAdvisor, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ev = body.get("event") or {}
    if not is_from_person(ev, context.bot_user_id) or not ev.get("channel"):
        return
    if not advisor.claim(event_key(body)):
        return
    place = Place(
        team=team_of(body),
        channel=ev["channel"],
        thread_ts=ev.get("thread_ts") or ev.get("ts"),
        user=ev["user"],
        surface="mention",
    )
    text = clean_text(ev.get("text"))
    if text:
        advisor.consult(client, place, text=text)
    else:  # a bare mention: show the cards
        advisor.consult(client, place, choose="menu", fresh=True)
