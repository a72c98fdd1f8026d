"""Initial schema: watches, the checks run on them, the snapshots they captured.

Revision ID: 0001
Revises:
Create Date: 2026-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("profile", sa.String(), nullable=True),
        sa.Column("schedule_kind", sa.String(), nullable=True),
        sa.Column("schedule", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("notify_on", sa.JSON(), nullable=True),
        sa.Column("ignore", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("normalise", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("confirm", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_watches_name"),
        sa.CheckConstraint(
            "schedule_kind IN ('interval', 'cron')", name="ck_watches_schedule_kind"
        ),
        sa.CheckConstraint("confirm >= 1", name="ck_watches_confirm"),
    )
    op.create_table(
        "snapshots",
        sa.Column("hash", sa.String(), primary_key=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("snapshot_hash", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("final_url", sa.String(), nullable=True),
        sa.Column("profile", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name="fk_checks_watch_id_watches", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_hash"], ["snapshots.hash"], name="fk_checks_snapshot_hash_snapshots"
        ),
        sa.CheckConstraint("status IN ('ok', 'failed', 'mismatch')", name="ck_checks_status"),
    )


def downgrade() -> None:
    op.drop_table("checks")
    op.drop_table("snapshots")
    op.drop_table("watches")
