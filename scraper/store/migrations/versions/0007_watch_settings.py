"""Watch settings: tags, the profile file a watch reads, fetch settings and browser steps.

Revision ID: 0007
Revises: 0006
Create Date: 2026-02-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing watches: no tags, a profile by name (or detected), default fetch settings, no steps.
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("profile_file", sa.String(), nullable=True))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("fetch", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("actions", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("actions")
        batch.drop_column("fetch")
        batch.drop_column("tags")
        batch.drop_column("profile_file")
