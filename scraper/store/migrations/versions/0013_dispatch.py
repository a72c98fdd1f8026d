"""Scale-out: the dispatch id of a check run by a Dramatiq worker (unique: one row per dispatch),
and the text of a watch's profile file (a worker on another machine has no such file).

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-05

Revision "0009" is taken (0008_dashboard.py), hence "0010" after the head "0008".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("dispatch_id", sa.String(), nullable=True))
        batch.create_unique_constraint("uq_checks_dispatch_id", ["dispatch_id"])
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("profile_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("profile_text")
    with op.batch_alter_table("checks") as batch:
        batch.drop_constraint("uq_checks_dispatch_id", type_="unique")
        batch.drop_column("dispatch_id")
