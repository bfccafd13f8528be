"""``/hint-register 茨木市`` asks to be registered; admins approve with ``approve U…``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack.survey_views import register_command
from bot.survey.context import SurveyContext


def handle(ctx: SurveyContext, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    register_command(ctx, body, client, respond)
