"""Slash commands: ``/hint [お悩み]``, ``/survey [市町村名]``, ``/hint-register …``, and the
brief's ``/hint-brief 市町村名`` and ``/hint-visit 市町村名``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.brief_views import BRIEF_COMMAND, VISIT_COMMAND, BriefAccess
from bot.slack.listeners.commands import hint, hint_brief, hint_register, hint_visit, survey
from bot.slack.payload import ack_now
from bot.slack.survey_views import REGISTER_COMMAND, SURVEY_COMMAND, SurveyAccess

COMMAND = "/hint"


def register(app: App, advisor: SlackAdvisor, surveys: SurveyAccess) -> None:
    def on_hint_ack(ack: Ack, body: dict[str, Any]) -> None:
        # recorded before the acknowledgement: the consultation survives a lost worker
        w = hint.work(body)
        if w is not None:
            advisor.accept(w)
        hint.ack_command(ack, body)

    def on_hint_command(body: dict[str, Any], client: WebClient) -> None:
        hint.handle(advisor, body, client)

    def on_survey_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        survey.handle(surveys.get(), body, client, respond)

    def on_register_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        hint_register.handle(surveys.get(), body, client, respond)

    app.command(COMMAND)(ack=on_hint_ack, lazy=[on_hint_command])
    app.command(SURVEY_COMMAND)(ack=ack_now, lazy=[on_survey_command])
    app.command(REGISTER_COMMAND)(ack=ack_now, lazy=[on_register_command])


def register_brief(app: App, briefs: BriefAccess) -> None:
    """``/hint-brief`` answers in the DM (acknowledged at once, like ``/hint``); ``/hint-visit``
    opens its modal from the lazy listener (a trigger_id lasts 3 seconds, ample after ack)."""

    def on_brief_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        hint_brief.handle(briefs, body, client, respond)

    def on_visit_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        hint_visit.handle(briefs, body, client, respond)

    app.command(BRIEF_COMMAND)(ack=hint.ack_command, lazy=[on_brief_command])
    app.command(VISIT_COMMAND)(ack=ack_now, lazy=[on_visit_command])
