"""Small pieces shared by the listener packages."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack


def ack_now(ack: Ack) -> None:
    """Acknowledge at once; the real work runs in the lazy listener after the response."""
    ack()


def event_key(body: dict[str, Any]) -> str:
    """De-duplication key of an Events API delivery: Slack keeps ``event_id`` on retries."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    ev = body.get("event") or {}
    return f"event:{ev.get('channel', '')}:{ev.get('ts') or ev.get('event_ts', '')}"


def team_of(body: dict[str, Any]) -> str:
    """The workspace id of any payload shape (events, interactions, commands)."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    ev = body.get("event") or {}
    return str(ev.get("team") or "-")
