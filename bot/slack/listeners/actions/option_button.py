"""A click on an answer's button continues that conversation.

The conversation key is rebuilt from the clicked message's channel and thread and the person
who clicked. Each message's buttons are single-use: the claim is per message (so a double
click or a retry answers once) and the message is updated to 「選択: …」 without buttons.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor
from bot.slack.payload import team_of


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    container = body.get("container") or {}
    message = body.get("message") or {}
    actions = body.get("actions") or []
    user = (body.get("user") or {}).get("id")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    msg_ts = container.get("message_ts") or message.get("ts")
    if not actions or not user or not channel or not msg_ts:
        return
    action = actions[0]
    value = str(action.get("value") or "")
    if not advisor.claim(f"action:{channel}:{msg_ts}"):
        return
    thread = message.get("thread_ts") or container.get("thread_ts")
    if thread == msg_ts:
        thread = None  # the clicked message is itself a thread root: it lives at top level
    if not container.get("is_ephemeral"):
        button_text = ((action.get("text") or {}).get("text")) or ""
        advisor.mark_chosen(client, channel, {**message, "ts": msg_ts}, value, button_text, user)
    place = Place(team_of(body), channel, thread, user, "button")
    advisor.consult(client, place, choose=value)
