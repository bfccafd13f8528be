"""The queue as values: each group of wordings once, most frequent first."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Text, case, func, select, type_coerce

from bot.review.collect import REASON_LABELS, main_reason
from bot.storage.review import OPEN, ReviewCandidate, ReviewSource


@dataclass(frozen=True)
class Candidate:
    """A group of near-duplicate wordings: what the reviewer decides on."""

    id: int
    status: str
    text: str  # the group's most frequent wording (the earliest on a tie)
    reason: str
    count: int  # consultations in the group
    ranking: tuple[tuple[str, float], ...]  # the bot's cards for ``text``, best first
    picks: dict[str, int] = field(default_factory=dict)  # card → users who went to it
    rejected: dict[str, int] = field(default_factory=dict)  # card → users who turned away
    reasons: dict[str, int] = field(default_factory=dict)
    wordings: tuple[str, ...] = ()  # every distinct wording, most frequent first

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def suggested(self) -> str | None:
        """The card users went to most often, if any: the label a pick gives."""
        if not self.picks:
            return None
        return min(self.picks, key=lambda c: (-self.picks[c], c))

    def users_did(self) -> list[str]:
        """What users did, for a reviewer: the cards they went to, then those they turned
        away from, most often first (the terminal and App Home show the same words)."""
        did = [f"{card} を選択 ×{n}" for card, n in sorted(self.picks.items(), key=lambda x: -x[1])]
        did += [
            f"{card} を取り消し・不評 ×{n}"
            for card, n in sorted(self.rejected.items(), key=lambda x: -x[1])
        ]
        return did

    def cards_json(self) -> list[dict[str, Any]]:
        """The bot's ranking and what users did: ``{"card", "score", "users"}``, the bot's
        cards first (score None for a card only users chose)."""
        out = [
            {"card": c, "score": round(s, 4), "users": self.picks.get(c, 0)}
            for c, s in self.ranking
        ]
        ranked = {c for c, _ in self.ranking}
        out += [
            {"card": c, "score": None, "users": n}
            for c, n in sorted(self.picks.items())
            if c not in ranked
        ]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "reason": self.reason,
            "count": self.count,
            "cards": self.cards_json(),
        }


def _ranking(cards: Any) -> tuple[tuple[str, float], ...]:
    if isinstance(cards, str):  # read as text: only the representative's is decoded
        try:
            cards = json.loads(cards)
        except ValueError:
            return ()
    out = []
    for item in cards or ():
        if isinstance(item, list | tuple) and len(item) >= 2:
            try:
                out.append((str(item[0]), float(item[1])))
            except (TypeError, ValueError):
                continue
    return tuple(out[:3])


def build(cid: int, status: str, sources: Iterable[Any]) -> Candidate:
    """A candidate from its source rows (id, text, reason, cards, picked, rejected)."""
    rows = list(sources)  # in id order
    texts = Counter(r.text for r in rows)
    first: dict[str, int] = {}
    for i, r in enumerate(rows):
        first.setdefault(r.text, i)
    order = sorted(texts, key=lambda t: (-texts[t], first[t]))
    text = order[0] if order else ""
    rep = next((r for r in rows if r.text == text), None)
    return Candidate(
        id=cid,
        status=status,
        text=text,
        reason=main_reason(r.reason for r in rows),
        count=len(rows),
        ranking=_ranking(rep.cards if rep is not None else ()),
        picks=dict(Counter(r.picked for r in rows if r.picked)),
        rejected=dict(Counter(r.rejected for r in rows if r.rejected)),
        reasons=dict(Counter(r.reason for r in rows)),
        wordings=tuple(order),
    )


SOURCE_COLUMNS = (
    ReviewSource.candidate_id,
    ReviewSource.id,
    ReviewSource.text,
    ReviewSource.reason,
    type_coerce(ReviewSource.cards, Text).label("cards"),
    ReviewSource.picked,
    ReviewSource.rejected,
)


def list_queue(
    conn: Connection, statuses: tuple[str, ...] = OPEN, limit: int | None = None
) -> list[Candidate]:
    """Candidates in ``statuses`` that still have a text: open before skipped, then the most
    frequent first."""
    n = func.count(ReviewSource.id).label("n")
    skipped_last = case((ReviewCandidate.status == "skipped", 1), else_=0)
    q = (
        select(ReviewCandidate.id, ReviewCandidate.status, n)
        .join(ReviewSource, ReviewSource.candidate_id == ReviewCandidate.id)
        .where(ReviewCandidate.status.in_(statuses))
        .group_by(ReviewCandidate.id, ReviewCandidate.status)
        .order_by(skipped_last, n.desc(), ReviewCandidate.id)
    )
    if limit is not None:
        q = q.limit(limit)
    heads = conn.execute(q).all()
    if not heads:
        return []
    by_id: dict[int, list[Any]] = {int(h.id): [] for h in heads}
    src = select(*SOURCE_COLUMNS)
    if limit is not None and len(heads) <= 500:
        src = src.where(ReviewSource.candidate_id.in_(list(by_id)))
    else:
        src = src.join(ReviewCandidate, ReviewCandidate.id == ReviewSource.candidate_id).where(
            ReviewCandidate.status.in_(statuses)
        )
    for r in conn.execute(src.order_by(ReviewSource.id)):
        bucket = by_id.get(int(r.candidate_id))
        if bucket is not None:
            bucket.append(r)
    return [build(int(h.id), str(h.status), by_id[int(h.id)]) for h in heads]


def get_candidate(conn: Connection, cid: int) -> Candidate | None:
    status = conn.execute(select(ReviewCandidate.status).where(ReviewCandidate.id == cid)).scalar()
    if status is None:
        return None
    rows = conn.execute(
        select(*SOURCE_COLUMNS).where(ReviewSource.candidate_id == cid).order_by(ReviewSource.id)
    ).all()
    return build(cid, str(status), rows)


def sizes(conn: Connection) -> dict[str, int]:
    """Candidates per status (undecided ones only when they still have a text)."""
    out = {s: 0 for s in ("open", "skipped", "assigned", "rejected")}
    for status, n in conn.execute(
        select(ReviewCandidate.status, func.count()).group_by(ReviewCandidate.status)
    ):
        out[str(status)] = int(n)
    return out
