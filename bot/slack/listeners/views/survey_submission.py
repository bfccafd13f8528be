"""The survey modal's submission is validated and stored in the ``ack`` itself: Slack shows
field errors only in the acknowledgement, and a single insert is far within the 3 seconds."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.slack.survey_views import submit_survey
from bot.survey.context import SurveyContext


def handle(ctx: SurveyContext, ack: Ack, body: dict[str, Any]) -> None:
    ack(**submit_survey(ctx, body))
