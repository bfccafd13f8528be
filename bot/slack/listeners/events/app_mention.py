"""@mention in a channel: the answer and the rest of the conversation go in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, Work, clean_text, consult_work, is_from_person
from bot.slack.payload import event_key, event_of, team_of


def work(body: dict[str, Any], context: BoltContext) -> Work | None:
    ev = event_of(body)
    if not is_from_person(ev, context.bot_user_id) or not isinstance(ev.get("channel"), str):
        return None
    thread = ev.get("thread_ts") or ev.get("ts")
    place = Place(
        team=team_of(body),
        channel=ev["channel"],
        thread_ts=thread if isinstance(thread, str) else None,
        user=str(ev["user"]),
        surface="mention",
    )
    text = clean_text(ev.get("text") if isinstance(ev.get("text"), str) else "")
    if text:
        return consult_work(event_key(body), place, text=text)
    return consult_work(event_key(body), place, choose="menu", fresh=True)  # a bare mention


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    advisor.deliver_accepted(client, event_key(body))
