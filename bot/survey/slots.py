"""The digest slots and their attempts in the database: claims, leases and outcomes.

A slot (prefecture, ``weekly:2026-W49`` / ``meeting:2026-12-02``) is claimed under its unique
key in the same transaction that records the attempt, before anything is posted: a restart, a
retry or a second clock process finds the claim and posts nothing. A failed post is recorded
(status failed, error) and the next run claims it again; ``force`` re-posts on purpose as a new
attempt. Every change to a slot another process may be changing too is a compare-and-set, so
exactly one process wins it.

Statuses: posting (claimed; the claim is a lease), posted, failed, unverified (a stale claim
whose channel history could not be read).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage.db import session_factory
from bot.storage.survey_tables import DigestAttempt, DigestSlot
from bot.survey.ports import DigestRef

log = logging.getLogger("bot.survey")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    pref_code: str
    slot: str
    status: str  # posted | recovered | failed | unverified | skipped | no_channel
    detail: str = ""
    ts: str | None = None
    attempt: int = 0


@dataclass(frozen=True)
class Claimed:
    """A slot row as read for recovery; the compare-and-set matches all of it."""

    id: int
    pref_code: str
    slot: str
    status: str
    attempts: int
    updated_at: datetime


@dataclass(frozen=True)
class AttemptStart:
    """Where and when an attempt began, and whether it was forced."""

    channel: str
    started_at: datetime
    forced: bool


class SlotStore:
    """Slot claims and attempt records; ``clock`` (aware UTC) dates them."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._session = session_factory(engine)
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))

    def _now(self) -> datetime:
        return naive_utc(self._clock())

    # -- claiming and posting ------------------------------------------------------------------
    def claim(self, pref_code: str, slot: str, channel: str, *, force: bool = False) -> int | None:
        """Claim the slot; the attempt number, or None: not ours to post.

        A SQLite writer that lost a race (database busy) reads again, up to three times.
        """
        for _ in range(3):
            try:
                return self._claim(pref_code, slot, channel, force=force)
            except OperationalError:
                log.info("claim retried after a busy database (pref=%s slot=%s)", pref_code, slot)
        return None

    def _claim(self, pref_code: str, slot: str, channel: str, *, force: bool) -> int | None:
        """Claim the slot and record the attempt in one transaction.

        New slot: insert (the unique key stops a second process). Failed slot (or ``force``):
        a compare-and-set update on (status, attempts) lets exactly one process win.
        """
        now = self._now()
        try:
            with self._session.begin() as s:
                row = s.scalars(
                    select(DigestSlot).where(
                        DigestSlot.pref_code == pref_code, DigestSlot.slot == slot
                    )
                ).first()
                if row is None:
                    row = DigestSlot(
                        pref_code=pref_code, slot=slot, status="posting", attempts=1, updated_at=now
                    )
                    s.add(row)
                    s.flush()
                    attempt = 1
                else:
                    if row.status != "failed" and not force:
                        return None
                    res = s.execute(
                        update(DigestSlot)
                        .where(
                            DigestSlot.id == row.id,
                            DigestSlot.status == row.status,
                            DigestSlot.attempts == row.attempts,
                        )
                        .values(status="posting", attempts=row.attempts + 1, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    if res.rowcount != 1:
                        return None
                    attempt = row.attempts + 1
                s.add(
                    DigestAttempt(
                        slot_id=row.id,
                        attempt=attempt,
                        forced=force,
                        status="posting",
                        channel=channel,
                        started_at=now,
                    )
                )
                return attempt
        except IntegrityError:
            return None  # another process inserted the slot first

    def renew(self, ref: DigestRef, snapshot: dict[str, Any] | None) -> bool:
        """Renew the lease right before posting (and keep the figures being posted).

        False: the claim is no longer ours (it ran out and another process took the slot
        over), so posting now could duplicate the digest. The renewal also means the lease
        measures the post, not how long composing took.
        """
        now = self._now()
        with self._session.begin() as s:
            res = s.execute(
                update(DigestSlot)
                .where(
                    DigestSlot.pref_code == ref.pref_code,
                    DigestSlot.slot == ref.slot,
                    DigestSlot.status == "posting",
                    DigestSlot.attempts == ref.attempt,
                )
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:
                return False
            slot_id = s.scalars(
                select(DigestSlot.id).where(
                    DigestSlot.pref_code == ref.pref_code, DigestSlot.slot == ref.slot
                )
            ).one()
            s.execute(
                update(DigestAttempt)
                .where(DigestAttempt.slot_id == slot_id, DigestAttempt.attempt == ref.attempt)
                .values(snapshot=snapshot)
                .execution_options(synchronize_session=False)
            )
            return True

    def finish(
        self,
        ref: DigestRef,
        status: str,
        *,
        ts: str | None = None,
        error: str | None = None,
        snapshot: dict[str, Any] | None = None,
    ) -> None:
        """Record the attempt's outcome; the slot follows only while the attempt still owns
        it (a slot taken over or recovered meanwhile keeps what the other process wrote)."""
        now = self._now()
        with self._session.begin() as s:
            slot_id = s.scalars(
                select(DigestSlot.id).where(
                    DigestSlot.pref_code == ref.pref_code, DigestSlot.slot == ref.slot
                )
            ).one()
            s.execute(
                update(DigestSlot)
                .where(
                    DigestSlot.id == slot_id,
                    DigestSlot.status == "posting",
                    DigestSlot.attempts == ref.attempt,
                )
                .values(status=status, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            att = s.scalars(
                select(DigestAttempt).where(
                    DigestAttempt.slot_id == slot_id, DigestAttempt.attempt == ref.attempt
                )
            ).one()
            att.status = status
            att.finished_at = now
            att.ts = ts
            att.error = error
            att.snapshot = snapshot

    # -- reading --------------------------------------------------------------------------------
    def previous(self, pref_code: str) -> tuple[dict[str, Any] | None, datetime | None]:
        """The snapshot of the last digest posted for the prefecture (any slot)."""
        with self._session() as s:
            row = s.execute(
                select(DigestAttempt.snapshot, DigestAttempt.finished_at)
                .join(DigestSlot, DigestSlot.id == DigestAttempt.slot_id)
                .where(DigestSlot.pref_code == pref_code, DigestAttempt.status == "posted")
                .order_by(DigestAttempt.finished_at.desc(), DigestAttempt.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None, None
        return row[0], row[1]

    def all(self) -> list[tuple[str, str, str, int]]:
        """(pref, slot, status, attempts) of every recorded slot, newest first."""
        with self._session() as s:
            rows = s.execute(
                select(
                    DigestSlot.pref_code, DigestSlot.slot, DigestSlot.status, DigestSlot.attempts
                ).order_by(DigestSlot.updated_at.desc())
            ).all()
        return [(a, b, c, int(d)) for a, b, c, d in rows]

    # -- stale claims -------------------------------------------------------------------------
    def stale(self, lease: timedelta) -> list[Claimed]:
        """Slots "posting" past their lease, and "unverified" ones (reconciled again)."""
        cutoff = self._now() - lease
        with self._session() as s:
            rows = s.execute(
                select(
                    DigestSlot.id,
                    DigestSlot.pref_code,
                    DigestSlot.slot,
                    DigestSlot.status,
                    DigestSlot.attempts,
                    DigestSlot.updated_at,
                )
                .where(
                    or_(
                        and_(DigestSlot.status == "posting", DigestSlot.updated_at < cutoff),
                        DigestSlot.status == "unverified",
                    )
                )
                .order_by(DigestSlot.updated_at, DigestSlot.id)
            ).all()
        return [Claimed(int(a), b, c, d, int(e), f) for a, b, c, d, e, f in rows]

    def oldest_claim(self) -> datetime | None:
        """When the oldest slot still "posting" was claimed or renewed (aware UTC), if any."""
        with self._session() as s:
            oldest = s.scalar(
                select(func.min(DigestSlot.updated_at)).where(DigestSlot.status == "posting")
            )
        return None if oldest is None else oldest.replace(tzinfo=UTC)

    def attempt_start(self, row: Claimed) -> AttemptStart | None:
        """How the claim's current attempt began (None: no record of it)."""
        with self._session() as s:
            att = s.execute(
                select(DigestAttempt.channel, DigestAttempt.started_at, DigestAttempt.forced).where(
                    DigestAttempt.slot_id == row.id, DigestAttempt.attempt == row.attempts
                )
            ).first()
        return None if att is None else AttemptStart(att[0], att[1], bool(att[2]))

    def _cas(self, row: Claimed) -> Any:
        return update(DigestSlot).where(
            DigestSlot.id == row.id,
            DigestSlot.status == row.status,
            DigestSlot.attempts == row.attempts,
            DigestSlot.updated_at == row.updated_at,
        )

    def settle(self, row: Claimed, status: str, note: str, *, ts: str | None = None) -> bool:
        """Compare-and-set the stale slot to ``status``; the attempt records why."""

        def once() -> bool:
            now = self._now()
            with self._session.begin() as s:
                res = s.execute(
                    self._cas(row)
                    .values(status=status, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount != 1:
                    return False
                values: dict[str, Any] = {"status": status, "finished_at": now, "error": note}
                if ts is not None:
                    values["ts"] = ts
                s.execute(
                    update(DigestAttempt)
                    .where(DigestAttempt.slot_id == row.id, DigestAttempt.attempt == row.attempts)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                return True

        return bool(_busy_retry(once, False))

    def take_over(self, row: Claimed, channel: str) -> int | None:
        """Compare-and-set the stale claim to ours as the next attempt; None: lost the race."""
        attempt = row.attempts + 1

        def once() -> int | None:
            now = self._now()
            with self._session.begin() as s:
                res = s.execute(
                    self._cas(row)
                    .values(status="posting", attempts=attempt, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount != 1:
                    return None
                s.execute(
                    update(DigestAttempt)
                    .where(DigestAttempt.slot_id == row.id, DigestAttempt.attempt == row.attempts)
                    .values(
                        status="failed",
                        finished_at=now,
                        error=f"lease expired; no message in the channel history; taken over by attempt {attempt}",
                    )
                    .execution_options(synchronize_session=False)
                )
                s.add(
                    DigestAttempt(
                        slot_id=row.id,
                        attempt=attempt,
                        forced=False,
                        status="posting",
                        channel=channel,
                        started_at=now,
                    )
                )
                return attempt

        return _busy_retry(once, None)


def _busy_retry(fn: Callable[[], T], lost: T) -> T:
    """Run a compare-and-set; a SQLite writer that met a busy database tries again."""
    for _ in range(3):
        try:
            return fn()
        except OperationalError:
            log.info("compare-and-set retried after a busy database")
    return lost


def naive_utc(dt: datetime) -> datetime:
    """The database's datetimes: naive UTC."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)
