"""The review queue's tables and their queries.

What users asked and the bot could not serve is copied from the consultation log into
``review_sources`` (one row per consultation: the text, why it is there, the bot's ranking and
what the user did), grouped into ``review_candidates`` (near-duplicates together, so a reviewer
sees each wording once). A reviewer's decision becomes a ``review_assignments`` row (the
wording, its card and situation, or none: off-topic; who, when, from which candidate, and the
measured effect), which every process reads through ``bot.storage.review_learned`` and
notices by the version counter in ``review_state``. ``review_corrections`` records a
「ちがう」 that took back a card read from a written reply (the engine does not log it).

Personal data: ``review_sources`` and ``review_corrections`` keep the Slack member id with the
text (deleted by ``hintbot forget-user`` and after the retention period); reviewers' ids are
blanked by ``forget-user``. Candidates carry no text of their own, so nothing a user typed
outlives its source rows except an accepted wording, which carries no user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base
from bot.storage.survey_tables import SurveyMember

STATUSES = ("open", "skipped", "assigned", "rejected")
OPEN = ("open", "skipped")  # still in the queue
VERSION = "version"  # review_state: bumped on every change of the assignments
COLLECTED = "collected"  # review_state: the last consultation id collected for good


class ReviewCandidate(Base):
    """A group of near-duplicate wordings in the queue, and the reviewer's decision on it."""

    __tablename__ = "review_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # one of STATUSES
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReviewSource(Base):
    """One consultation in the queue: the text as typed, and what happened to it."""

    __tablename__ = "review_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("review_candidates.id", ondelete="CASCADE"), index=True
    )
    consultation_id: Mapped[int] = mapped_column(Integer, unique=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))
    cards: Mapped[list[Any]] = mapped_column(JSON)  # the bot's ranking: [[card, score], …]
    picked: Mapped[str | None] = mapped_column(String(8), nullable=True)  # the user's card
    rejected: Mapped[str | None] = mapped_column(String(8), nullable=True)  # turned away from


class ReviewAssignment(Base):
    """A reviewer's decision on a wording: its card (and situation), or none: off-topic."""

    __tablename__ = "review_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_candidates.id", ondelete="SET NULL"), nullable=True, index=True
    )
    text: Mapped[str] = mapped_column(Text)
    card: Mapped[str | None] = mapped_column(String(8), nullable=True)
    situation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assigned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    undone_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    effect: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewCorrection(Base):
    """A 「ちがう」 that took back a card the bot read from a written reply."""

    __tablename__ = "review_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    card: Mapped[str | None] = mapped_column(String(8), nullable=True)


class ReviewState(Base):
    """Counters of the review feature: the assignments' version, the collection watermark."""

    __tablename__ = "review_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# -- counters --------------------------------------------------------------------------------
def read_counter(conn: Connection, name: str) -> int:
    value = conn.execute(select(ReviewState.value).where(ReviewState.name == name)).scalar()
    return int(value or 0)


def set_counter(conn: Connection, name: str, value: int) -> None:
    done = conn.execute(
        update(ReviewState).where(ReviewState.name == name).values(value=value)
    ).rowcount
    if not done:
        conn.execute(insert(ReviewState).values(name=name, value=value))


def bump_version(conn: Connection) -> int:
    """Add one to the assignments' version (every process polls it); returns the new value."""
    for _ in range(3):
        done = conn.execute(
            update(ReviewState)
            .where(ReviewState.name == VERSION)
            .values(value=ReviewState.value + 1)
        ).rowcount
        if done:
            return read_counter(conn, VERSION)
        try:
            with conn.begin_nested():
                conn.execute(insert(ReviewState).values(name=VERSION, value=1))
            return 1
        except IntegrityError:
            continue  # another process inserted it first: add one to theirs
    raise RuntimeError("could not bump the review version")


# -- assignments as values -------------------------------------------------------------------
@dataclass(frozen=True)
class Assignment:
    id: int
    candidate: int | None
    text: str
    card: str | None
    situation: int | None
    by: str | None
    at: datetime
    undone_at: datetime | None
    effect: dict[str, Any]


def _assignment(row: Any) -> Assignment:
    return Assignment(
        int(row.id),
        row.candidate_id,
        str(row.text),
        row.card,
        row.situation,
        row.assigned_by,
        row.assigned_at,
        row.undone_at,
        dict(row.effect or {}),
    )


ASSIGNMENT_COLUMNS = (
    ReviewAssignment.id,
    ReviewAssignment.candidate_id,
    ReviewAssignment.text,
    ReviewAssignment.card,
    ReviewAssignment.situation,
    ReviewAssignment.assigned_by,
    ReviewAssignment.assigned_at,
    ReviewAssignment.undone_at,
    ReviewAssignment.effect,
)


def active_assignments(conn: Connection) -> list[Assignment]:
    """Assignments in force (not undone), oldest first: a later one wins on the same wording."""
    rows = conn.execute(
        select(*ASSIGNMENT_COLUMNS)
        .where(ReviewAssignment.undone_at.is_(None))
        .order_by(ReviewAssignment.id)
    )
    return [_assignment(r) for r in rows]


def all_assignments(conn: Connection) -> list[Assignment]:
    rows = conn.execute(select(*ASSIGNMENT_COLUMNS).order_by(ReviewAssignment.id))
    return [_assignment(r) for r in rows]


# -- who reviews -----------------------------------------------------------------------------
REVIEWER_ROLES = ("prefecture", "bureau")


def is_reviewer(conn: Connection, user: str) -> bool:
    """Reviewers are the approved admins of a prefecture and of the bureau (the registry)."""
    row = conn.execute(
        select(SurveyMember.role, SurveyMember.is_admin, SurveyMember.status).where(
            SurveyMember.user_id == user
        )
    ).first()
    return bool(row and row.status == "approved" and row.is_admin and row.role in REVIEWER_ROLES)
