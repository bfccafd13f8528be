"""The review queue's operations: collect, list, assign, reject, skip, undo, stats.

Shared by the command line and Slack. Every decision is one transaction that also bumps the
version every process polls (``StoredLearnedWordings``), so an assignment is followed at once
everywhere; ``on_change`` lets the deciding process refresh without waiting for its poll.
An assignment or a rejection is measured first (``measure``) and refused when it would make
a right answer of the dev set or the fixtures wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from bot.errors import UserError
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.review.collect import CollectReport, collect
from bot.review.measure import Baseline, Effect, Guard, GuardQuery, group_score, load_guard
from bot.review.queue import Candidate, get_candidate, list_queue, sizes
from bot.settings import ROOT
from bot.storage.conversations import utcnow
from bot.storage.review import (
    OPEN,
    VERSION,
    Assignment,
    ReviewAssignment,
    ReviewCandidate,
    ReviewSource,
    active_assignments,
    all_assignments,
    bump_version,
    is_reviewer,
    read_counter,
)
from bot.storage.review_learned import Decision, LearnedTable, table_from_database

GUARD_DIR = ROOT / "tests" / "fixtures"
RETENTION_DAYS = 180
COLLECT_EVERY = timedelta(seconds=30)  # App Home: collect at most this often per process


@dataclass(frozen=True)
class Outcome:
    """The result of a reviewer's action, refused or done, with its measured effect."""

    action: str  # assign | reject | skip | undo
    candidate: int
    done: bool
    text: str = ""
    card: str | None = None
    situation: int | None = None
    effect: Effect | None = None
    refused: tuple[str, ...] = ()  # why not (Japanese)
    assignment: int | None = None

    def lines(self, card_title: Callable[[str], str] = str) -> list[str]:
        """What happened, in Japanese: the decision, then its effect."""
        if self.action == "error":
            return list(self.refused)
        short = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        target = "対象外" if self.card is None else f"ヒント{self.card}「{card_title(self.card)}」"
        if self.situation is not None:
            target += f" 状況{self.situation}"
        if self.done:
            head = {
                "assign": f"[{self.candidate}]「{short}」を {target} に割り当てました。",
                "reject": f"[{self.candidate}]「{short}」を対象外にしました。",
                "skip": f"[{self.candidate}]「{short}」を後回しにしました。",
                "undo": f"[{self.candidate}]「{short}」の判断を取り消しました（キューに戻りました）。",
            }[self.action]
        else:
            verb = {"assign": f"{target} への割り当て", "reject": "対象外への変更"}.get(
                self.action, "この操作"
            )
            head = f"[{self.candidate}]「{short}」の{verb}はできません。"
        out = [head, *self.refused]
        if self.effect is not None:
            out += self.effect.lines()
        return out


@dataclass(frozen=True)
class Stats:
    open: int
    skipped: int
    assigned: int
    rejected: int
    texts: int  # consultations waiting in open and skipped candidates
    decided_7d: int
    decided_30d: int
    undone: int
    accuracy: dict[str, dict[str, int]] = field(default_factory=dict)  # set → before/after/total
    decided_group: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "queue": {"open": self.open, "skipped": self.skipped, "texts": self.texts},
            "decided": {
                "assigned": self.assigned,
                "rejected": self.rejected,
                "undone": self.undone,
            },
            "throughput": {"last_7_days": self.decided_7d, "last_30_days": self.decided_30d},
            "accuracy": self.accuracy,
            "decided_wordings": self.decided_group,
        }


class ReviewService:
    """The queue over one database, with the bot's knowledge and matcher for measuring."""

    def __init__(
        self,
        db: Engine,
        kb: KnowledgeBase,
        matcher: Matcher | Callable[[], Matcher],
        *,
        retention_days: int = RETENTION_DAYS,
        settle: timedelta = timedelta(hours=1),
        guard: list[GuardQuery] | None = None,
        guard_dir: Path = GUARD_DIR,
        now: Callable[[], datetime] = utcnow,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.kb = kb
        self._matcher = matcher  # or how to load it: listing needs no matcher
        self.retention = timedelta(days=retention_days)
        self.settle = settle
        self.now = now
        self.on_change = on_change
        self._guard_queries = guard
        self._guard_dir = guard_dir
        self._guard: Guard | None = None
        self._base: tuple[int, Baseline] | None = None
        self._lock = threading.RLock()
        self._collected_at: datetime | None = None

    @property
    def matcher(self) -> Matcher:
        if not isinstance(self._matcher, Matcher):
            self._matcher = self._matcher()
        return self._matcher

    # -- the queue --------------------------------------------------------------------------
    def collect(self) -> CollectReport:
        report = collect(self.db, now=self.now(), retention=self.retention, settle=self.settle)
        self._collected_at = self.now()
        return report

    def collect_if_due(self) -> None:
        last = self._collected_at
        if last is None or self.now() - last >= COLLECT_EVERY:
            self.collect()

    def queue(self, limit: int | None = None, *, collect_first: bool = True) -> list[Candidate]:
        if collect_first:
            self.collect()
        with self.db.connect() as conn:
            return list_queue(conn, OPEN, limit)

    def candidate(self, cid: int) -> Candidate:
        with self.db.connect() as conn:
            c = get_candidate(conn, cid)
        if c is None or (c.status in OPEN and c.count == 0):
            raise UserError(
                f"候補 {cid} は見つかりません（`hintbot review list` で番号をご確認ください）。"
            )
        return c

    def is_reviewer(self, user: str) -> bool:
        with self.db.connect() as conn:
            return is_reviewer(conn, user)

    def card_title(self, card: str) -> str:
        return self.kb.card(card).title if self.kb.has_card(card) else card

    # -- measuring --------------------------------------------------------------------------
    def guard(self) -> Guard:
        if self._guard is None:
            queries = self._guard_queries
            if queries is None:
                queries = load_guard(self._guard_dir)
            self._guard = Guard(self.matcher, queries)
        return self._guard

    def _baseline(self) -> tuple[int, Baseline]:
        version, table = table_from_database(self.db)
        with self._lock:
            if self._base is None or self._base[0] != version:
                self._base = (version, self.guard().baseline(table))
            return self._base

    def measure(
        self, cand: Candidate, change: Callable[[LearnedTable], LearnedTable], want: str | None
    ) -> tuple[Effect, int, Baseline]:
        """The effect of ``change`` on the table in force: (effect, version, new baseline)."""
        version, base = self._baseline()
        after = change(base.table)
        sets, new = self.guard().compare(base, after)
        texts = list(cand.wordings)
        return (
            Effect(
                sets,
                len(texts),
                group_score(self.matcher, base.table, texts, want),
                group_score(self.matcher, after, texts, want),
                measured=bool(self.guard().queries),
            ),
            version,
            new,
        )

    # -- decisions --------------------------------------------------------------------------
    def assign(self, cid: int, card: str, situation: int | None = None, *, by: str) -> Outcome:
        card = _card_id(card)
        if not self.kb.has_card(card):
            raise UserError(f"ヒントカード {card} はありません（01〜{len(self.kb.cards):02d}）。")
        if situation is not None and situation not in {s.n for s in self.kb.card(card).situations}:
            numbers = "・".join(str(s.n) for s in self.kb.card(card).situations)
            raise UserError(f"ヒント{card} に状況 {situation} はありません（{numbers}）。")
        return self._decide("assign", cid, card, situation, by)

    def reject(self, cid: int, *, by: str) -> Outcome:
        return self._decide("reject", cid, None, None, by)

    def _decide(
        self, action: str, cid: int, card: str | None, situation: int | None, by: str
    ) -> Outcome:
        cand = self.candidate(cid)
        if cand.status not in OPEN:
            return Outcome(
                action, cid, False, cand.text, card, situation,
                refused=(f"この候補はすでに判断済みです（{_STATUS[cand.status]}）。取り消すには `hintbot review undo {cid}`。",),
            )  # fmt: skip
        decision = Decision(card, situation, 0)
        effect, version, new_base = self.measure(cand, lambda t: t.plus(cand.text, decision), card)
        outcome = Outcome(action, cid, False, cand.text, card, situation, effect)
        if effect.broken:
            return replace(
                outcome,
                refused=(
                    "dev とフィクスチャーで正しく答えていた質問が、この判断で正しく答えられなくなるため、"
                    "受け付けませんでした: "
                    + "、".join(effect.broken[:8])
                    + (f" ほか {len(effect.broken) - 8} 件" if len(effect.broken) > 8 else ""),
                ),
            )
        now = self.now()
        with self.db.begin() as conn:
            won = conn.execute(
                update(ReviewCandidate)
                .where(ReviewCandidate.id == cid, ReviewCandidate.status.in_(OPEN))
                .values(
                    status="assigned" if action == "assign" else "rejected",
                    decided_at=now,
                    decided_by=by[:64],
                    updated_at=now,
                )
            ).rowcount
            if not won:
                return replace(outcome, refused=("ほかの方が先にこの候補を判断しました。",))
            aid = conn.execute(
                insert(ReviewAssignment)
                .values(
                    candidate_id=cid,
                    text=cand.text,
                    card=card,
                    situation=situation,
                    assigned_by=by[:64],
                    assigned_at=now,
                    effect=effect.to_json(),
                )
                .returning(ReviewAssignment.id)
            ).scalar_one()
            new_version = bump_version(conn)
        with self._lock:
            if version + 1 == new_version:  # nobody else changed the table meanwhile
                fixed = new_base.table.minus(0).plus(cand.text, Decision(card, situation, aid))
                new_base.table = fixed
                new_base.hits = [
                    Decision(h.card, h.situation, aid) if h is not None and h.assignment == 0 else h
                    for h in new_base.hits
                ]
                self._base = (new_version, new_base)
        self._changed()
        return replace(outcome, done=True, assignment=int(aid))

    def skip(self, cid: int, *, by: str) -> Outcome:
        cand = self.candidate(cid)
        if cand.status not in OPEN:
            return Outcome(
                "skip", cid, False, cand.text, refused=("この候補はすでに判断済みです。",)
            )
        with self.db.begin() as conn:
            conn.execute(
                update(ReviewCandidate)
                .where(ReviewCandidate.id == cid, ReviewCandidate.status.in_(OPEN))
                .values(status="skipped", updated_at=self.now())
            )
        return Outcome("skip", cid, True, cand.text)

    def undo(self, cid: int, *, by: str) -> Outcome:
        cand = self.candidate(cid)
        if cand.status == "open":
            return Outcome("undo", cid, False, cand.text, refused=("取り消す判断がありません。",))
        now = self.now()
        effect = None
        with self.db.connect() as conn:
            active = [a for a in active_assignments(conn) if a.candidate == cid]
        if active:
            ids = {a.id for a in active}
            want = active[-1].card

            def without(t: LearnedTable) -> LearnedTable:
                for i in ids:
                    t = t.minus(i)
                return t

            effect, _v, _b = self.measure(cand, without, want)
        with self.db.begin() as conn:
            conn.execute(
                update(ReviewCandidate)
                .where(ReviewCandidate.id == cid)
                .values(status="open", decided_at=None, decided_by=None, updated_at=now)
            )
            if active:
                conn.execute(
                    update(ReviewAssignment)
                    .where(
                        ReviewAssignment.candidate_id == cid, ReviewAssignment.undone_at.is_(None)
                    )
                    .values(undone_at=now, undone_by=by[:64])
                )
                bump_version(conn)
        if active:
            self._changed()
        last = active[-1] if active else None
        return Outcome(
            "undo", cid, True, cand.text,
            last.card if last else None, last.situation if last else None, effect,
        )  # fmt: skip

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # -- reading decisions ------------------------------------------------------------------
    def assignments(self, *, active_only: bool = True) -> list[Assignment]:
        with self.db.connect() as conn:
            return active_assignments(conn) if active_only else all_assignments(conn)

    def version(self) -> int:
        with self.db.connect() as conn:
            return read_counter(conn, VERSION)

    def stats(self, *, accuracy: bool = True) -> Stats:
        self.collect()
        now = self.now()
        with self.db.connect() as conn:
            size = sizes(conn)
            texts = (
                conn.execute(
                    select(func.count(ReviewSource.id))
                    .join(ReviewCandidate, ReviewCandidate.id == ReviewSource.candidate_id)
                    .where(ReviewCandidate.status.in_(OPEN))
                ).scalar()
                or 0
            )
            every = all_assignments(conn)
        d7 = sum(1 for a in every if a.at >= now - timedelta(days=7))
        d30 = sum(1 for a in every if a.at >= now - timedelta(days=30))
        acc: dict[str, dict[str, int]] = {}
        group: dict[str, int] = {}
        if accuracy:
            _v, base = self._baseline()
            empty = self.guard().baseline(LearnedTable())
            for name in self.guard().names:
                idx = [i for i, q in enumerate(self.guard().queries) if q.set == name]
                acc[name] = {
                    "total": len(idx),
                    "before": sum(empty.right[i] for i in idx),
                    "after": sum(base.right[i] for i in idx),
                }
            active = [a for a in every if a.undone_at is None]
            group = {"total": 0, "before": 0, "after": 0}
            for a in active:
                group["total"] += 1
                group["before"] += group_score(self.matcher, LearnedTable(), [a.text], a.card)
                group["after"] += group_score(self.matcher, base.table, [a.text], a.card)
        return Stats(
            open=size["open"],
            skipped=size["skipped"],
            assigned=size["assigned"],
            rejected=size["rejected"],
            texts=int(texts),
            decided_7d=d7,
            decided_30d=d30,
            undone=sum(1 for a in every if a.undone_at is not None),
            accuracy=acc,
            decided_group=group,
        )


_STATUS = {"assigned": "割り当て済み", "rejected": "対象外", "open": "未判断", "skipped": "後回し"}


def _card_id(card: str) -> str:
    card = str(card).strip()
    return f"{int(card):02d}" if card.isdigit() else card
