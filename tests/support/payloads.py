"""Slack request payloads as Slack sends them, for tests and the benchmark.

Each builder returns what goes in the HTTP body (or a Socket Mode envelope's ``payload``), so
the same dict drives both transports.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

_seq = itertools.count(1)
RESPONSE_URL = "http://127.0.0.1:9/response/unused"  # tests pass the fake's URL


def new_ts() -> str:
    return f"{int(time.time())}.{next(_seq):06d}"


def event_callback(
    event: dict[str, Any], *, team: str = "T0TEST", event_id: str | None = None
) -> dict[str, Any]:
    """An Events API ``event_callback`` envelope."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0TEST",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_seq):010d}",
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team, "user_id": "U0BOT", "is_bot": True, "is_enterprise_install": False}
        ],
    }


def dm_message(
    text: str,
    *,
    user: str = "U0USER1",
    channel: str | None = None,
    team: str = "T0TEST",
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``message.im`` event from a person."""
    ev = {
        "type": "message",
        "channel": channel or f"D{user}",
        "user": user,
        "text": text,
        "ts": ts or new_ts(),
        "team": team,
        "channel_type": "im",
        "event_ts": ts or new_ts(),
    }
    ev.update(extra)
    return ev


def channel_message(
    text: str,
    *,
    user: str = "U0USER1",
    channel: str = "C0CHAN",
    team: str = "T0TEST",
    thread_ts: str | None = None,
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``message.channels`` event (a thread reply when ``thread_ts`` is given)."""
    ev: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts or new_ts(),
        "team": team,
        "channel_type": "channel",
    }
    if thread_ts:
        ev["thread_ts"] = thread_ts
    ev.update(extra)
    return ev


def app_mention(
    text: str,
    *,
    user: str = "U0USER1",
    channel: str = "C0CHAN",
    team: str = "T0TEST",
    bot_user: str = "U0BOT",
    thread_ts: str | None = None,
    ts: str | None = None,
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@{bot_user}> {text}",
        "ts": ts or new_ts(),
        "team": team,
    }
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def app_home_opened(*, user: str = "U0USER1", tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": new_ts(),
    }


def slash_command(
    text: str = "",
    *,
    user: str = "U0USER1",
    channel: str = "C0CHAN",
    team: str = "T0TEST",
    command: str = "/hint",
    response_url: str | None = None,
) -> dict[str, str]:
    """Form fields of a slash command request."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0TEST",
        "response_url": response_url or RESPONSE_URL,
        "trigger_id": f"trigger.{next(_seq)}",
    }


def block_actions(
    value: str,
    *,
    message: dict[str, Any],
    channel: str,
    user: str = "U0USER1",
    team: str = "T0TEST",
    action_id: str | None = None,
    label: str | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A button click on ``message`` (a dict with ts, text, blocks and maybe thread_ts)."""
    aid = action_id
    if aid is None:
        aid = _find_action_id(message.get("blocks") or [], value) or "opt:0"
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0TEST",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
            **({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {}),
        },
        "trigger_id": f"trigger.{next(_seq)}",
        "team": {"id": team, "domain": "fake"},
        "channel": {"id": channel, "name": "channel"},
        "message": message,
        "response_url": response_url or RESPONSE_URL,
        "actions": [
            {
                "type": "button",
                "action_id": aid,
                "block_id": "b",
                "text": {"type": "plain_text", "text": label or value},
                "value": value,
                "action_ts": new_ts(),
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, Any], *, user: str = "U0USER1", team: str = "T0TEST"
) -> dict[str, Any]:
    """The submission of the modal ``view`` (as opened by views.open) with ``values`` as its
    state (block_id -> action_id -> element state)."""
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0TEST",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger.{next(_seq)}",
        "view": {
            "id": "V0MODAL",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "blocks": view["blocks"],
            "state": {"values": values},
        },
    }


def home_block_actions(
    value: str, *, user: str = "U0USER1", team: str = "T0TEST", action_id: str | None = None
) -> dict[str, Any]:
    """A button click in the App Home view."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0TEST",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": f"trigger.{next(_seq)}",
        "team": {"id": team, "domain": "fake"},
        "view": {"id": "V0HOME", "type": "home", "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": action_id or f"home:{value}",
                "block_id": "b",
                "text": {"type": "plain_text", "text": value},
                "value": value,
                "action_ts": new_ts(),
            }
        ],
    }


def message_shortcut(
    text: str,
    *,
    user: str = "U0USER1",
    channel: str = "C0CHAN",
    team: str = "T0TEST",
    callback_id: str = "consult_message",
    author: str = "U0OTHER",
    response_url: str | None = None,
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": f"trigger.{next(_seq)}",
        "message_ts": new_ts(),
        "response_url": response_url or RESPONSE_URL,
        "team": {"id": team, "domain": "fake"},
        "channel": {"id": channel, "name": "general"},
        "user": {"id": user, "name": user.lower(), "team_id": team},
        "message": {"type": "message", "user": author, "text": text, "ts": new_ts()},
        "token": "legacy-verification-token",
    }


def posted_message(call_body: dict[str, Any], ts: str) -> dict[str, Any]:
    """The message as Slack would include it in a click payload, from a recorded post."""
    blocks = call_body.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    msg: dict[str, Any] = {
        "type": "message",
        "user": "U0BOT",
        "bot_id": "B0BOT",
        "text": call_body.get("text", ""),
        "ts": ts,
        "blocks": blocks or [],
    }
    if call_body.get("thread_ts"):
        msg["thread_ts"] = call_body["thread_ts"]
    return msg


def _find_action_id(blocks: list[dict[str, Any]], value: str) -> str | None:
    for b in blocks:
        for el in [*(b.get("elements") or []), b.get("accessory") or {}]:
            if isinstance(el, dict) and el.get("value") == value:
                return str(el.get("action_id"))
    return None


def encode_event(payload: dict[str, Any]) -> tuple[str, str]:
    """(body, content type) of an Events API request."""
    return json.dumps(payload, ensure_ascii=False), "application/json"


def encode_form(fields: dict[str, str]) -> tuple[str, str]:
    return urlencode(fields), "application/x-www-form-urlencoded"


def encode_interaction(payload: dict[str, Any]) -> tuple[str, str]:
    """(body, content type) of an interactivity request: ``payload=<json>`` form field."""
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}), (
        "application/x-www-form-urlencoded"
    )
