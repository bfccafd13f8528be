"""View submissions: the survey modal and the visit-record modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.brief_views import VISIT_VIEW, BriefAccess
from bot.slack.listeners.views import survey_submission, visit_submission
from bot.slack.survey_views import SURVEY_VIEW, SurveyAccess


def register(app: App, surveys: SurveyAccess) -> None:
    def on_survey_submission(ack: Ack, body: dict[str, Any]) -> None:
        survey_submission.handle(surveys.get(), ack, body)

    app.view(SURVEY_VIEW)(on_survey_submission)


def register_brief(app: App, briefs: BriefAccess) -> None:
    def on_visit_submission(ack: Ack, body: dict[str, Any]) -> None:
        visit_submission.handle(briefs, ack, body)

    app.view(VISIT_VIEW)(on_visit_submission)
