"""Shared fixtures: the bundled knowledge base (loaded once) and engines on in-memory SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.db import create_schema, make_engine
from bot.engine import Engine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.replies import Inbound, Reply
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


@pytest.fixture()
def store() -> Iterator[Store]:
    db = make_engine("sqlite://")
    create_schema(db)
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
