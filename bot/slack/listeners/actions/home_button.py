"""A card button in App Home opens that card in the person's DM with the bot."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor
from bot.slack.payload import team_of


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    actions = body.get("actions") or []
    user = (body.get("user") or {}).get("id")
    if not actions or not user:
        return
    action = actions[0]
    key = body.get("trigger_id") or f"{user}:{action.get('action_ts')}"
    if not advisor.claim(f"action:home:{key}"):
        return
    dm, _ = advisor.dm_channel(client, user)
    if dm is None:
        return  # logged by dm_channel; App Home has no place to show an error
    place = Place(team_of(body), dm, None, user, "home")
    advisor.consult(client, place, choose=str(action.get("value") or "menu"), fresh=True)
