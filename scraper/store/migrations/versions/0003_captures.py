"""Evidence captures, and watches that leave a bundle when a check finds changes.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-30

The file is named 0003_ for its place in the chain; its revision id stays "0005", which
databases already store in alembic_version (tests/test_migrations.py checks the order).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("final_url", sa.String(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("wacz", sa.Text(), nullable=False),
        sa.Column("package_hash", sa.String(), nullable=False),
        sa.Column("datapackage_hash", sa.String(), nullable=False),
        sa.Column("case_name", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("check_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name="fk_captures_check_id_checks", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_captures_case_name_url", "captures", ["case_name", "url"])
    op.create_index("ix_captures_check_id", "captures", ["check_id"])
    with op.batch_alter_table("watches") as batch:
        batch.add_column(
            sa.Column("evidence_on_change", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("evidence_on_change")
    op.drop_index("ix_captures_check_id", table_name="captures")
    op.drop_index("ix_captures_case_name_url", table_name="captures")
    op.drop_table("captures")
