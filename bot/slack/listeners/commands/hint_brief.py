"""``/hint-brief 茨木市``: the municipality's brief in the requester's DM, as Block Kit with the
A4 PDF attached, for those the registry allows (its own staff, its prefecture, the bureau)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack.brief_views import BriefAccess, brief_command


def handle(briefs: BriefAccess, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    if not briefs.claim(f"command:{body.get('trigger_id') or body.get('ts')}"):
        return
    brief_command(briefs.get(), body, client, respond)
