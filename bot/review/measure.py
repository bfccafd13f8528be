"""Measured, not trusted: what an assignment does to the dev set, the fixtures and its group.

The guard sets are the labelled query files (``tests/fixtures/dev.yaml`` and the fixtures
``heldout_proxy*.yaml``, ``realistic_dev.yaml``). A query is right when a hint query's first
card is its card, an out-of-scope query is not answered, and an indicator question is not
taken by a learned wording (the lookup comes before the indicator check). An assignment only
changes the queries whose lookup it changes, so only those are routed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.ports import LearnedWording
from bot.core.router import Route, Router
from bot.matching.matcher import Matcher
from bot.storage.review_learned import Decision, LearnedTable
from bot.text.prepared import Prepared, prepare

GUARD_FILES = ("dev.yaml", "heldout_proxy.yaml", "heldout_proxy2.yaml", "realistic_dev.yaml")


@dataclass(frozen=True)
class GuardQuery:
    set: str
    id: str
    kind: str  # hint | oos | data
    card: str | None
    text: Prepared


def load_guard(folder: Path, files: Sequence[str] = GUARD_FILES) -> list[GuardQuery]:
    """The labelled queries of ``files`` in ``folder`` (missing files are left out)."""
    out: list[GuardQuery] = []
    for name in files:
        path = folder / name
        if not path.is_file():
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, q in enumerate(doc.get("queries") or []):
            if not isinstance(q, dict) or q.get("kind") not in ("hint", "oos", "data"):
                continue
            card = str(q["card"]) if q.get("card") is not None else None
            out.append(
                GuardQuery(
                    path.stem, str(q.get("id", i)), str(q["kind"]), card, prepare(str(q["q"]))
                )
            )
    return out


class TableWordings:
    """A ``LearnedTable`` as the router's ``LearnedWordings``."""

    def __init__(self, table: LearnedTable) -> None:
        self.table = table

    def lookup(self, text: Prepared) -> LearnedWording | None:
        d = self.table.lookup(text)
        return None if d is None else LearnedWording(d.card, d.situation, d.assignment)


def first_card(route: Route) -> str | None:
    """The card the bot leads with, None when it answers nothing."""
    res = route.match
    if route.intent != "hint" or res is None or res.confidence == "none" or not res.cards:
        return None
    return res.cards[0].card


def verdict(q: GuardQuery, route: Route) -> tuple[bool, str]:
    """(right, what the bot did) for a guard query."""
    got = first_card(route)
    if q.kind == "hint":
        return got == q.card, got or "なし"
    if q.kind == "oos":
        return got is None, got or "なし"
    return route.learned is None, "言い回し" if route.learned is not None else "指標"


@dataclass(frozen=True)
class SetEffect:
    name: str
    total: int
    before: int
    after: int
    broken: tuple[str, ...] = ()  # "id（正解 03 → 02）" right before, wrong after
    fixed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "total": self.total,
            "before": self.before,
            "after": self.after,
            "broken": list(self.broken),
            "fixed": list(self.fixed),
        }


@dataclass(frozen=True)
class Effect:
    """What a decision does: per guard set, and on its own group of wordings."""

    sets: tuple[SetEffect, ...] = ()
    group_total: int = 0
    group_before: int = 0
    group_after: int = 0
    measured: bool = True  # False: no guard set was found

    @property
    def broken(self) -> list[str]:
        return [f"{s.name}.yaml {b}" for s in self.sets for b in s.broken]

    def to_json(self) -> dict[str, Any]:
        return {
            "sets": [s.to_json() for s in self.sets],
            "group": {
                "total": self.group_total,
                "before": self.group_before,
                "after": self.group_after,
            },
            "measured": self.measured,
        }

    def lines(self) -> list[str]:
        """The effect in Japanese, one line per set and one for the group."""
        out = []
        if not self.measured:
            out.append(
                "評価用の質問ファイルが見つからないため、dev とフィクスチャーへの影響は測っていません。"
            )
        for s in self.sets:
            change = "変化なし" if s.before == s.after else f"{s.after - s.before:+d}"
            out.append(f"{s.name}: 正解 {s.before}/{s.total} → {s.after}/{s.total}（{change}）")
        if self.group_total:
            out.append(
                f"この言い回しのグループ: {self.group_before}/{self.group_total} → "
                f"{self.group_after}/{self.group_total}"
            )
        return out


@dataclass
class Baseline:
    """Each guard query's lookup and verdict under one table."""

    table: LearnedTable
    hits: list[Decision | None] = field(default_factory=list)
    right: list[bool] = field(default_factory=list)
    got: list[str] = field(default_factory=list)


class Guard:
    """The guard sets routed by the bot's matcher under a table of learned wordings."""

    def __init__(self, matcher: Matcher, queries: Sequence[GuardQuery]) -> None:
        self.matcher = matcher
        self.queries = list(queries)
        self.names = list(dict.fromkeys(q.set for q in self.queries))

    def router(self, table: LearnedTable) -> Router:
        return Router(self.matcher, None, TableWordings(table))

    def baseline(self, table: LearnedTable) -> Baseline:
        router = self.router(table)
        b = Baseline(table)
        for q in self.queries:
            b.hits.append(table.lookup(q.text))
            ok, got = verdict(q, router.route(q.text))
            b.right.append(ok)
            b.got.append(got)
        return b

    def compare(
        self, base: Baseline, after: LearnedTable
    ) -> tuple[tuple[SetEffect, ...], Baseline]:
        """The effect of going from ``base.table`` to ``after``, and the new baseline."""
        router = self.router(after)
        new = Baseline(after, list(base.hits), list(base.right), list(base.got))
        for i, q in enumerate(self.queries):
            hit = after.lookup(q.text)
            new.hits[i] = hit
            if hit != base.hits[i]:
                new.right[i], new.got[i] = verdict(q, router.route(q.text))
        effects = []
        for name in self.names:
            idx = [i for i, q in enumerate(self.queries) if q.set == name]
            broken = tuple(
                _miss(self.queries[i], new.got[i])
                for i in idx
                if base.right[i] and not new.right[i]
            )
            fixed = tuple(
                _miss(self.queries[i], new.got[i])
                for i in idx
                if new.right[i] and not base.right[i]
            )
            effects.append(
                SetEffect(
                    name,
                    len(idx),
                    sum(base.right[i] for i in idx),
                    sum(new.right[i] for i in idx),
                    broken,
                    fixed,
                )
            )
        return tuple(effects), new


def _miss(q: GuardQuery, got: str) -> str:
    want = q.card if q.kind == "hint" else {"oos": "対象外", "data": "指標"}[q.kind]
    return f"{q.id}（正解 {want} → {got}）"


def group_score(
    matcher: Matcher, table: LearnedTable, texts: Iterable[str], want: str | None
) -> int:
    """How many of a group's wordings the bot answers as ``want`` (None: declines)."""
    router = Router(matcher, None, TableWordings(table))
    return sum(first_card(router.route(t)) == want for t in texts)
