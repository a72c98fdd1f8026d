"""Classified failures (checks.error_kind) and the lease that serialises checks of one watch.

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-30

The file is named 0005_ for its place in the chain; its revision id stays "0003", which
databases already store in alembic_version (tests/test_migrations.py checks the order).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("error_kind", sa.String(), nullable=True))
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("error_kind")
