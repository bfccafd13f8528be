"""``hintbot review``: list (text and JSON), assign, reject, skip, undo, stats, the interactive
walk, and an assignment seen by a second process's bot within seconds."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as SAEngine

from bot.cli import main
from bot.cli.review import parse_answer
from bot.core.replies import Inbound
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.review.service import ReviewService
from tests.review.conftest import REVIEWER, bot_engine

WORRY = "地域の茶話会がマンネリで新しい人が来ない"
OTHER = "集会所の鍵当番が決まらず毎回もめる"
THIRD = "ボランティアさんの交通費をどうするか決まらない"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matcher-cache")


@pytest.fixture()
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db: SAEngine, cache_dir: Path
) -> Iterator[None]:
    monkeypatch.setenv("HINTBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HINTBOT_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("HINTBOT_CONVERSATION_TTL_MINUTES", "1")
    yield


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["review", *argv])
    return code, capsys.readouterr().out


def test_list_assign_reject_skip_undo_and_stats(
    cli_env: None,
    kb: KnowledgeBase,
    matcher: Matcher,
    db: SAEngine,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot = bot_engine(kb, matcher, db)
    for user, text in (("U0A", WORRY), ("U0B", WORRY + "です"), ("U0C", OTHER), ("U0D", THIRD)):
        bot.handle(Inbound(f"t:{user}", user, text=text))
    code, out = run(capsys, "list", "--json")
    items = json.loads(out)
    assert code == 0 and [(i["text"], i["count"], i["reason"]) for i in items] == [
        (WORRY, 2, "unanswered"),
        (OTHER, 1, "unanswered"),
        (THIRD, 1, "unanswered"),
    ]
    assert all(list(i) == ["id", "text", "reason", "count", "cards"] for i in items)
    ids = {i["text"]: i["id"] for i in items}
    code, out = run(capsys, "list")
    assert f"[{ids[WORRY]}] ×2 合うヒントなし" in out and "ボットの順位:" in out

    code, out = run(
        capsys, "assign", str(ids[WORRY]), "--card", "1", "--situation", "3", "--by", REVIEWER
    )
    assert code == 0 and "ヒント01「住民の意識醸成」 状況3 に割り当てました" in out
    assert "dev: 正解" in out and "realistic_dev: 正解" in out and "グループ: 0/2 → 2/2" in out
    code, out = run(capsys, "assign", str(ids[WORRY]), "--card", "02")
    assert code == 1 and "すでに判断済み" in out
    assert main(["review", "assign", str(ids[OTHER]), "--card", "11"]) == 2  # no such card
    assert main(["review", "assign", str(ids[OTHER]), "--card", "02", "--situation", "9"]) == 2
    assert main(["review", "assign", "999", "--card", "02"]) == 2
    capsys.readouterr()

    code, out = run(capsys, "reject", str(ids[THIRD]))
    assert code == 0 and "対象外にしました" in out
    code, out = run(capsys, "skip", str(ids[OTHER]))
    assert code == 0 and "後回し" in out
    code, out = run(capsys, "list")
    assert "（後回し）" in out and WORRY not in out
    code, out = run(capsys, "undo", str(ids[OTHER]))
    assert code == 0 and "取り消しました" in out

    code, out = run(capsys, "stats", "--json")
    st = json.loads(out)
    assert st["queue"]["open"] == 1 and st["decided"] == {"assigned": 1, "rejected": 1, "undone": 0}
    assert st["throughput"]["last_7_days"] == 2
    assert st["accuracy"]["dev"]["after"] >= st["accuracy"]["dev"]["before"]
    assert st["decided_wordings"] == {"total": 2, "before": 1, "after": 2}  # THIRD: declined
    code, out = run(capsys, "stats")
    assert "キュー: 未判断 1 件" in out and "処理数: 直近7日 2 件" in out

    # the bot (another "process") follows the assignment and the rejection
    other = bot_engine(kb, matcher, db)
    assert other.handle(Inbound("t:U0E", "U0E", text=WORRY)).card == "01"
    assert other.handle(Inbound("t:U0F", "U0F", text=THIRD)).kind == "menu"


def test_walk_decides_the_queue_on_a_terminal(
    cli_env: None, kb: KnowledgeBase, matcher: Matcher, db: SAEngine,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    bot = bot_engine(kb, matcher, db)
    for user, text in (("U0A", WORRY), ("U0B", WORRY + "です"), ("U0C", OTHER), ("U0D", THIRD)):
        bot.handle(Inbound(f"t:{user}", user, text=text))
    # WORRY → card 01 situation 3, OTHER → skip, THIRD → off-topic; undo that (asked
    # again), skip it, and leave at the end of the queue
    monkeypatch.setattr("sys.stdin", io.StringIO("?\n01-3\ns\nx\nu\ns\n\n"))
    assert main(["review", "walk", "--by", REVIEWER]) == 0
    out = capsys.readouterr().out
    assert "レビュー待ち 3 件" in out
    assert "状況3 に割り当てました" in out and "後回しにしました" in out
    assert "対象外にしました" in out and "判断を取り消しました" in out
    svc = ReviewService(db, kb, matcher)
    assert [(a.text, a.card, a.situation, a.by) for a in svc.assignments()] == [
        (WORRY, "01", 3, REVIEWER)
    ]
    assert {c.text: c.status for c in svc.queue()} == {OTHER: "skipped", THIRD: "skipped"}
    assert out.count("「ボランティアさんの交通費をどうするか決まらない」\n") == 2  # asked again


def test_walk_answers_are_read_leniently() -> None:
    assert parse_answer("02") == ("assign", "02", None)
    assert parse_answer(" 2-1 ") == ("assign", "2", 1)
    assert parse_answer("x") == ("reject", None, None)
    assert parse_answer("") == ("skip", None, None)
    assert parse_answer("u") == ("undo", None, None)
    assert parse_answer("q") == ("quit", None, None)
    assert parse_answer("なに") == ("help", None, None)


def test_an_assignment_is_seen_by_a_second_process_within_seconds(
    kb: KnowledgeBase, matcher: Matcher, db: SAEngine, service: ReviewService
) -> None:
    """Two bots on one database, each with its own cache (as two processes have): the one
    that did not make the assignment follows it once its poll (1 s) comes round."""
    first = bot_engine(kb, matcher, db, poll=1.0)
    second = bot_engine(kb, matcher, db, poll=1.0)
    assert second.handle(Inbound("t:U0A", "U0A", text=WORRY)).kind == "menu"  # cached now
    first.handle(Inbound("t:U0B", "U0B", text=WORRY))
    [c] = service.queue()
    assert service.assign(c.id, "01", by=REVIEWER).done
    start = time.monotonic()
    while second.handle(Inbound("t:U0C", "U0C", text=WORRY)).card != "01":
        assert time.monotonic() - start < 5.0, "not seen within 5 s"
        time.sleep(0.05)
    assert time.monotonic() - start < 5.0
