"""Each check keeps the warnings of its capture (a thread that may be partial), so a partial thread
is never reported as removed comments, and a person can see why.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Checks made before this revision said nothing: no warnings.
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("warnings")
