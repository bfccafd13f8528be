"""Fixtures for the review queue: a database, an engine wired as the runtime wires it (the
correction-noting store, reviewers' wordings before the matcher) and the review service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine as SAEngine
from sqlalchemy import insert

from bot.core.engine import Engine
from bot.core.ports import LearnedWording
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.review.measure import GuardQuery, load_guard
from bot.review.service import ReviewService
from bot.storage.review_learned import StoredLearnedWordings
from bot.storage.review_store import CorrectingStore
from bot.storage.survey_tables import SurveyMember
from tests.conftest import FIXTURES
from tests.dbutil import fresh_engine

REVIEWER = "U0REVIEW1"


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[SAEngine]:
    engine = fresh_engine(tmp_path=tmp_path)
    yield engine
    engine.dispose()


def bot_engine(kb: KnowledgeBase, matcher: Matcher, db: SAEngine, poll: float = 0.0) -> Engine:
    """The engine as ``build_runtime`` wires it (another process: another call)."""
    store = CorrectingStore(db)
    learned = StoredLearnedWordings(db, LearnedWording, poll_seconds=poll)
    return Engine(kb, store, matcher, None, learned)


@pytest.fixture()
def bot(kb: KnowledgeBase, matcher: Matcher, db: SAEngine) -> Engine:
    return bot_engine(kb, matcher, db)


@pytest.fixture(scope="session")
def guard_dev() -> list[GuardQuery]:
    return load_guard(FIXTURES, ("dev.yaml",))


@pytest.fixture()
def clock() -> list[datetime]:
    """The service's "now", settable by a test."""
    return [datetime.now(UTC).replace(tzinfo=None)]


@pytest.fixture()
def make_service(
    kb: KnowledgeBase, matcher: Matcher, db: SAEngine, clock: list[datetime]
) -> Callable[..., ReviewService]:
    def make(**kw: object) -> ReviewService:
        kw.setdefault("settle", timedelta(0))
        return ReviewService(db, kb, matcher, now=lambda: clock[0], **kw)

    return make


@pytest.fixture()
def service(
    make_service: Callable[..., ReviewService], guard_dev: list[GuardQuery]
) -> ReviewService:
    return make_service(guard=guard_dev)


def add_member(
    db: SAEngine, user: str, role: str, *, admin: bool, status: str = "approved"
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.begin() as conn:
        conn.execute(
            insert(SurveyMember).values(
                user_id=user,
                role=role,
                is_admin=admin,
                pref_code="27" if role != "bureau" else None,
                code5=None,
                status=status,
                requested_at=now,
                decided_at=now,
                decided_by="cli",
            )
        )
