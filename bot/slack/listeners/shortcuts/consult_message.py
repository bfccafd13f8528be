"""「このメッセージで相談」: any message's text becomes a worry; answered in the person's DM.

A DM rather than an ephemeral message: the buttons of the answer must be clickable and
updatable, and the consultation continues in the DM like any other.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import Place, SlackAdvisor, Work, clean_text, consult_work
from bot.slack.payload import dict_of, team_of, user_of

CALLBACK_ID = "consult_message"


def key_of(body: dict[str, Any]) -> str:
    return f"shortcut:{body.get('trigger_id')}"


def work(body: dict[str, Any]) -> Work | None:
    user = user_of(body)
    if not user:
        return None
    place = Place(team_of(body), "", None, user, "shortcut")  # "": the DM, opened later
    raw = dict_of(body.get("message")).get("text")
    url = body.get("response_url")
    return consult_work(
        key_of(body),
        place,
        text=clean_text(raw if isinstance(raw, str) else ""),
        response_url=url if isinstance(url, str) else None,
    )


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    advisor.deliver_accepted(client, key_of(body))
