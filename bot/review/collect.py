"""Fill the queue from the consultation log: what to collect, and near-duplicates grouped.

A consultation is collected when

- ``corrected``: the user took back a card read from words (「ちがう」), or went to another card
  after a confident one;
- ``down``: its answer was voted 「役に立たなかった」;
- ``picked``: the bot offered two or three cards and the user picked one (a labelled example);
- ``unanswered``: no card matched (a card the user then opened from the list is its label);
- ``declined``: the bot declined it as off-topic (a fact request, an out-of-scope topic, a
  wording a reviewer rejected).

Collection is incremental (a watermark in ``review_state``) and idempotent (one source per
consultation): consultations younger than ``settle`` may still change (a pick, a vote), so
they are read again next time. Sources older than the retention period are deleted here too.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import (
    Connection,
    Engine,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.matching.matcher import MatchPolicy
from bot.storage.conversations import ConsultationRow
from bot.storage.review import (
    COLLECTED,
    OPEN,
    ReviewAssignment,
    ReviewCandidate,
    ReviewCorrection,
    ReviewSource,
    ReviewState,
    read_counter,
    set_counter,
)
from bot.storage.review_learned import MIN_FUZZY, RATIO_CUTOFF

# the order a group's reason is told in when its consultations differ (first = strongest)
REASONS = ("corrected", "down", "picked", "unanswered", "declined")
REASON_LABELS = {
    "corrected": "利用者が訂正",
    "down": "「役に立たなかった」",
    "picked": "候補から利用者が選択",
    "unanswered": "合うヒントなし",
    "declined": "対象外として案内",
}
MINIMUM = MatchPolicy().minimum  # a top score below this matched nothing: unanswered
RARE_BIGRAMS = 4  # near-duplicates are looked for among texts sharing one of these
_WORD = re.compile(r"[^\W_]+")


def group_key(text: str) -> str:
    """The text as grouping compares it: NFKC, case-folded, letters and digits only (the
    normaliser's compact form without its Slack markup pass, fast enough for a long log)."""
    return "".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


@dataclass(frozen=True)
class Observed:
    """One consultation as the queue sees it."""

    consultation: int
    user: str
    created_at: datetime
    text: str
    reason: str
    cards: str  # the bot's ranking as the log's JSON text, copied as it is
    picked: str | None
    rejected: str | None


def classify(row: Any, taken_back: str | None = None) -> Observed | None:
    """Why a logged consultation belongs in the queue, or None when it does not."""
    text = str(row.text or "")
    if not text.strip() or (text.startswith("[") and text.endswith("]")):
        return None  # opened by a button, nothing typed
    intent, card, confidence = row.intent, row.card, row.confidence
    if intent not in ("hint", "unknown"):
        return None
    scores = row.scores if isinstance(row.scores, str) else json.dumps(row.scores or [])
    top = row.top
    if taken_back is not None:
        reason, picked, rejected = "corrected", (card if card != taken_back else None), taken_back
    elif confidence == "confident" and card and top and card != top:
        reason, picked, rejected = "corrected", card, top
    elif row.feedback == "down":
        reason, picked, rejected = "down", None, card
    elif confidence == "ambiguous" and card:
        reason, picked, rejected = "picked", card, None
    elif intent == "unknown":
        declined = confidence is None or (row.score or 0.0) >= MINIMUM
        reason, picked, rejected = ("declined" if declined else "unanswered"), card, None
    else:
        return None
    return Observed(
        int(row.id), str(row.user_id), row.created_at, text, reason, scores, picked, rejected
    )


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)}


class Grouper:
    """Near-duplicate grouping: the exact normalised text, else the closest representative at
    ``RATIO_CUTOFF`` (the threshold measured for close variants), looked for among the texts
    that share one of the rarer bigrams (so a long log needs no all-pairs comparison)."""

    def __init__(self) -> None:
        self.exact: dict[str, int] = {}
        self.keys: list[str] = []
        self.sizes: list[int] = []
        self.groups: list[int] = []
        self.postings: dict[str, list[int]] = {}

    def add(self, key: str, group: int) -> None:
        if not key or key in self.exact:
            return
        self.exact[key] = group
        if len(key) < MIN_FUZZY:
            return
        i = len(self.keys)
        self.keys.append(key)
        self.sizes.append(len(key))
        self.groups.append(group)
        for bg in _bigrams(key):
            self.postings.setdefault(bg, []).append(i)

    def find(self, key: str) -> int | None:
        hit = self.exact.get(key)
        if hit is not None or len(key) < MIN_FUZZY or not self.keys:
            return hit
        postings = self.postings
        lists = [p for p in map(postings.get, _bigrams(key)) if p]
        if not lists:
            return None
        lists.sort(key=len)  # the rarest bigrams first; ties all taken (the same in any order)
        rare = len(lists[min(RARE_BIGRAMS, len(lists)) - 1])
        lo, hi = len(key) * 0.6, len(key) / 0.6
        sizes = self.sizes
        near = set().union(*(p for p in lists if len(p) <= rare))
        pool = sorted(i for i in near if lo <= sizes[i] <= hi)
        if not pool:
            return None
        keys = self.keys
        best = process.extractOne(
            key, [keys[i] for i in pool], scorer=fuzz.ratio, score_cutoff=RATIO_CUTOFF
        )
        if best is None:
            return None
        group = self.groups[pool[best[2]]]
        self.exact[key] = group  # the same text again needs no search
        return group


@dataclass(frozen=True)
class CollectReport:
    read: int  # consultations read since the watermark
    added: int  # sources added to the queue
    updated: int  # sources whose reason or pick changed
    groups: int  # new candidates
    purged: int  # sources deleted by the retention period


def _key(text: str, cache: dict[str, str]) -> str:
    k = cache.get(text)
    if k is None:
        k = cache[text] = group_key(text)
    return k


def _grouper(conn: Connection) -> Grouper:
    """Every candidate's first wording and every assignment's wording, for grouping."""
    g = Grouper()
    first = select(func.min(ReviewSource.id)).group_by(ReviewSource.candidate_id).scalar_subquery()
    for cid, text in conn.execute(
        select(ReviewSource.candidate_id, ReviewSource.text).where(ReviewSource.id.in_(first))
    ):
        g.add(group_key(text), int(cid))
    for acid, text in conn.execute(
        select(ReviewAssignment.candidate_id, ReviewAssignment.text).where(
            ReviewAssignment.undone_at.is_(None), ReviewAssignment.candidate_id.is_not(None)
        )
    ):
        g.add(group_key(text), int(acid or 0))
    return g


def purge(conn: Connection, cutoff: datetime) -> int:
    """Delete queue texts older than ``cutoff`` and candidates left without any (undecided)."""
    n = conn.execute(delete(ReviewSource).where(ReviewSource.created_at < cutoff)).rowcount
    conn.execute(delete(ReviewCorrection).where(ReviewCorrection.created_at < cutoff))
    drop_empty(conn)
    return int(n or 0)


def drop_empty(conn: Connection) -> None:
    """Undecided candidates whose texts are all gone (expired, forgotten) leave the queue."""
    has_source = exists().where(ReviewSource.candidate_id == ReviewCandidate.id)
    conn.execute(delete(ReviewCandidate).where(ReviewCandidate.status.in_(OPEN), ~has_source))


def _take_turn(conn: Connection) -> None:
    """Lock the watermark row (SQLite: the database's write lock; PostgreSQL: the row)."""
    keep = update(ReviewState).where(ReviewState.name == COLLECTED).values(value=ReviewState.value)
    if conn.execute(keep).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(ReviewState).values(name=COLLECTED, value=0))
    except IntegrityError:  # another collector created it first: wait for its turn
        conn.execute(keep)


def collect(
    engine: Engine, *, now: datetime, retention: timedelta, settle: timedelta
) -> CollectReport:
    """Bring the queue up to date with the consultation log (one transaction)."""
    cutoff = now - retention
    with engine.begin() as conn:
        # write first, so this transaction holds the lock from its start: two collectors
        # (the CLI, a Slack worker) run one after the other
        _take_turn(conn)
        watermark = read_counter(conn, COLLECTED)
        purged = purge(conn, cutoff)
        c = ConsultationRow
        top = c.scores[(0, 0)].as_string()
        corrected = select(ReviewCorrection.consultation_id).where(
            ReviewCorrection.consultation_id > watermark
        )
        wanted = or_(
            c.intent == "unknown",
            c.feedback == "down",
            and_(c.confidence == "ambiguous", c.card.is_not(None)),
            and_(c.confidence == "confident", c.card != top),
            c.id.in_(corrected),
        )
        rows = conn.execute(
            select(
                c.id, c.user_id, c.created_at, c.text, c.intent, c.confidence, c.card,
                c.score, type_coerce(c.scores, Text).label("scores"), top.label("top"), c.feedback,
            ).where(c.id > watermark, c.created_at >= cutoff, c.intent.in_(("hint", "unknown")), wanted)
            .order_by(c.id)
        ).all()  # fmt: skip
        backs: dict[int, str] = {}
        for cons, card in conn.execute(
            select(ReviewCorrection.consultation_id, ReviewCorrection.card)
            .where(ReviewCorrection.consultation_id > watermark)
            .order_by(ReviewCorrection.id)
        ):
            if card:
                backs[int(cons)] = str(card)
        seen = [o for r in rows if (o := classify(r, backs.get(int(r.id)))) is not None]
        known = {
            int(r.consultation_id): r
            for r in conn.execute(
                select(
                    ReviewSource.id, ReviewSource.consultation_id, ReviewSource.reason,
                    ReviewSource.picked, ReviewSource.rejected,
                ).where(ReviewSource.consultation_id > watermark)
            )
        }  # fmt: skip
        added, updated, groups = _store(conn, seen, known, now)
        pending = conn.execute(
            select(func.min(c.id)).where(c.id > watermark, c.created_at >= now - settle)
        ).scalar()
        newest = conn.execute(select(func.max(c.id))).scalar() or watermark
        mark = int(pending) - 1 if pending is not None else int(newest)
        set_counter(conn, COLLECTED, max(watermark, mark))
    return CollectReport(len(rows), added, updated, groups, purged)


def _store(
    conn: Connection, seen: Sequence[Observed], known: Mapping[int, Any], now: datetime
) -> tuple[int, int, int]:
    updated = 0
    fresh: list[Observed] = []
    for o in seen:
        old = known.get(o.consultation)
        if old is None:
            fresh.append(o)
        elif (old.reason, old.picked, old.rejected) != (o.reason, o.picked, o.rejected):
            conn.execute(
                update(ReviewSource)
                .where(ReviewSource.id == old.id)
                .values(reason=o.reason, picked=o.picked, rejected=o.rejected)
            )
            updated += 1
    if not fresh:
        return 0, updated, 0
    grouper = _grouper(conn)
    keys: dict[str, str] = {}
    placed: list[tuple[Observed, int]] = []
    new_groups: dict[str, int] = {}  # representative key → index among the new candidates
    for o in fresh:
        key = _key(o.text, keys)
        gid = grouper.find(key)
        if gid is None:
            idx = len(new_groups)
            new_groups[key] = idx
            grouper.add(key, -1 - idx)  # a new group, numbered until its row exists
            gid = -1 - idx
        placed.append((o, gid))
    ids: list[int] = []
    if new_groups:
        # collectors take turns (the watermark row is locked first), so the rows after the
        # highest id are these, in order: one multi-row insert instead of one per group
        before = conn.execute(select(func.max(ReviewCandidate.id))).scalar() or 0
        conn.execute(
            insert(ReviewCandidate),
            [{"status": "open", "created_at": now, "updated_at": now}] * len(new_groups),
        )
        ids = list(
            conn.execute(
                select(ReviewCandidate.id)
                .where(ReviewCandidate.id > before)
                .order_by(ReviewCandidate.id)
            ).scalars()
        )
        assert len(ids) == len(new_groups)
    rows: list[dict[str, Any]] = []
    touched: set[int] = set()
    for o, gid in placed:
        cid = ids[-1 - gid] if gid < 0 else gid
        touched.add(cid)
        rows.append(
            {
                "candidate_id": cid,
                "consultation_id": o.consultation,
                "user_id": o.user,
                "created_at": o.created_at,
                "text": o.text,
                "reason": o.reason,
                "cards": o.cards,
                "picked": o.picked,
                "rejected": o.rejected,
            }
        )
    if conn.dialect.name == "sqlite":
        # the ranking goes in as the JSON text it was logged as (no decoding and encoding)
        for r in rows:
            r["cards_json"] = r.pop("cards")
        conn.execute(insert(ReviewSource).values(cards=bindparam("cards_json", type_=Text)), rows)
    else:
        for r in rows:
            r["cards"] = json.loads(r["cards"])
        conn.execute(insert(ReviewSource), rows)
    old = touched - set(ids)
    if old:
        conn.execute(
            update(ReviewCandidate).where(ReviewCandidate.id.in_(old)).values(updated_at=now)
        )
    return len(rows), updated, len(ids)


def main_reason(reasons: Iterable[str]) -> str:
    """The group's reason: the most frequent, ties to the stronger one."""
    counts = Counter(reasons)
    if not counts:
        return "unanswered"
    return min(counts, key=lambda r: (-counts[r], REASONS.index(r) if r in REASONS else 99))
