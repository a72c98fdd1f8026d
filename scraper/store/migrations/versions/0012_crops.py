"""Pictures of changed items: a watch's `screenshots` option, the crops (content-addressed), which
check and item each shows, and each watch's last screenshot with its items' boxes.

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(
            sa.Column("screenshots", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "crops",
        sa.Column("hash", sa.String(), primary_key=True),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "check_crops",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("check_id", sa.Integer(), sa.ForeignKey("checks.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("crop_hash", sa.String(), sa.ForeignKey("crops.hash"), nullable=False),
        sa.Column("box", sa.JSON(), nullable=False),
    )
    op.create_index("ix_check_crops_check_id", "check_crops", ["check_id"])
    op.create_index("ix_check_crops_crop_hash", "check_crops", ["crop_hash"])
    op.create_table(
        "screens",
        sa.Column("watch_id", sa.Integer(), sa.ForeignKey("watches.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("check_id", sa.Integer(), nullable=True),
        sa.Column("signature", sa.String(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("boxes", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("screens")
    op.drop_index("ix_check_crops_crop_hash", table_name="check_crops")
    op.drop_index("ix_check_crops_check_id", table_name="check_crops")
    op.drop_table("check_crops")
    op.drop_table("crops")
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("screenshots")
