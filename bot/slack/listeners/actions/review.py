"""A reviewer's click in App Home's review queue (``review:…``): assign, reject, skip, undo.

The role is checked on every click (a forged or stale view gives a non-reviewer nothing); a
redelivered click is done once (claimed by its trigger); the Home is published again with the
result and its measured effect.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.errors import UserError
from bot.review.service import Outcome
from bot.slack import review_views
from bot.slack.advisor import SlackAdvisor
from bot.slack.payload import first_action, user_of

log = logging.getLogger("bot.slack")


def handle(advisor: SlackAdvisor, body: dict[str, Any], client: WebClient) -> None:
    user = user_of(body)
    action = first_action(body)
    action_id = str(action.get("action_id") or "")
    if not user or not action_id:
        return
    key = f"action:review:{body.get('trigger_id') or action.get('action_ts') or action_id}"
    if not advisor.claim(key):
        return
    svc = review_views.access(advisor.runtime).get()
    if not svc.is_reviewer(user):
        log.warning("review action refused: not a reviewer (user=%s)", user)
        return
    try:
        outcome = review_views.act(svc, user, action_id, action)
    except UserError as exc:
        outcome = Outcome("error", 0, False, refused=(str(exc),))
    log.info(
        "review action=%s user=%s done=%s",
        action_id.rsplit(":", 1)[0],
        user,
        bool(outcome and outcome.done),
    )
    review_views.publish_home(advisor, client, user, outcome)
