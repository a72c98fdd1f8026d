"""A check's kept-session note (--keep-session) and a watch's own selectors (--select).

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("session", sa.String(), nullable=True))
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("select", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("select")
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("session")
