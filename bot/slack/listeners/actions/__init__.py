"""Button clicks: options of an answer (``opt:N``), cards in App Home (``home:…``), and
承認 / 却下 on a registration request (``survey_reg:…``), with the confirmation of a
re-registration (``survey_reg:confirm`` / ``survey_reg:cancel``)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.advisor import SlackAdvisor
from bot.slack.blocks import HOME_ACTION, OPTION_ACTION
from bot.slack.listeners.actions import home_button, option_button, registration, review
from bot.slack.payload import ack_now
from bot.slack.review_views import REVIEW_ACTION
from bot.slack.survey_views import REG_ACTION, SurveyAccess


def register(app: App, advisor: SlackAdvisor, surveys: SurveyAccess) -> None:
    def on_option_button_ack(ack: Ack, body: dict[str, Any]) -> None:
        w = option_button.work(body)
        if w is not None:
            advisor.accept(w)
        ack()

    def on_option_button(body: dict[str, Any], client: WebClient) -> None:
        option_button.handle(advisor, body, client)

    def on_home_button_ack(ack: Ack, body: dict[str, Any]) -> None:
        w = home_button.work(body)
        if w is not None:
            advisor.accept(w)
        ack()

    def on_home_button(body: dict[str, Any], client: WebClient) -> None:
        home_button.handle(advisor, body, client)

    def on_registration_button(body: dict[str, Any], client: WebClient) -> None:
        registration.handle(advisor, surveys, body, client)

    app.action(re.compile(rf"^{OPTION_ACTION}:"))(ack=on_option_button_ack, lazy=[on_option_button])
    app.action(re.compile(rf"^{HOME_ACTION}:"))(ack=on_home_button_ack, lazy=[on_home_button])
    app.action(re.compile(rf"^{REG_ACTION}:(approve|reject|confirm|cancel)$"))(
        ack=ack_now, lazy=[on_registration_button]
    )

    def on_review(body: dict[str, Any], client: WebClient) -> None:
        review.handle(advisor, body, client)

    app.action(re.compile(rf"^{REVIEW_ACTION}:"))(ack=ack_now, lazy=[on_review])
