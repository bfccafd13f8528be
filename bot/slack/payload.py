"""Small pieces shared by the listener packages. Every reader tolerates any shape (a field
of the wrong type reads as missing): a request that passed the signature check never becomes
a 500 because of its contents."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack


def ack_now(ack: Ack) -> None:
    """Acknowledge at once; the real work runs in the lazy listener after the response."""
    ack()


def dict_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_of(body: dict[str, Any]) -> dict[str, Any]:
    """The ``event`` of an Events API delivery ({} when missing or not an object)."""
    return dict_of(dict_of(body).get("event"))


def event_key(body: dict[str, Any]) -> str:
    """De-duplication key of an Events API delivery: Slack keeps ``event_id`` on retries."""
    event_id = dict_of(body).get("event_id")
    if isinstance(event_id, str) and event_id:
        return f"event:{event_id}"
    ev = event_of(body)
    return f"event:{ev.get('channel', '')}:{ev.get('ts') or ev.get('event_ts', '')}"


def team_of(body: dict[str, Any]) -> str:
    """The workspace id of any payload shape (events, interactions, commands)."""
    body = dict_of(body)
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(event_of(body).get("team") or "-")


def user_of(body: dict[str, Any]) -> str | None:
    """The acting user's id of an interaction (``user.id``) or a command (``user_id``)."""
    body = dict_of(body)
    user = body.get("user")
    uid = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return uid if isinstance(uid, str) and uid else None


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = dict_of(body).get("actions")
    return dict_of(actions[0]) if isinstance(actions, list) and actions else {}
