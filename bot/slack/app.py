"""Build the Slack (Bolt) app: the same app serves Socket Mode and HTTP.

``create_app`` takes typed ``Settings`` (the environment is read only in entry points) and
optionally a prebuilt ``WebClient``, ``Runtime`` and survey context so tests can point it at a
local Slack. It builds what the listeners share, the ``SlackAdvisor`` and the access to the
survey, and hands them to the listeners as they are registered.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from bot.logs import hold_library_loggers
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.advisor import SlackAdvisor
from bot.slack.brief_views import BriefAccess, brief_service
from bot.slack.client import add_retries, make_web_client, require
from bot.slack.listeners import commands, register_listeners, views
from bot.slack.survey_views import SurveyAccess, survey_context
from bot.survey.context import SurveyContext


class _ClientWins(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in str(record.msg)


def create_app(
    settings: Settings,
    client: WebClient | None = None,
    *,
    runtime: Runtime | None = None,
    survey: SurveyContext | None = None,
    socket_mode: bool = False,
    with_data: bool = True,
    listener_executor: Executor | None = None,
) -> App:
    """The Bolt app with every listener registered.

    HTTP needs ``slack_signing_secret`` (request signatures are always verified); Socket Mode
    does not. Raises ``SlackConfigError`` naming the missing environment variable. Without
    ``survey``, the survey context is built from the runtime when a survey feature is first
    used.
    """
    if client is None:
        require(settings, "slack_bot_token")
        client = make_web_client(settings)
    else:
        add_retries(client)
    if not socket_mode:
        require(settings, "slack_signing_secret")
    runtime = runtime or build_runtime(settings, with_data=with_data)
    # Bolt reads SLACK_BOT_TOKEN itself and warns that our prebuilt client wins; it does, on
    # purpose (base URL, retry handlers), so the warning is only noise
    hold_library_loggers()  # Web API and Bolt bodies quote users: never logged
    bolt_log = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _ClientWins) for f in bolt_log.filters):
        bolt_log.addFilter(_ClientWins())
    app = App(
        client=client,
        # pass explicit values so Bolt does not fall back to reading the environment
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=True,
        # the acknowledgement functions run before the 200 (events too): each records its
        # work in the reply outbox first, so nothing acknowledged is lost with its worker;
        # the answers themselves run in lazy listeners after the 200
        process_before_response=True,
        ignoring_self_events_enabled=True,
        logger=bolt_log,
        name="hintbot",
        # the process that owns the executor can wait for answers in progress on shutdown
        listener_executor=listener_executor,
    )
    rt = runtime
    surveys = SurveyAccess.of(survey) if survey else SurveyAccess(lambda: survey_context(rt))
    register_listeners(app, SlackAdvisor(runtime), surveys)
    briefs = BriefAccess(lambda: brief_service(rt, surveys.get()), claim=rt.store.claim_event)
    commands.register_brief(app, briefs)
    views.register_brief(app, briefs)
    return app
