"""The visit modal's submission is checked and stored in the ``ack`` itself (field errors can
only be shown there); one insert is far within the 3 seconds."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.slack.brief_views import BriefAccess, submit_visit


def handle(briefs: BriefAccess, ack: Ack, body: dict[str, Any]) -> None:
    ack(**submit_visit(briefs.get(), body))
