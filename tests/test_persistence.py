"""Conversation state lives in the database: a restarted process continues the conversation."""

from __future__ import annotations

from pathlib import Path

from bot.core.engine import Engine
from bot.core.replies import Inbound
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from tests.dbutil import fresh_url


def test_restart_continues_the_conversation(
    tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> None:
    url = fresh_url(tmp_path, "bot")  # a file, or PostgreSQL with TEST_DATABASE_URL
    db1 = make_engine(url)
    create_schema(db1)
    first = Engine(kb, Store(db1), matcher).handle(Inbound("k", "u", text="SCに丸投げになっている"))
    assert first.card == "07"
    db1.dispose()  # the process ends

    db2 = make_engine(url)
    create_schema(db2)
    engine = Engine(kb, Store(db2), matcher)
    reply = engine.handle(Inbound("k", "u", text="はい"))
    assert reply.kind == "countermeasures" and reply.card == "07"
    fb = engine.handle(Inbound("k", "u", choose="feedback:down"))
    assert fb.kind == "feedback"
    log = Store(db2).consultations()
    assert [(r.card, r.feedback) for r in log] == [("07", "down")]


def test_event_claims_are_unique(store: Store) -> None:
    assert store.claim_event("Ev1")
    assert not store.claim_event("Ev1")
    assert store.claim_event("Ev2")


def test_exists_and_purge(store: Store) -> None:
    from datetime import timedelta

    from bot.storage.conversations import utcnow

    assert not store.exists("k")
    store.save("k", "u", {"stage": "menu"})
    assert store.exists("k")
    store.save("k", "u", {"stage": "menu"}, now=utcnow() - timedelta(hours=1))
    assert not store.exists("k")
    assert store.load("k") == (None, True)  # exists() did not delete it; load() does

    store.claim_event("old", now=utcnow() - timedelta(days=2))
    store.claim_event("new")
    assert store.purge_processed_events() == 1
    assert store.claim_event("old") and not store.claim_event("new")
