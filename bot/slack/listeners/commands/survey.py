"""``/survey`` opens the 25-item modal (views.open); its submission is stored at once.

The submission is validated and stored in the ``ack`` itself: Slack shows field errors only in
the acknowledgement, and a single insert is far within the 3 seconds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.payload import ack_now
from bot.slack.survey_views import (
    SURVEY_COMMAND,
    SURVEY_VIEW,
    context_for,
    submit_survey,
    survey_command,
)


def register(app: App) -> None:
    def on_survey(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        survey_command(context_for(app), body, client, respond)

    def on_submission(ack: Ack, body: dict[str, Any]) -> None:
        ack(**submit_survey(context_for(app), body))

    app.command(SURVEY_COMMAND)(ack=ack_now, lazy=[on_survey])
    app.view(SURVEY_VIEW)(on_submission)
