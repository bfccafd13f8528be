"""Initial schema: conversations, the consultation log, event de-duplication, indicators.

The schema as released before migrations existed. A database created then (tables, but no
``alembic_version``) is adopted by ``hintbot db upgrade``: tables that already exist are kept
as they are, missing ones are created.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tables() -> dict[str, tuple[list[Any], list[tuple[str, str]]]]:
    """Each table's columns/constraints and its (index name, column) pairs."""
    return {
        "conversations": (
            [
                sa.Column("key", sa.String(length=255), nullable=False),
                sa.Column("user_id", sa.String(length=64), nullable=False),
                sa.Column("state", sa.JSON(), nullable=False),
                sa.Column("updated_at", sa.DateTime(), nullable=False),
                sa.PrimaryKeyConstraint("key", name="pk_conversations"),
            ],
            [
                ("ix_conversations_user_id", "user_id"),
                ("ix_conversations_updated_at", "updated_at"),
            ],
        ),
        "consultations": (
            [
                sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                sa.Column("conversation_key", sa.String(length=255), nullable=False),
                sa.Column("user_id", sa.String(length=64), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
                sa.Column("intent", sa.String(length=16), nullable=False),
                sa.Column("confidence", sa.String(length=16), nullable=True),
                sa.Column("card", sa.String(length=8), nullable=True),
                sa.Column("score", sa.Float(), nullable=True),
                sa.Column("scores", sa.JSON(), nullable=False),
                sa.Column("situation", sa.Integer(), nullable=True),
                sa.Column("feedback", sa.String(length=8), nullable=True),
                sa.Column("meta", sa.JSON(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_consultations"),
            ],
            [
                ("ix_consultations_conversation_key", "conversation_key"),
                ("ix_consultations_user_id", "user_id"),
                ("ix_consultations_created_at", "created_at"),
                ("ix_consultations_card", "card"),
            ],
        ),
        "processed_events": (
            [
                sa.Column("key", sa.String(length=255), nullable=False),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.PrimaryKeyConstraint("key", name="pk_processed_events"),
            ],
            [("ix_processed_events_created_at", "created_at")],
        ),
        "analytics_import_batch": (
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("file_name", sa.String(length=500), nullable=False),
                sa.Column("imported_at", sa.DateTime(), nullable=False),
                sa.Column("rows", sa.Integer(), nullable=False),
                sa.Column("sample", sa.Boolean(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_analytics_import_batch"),
            ],
            [],
        ),
        "analytics_indicator_value": (
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("indicator", sa.String(length=64), nullable=False),
                sa.Column("year", sa.Integer(), nullable=False),
                sa.Column("code5", sa.String(length=5), nullable=False),
                sa.Column("area", sa.String(length=100), nullable=False),
                sa.Column("value", sa.Float(), nullable=True),
                sa.Column("sample", sa.Boolean(), nullable=False),
                sa.Column("batch_id", sa.Integer(), nullable=False),
                sa.PrimaryKeyConstraint("id", name="pk_analytics_indicator_value"),
                sa.UniqueConstraint("indicator", "year", "code5", "area", name="uq_ind_value"),
            ],
            [
                ("ix_analytics_indicator_value_indicator", "indicator"),
                ("ix_analytics_indicator_value_batch_id", "batch_id"),
            ],
        ),
    }


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, (items, indexes) in _tables().items():
        if name in existing:
            continue  # created by create_all before migrations existed: keep it and its rows
        op.create_table(name, *items)
        for index, column in indexes:
            op.create_index(index, name, [column], unique=False)


def downgrade() -> None:
    for name in reversed(list(_tables())):
        op.drop_table(name)
