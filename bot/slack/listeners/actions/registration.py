"""承認 / 却下 buttons on a registration request in an admin's DM."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.advisor import advisor_for
from bot.slack.payload import ack_now
from bot.slack.survey_views import REG_ACTION, approval_click, context_for


def register(app: App) -> None:
    advisor = advisor_for(app)

    def on_click(body: dict[str, Any], client: WebClient) -> None:
        key = body.get("trigger_id") or (body.get("actions") or [{}])[0].get("action_ts")
        if not advisor.claim(f"action:{REG_ACTION}:{key}"):
            return
        approval_click(context_for(app), body, client)

    app.action(re.compile(rf"^{REG_ACTION}:(approve|reject)$"))(ack=ack_now, lazy=[on_click])
