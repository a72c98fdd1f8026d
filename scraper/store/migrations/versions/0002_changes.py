"""Changes found by checks, the confirmation state of each watch, and the indexes checks need.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-19
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name="fk_changes_check_id_checks", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name="fk_changes_watch_id_watches", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_changes_check_id", "changes", ["check_id"])
    op.create_index("ix_changes_watch_id", "changes", ["watch_id"])
    op.create_index("ix_checks_watch_id_started_at", "checks", ["watch_id", "started_at"])
    op.create_index("ix_checks_snapshot_hash", "checks", ["snapshot_hash"])
    # Existing watches start unconfirmed: no base yet, nothing pending.
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("base_check_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pending_hash", sa.String(), nullable=True))
        batch.add_column(
            sa.Column("pending_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_foreign_key(
            "fk_watches_base_check_id_checks",
            "checks",
            ["base_check_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_constraint("fk_watches_base_check_id_checks", type_="foreignkey")
        batch.drop_column("pending_count")
        batch.drop_column("pending_hash")
        batch.drop_column("base_check_id")
    op.drop_index("ix_checks_snapshot_hash", table_name="checks")
    op.drop_index("ix_checks_watch_id_started_at", table_name="checks")
    op.drop_index("ix_changes_watch_id", table_name="changes")
    op.drop_index("ix_changes_check_id", table_name="changes")
    op.drop_table("changes")
