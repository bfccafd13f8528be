"""Button clicks: options of an answer (``opt:N``) and cards in App Home (``home:…``)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.advisor import advisor_for
from bot.slack.blocks import HOME_ACTION, OPTION_ACTION
from bot.slack.listeners.actions import home_button, option_button, registration
from bot.slack.payload import ack_now


def register(app: App) -> None:
    advisor = advisor_for(app)

    def on_option_button(body: dict[str, Any], client: WebClient) -> None:
        option_button.handle(advisor, body, client)

    def on_home_button(body: dict[str, Any], client: WebClient) -> None:
        home_button.handle(advisor, body, client)

    app.action(re.compile(rf"^{OPTION_ACTION}:"))(ack=ack_now, lazy=[on_option_button])
    app.action(re.compile(rf"^{HOME_ACTION}:"))(ack=ack_now, lazy=[on_home_button])
    registration.register(app)
