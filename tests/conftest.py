"""Shared fixtures: the bundled knowledge base (loaded once) and engines on in-memory SQLite."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.replies import Inbound, Reply
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.storage.conversations import Store
from tests.dbutil import POSTGRES, drop_test_schemas, fresh_engine

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.postgres`` tests run only against PostgreSQL (TEST_DATABASE_URL)."""
    if POSTGRES:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: set TEST_DATABASE_URL (make test-postgres)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# Words of the worries the tests type; none may reach a log line at any level (issue 12)
USER_WORDS = ("お客様状態", "担い手", "丸投げ", "押し付け", "送迎", "太子町の高齢化率")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def _no_user_text_in_logs() -> Iterator[None]:
    """Every test runs with all logging at DEBUG and fails if a log line quotes a user."""
    handler = _Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    leaks = [line[:300] for line in handler.lines if any(w in line for w in USER_WORDS)]
    assert leaks == [], "user text in the logs:\n" + "\n".join(leaks)


@pytest.fixture(scope="session", autouse=True)
def _test_databases() -> Iterator[None]:
    """Drop the PostgreSQL schemas the session created (nothing to do on SQLite)."""
    yield
    drop_test_schemas()


@pytest.fixture()
def store() -> Iterator[Store]:
    """A new database per test: in-memory SQLite, or PostgreSQL with TEST_DATABASE_URL."""
    db = fresh_engine()
    yield Store(db)
    db.dispose()


@pytest.fixture()
def engine(kb: KnowledgeBase, matcher: Matcher, store: Store) -> Engine:
    return Engine(kb, store, matcher)


@pytest.fixture()
def say(engine: Engine) -> Callable[..., Reply]:
    """Send one turn as user ``u1`` in conversation ``c1`` (text, or ``choose=`` an option)."""

    def _say(text: str | None = None, *, choose: str | None = None, user: str = "u1") -> Reply:
        return engine.handle(Inbound(f"c-{user}", user, text=text, choose=choose))

    return _say
