"""Check now through the scheduler (issue 22): the dashboard's and the API's manual checks in
distributed mode are requests the active scheduler admits within its limits.

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("watch_id", sa.Integer(), sa.ForeignKey("watches.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'skipped')",
                           name="ck_check_requests_state"),
    )
    op.create_index("ix_check_requests_state", "check_requests", ["state"])
    op.create_index("ix_check_requests_watch_id", "check_requests", ["watch_id"])


def downgrade() -> None:
    op.drop_index("ix_check_requests_watch_id", "check_requests")
    op.drop_index("ix_check_requests_state", "check_requests")
    op.drop_table("check_requests")
