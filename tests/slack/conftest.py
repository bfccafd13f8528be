"""Fixtures for the Slack tests: a local Slack (Web API + Socket Mode) and the real Bolt app
served over loopback HTTP with correctly signed requests. Never the real Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.runtime import Runtime, assemble
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.wsgi import make_application
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from tests.dbutil import fresh_url
from tests.support.driver import SlackSender, serve_in_process
from tests.support.fake_slack import FakeSlack
from tests.support.harness import SlackHarness

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hint_kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="session")
def hint_matcher(hint_kb: KnowledgeBase) -> Matcher:
    return Matcher(hint_kb)


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


@pytest.fixture()
def settings(fake: FakeSlack, tmp_path: Path) -> Settings:
    return Settings(
        database_url=fresh_url(tmp_path, "slack"),
        slack_bot_token="xoxb-test-token-not-real",
        slack_signing_secret=fake.signing_secret,
        slack_api_url=fake.api_url,
        chart_dir=tmp_path / "charts",
    )


@pytest.fixture()
def runtime(settings: Settings, hint_kb: KnowledgeBase, hint_matcher: Matcher) -> Iterator[Runtime]:
    """A fresh database per test, sharing the (read-only) knowledge base and matcher."""
    db = make_engine(settings.database_url)
    create_schema(db)
    yield assemble(settings, hint_kb, db, hint_matcher)
    db.dispose()


@pytest.fixture()
def slack(fake: FakeSlack, settings: Settings, runtime: Runtime) -> Iterator[SlackHarness]:
    client = WebClient(token=settings.slack_bot_token, base_url=fake.api_url)
    app = create_app(settings, client, runtime=runtime)
    wsgi = make_application(settings, app)
    with serve_in_process(wsgi) as url:
        yield SlackHarness(fake, app, runtime, SlackSender(url, fake.signing_secret))
