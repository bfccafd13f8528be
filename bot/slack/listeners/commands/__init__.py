"""Slash commands: ``/hint [お悩み]``, ``/survey [市町村名]`` and ``/hint-register …``."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners.commands import hint, hint_register, survey
from bot.slack.payload import ack_now
from bot.slack.survey_views import REGISTER_COMMAND, SURVEY_COMMAND, SurveyAccess

COMMAND = "/hint"


def register(app: App, advisor: SlackAdvisor, surveys: SurveyAccess) -> None:
    def on_hint_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        hint.handle(advisor, body, client, respond)

    def on_survey_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        survey.handle(surveys.get(), body, client, respond)

    def on_register_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        hint_register.handle(surveys.get(), body, client, respond)

    app.command(COMMAND)(ack=hint.ack_command, lazy=[on_hint_command])
    app.command(SURVEY_COMMAND)(ack=ack_now, lazy=[on_survey_command])
    app.command(REGISTER_COMMAND)(ack=ack_now, lazy=[on_register_command])
