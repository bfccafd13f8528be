"""Fixtures for the brief tests: a brief service on a fresh database (a SQLite file, so a test
can open it again as after a restart), the demo survey answers, and the real Bolt app against
the local Slack emulation (the survey tests' fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.brief.service import BriefService
from bot.knowledge.model import KnowledgeBase
from bot.settings import Settings
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.survey.context import SurveyContext
from bot.survey.importer import import_survey
from bot.survey.places import Places
from tests.dbutil import fresh_url
from tests.survey import conftest as _survey

# the survey tests' fixtures, shared by name
SAMPLE = _survey.SAMPLE
fake = _survey.fake
places = _survey.places
runtime = _survey.runtime
slack = _survey.slack
slack_ctx = _survey.slack_ctx
slack_settings = _survey.slack_settings
survey_kb = _survey.survey_kb
survey_matcher = _survey.survey_matcher


@pytest.fixture()
def brief_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=fresh_url(tmp_path, "brief"),
        chart_dir=tmp_path / "charts",
        cache_dir=None,
        demo_sample=False,
    )


def open_service(settings: Settings, kb: KnowledgeBase, places: Places) -> BriefService:
    """A brief service on ``settings``' database, as a new process would build it."""
    engine = make_engine(settings.database_url)
    create_schema(engine)
    survey = SurveyContext(
        settings, engine, places=places, card_titles={c.id: c.title for c in kb.cards}
    )
    return BriefService.load(settings, engine, kb=kb, survey=survey)


@pytest.fixture()
def svc(
    brief_settings: Settings, survey_kb: KnowledgeBase, places: Places
) -> Iterator[BriefService]:
    """No survey answer, no imported indicator, no registered user."""
    s = open_service(brief_settings, survey_kb, places)
    yield s
    s.survey.engine.dispose()


@pytest.fixture()
def sampled(svc: BriefService) -> BriefService:
    """The service with the demo survey answers (marked as sample)."""
    import_survey(svc.survey.answers, svc.survey.survey, svc.survey.places, SAMPLE, sample=True)
    return svc
