"""``/survey`` opens the 25-item modal (views.open) for a registered municipal member;
``/survey 市町村名`` shows that municipality's latest answers to those allowed to see them.
The modal's submission is a view (``bot.slack.listeners.views``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack.survey_views import survey_command
from bot.survey.context import SurveyContext


def handle(ctx: SurveyContext, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    survey_command(ctx, body, client, respond)
