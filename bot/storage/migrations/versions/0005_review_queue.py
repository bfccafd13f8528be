"""The review queue: what users asked and the bot could not serve, grouped for reviewers, and
their assignments (a wording's card and situation, or off-topic) that every process follows.

``review_candidates`` (a group of near-duplicate wordings and its decision),
``review_sources`` (one consultation each: its text, why it is queued, the bot's ranking and the
user's pick; personal data, deleted by forget-user and after the retention period),
``review_assignments`` (the wording, card, situation, who, when, from which candidate, its
measured effect, and its undo), ``review_corrections`` (a 「ちがう」 that took back a card read
from words) and ``review_state`` (the assignments' version every process polls, and the
collection watermark).

Revision ID: 0005_review_queue
Revises: 0004_reply_outbox
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0005_review_queue"
down_revision: str | None = "0004_reply_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tables() -> dict[str, tuple[list[SchemaItem], list[tuple[str, str]]]]:
    """Each table's columns/constraints and its (index name, column) pairs, in creation order."""
    return {
        "review_candidates": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("status", sa.String(length=16), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("updated_at", sa.DateTime(), nullable=False),
                sa.Column("decided_at", sa.DateTime(), nullable=True),
                sa.Column("decided_by", sa.String(length=64), nullable=True),
                sa.PrimaryKeyConstraint("id", name="pk_review_candidates"),
            ],
            [("ix_review_candidates_status", "status")],
        ),
        "review_sources": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("candidate_id", sa.Integer(), nullable=False),
                sa.Column("consultation_id", sa.Integer(), nullable=False),
                sa.Column("user_id", sa.String(length=64), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
                sa.Column("reason", sa.String(length=16), nullable=False),
                sa.Column("cards", sa.JSON(), nullable=False),
                sa.Column("picked", sa.String(length=8), nullable=True),
                sa.Column("rejected", sa.String(length=8), nullable=True),
                sa.ForeignKeyConstraint(
                    ["candidate_id"],
                    ["review_candidates.id"],
                    name="fk_review_sources_candidate_id_review_candidates",
                    ondelete="CASCADE",
                ),
                sa.PrimaryKeyConstraint("id", name="pk_review_sources"),
                sa.UniqueConstraint("consultation_id", name="uq_review_sources_consultation_id"),
            ],
            [
                ("ix_review_sources_candidate_id", "candidate_id"),
                ("ix_review_sources_user_id", "user_id"),
                ("ix_review_sources_created_at", "created_at"),
            ],
        ),
        "review_assignments": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("candidate_id", sa.Integer(), nullable=True),
                sa.Column("text", sa.Text(), nullable=False),
                sa.Column("card", sa.String(length=8), nullable=True),
                sa.Column("situation", sa.Integer(), nullable=True),
                sa.Column("assigned_by", sa.String(length=64), nullable=True),
                sa.Column("assigned_at", sa.DateTime(), nullable=False),
                sa.Column("undone_at", sa.DateTime(), nullable=True),
                sa.Column("undone_by", sa.String(length=64), nullable=True),
                sa.Column("effect", sa.JSON(), nullable=False),
                sa.ForeignKeyConstraint(
                    ["candidate_id"],
                    ["review_candidates.id"],
                    name="fk_review_assignments_candidate_id_review_candidates",
                    ondelete="SET NULL",
                ),
                sa.PrimaryKeyConstraint("id", name="pk_review_assignments"),
            ],
            [
                ("ix_review_assignments_candidate_id", "candidate_id"),
                ("ix_review_assignments_assigned_at", "assigned_at"),
            ],
        ),
        "review_corrections": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("consultation_id", sa.Integer(), nullable=False),
                sa.Column("user_id", sa.String(length=64), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("card", sa.String(length=8), nullable=True),
                sa.PrimaryKeyConstraint("id", name="pk_review_corrections"),
            ],
            [
                ("ix_review_corrections_consultation_id", "consultation_id"),
                ("ix_review_corrections_user_id", "user_id"),
                ("ix_review_corrections_created_at", "created_at"),
            ],
        ),
        "review_state": (
            [
                sa.Column("name", sa.String(length=32), nullable=False),
                sa.Column("value", sa.Integer(), nullable=False),
                sa.PrimaryKeyConstraint("name", name="pk_review_state"),
            ],
            [],
        ),
    }


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, (items, indexes) in _tables().items():
        if name in existing:
            continue  # a database made by create_all from these models (adopted by db upgrade)
        op.create_table(name, *items)
        for index, column in indexes:
            op.create_index(index, name, [column], unique=False)


def downgrade() -> None:
    for name, (_items, indexes) in reversed(_tables().items()):
        for index, _column in reversed(indexes):
            op.drop_index(index, table_name=name)
        op.drop_table(name)
