"""The daemon's per-watch settings: active window, jitter, per-host gap and cap.

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-30

The file is named 0009_ for its place in the chain; its revision id stays "0008", which
databases already store in alembic_version (tests/test_migrations.py checks the order).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("active_window", sa.String(), nullable=True))
        batch.add_column(sa.Column("jitter", sa.Float(), nullable=True))
        batch.add_column(sa.Column("host_gap", sa.Float(), nullable=True))
        batch.add_column(sa.Column("host_cap", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        for column in ("host_cap", "host_gap", "jitter", "active_window"):
            batch.drop_column(column)
