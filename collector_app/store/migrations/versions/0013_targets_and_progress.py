"""This point's yearly targets, pulled through the changes feed, and the last progress figures the server
gave, kept for when the server cannot be reached.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.CheckConstraint("scheme IN ('vsi', 'family_hi')", name=op.f("ck_targets_scheme")),
        sa.PrimaryKeyConstraint("year", "scheme", name=op.f("pk_targets")),
    )
    op.create_table(
        "progress_figures",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_progress_figures")),
    )


def downgrade() -> None:
    op.drop_table("progress_figures")
    op.drop_table("targets")
