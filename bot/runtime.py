"""Build the engine and its collaborators from ``Settings``: one place shared by every entry
point (terminal chat, Slack, clock), so they all run the same thing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine as SAEngine

from bot.core.engine import Engine
from bot.core.ports import DataAnswerer, LearnedWording
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.logs import hold_library_loggers
from bot.matching.cache import load_matcher
from bot.matching.matcher import Matcher
from bot.settings import Settings
from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.storage.review_learned import StoredLearnedWordings
from bot.storage.review_store import CorrectingStore
from bot.storage.schema import ensure_schema

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    kb: KnowledgeBase
    db: SAEngine
    store: Store
    engine: Engine


def load_data_service(settings: Settings, db: SAEngine) -> DataAnswerer | None:
    """The indicator answerer, when the analytics package is available."""
    try:
        from analytics.service import DataService
    except ImportError:
        return None
    return DataService.load(settings, db)


def build_runtime(
    settings: Settings, *, with_data: bool = True, db: SAEngine | None = None
) -> Runtime:
    """Load and validate everything; raises ``KnowledgeError`` with a Japanese report."""
    hold_library_loggers()
    kb = load_knowledge(settings.knowledge_dir)
    db = db or make_engine(settings.database_url)
    ensure_schema(db)
    data = load_data_service(settings, db) if with_data else None
    return assemble(settings, kb, db, load_matcher(kb, settings.cache_dir), data)


def assemble(
    settings: Settings,
    kb: KnowledgeBase,
    db: SAEngine,
    matcher: Matcher,
    data: DataAnswerer | None = None,
) -> Runtime:
    """Wire the engine to its store and learned wordings: the one composition every entry
    point (and the tests of the Slack adapter) runs."""
    # the store notes 「ちがう」 for the review queue; reviewers' wordings come before the matcher
    store = CorrectingStore(db, ttl=timedelta(minutes=settings.conversation_ttl_minutes))
    learned = StoredLearnedWordings(db, LearnedWording)
    engine = Engine(kb, store, matcher, data, learned)
    return Runtime(settings, kb, db, store, engine)
