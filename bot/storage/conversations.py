"""Persistent conversation state, the consultation log and Slack event de-duplication.

State lives in the database, not in memory, so a restart or a second worker continues the
same conversation; the log is what the bureau analyses later (and what digests summarise).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Text,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.storage.db import Base, session_factory
from bot.text.normalize import storable


def _storable(value: Any) -> Any:
    """A JSON value without the characters the database refuses, at any depth."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ConversationRow(Base):
    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ConsultationRow(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_key: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[str | None] = mapped_column(String(16), nullable=True)
    card: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    scores: Mapped[list[Any]] = mapped_column(JSON, default=list)
    situation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(8), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedEventRow(Base):
    """One row per delivered Slack event or action: the unique key makes retries no-ops."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


PENDING = "pending"  # the reply is still to be made and/or posted
POSTED = "posted"  # the message is out (its ts is kept); its charts are still to go
DONE = "done"
FAILED = "failed"  # given up after the bounded time; the person was told where possible
OPEN = (PENDING, POSTED)


class OutboxRow(Base):
    """One acknowledged event or action and where its reply stands: the reply outbox
    (``bot.storage.outbox``), kept here beside the claims it is recorded with."""

    __tablename__ = "reply_outbox"
    __table_args__ = (
        Index("ix_reply_outbox_due", "status", "next_attempt_at"),
        {"info": {"personal_data": {"user_id": "delete"}}},
    )

    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # = the claim's key
    kind: Mapped[str] = mapped_column(String(16))  # consult | home
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # what is needed to answer
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # rendered
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)  # where it goes
    post_tries: Mapped[int] = mapped_column(Integer, default=0)  # chat.postMessage calls begun
    posted_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(64), nullable=True)  # an error id
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


@dataclass
class Binding:
    """A session a thread's store calls run in (``Store.bound``), and the first database
    error any of them met."""

    engine: Engine
    session: Session
    failed: BaseException | None = None


_bound: ContextVar[Binding | None] = ContextVar("hintbot_bound_session", default=None)


class _Borrowed(AbstractContextManager[Session]):
    """The bound session, lent to one ``with`` block: neither committed nor closed here."""

    def __init__(self, binding: Binding) -> None:
        self.binding = binding

    def __enter__(self) -> Session:
        return self.binding.session

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, SQLAlchemyError) and self.binding.failed is None:
            self.binding.failed = exc


class _Sessions:
    """A store's sessions: a new one per call (``()`` to read, ``begin()`` to write and
    commit), or the session ``Store.bound`` lent to this thread for this database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = session_factory(engine)

    def _lent(self) -> Binding | None:
        b = _bound.get()
        return b if b is not None and b.engine is self.engine else None

    def __call__(self) -> AbstractContextManager[Session]:
        b = self._lent()
        return self._factory() if b is None else _Borrowed(b)

    def begin(self) -> AbstractContextManager[Session]:
        b = self._lent()
        return self._factory.begin() if b is None else _Borrowed(b)


class Store:
    """Conversation state and logs, over any SQLAlchemy engine."""

    def __init__(self, engine: Engine, ttl: timedelta = timedelta(minutes=30)) -> None:
        self.engine = engine
        self.ttl = ttl
        self._session = _Sessions(engine)

    @contextmanager
    def bound(self, session: Session) -> Iterator[Binding]:
        """Run this thread's calls of this store (and of any store on the same database)
        inside ``session``'s transaction, committing nothing: a turn of the engine and what
        the caller keeps with it are then kept together or not at all. A database error in
        any of them is noted in ``Binding.failed`` (the engine may have caught it)."""
        binding = Binding(self.engine, session)
        token = _bound.set(binding)
        try:
            yield binding
        finally:
            _bound.reset(token)

    # -- conversations --------------------------------------------------------------------
    def load(self, key: str, now: datetime | None = None) -> tuple[dict[str, Any] | None, bool]:
        """Return (state, expired). An idle conversation past the TTL is dropped."""
        now = now or utcnow()
        with self._session.begin() as s:
            row = s.get(ConversationRow, key)
            if row is None:
                return None, False
            if now - row.updated_at > self.ttl:
                s.delete(row)
                s.flush()
                return None, True
            return dict(row.state), False

    def save(
        self, key: str, user: str, state: Mapping[str, Any], now: datetime | None = None
    ) -> None:
        with self._session.begin() as s:
            put_state(s, key, user, state, now or utcnow())

    def exists(self, key: str, now: datetime | None = None) -> bool:
        """Whether a live (not expired) conversation exists; reads only, deletes nothing."""
        now = now or utcnow()
        with self._session() as s:
            row = s.get(ConversationRow, key)
            return row is not None and now - row.updated_at <= self.ttl

    def clear(self, key: str) -> None:
        with self._session.begin() as s:
            s.execute(delete(ConversationRow).where(ConversationRow.key == key))

    def purge_expired(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        with self._session.begin() as s:
            res: Any = s.execute(
                delete(ConversationRow).where(ConversationRow.updated_at < now - self.ttl)
            )
            return int(res.rowcount or 0)

    # -- consultation log -----------------------------------------------------------------
    def log_consultation(
        self,
        *,
        conversation: str,
        user: str,
        text: str,
        intent: str,
        confidence: str | None = None,
        card: str | None = None,
        score: float | None = None,
        scores: list[Any] | None = None,
        meta: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> int:
        with self._session.begin() as s:
            return add_consultation(
                s,
                conversation=conversation,
                user=user,
                text=text,
                intent=intent,
                confidence=confidence,
                card=card,
                score=score,
                scores=scores,
                meta=meta,
                now=now,
            )

    def update_consultation(self, cid: int, **values: Any) -> None:
        with self._session.begin() as s:
            change_consultation(s, cid, values)

    def consultations(self, user: str | None = None, limit: int = 100) -> list[ConsultationRow]:
        with self._session() as s:
            q = select(ConsultationRow).order_by(ConsultationRow.id.desc()).limit(limit)
            if user is not None:
                q = q.where(ConsultationRow.user_id == user)
            return list(s.scalars(q))

    def cards_consulted(self, users: Collection[str], since: datetime) -> list[str]:
        """The card of every consultation by ``users`` since ``since``, repeats kept (what a
        survey digest counts as last week's worries)."""
        if since.tzinfo is not None:
            since = since.astimezone(UTC).replace(tzinfo=None)
        with self._session() as s:
            cards = s.scalars(
                select(ConsultationRow.card).where(
                    ConsultationRow.user_id.in_(list(users)),
                    ConsultationRow.created_at >= since,
                    ConsultationRow.card.is_not(None),
                )
            ).all()
        return [c for c in cards if c]

    # -- de-duplication -------------------------------------------------------------------
    def purge_processed_events(
        self, older_than: timedelta = timedelta(days=1), now: datetime | None = None
    ) -> int:
        """Forget delivery ids older than Slack's retry window, so the table stays small."""
        cutoff = (now or utcnow()) - older_than
        with self._session.begin() as s:
            res: Any = s.execute(
                delete(ProcessedEventRow).where(ProcessedEventRow.created_at < cutoff)
            )
            # answered (or given-up) work goes with its claim: its payload quotes the user
            purge_finished(s, cutoff)
            return int(res.rowcount or 0)

    def claim_event(self, key: str, now: datetime | None = None) -> bool:
        """True the first time ``key`` is seen, False for every redelivery (any process)."""
        try:
            with self._session.begin() as s:
                s.add(ProcessedEventRow(key=key[:255], created_at=now or utcnow()))
            return True
        except IntegrityError:
            return False


# -- one turn's writes, on the caller's session (shared with the reply outbox's turns) -----
def put_state(s: Session, key: str, user: str, state: Mapping[str, Any], now: datetime) -> None:
    """Insert or update a conversation's state in one statement (an upsert), so two workers
    starting the same conversation at once never collide."""
    data = _storable(json.loads(json.dumps(dict(state), ensure_ascii=False)))
    values = {"key": key, "user_id": user, "state": data, "updated_at": now}
    dialect = s.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        from sqlalchemy.dialects import postgresql, sqlite

        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = ConversationRow.__table__  # the table itself: no ORM bulk machinery per turn
        stmt = insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
        )
        s.execute(stmt)
        s.expire_all()  # an object loaded earlier in this session is stale now
        return
    row = s.get(ConversationRow, key)  # pragma: no cover - other databases
    if row is None:
        s.add(ConversationRow(**values))
    else:
        row.state, row.updated_at = data, now


def add_consultation(
    s: Session,
    *,
    conversation: str,
    user: str,
    text: str,
    intent: str,
    confidence: str | None = None,
    card: str | None = None,
    score: float | None = None,
    scores: list[Any] | None = None,
    meta: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> int:
    row = ConsultationRow(
        conversation_key=conversation,
        user_id=user,
        created_at=now or utcnow(),
        text=storable(text)[:2000],
        intent=intent,
        confidence=confidence,
        card=card,
        score=score,
        scores=scores or [],
        meta=_storable(dict(meta or {})),
    )
    s.add(row)
    s.flush()
    return int(row.id)


def change_consultation(s: Session, cid: int, values: Mapping[str, Any]) -> None:
    allowed = {"card", "situation", "feedback"}
    changes = {k: v for k, v in values.items() if k in allowed}
    if changes:
        s.execute(update(ConsultationRow).where(ConsultationRow.id == cid).values(**changes))


def purge_finished(s: Session, cutoff: datetime) -> int:
    """Delete answered and given-up rows last changed before ``cutoff`` (on ``s``)."""
    res: Any = s.execute(
        delete(OutboxRow).where(OutboxRow.status.in_((DONE, FAILED)), OutboxRow.updated_at < cutoff)
    )
    return int(res.rowcount or 0)
