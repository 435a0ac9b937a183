"""Records that came back from the provincial server (a store restored from an older backup, a new
laptop for the point): which, from which batch, and the server's review, so that they show as
delivered without ever going to the outbox again.

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recovered_records",
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("review", sa.Text(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint("review IS NULL OR review IN ('approved', 'rejected')",
                           name=op.f("ck_recovered_records_review")),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_recovered_records")),
    )


def downgrade() -> None:
    op.drop_table("recovered_records")
