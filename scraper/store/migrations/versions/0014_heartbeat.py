"""Everyday use (issue 26): keyword alerts and history retention per watch, and the daemon's
heartbeat (the dashboard says when no scheduler has been seen).

Revision ID: 0012
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("alert_on", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("keep", sa.String(), nullable=True))
        batch.add_column(sa.Column("keep_checks", sa.Integer(), nullable=True))
    op.create_table(
        "heartbeats",
        sa.Column("owner", sa.String(), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
    with op.batch_alter_table("watches") as batch:
        for column in ("keep_checks", "keep", "alert_on"):
            batch.drop_column(column)
