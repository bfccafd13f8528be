"""Tables of the survey feature: who is who, the answers (all kept), channels, meetings and the
digest slots that make every scheduled post happen exactly once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import Base

ROLES = ("municipal", "prefecture", "bureau")
STATUSES = ("pending", "approved", "rejected")


class SurveyMember(Base):
    """A Slack user's place: a municipality's staff, a prefecture's staff or the bureau."""

    __tablename__ = "survey_members"
    __table_args__ = ({"info": {"personal_data": {"user_id": "delete", "decided_by": "blank"}}},)

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    pref_code: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    code5: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the current request's id and the row's version (bumped on every change): an approval
    # button names both, so approving is a compare-and-set (an old or second click is refused)
    request_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class SurveyResponse(Base):
    """One submission for one municipality; every submission is kept, the latest counts."""

    __tablename__ = "survey_responses"
    __table_args__ = ({"info": {"personal_data": {"submitted_by": "blank"}}},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code5: Mapped[str] = mapped_column(String(5), index=True)
    pref_code: Mapped[str] = mapped_column(String(2), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(16))  # slack | import
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # item id -> scale value (1..4)


class SurveyChannel(Base):
    """The Slack channel a prefecture's digest goes to."""

    __tablename__ = "survey_channels"

    pref_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SurveyMeeting(Base):
    """A 市町村支援策検討会; ``pref_code`` "" means it concerns every prefecture."""

    __tablename__ = "survey_meetings"
    __table_args__ = (
        UniqueConstraint("meeting_date", "pref_code", name="uq_survey_meetings_date_pref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_date: Mapped[date] = mapped_column(Date, index=True)
    pref_code: Mapped[str] = mapped_column(String(2), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DigestSlot(Base):
    """A digest slot per prefecture (``weekly:2026-W49``, ``meeting:2026-12-02``).

    The unique key is what makes a slot post once across restarts, retries and processes.
    """

    __tablename__ = "survey_digest_slots"
    __table_args__ = (
        UniqueConstraint("pref_code", "slot", name="uq_survey_digest_slots_pref_slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pref_code: Mapped[str] = mapped_column(String(2))
    slot: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # posting | posted | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class DigestAttempt(Base):
    """Each try of a slot: when, where, the outcome, and the figures posted (for 「前回比」)."""

    __tablename__ = "survey_digest_attempts"
    __table_args__ = (
        UniqueConstraint("slot_id", "attempt", name="uq_survey_digest_attempts_slot_attempt"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("survey_digest_slots.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # posting | posted | failed
    channel: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# APScheduler 3's SQLAlchemyJobStore table, declared here with APScheduler's own columns so
# the schema (create_all, migrations, schema checks) knows it; APScheduler then finds it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
