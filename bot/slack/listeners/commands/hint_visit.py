"""``/hint-visit 茨木市`` opens the visit-record modal for prefecture staff (their prefecture's
municipalities) and the bureau; its submission is a view (``bot.slack.listeners.views``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack.brief_views import BriefAccess, visit_command


def handle(briefs: BriefAccess, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    visit_command(briefs.get(), body, client, respond)
