"""Fixtures for the survey tests: a survey context on a fresh database, a small hand-made
survey for aggregates, and the real Bolt app served against the local Slack emulation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.core.engine import Engine as BotEngine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.digest_poster import SlackDigestPoster
from bot.slack.survey_views import survey_context
from bot.slack.wsgi import make_application
from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.survey.context import SurveyContext
from bot.survey.places import Places, load_places
from bot.survey.posting import DigestService
from tests.dbutil import fresh_engine, fresh_url
from tests.support.driver import SlackSender, serve_in_process
from tests.support.fake_slack import FakeSlack
from tests.support.harness import SlackHarness

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "survey_sample.csv"
# Monday 2026-12-07 09:00 JST
MONDAY_9 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def survey_kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="session")
def places() -> Places:
    return load_places(ROOT / "data")


@pytest.fixture()
def survey_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite://", chart_dir=tmp_path / "charts", cache_dir=None, demo_sample=False
    )


@pytest.fixture()
def ctx(
    survey_settings: Settings, survey_kb: KnowledgeBase, places: Places
) -> Iterator[SurveyContext]:
    engine = fresh_engine()
    yield SurveyContext(
        survey_settings,
        engine,
        places=places,
        card_titles={c.id: c.title for c in survey_kb.cards},
    )
    engine.dispose()


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


def digest_poster(fake: FakeSlack) -> SlackDigestPoster:
    """The Slack digest poster on the local Slack."""
    return SlackDigestPoster(WebClient(token="xoxb-test", base_url=fake.api_url))


@pytest.fixture()
def service(ctx: SurveyContext, fake: FakeSlack) -> DigestService:
    return DigestService(ctx, digest_poster(fake), Store(ctx.engine))


# -- the Slack app against the local Slack --------------------------------------------------
@pytest.fixture(scope="session")
def survey_matcher(survey_kb: KnowledgeBase) -> Matcher:
    return Matcher(survey_kb)


@pytest.fixture()
def slack_settings(fake: FakeSlack, tmp_path: Path) -> Settings:
    return Settings(
        database_url=fresh_url(tmp_path, "survey"),
        slack_bot_token="xoxb-test-token-not-real",
        slack_signing_secret=fake.signing_secret,
        slack_api_url=fake.api_url,
        chart_dir=tmp_path / "charts",
        cache_dir=None,
        demo_sample=False,
    )


@pytest.fixture()
def runtime(
    slack_settings: Settings, survey_kb: KnowledgeBase, survey_matcher: Matcher
) -> Iterator[Runtime]:
    from bot.storage.schema import create_schema

    db = make_engine(slack_settings.database_url)
    create_schema(db)
    store = Store(db)
    yield Runtime(slack_settings, survey_kb, db, store, BotEngine(survey_kb, store, survey_matcher))
    db.dispose()


@pytest.fixture()
def slack_ctx(runtime: Runtime) -> SurveyContext:
    """The survey context the served app uses (same database)."""
    return survey_context(runtime)


@pytest.fixture()
def slack(
    fake: FakeSlack, slack_settings: Settings, runtime: Runtime, slack_ctx: SurveyContext
) -> Iterator[SlackHarness]:
    client = WebClient(token=slack_settings.slack_bot_token, base_url=fake.api_url)
    app = create_app(slack_settings, client, runtime=runtime, survey=slack_ctx)
    wsgi = make_application(slack_settings, app)
    with serve_in_process(wsgi) as url:
        yield SlackHarness(fake, app, runtime, SlackSender(url, fake.signing_secret))
