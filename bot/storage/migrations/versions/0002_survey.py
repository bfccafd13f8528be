"""Survey: the member registry, answers (history), digest channels, 検討会 dates, digest slots
and attempts, and APScheduler's job table for ``hintbot clock``.

``apscheduler_jobs`` has the columns APScheduler 3's SQLAlchemyJobStore uses, so the clock finds
it and the schema check knows it.

Revision ID: 0002_survey
Revises: 0001_initial
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0002_survey"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tables() -> dict[str, tuple[list[SchemaItem], list[tuple[str, str]]]]:
    """Each table's columns/constraints and its (index name, column) pairs, in creation order."""
    return {
        "survey_members": (
            [
                sa.Column("user_id", sa.String(length=64), nullable=False),
                sa.Column("role", sa.String(length=16), nullable=False),
                sa.Column("is_admin", sa.Boolean(), nullable=False),
                sa.Column("pref_code", sa.String(length=2), nullable=True),
                sa.Column("code5", sa.String(length=5), nullable=True),
                sa.Column("status", sa.String(length=16), nullable=False),
                sa.Column("requested_at", sa.DateTime(), nullable=False),
                sa.Column("decided_at", sa.DateTime(), nullable=True),
                sa.Column("decided_by", sa.String(length=64), nullable=True),
                sa.PrimaryKeyConstraint("user_id", name="pk_survey_members"),
            ],
            [
                ("ix_survey_members_pref_code", "pref_code"),
                ("ix_survey_members_code5", "code5"),
            ],
        ),
        "survey_responses": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("code5", sa.String(length=5), nullable=False),
                sa.Column("pref_code", sa.String(length=2), nullable=False),
                sa.Column("submitted_at", sa.DateTime(), nullable=False),
                sa.Column("submitted_by", sa.String(length=64), nullable=True),
                sa.Column("source", sa.String(length=16), nullable=False),
                sa.Column("file_name", sa.String(length=255), nullable=True),
                sa.Column("sample", sa.Boolean(), nullable=False),
                sa.Column("answers", sa.JSON(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
            ],
            [
                ("ix_survey_responses_code5", "code5"),
                ("ix_survey_responses_pref_code", "pref_code"),
                ("ix_survey_responses_submitted_at", "submitted_at"),
            ],
        ),
        "survey_channels": (
            [
                sa.Column("pref_code", sa.String(length=2), nullable=False),
                sa.Column("channel_id", sa.String(length=32), nullable=False),
                sa.Column("updated_at", sa.DateTime(), nullable=False),
                sa.PrimaryKeyConstraint("pref_code", name="pk_survey_channels"),
            ],
            [],
        ),
        "survey_meetings": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("meeting_date", sa.Date(), nullable=False),
                sa.Column("pref_code", sa.String(length=2), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_survey_meetings"),
                sa.UniqueConstraint(
                    "meeting_date", "pref_code", name="uq_survey_meetings_date_pref"
                ),
            ],
            [("ix_survey_meetings_meeting_date", "meeting_date")],
        ),
        "survey_digest_slots": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("pref_code", sa.String(length=2), nullable=False),
                sa.Column("slot", sa.String(length=32), nullable=False),
                sa.Column("status", sa.String(length=16), nullable=False),
                sa.Column("attempts", sa.Integer(), nullable=False),
                sa.Column("updated_at", sa.DateTime(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_survey_digest_slots"),
                sa.UniqueConstraint("pref_code", "slot", name="uq_survey_digest_slots_pref_slot"),
            ],
            [],
        ),
        "survey_digest_attempts": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("slot_id", sa.Integer(), nullable=False),
                sa.Column("attempt", sa.Integer(), nullable=False),
                sa.Column("forced", sa.Boolean(), nullable=False),
                sa.Column("status", sa.String(length=16), nullable=False),
                sa.Column("channel", sa.String(length=32), nullable=False),
                sa.Column("started_at", sa.DateTime(), nullable=False),
                sa.Column("finished_at", sa.DateTime(), nullable=True),
                sa.Column("ts", sa.String(length=32), nullable=True),
                sa.Column("error", sa.Text(), nullable=True),
                sa.Column("snapshot", sa.JSON(), nullable=True),
                sa.ForeignKeyConstraint(
                    ["slot_id"],
                    ["survey_digest_slots.id"],
                    name="fk_survey_digest_attempts_slot_id_survey_digest_slots",
                ),
                sa.PrimaryKeyConstraint("id", name="pk_survey_digest_attempts"),
                sa.UniqueConstraint(
                    "slot_id", "attempt", name="uq_survey_digest_attempts_slot_attempt"
                ),
            ],
            [
                ("ix_survey_digest_attempts_slot_id", "slot_id"),
                ("ix_survey_digest_attempts_started_at", "started_at"),
            ],
        ),
        "apscheduler_jobs": (
            [
                sa.Column("id", sa.Unicode(length=191), nullable=False),
                sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
                sa.Column("job_state", sa.LargeBinary(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_apscheduler_jobs"),
            ],
            [("ix_apscheduler_jobs_next_run_time", "next_run_time")],
        ),
    }


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, (items, indexes) in _tables().items():
        if name in existing:
            continue  # e.g. apscheduler_jobs created by an earlier clock process
        op.create_table(name, *items)
        for index, column in indexes:
            op.create_index(index, name, [column], unique=False)


def downgrade() -> None:
    for name in reversed(list(_tables())):
        op.drop_table(name)
