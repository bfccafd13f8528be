"""Slack listeners, one package per surface (as in Slack's bolt-python starter template).

Each package exposes ``register(app, …)`` taking what its handlers need (the ``SlackAdvisor``,
the access to the survey), which the handlers close over; the handlers live in sibling
modules. Every listener acknowledges first and works in a Bolt lazy listener, so Slack always
gets its answer within 3 seconds; a view submission is answered in its acknowledgement.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.advisor import SlackAdvisor
from bot.slack.listeners import actions, commands, events, messages, shortcuts, views
from bot.slack.survey_views import SurveyAccess


def register_listeners(app: App, advisor: SlackAdvisor, survey: SurveyAccess) -> None:
    events.register(app, advisor)
    messages.register(app, advisor)
    commands.register(app, advisor, survey)
    actions.register(app, advisor, survey)
    shortcuts.register(app, advisor)
    views.register(app, survey)
