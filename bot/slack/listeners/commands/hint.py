"""``/hint お悩み`` starts a consultation; ``/hint`` alone shows the card menu.

The answer goes to the person's DM with the bot, wherever the command was typed: a
consultation is about one's own municipality, so it stays private, the buttons work there
(ephemeral messages cannot be updated), and it continues the same DM conversation. The DM is
opened when the recorded work is done; if it cannot be, the person is told through the
command's response_url.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, Work, clean_text, consult_work
from bot.slack.payload import team_of, user_of

ACK_IN_CHANNEL = "ボットとのダイレクトメッセージでお答えします。"


def ack_command(ack: Ack, body: dict[str, Any]) -> None:
    if str(body.get("channel_id", "")).startswith("D"):
        ack()
    else:
        ack(text=ACK_IN_CHANNEL)


def key_of(body: dict[str, Any]) -> str:
    return f"command:{body.get('trigger_id') or body.get('ts')}"


def work(body: dict[str, Any]) -> Work | None:
    user = user_of(body)
    if not user:
        return None
    place = Place(team_of(body), "", None, user, "command")  # "": the DM, opened later
    url = body.get("response_url")
    url = url if isinstance(url, str) else None
    raw = body.get("text")
    text = clean_text(raw if isinstance(raw, str) else "")
    if text:
        return consult_work(key_of(body), place, text=text, response_url=url)
    return consult_work(key_of(body), place, choose="menu", fresh=True, response_url=url)


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    advisor.deliver_accepted(client, key_of(body))
