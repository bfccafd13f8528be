"""Visit records: prefecture and bureau staff's notes of visits to a municipality (a future
date is a planned visit), kept so they outlive staff transfers and go into the next brief.

Revision ID: 0003_visit_records
Revises: 0002_survey
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_visit_records"
down_revision: str | None = "0002_survey"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_visit_records_code5", "code5"),
    ("ix_visit_records_pref_code", "pref_code"),
    ("ix_visit_records_visit_date", "visit_date"),
)


def upgrade() -> None:
    if "visit_records" in sa.inspect(op.get_bind()).get_table_names():
        return  # a database made by create_all from these models (adopted by db upgrade)
    op.create_table(
        "visit_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code5", sa.String(length=5), nullable=False),
        sa.Column("pref_code", sa.String(length=2), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_via", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_visit_records"),
    )
    for name, column in INDEXES:
        op.create_index(name, "visit_records", [column], unique=False)


def downgrade() -> None:
    for name, _column in reversed(INDEXES):
        op.drop_index(name, table_name="visit_records")
    op.drop_table("visit_records")
