"""The reply outbox and versioned registration requests.

``reply_outbox``: every acknowledged Slack event or action the advisor answers, recorded in
the same transaction as its de-duplication claim and kept until its reply has been posted
(status, attempts, the next attempt, a lease, the rendered reply, the posted ts and the last
error id), so a dead worker, a lost database connection or a failed Web API call never loses
an answer and a reply is never posted twice.

``survey_members.request_id`` / ``version``: a registration request's id and the row's
version, carried by the approval button so that approving is a compare-and-set (an old or a
second click approves nothing).

Revision ID: 0004_reply_outbox
Revises: 0003_visit_records
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reply_outbox"
down_revision: str | None = "0003_visit_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX = "reply_outbox"
INDEXES = (
    ("ix_reply_outbox_user_id", ["user_id"]),
    ("ix_reply_outbox_created_at", ["created_at"]),
    ("ix_reply_outbox_due", ["status", "next_attempt_at"]),
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if OUTBOX not in tables:  # else: made by create_all from these models (adopted)
        op.create_table(
            OUTBOX,
            sa.Column("key", sa.String(length=255), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("user_id", sa.String(length=64), nullable=False),
            sa.Column("payload", sa.JSON(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
            sa.Column("lease_owner", sa.String(length=64), nullable=True),
            sa.Column("lease_until", sa.DateTime(), nullable=True),
            sa.Column("reply", sa.JSON(), nullable=True),
            sa.Column("channel", sa.String(length=32), nullable=True),
            sa.Column("post_tries", sa.Integer(), nullable=False),
            sa.Column("posted_ts", sa.String(length=32), nullable=True),
            sa.Column("last_error", sa.String(length=64), nullable=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("key", name="pk_reply_outbox"),
        )
        for name, columns in INDEXES:
            op.create_index(name, OUTBOX, columns, unique=False)
    members = {c["name"] for c in inspector.get_columns("survey_members")}
    if "request_id" not in members:
        with op.batch_alter_table("survey_members") as batch:
            batch.add_column(sa.Column("request_id", sa.String(length=32), nullable=True))
            batch.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("0"))
            )


def downgrade() -> None:
    with op.batch_alter_table("survey_members") as batch:
        batch.drop_column("version")
        batch.drop_column("request_id")
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=OUTBOX)
    op.drop_table(OUTBOX)
