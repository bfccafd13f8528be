"""A click on an answer's button continues that conversation.

The conversation key is rebuilt from the clicked message's channel and thread and the person
who clicked. Each message's buttons are single-use: the claim is per message (so a double
click or a retry answers once) and the message is updated to 「選択: …」 without buttons.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, Work, consult_work
from bot.slack.payload import dict_of, first_action, team_of, user_of


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = dict_of(body.get("container"))
    message = dict_of(body.get("message"))
    channel = container.get("channel_id") or dict_of(body.get("channel")).get("id")
    msg_ts = container.get("message_ts") or message.get("ts")
    return (
        channel if isinstance(channel, str) and channel else None,
        msg_ts if isinstance(msg_ts, str) and msg_ts else None,
    )


def key_of(body: dict[str, Any]) -> str | None:
    channel, msg_ts = _where(body)
    return f"action:{channel}:{msg_ts}" if channel and msg_ts else None


def work(body: dict[str, Any]) -> Work | None:
    channel, msg_ts = _where(body)
    user = user_of(body)
    action = first_action(body)
    if not action or not user or not channel or not msg_ts:
        return None
    container = dict_of(body.get("container"))
    thread = dict_of(body.get("message")).get("thread_ts") or container.get("thread_ts")
    if thread == msg_ts or not isinstance(thread, str):
        thread = None  # the clicked message is itself a thread root: it lives at top level
    place = Place(team_of(body), channel, thread, user, "button")
    return consult_work(f"action:{channel}:{msg_ts}", place, choose=str(action.get("value") or ""))


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    key = key_of(body)
    token = advisor.lease(key) if key else None
    if token is None or key is None:
        return  # a second click or a retry: the first one answers
    channel, msg_ts = _where(body)
    action = first_action(body)
    if channel and msg_ts and not dict_of(body.get("container")).get("is_ephemeral"):
        button_text = str(dict_of(action.get("text")).get("text") or "")
        message = {**dict_of(body.get("message")), "ts": msg_ts}
        user = user_of(body) or ""
        advisor.mark_chosen(
            client, channel, message, str(action.get("value") or ""), button_text, user
        )
    advisor.deliver(client, key, token)
