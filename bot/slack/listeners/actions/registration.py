"""承認 / 却下 buttons on a registration request in an admin's DM, and 置き換えて申請する /
やめる under ``/hint-register`` for an approved member asking again. Approving is a
compare-and-set on the request the button names (``bot.survey.registry``), so a double click
or an old button approves nothing; the claim here only drops Slack's own duplicates."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.payload import first_action
from bot.slack.survey_views import REG_ACTION, SurveyAccess, approval_click


def handle(
    advisor: SlackAdvisor, surveys: SurveyAccess, body: dict[str, Any], client: WebClient
) -> None:
    key = body.get("trigger_id") or first_action(body).get("action_ts")
    if not advisor.claim(f"action:{REG_ACTION}:{key}"):
        return
    approval_click(surveys.get(), body, client)
