"""Signing in: wrong passwords counted, a lock's end, and the last sign-in (the user the window offers first).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch.add_column(sa.Column("locked_until", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_sign_in_at", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_sign_in_at")
        batch.drop_column("locked_until")
        batch.drop_column("failed_sign_ins")
