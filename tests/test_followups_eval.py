"""Thresholds of written follow-ups on the two development sets (the sets tuned on).

The blind set in tests/fixtures/blind/ is measured for the session note only, never asserted
here, so no change is ever made to pass it line by line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from analytics.service import DataService
from bot.core.engine import Engine
from bot.evaluate_followups import FollowupReport, evaluate_followups
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.settings import ROOT, Settings
from bot.storage.conversations import Store
from tests.conftest import FIXTURES
from tests.dbutil import fresh_engine


def run(name: str, kb: KnowledgeBase, matcher: Matcher, tmp_path: Path) -> FollowupReport:
    db = fresh_engine()
    settings = Settings(database_url="sqlite://", data_dir=ROOT / "data", chart_dir=tmp_path)
    store = Store(db)
    engine = Engine(kb, store, matcher, DataService.load(settings, db))
    doc = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    return evaluate_followups(doc, engine, store)


def test_first_dev_set(kb: KnowledgeBase, matcher: Matcher, tmp_path: Path) -> None:
    r = run("followups_dev.yaml", kb, matcher, tmp_path)
    understood = sum(r.replies_ok.values()) / sum(r.replies.values())
    ok, total = r.fixed()
    fixed = ok / total
    assert understood >= 0.93, r.misses
    assert fixed >= 0.97, r.misses
    assert r.dialogues_ok / r.dialogues >= 0.95, r.misses
    assert sum(r.turns) / len(r.turns) <= 3.0


def test_second_dev_set(kb: KnowledgeBase, matcher: Matcher, tmp_path: Path) -> None:
    r = run("followups_dev2.yaml", kb, matcher, tmp_path)
    understood = sum(r.replies_ok.values()) / sum(r.replies.values())
    assert understood >= 0.90, r.misses
    for action in ("open_card", "menu", "feedback", "no", "yes", "none", "all", "help"):
        assert r.replies_ok[action] / r.replies[action] >= 0.85, (action, r.misses)
