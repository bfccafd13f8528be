"""「このメッセージで相談」: any message's text becomes a worry; answered in the person's DM.

A DM rather than an ephemeral message: the buttons of the answer must be clickable and
updatable, and the consultation continues in the DM like any other.
"""

from __future__ import annotations

import contextlib
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack.advisor import DM_FAILED, Place, SlackAdvisor, clean_text
from bot.slack.payload import team_of

CALLBACK_ID = "consult_message"


def handle(
    advisor: SlackAdvisor, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    user = (body.get("user") or {}).get("id")
    if not user or not advisor.claim(f"shortcut:{body.get('trigger_id')}"):
        return
    dm, error = advisor.dm_channel(client, user)
    if dm is None:
        with contextlib.suppress(Exception):  # the response_url may have expired
            respond(text=DM_FAILED.format(error=error), response_type="ephemeral")
        return
    place = Place(team_of(body), dm, None, user, "shortcut")
    advisor.consult(client, place, text=clean_text((body.get("message") or {}).get("text")))
