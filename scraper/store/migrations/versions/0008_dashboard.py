"""The dashboard: API tokens for the REST API (only their SHA-256 is stored), and an index for
a watch's newest checks by id (the watch list's status and failure streak, history pages).

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30

The file is named 0008_ for its place in the chain; its revision id stays "0009", which
databases already store in alembic_version (tests/test_migrations.py checks the order).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_checks_watch_id_id", "checks", ["watch_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_checks_watch_id_id", table_name="checks")
    op.drop_table("api_tokens")
