"""Review texts are personal data: they expire, forget-user removes them, exports carry no ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine as SAEngine
from sqlalchemy import func, select

from bot.cli import main
from bot.cli.ops import forget_user
from bot.core.engine import Engine
from bot.core.replies import Inbound
from bot.review import export
from bot.review.measure import GuardQuery
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.storage.conversations import Store
from bot.storage.review import ReviewAssignment, ReviewCandidate, ReviewCorrection, ReviewSource
from tests.conftest import KNOWLEDGE
from tests.review.conftest import REVIEWER

WORRY = "地域の茶話会がマンネリで新しい人が来ない"
OTHER = "集会所の鍵当番が決まらず毎回もめる"


def count(db: SAEngine, table: type) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_texts_expire_after_the_retention_period(
    make_service: Callable[..., ReviewService],
    guard_dev: list[GuardQuery],
    db: SAEngine,
    clock: list,
) -> None:
    svc = make_service(guard=guard_dev, retention_days=180)
    store = Store(db)
    now = clock[0]
    # one consultation already older than the retention period is never collected
    store.log_consultation(
        conversation="t:a", user="U0A", text=OTHER, intent="unknown", confidence="none",
        score=0.1, now=now - timedelta(days=181),
    )  # fmt: skip
    store.log_consultation(
        conversation="t:b", user="U0B", text=WORRY, intent="unknown", confidence="none",
        score=0.1, now=now - timedelta(days=10),
    )  # fmt: skip
    assert [c.text for c in svc.queue()] == [WORRY]
    # 171 days later the other one expires too: its text and its group are gone
    clock[0] = now + timedelta(days=171)
    assert svc.queue() == []
    assert count(db, ReviewSource) == 0 and count(db, ReviewCandidate) == 0


def test_a_decided_wording_outlives_its_texts_without_any_user_id(
    make_service: Callable[..., ReviewService],
    guard_dev: list[GuardQuery],
    db: SAEngine,
    clock: list[datetime],
    bot: Engine,
) -> None:
    svc = make_service(guard=guard_dev, retention_days=30)
    bot.handle(Inbound("t:U0A", "U0A", text=WORRY))
    [c] = svc.queue()
    assert svc.assign(c.id, "01", by=REVIEWER).done
    clock[0] += timedelta(days=31)
    svc.collect()
    assert count(db, ReviewSource) == 0
    # the decision stays (who decided, when, which candidate); the bot still follows it
    [a] = svc.assignments()
    assert (a.candidate, a.by, a.card) == (c.id, REVIEWER, "01")
    assert bot.handle(Inbound("t:U0B", "U0B", text=WORRY)).card == "01"


def test_the_retention_period_is_a_setting() -> None:
    assert Settings().review_retention_days == 180
    s = Settings.from_env({"HINTBOT_REVIEW_RETENTION_DAYS": "90", "HINTBOT_HOME": "/tmp/x"})
    assert s.review_retention_days == 90
    from bot.errors import UserError

    with pytest.raises(UserError, match="HINTBOT_REVIEW_RETENTION_DAYS"):
        Settings.from_env({"HINTBOT_REVIEW_RETENTION_DAYS": "0", "HINTBOT_HOME": "/tmp/x"})


def forgotten(db: SAEngine, user: str) -> dict[str, int]:
    """Rows forget-user changed in the review tables, per table."""
    out: dict[str, int] = {}
    with db.begin() as conn:
        for f in forget_user(conn, user, apply=True):
            if f.table.startswith("review_") and f.rows:
                out[f.table] = out.get(f.table, 0) + f.rows
    return out


def test_forget_user_removes_their_review_texts(
    service: ReviewService, db: SAEngine, bot: Engine
) -> None:
    bot.handle(Inbound("t:U0A", "U0A", text=WORRY))
    bot.handle(Inbound("t:U0B", "U0B", text=WORRY + "です"))
    bot.handle(Inbound("t:U0A", "U0A", text=OTHER))
    # and a 「ちがう」 by U0A
    bot.handle(Inbound("t:U0A2", "U0A", text="SCと協議体のどちらも機能していない"))
    bot.handle(Inbound("t:U0A2", "U0A", text="協議体の話"))
    bot.handle(Inbound("t:U0A2", "U0A", text="ちがう"))
    queue = service.queue()
    assert {c.text: c.count for c in queue}[WORRY] == 2
    assert service.reject(next(c.id for c in queue if c.text == OTHER), by=REVIEWER).done
    assert forgotten(db, "U0A") == {"review_sources": 3, "review_corrections": 1}
    assert forgotten(db, REVIEWER) == {"review_candidates": 1, "review_assignments": 1}
    with db.connect() as conn:
        users = set(conn.execute(select(ReviewSource.user_id)).scalars())
        assert conn.execute(select(func.count()).select_from(ReviewCorrection)).scalar() == 0
        assert conn.execute(select(ReviewAssignment.assigned_by)).scalar() is None
    assert users == {"U0B"}
    # the queue now shows only what U0B wrote
    assert [(c.text, c.count) for c in service.queue()] == [(WORRY + "です", 1)]


def test_export_carries_only_wordings_and_writes_valid_cards(
    service: ReviewService,
    bot: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db: SAEngine,
) -> None:
    bot.handle(Inbound("t:U0A", "U0A", text=WORRY))
    bot.handle(Inbound("t:U0B", "U0B", text=OTHER))
    bot.handle(Inbound("t:U0C", "U0C", text="ボランティアさんの交通費をどうするか決まらない"))
    ids = {c.text: c.id for c in service.queue()}
    assert service.assign(ids[WORRY], "01", 3, by=REVIEWER).done
    assert service.assign(ids[OTHER], "03", by=REVIEWER).done
    assert service.reject(ids["ボランティアさんの交通費をどうするか決まらない"], by=REVIEWER).done
    adds = export.additions(service.kb, service.assignments())
    text = export.render(adds, __import__("datetime").date(2026, 12, 1))
    assert WORRY in text and OTHER in text and "交通費" not in text  # off-topic is not a paraphrase
    assert "U0" not in text
    # --write on a copy of the knowledge: the cards load (hintbot check) with the wordings
    import shutil

    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    before = {p.name: p.read_text(encoding="utf-8") for p in (copy / "hints").glob("*.yaml")}
    monkeypatch.setenv("HINTBOT_KNOWLEDGE_DIR", str(copy))
    monkeypatch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HINTBOT_HOME", str(tmp_path / "home"))
    assert main(["review", "export", "--write"]) == 0
    assert main(["check"]) == 0
    from bot.knowledge.loader import load_knowledge

    kb = load_knowledge(copy)
    assert WORRY in kb.card("01").situation(3).paraphrases
    assert OTHER in kb.card("03").paraphrases
    changed = {
        p.name
        for p in (copy / "hints").glob("*.yaml")
        if p.read_text(encoding="utf-8") != before[p.name]
    }
    assert changed == {"01-jumin-ishiki.yaml", "03-renkei.yaml"}
    # only lines were added: every original line is still there, in order
    new = (copy / "hints" / "01-jumin-ishiki.yaml").read_text(encoding="utf-8").splitlines()
    old = before["01-jumin-ishiki.yaml"].splitlines()
    assert len(new) == len(old) + 1
    it = iter(new)
    assert all(any(line == n for n in it) for line in old)
    # exporting again adds nothing: the cards have them now
    assert main(["review", "export", "--write"]) == 0
    assert (copy / "hints" / "01-jumin-ishiki.yaml").read_text(encoding="utf-8").splitlines() == new
    # the original knowledge is untouched
    assert WORRY not in (KNOWLEDGE / "hints" / "01-jumin-ishiki.yaml").read_text(encoding="utf-8")
