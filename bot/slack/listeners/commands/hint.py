"""``/hint お悩み`` starts a consultation; ``/hint`` alone shows the card menu.

The answer goes to the person's DM with the bot, wherever the command was typed: a
consultation is about one's own municipality, so it stays private, the buttons work there
(ephemeral messages cannot be updated), and it continues the same DM conversation.
"""

from __future__ import annotations

import contextlib
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.slack.advisor import DM_FAILED, Place, SlackAdvisor, clean_text
from bot.slack.payload import team_of

ACK_IN_CHANNEL = "ボットとのダイレクトメッセージでお答えします。"


def ack_command(ack: Ack, body: dict[str, Any]) -> None:
    if str(body.get("channel_id", "")).startswith("D"):
        ack()
    else:
        ack(text=ACK_IN_CHANNEL)


def handle(
    advisor: SlackAdvisor, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    user = body.get("user_id")
    if not user or not advisor.claim(f"command:{body.get('trigger_id') or body.get('ts')}"):
        return
    dm, error = advisor.dm_channel(client, user)
    if dm is None:
        _tell(respond, DM_FAILED.format(error=error))
        return
    place = Place(team_of(body), dm, None, user, "command")
    text = clean_text(body.get("text"))
    if text:
        advisor.consult(client, place, text=text)
    else:
        advisor.consult(client, place, choose="menu", fresh=True)


def _tell(respond: Respond, text: str) -> None:
    # the response_url may have expired; nothing more can be shown then
    with contextlib.suppress(Exception):
        respond(text=text, response_type="ephemeral")
