"""The reply outbox: acknowledged work that is kept until its reply has been posted.

An event or action the advisor answers is recorded here in the same transaction as its
de-duplication claim (``processed_events``), before Slack gets its 200. A row is a small state
machine::

    pending ──(turn kept: reply stored)──▶ pending+reply ──(posted, ts)──▶ posted ──▶ done
       └────────────── given up after the bounded time ───────────────────▶ failed

Whoever works on a row holds its *lease* (an owner token and an expiry): the worker that
acknowledged it, a redelivery of it, or the sweeper once the lease of a dead worker has run
out. Every step is a compare-and-set on the lease, so two workers never both post.

A turn of the engine runs inside one database transaction together with storing its reply
(``OutboxStore.run_turn``, through ``Store.bound``): the conversation state, the consultation
log and the reply are kept all together or not at all, so a retried turn never runs the engine
twice on the same event.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    String,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from bot.storage.conversations import (
    DONE,
    FAILED,
    OPEN,
    PENDING,
    POSTED,
    OutboxRow,
    ProcessedEventRow,
    Store,
    utcnow,
)
from bot.storage.db import session_factory

log = logging.getLogger("bot.storage")

# New work is leased to the worker that acknowledged it for this long: enough to start its
# turn, whose commit renews the lease for the post. A worker lost in between leaves the work
# to a redelivery or the sweeper after that; a slow but living one that is overtaken then
# finds its lease gone and stops before posting anything (only one turn is ever kept).
HANDOFF = timedelta(seconds=10)

T = TypeVar("T")
# the tables themselves: statements on them skip the ORM's bulk machinery (this code runs
# before every acknowledgement and around every post)
_O = cast(Table, OutboxRow.__table__)
_E = cast(Table, ProcessedEventRow.__table__)
_CLAIM = insert(_E)
_RECORD = insert(_O)
# the turn's result, kept only by the lease holder, with the post about to follow counted
_KEEP_TURN = (
    update(_O)
    .where(
        _O.c.key == bindparam("p_key"),
        _O.c.lease_owner == bindparam("p_token"),
        _O.c.status == PENDING,
        _O.c.reply.is_(None),
    )
    .values(
        reply=bindparam("p_reply", type_=JSON()),
        post_tries=_O.c.post_tries + 1,
        lease_until=bindparam("p_until"),
        updated_at=bindparam("p_now"),
        channel=func.coalesce(bindparam("p_channel", type_=String()), _O.c.channel),
    )
)
# a posted message's ts, kept whoever holds the lease (it was posted): done (the lease goes),
# or posted with its charts still to go (the lease is renewed for them)
_POSTED_WHERE = (_O.c.key == bindparam("p_key"), _O.c.status.in_(OPEN), _O.c.posted_ts.is_(None))
_POSTED_DONE = (
    update(_O)
    .where(*_POSTED_WHERE)
    .values(
        status=DONE,
        posted_ts=bindparam("p_ts"),
        last_error=None,
        updated_at=bindparam("p_now"),
        lease_owner=None,
        lease_until=None,
    )
)
_POSTED_CHARTS = (
    update(_O)
    .where(*_POSTED_WHERE)
    .values(
        status=POSTED,
        posted_ts=bindparam("p_ts"),
        last_error=None,
        updated_at=bindparam("p_now"),
        lease_until=bindparam("p_until"),
    )
)


@dataclass(frozen=True)
class Work:
    """What an acknowledged event or action asks for (recorded before the 200)."""

    key: str
    kind: str
    user: str
    payload: Mapping[str, Any]
    # (key, seconds): accept only if no other work claimed this key within that many seconds
    # (double clicks on a button whose message is not replaced: App Home cards)
    once_within: tuple[str, float] | None = None


class _Repeated(Exception):
    """The work's ``once_within`` key was claimed within its window: a double click."""


@dataclass(frozen=True)
class Job:
    """A row leased to ``token``: the holder may make the reply and post it."""

    key: str
    kind: str
    user: str
    payload: Mapping[str, Any]
    status: str
    attempts: int
    reply: Mapping[str, Any] | None
    channel: str | None
    post_tries: int
    posted_ts: str | None
    last_error: str | None
    created_at: datetime
    token: str


# new: recorded now (leased to the caller); resume: an unfinished earlier delivery, leased
# to the caller now; done: answered or given up; busy: another worker holds it; waiting: a
# retry is scheduled for later; claimed: claimed without an outbox row (nothing to resume)
Accepted = Literal["new", "resume", "done", "busy", "waiting", "claimed"]


class TurnFailed(Exception):
    """The database failed during a turn; nothing of the turn was kept (retry later)."""


class LeaseLost(Exception):
    """Another worker took the row over (our lease ran out); stop without posting."""


def transient(exc: BaseException) -> bool:
    """A database error worth retrying at once: a lost or refused connection."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def retrying(fn: Callable[[], T], tries: int = 4) -> T:
    """Run ``fn`` (one transaction) again after a lost connection, a few times, briefly."""
    delay = 0.05
    for attempt in range(tries):
        try:
            return fn()
        except DBAPIError as exc:
            if attempt == tries - 1 or not transient(exc):
                raise
            time.sleep(delay)
            delay *= 3
    raise AssertionError("unreachable")  # pragma: no cover


class OutboxStore:
    """The outbox over any SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, store: Store, *, lease: timedelta) -> None:
        self.engine = engine
        self.store = store  # the conversation store (its TTL) the turns write through
        self.lease = lease
        self._session = session_factory(engine)

    # -- recording --------------------------------------------------------------------------
    def accept(self, work: Work, token: str, now: datetime | None = None) -> Accepted:
        """Claim ``work.key`` and record the work in one transaction, leased to ``token``
        ("new": the caller delivers it with ``token``, no further step).

        A key claimed before is not recorded again: an unfinished row nobody holds, that was
        never started or whose retry is due, may be resumed ("resume": lease it with
        ``acquire(…, due_only=False)`` first); anything else says why it is left alone. An
        insert that committed although its connection was lost is recognised by ``token``.
        """
        now = now or utcnow()
        key = work.key[:255]

        def record() -> None:
            # plain statements on a connection (no session): this runs before every 200
            with self.engine.begin() as conn:
                if work.once_within is not None:
                    wkey, span = work.once_within
                    if not _claim_window(conn, wkey[:255], timedelta(seconds=span), now):
                        raise _Repeated(wkey)
                conn.execute(_CLAIM, {"key": key, "created_at": now})
                conn.execute(
                    _RECORD,
                    dict(
                        key=key,
                        kind=work.kind,
                        user_id=work.user[:64],
                        payload=dict(work.payload),
                        status=PENDING,
                        attempts=1,
                        next_attempt_at=now,
                        lease_owner=token,
                        lease_until=now + min(self.lease, HANDOFF),
                        post_tries=0,
                        created_at=now,
                        updated_at=now,
                    ),
                )

        try:
            retrying(record)
            return "new"
        except _Repeated:
            return "done"
        except IntegrityError:
            pass
        return retrying(lambda: self._claimed_before(key, token, now))

    def _claimed_before(self, key: str, token: str, now: datetime) -> Accepted:
        with self._session() as s:
            row = s.get(OutboxRow, key)
            if row is None:
                return "claimed"
            if row.lease_owner == token and row.attempts == 1:
                return "new"  # our own insert, committed although the connection was lost
            if row.status not in OPEN:
                return "done"
            if row.lease_until is not None and row.lease_until > now:
                return "busy"
            if row.last_error is not None and row.next_attempt_at > now:
                return "waiting"  # a retry is scheduled (e.g. after Retry-After)
            return "resume"

    # -- leases -----------------------------------------------------------------------------
    def acquire(
        self, key: str, token: str, now: datetime | None = None, *, due_only: bool = True
    ) -> bool:
        """Lease an open row whose lease is free or expired (and, ``due_only``, that is due)."""
        now = now or utcnow()
        conds = [
            _O.c.key == key,
            _O.c.status.in_(OPEN),
            or_(_O.c.lease_until.is_(None), _O.c.lease_until < now),
        ]
        if due_only:
            conds.append(_O.c.next_attempt_at <= now)

        def cas() -> bool:
            with self.engine.begin() as conn:
                res = conn.execute(
                    update(_O)
                    .where(*conds)
                    .values(
                        lease_owner=token,
                        # like new work: long enough to start; the turn's commit or
                        # begin_post renews it for the post
                        lease_until=now + min(self.lease, HANDOFF),
                        attempts=_O.c.attempts + 1,
                        updated_at=now,
                    )
                )
                return res.rowcount == 1

        return retrying(cas)

    def job(self, key: str, token: str) -> Job | None:
        """The row as ``token`` holds it, or None when ``token`` does not hold its lease."""

        def read() -> Job | None:
            with self._session() as s:
                row = s.get(OutboxRow, key)
                if row is None or row.lease_owner != token or row.status not in OPEN:
                    return None
                return Job(
                    row.key,
                    row.kind,
                    row.user_id,
                    dict(row.payload or {}),
                    row.status,
                    row.attempts,
                    dict(row.reply) if row.reply is not None else None,
                    row.channel,
                    row.post_tries,
                    row.posted_ts,
                    row.last_error,
                    row.created_at,
                    token,
                )

        return retrying(read)

    def _cas(self, key: str, token: str | None, values: dict[str, Any], *extra: Any) -> bool:
        """One compare-and-set on an open row (with ``token``: only while it holds the lease)."""
        conds = [_O.c.key == key, _O.c.status.in_(OPEN), *extra]
        if token is not None:
            conds.append(_O.c.lease_owner == token)

        def run() -> bool:
            with self.engine.begin() as conn:
                res = conn.execute(update(_O).where(*conds).values(**values))
                return res.rowcount == 1

        return retrying(run)

    def set_channel(self, job: Job, channel: str, now: datetime | None = None) -> bool:
        """Remember where the reply goes (a DM opened for /hint, App Home, shortcuts)."""
        return self._cas(
            job.key, job.token, {"channel": channel[:32], "updated_at": now or utcnow()}
        )

    def begin_post(self, job: Job, now: datetime | None = None) -> bool:
        """Renew the lease and count a ``chat.postMessage`` about to be made; False when
        the lease was lost (another worker has the row: do not post)."""
        now = now or utcnow()
        return self._cas(
            job.key,
            job.token,
            {
                "post_tries": _O.c.post_tries + 1,
                "lease_until": now + self.lease,
                "updated_at": now,
            },
            _O.c.posted_ts.is_(None),
        )

    def record_posted(self, key: str, ts: str, *, done: bool, now: datetime | None = None) -> None:
        """The message is out: keep its ts (whoever holds the lease: it was posted)."""
        now = now or utcnow()
        params = {"p_key": key, "p_ts": ts[:32], "p_now": now, "p_until": now + self.lease}
        stmt = _POSTED_DONE if done else _POSTED_CHARTS

        def run() -> None:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # recoverable: a crash of the database can lose only this record, and
                    # the message's metadata restores it; no wait for the disk flush
                    conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
                conn.execute(stmt, params)

        retrying(run)

    def finish(self, key: str, now: datetime | None = None) -> bool:
        """Posted and its charts sent (or nothing more to send): done."""
        now = now or utcnow()
        return self._cas(
            key,
            None,
            {"status": DONE, "lease_owner": None, "lease_until": None, "updated_at": now},
        )

    def retry_later(self, job: Job, error: str, at: datetime, now: datetime | None = None) -> bool:
        """Release the lease and schedule the next attempt at ``at``."""
        return self._cas(
            job.key,
            job.token,
            {
                "lease_owner": None,
                "lease_until": None,
                "next_attempt_at": at,
                "last_error": error[:64],
                "updated_at": now or utcnow(),
            },
        )

    def give_up(self, key: str, token: str | None, error: str, now: datetime | None = None) -> bool:
        """Mark an open row failed; with ``token`` only while holding its lease, without it
        only while nobody does."""
        now = now or utcnow()
        extra = (
            () if token is not None else (or_(_O.c.lease_until.is_(None), _O.c.lease_until < now),)
        )
        return self._cas(
            key,
            token,
            {
                "status": FAILED,
                "lease_owner": None,
                "lease_until": None,
                "last_error": error[:64],
                "updated_at": now,
            },
            *extra,
        )

    # -- one turn, kept with its reply ------------------------------------------------------
    def run_turn(
        self, job: Job, turn: Callable[[], tuple[dict[str, Any], str | None]]
    ) -> dict[str, Any]:
        """Run ``turn`` with the conversation store bound to one transaction (``Store.bound``)
        and keep its result (the rendered reply and its channel) in the same transaction, if
        ``job`` still holds its lease: the conversation state, the consultation log and the
        reply are kept together or not at all. The post about to follow is counted and the
        lease renewed in the same commit (as ``begin_post`` does otherwise).

        Raises ``TurnFailed`` when the database failed (nothing was kept; the engine may have
        answered with an apology, which is dropped) and ``LeaseLost`` when another worker
        took the row over meanwhile (nothing was kept either).
        """
        with self._session() as s:
            try:
                with self.store.bound(s) as binding:
                    reply, channel = turn()
                if binding.failed is not None:
                    raise TurnFailed(type(binding.failed).__name__)
                now = utcnow()
                # the post that follows is counted (and the lease renewed for it) here, in
                # the same commit: one transaction less before the answer goes out
                res: Any = s.execute(
                    _KEEP_TURN,
                    {
                        "p_key": job.key,
                        "p_token": job.token,
                        "p_reply": reply,
                        "p_until": now + self.lease,
                        "p_now": now,
                        "p_channel": channel[:32] if channel else None,
                    },
                )
                if res.rowcount != 1:
                    raise LeaseLost(job.key)
                s.commit()
            except (TurnFailed, LeaseLost):
                with contextlib.suppress(SQLAlchemyError):
                    s.rollback()
                raise
            except SQLAlchemyError as exc:
                with contextlib.suppress(SQLAlchemyError):
                    s.rollback()
                raise TurnFailed(type(exc).__name__) from exc
        return reply

    # -- the sweeper's view -----------------------------------------------------------------
    def due(self, now: datetime | None = None, limit: int = 20) -> list[str]:
        """Open rows whose next attempt is due and whose lease is free or expired."""
        now = now or utcnow()
        with self._session() as s:
            q = (
                select(_O.c.key)
                .where(
                    _O.c.status.in_(OPEN),
                    _O.c.next_attempt_at <= now,
                    or_(_O.c.lease_until.is_(None), _O.c.lease_until < now),
                )
                .order_by(_O.c.next_attempt_at)
                .limit(limit)
            )
            return list(s.scalars(q))

    def counts(self) -> dict[str, int]:
        """Rows per status (for operators, tests and the benchmarks)."""
        with self._session() as s:
            rows = s.execute(select(_O.c.status, func.count()).group_by(_O.c.status))
            return {str(status): int(n) for status, n in rows}

    def row(self, key: str) -> OutboxRow | None:
        with self._session() as s:
            return s.get(OutboxRow, key)


def _claim_window(conn: Connection, key: str, span: timedelta, now: datetime) -> bool:
    """Claim ``key`` unless it was claimed within ``span`` (a compare-and-set on its time)."""
    res = conn.execute(
        update(_E).where(_E.c.key == key, _E.c.created_at < now - span).values(created_at=now)
    )
    if res.rowcount == 1:
        return True
    found = conn.execute(select(_E.c.key).where(_E.c.key == key))
    if found.first() is not None:
        return False
    # a concurrent first click: IntegrityError, and the whole acceptance rolls back
    conn.execute(insert(_E).values(key=key, created_at=now))
    return True
