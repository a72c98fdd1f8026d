"""Render modes (issue 25): a watch's `render` (auto, always, never; null: its profile's, else
auto) and, on each check, the path that captured its record.

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("render", sa.String(), nullable=True))
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("render_path", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("render_path")
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("render")
