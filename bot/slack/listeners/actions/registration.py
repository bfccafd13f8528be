"""承認 / 却下 buttons on a registration request in an admin's DM."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.survey_views import REG_ACTION, SurveyAccess, approval_click


def handle(
    advisor: SlackAdvisor, surveys: SurveyAccess, body: dict[str, Any], client: WebClient
) -> None:
    key = body.get("trigger_id") or (body.get("actions") or [{}])[0].get("action_ts")
    if not advisor.claim(f"action:{REG_ACTION}:{key}"):
        return
    approval_click(surveys.get(), body, client)
