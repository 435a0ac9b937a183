"""Day closings: a collector's cash counted by denomination at the end of a day, against the receipts.

Append-only like money (a closed day is never reopened; a correction is a record of a later day), one
per collector and day on a device.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "day_closings are append-only: a closed day is corrected on a later day"
TRIGGERS = tuple(
    f"CREATE TRIGGER day_closings_no_{verb.lower()} BEFORE {verb} ON day_closings "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)


def upgrade() -> None:
    op.create_table(
        "day_closings",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Text(), nullable=False),
        sa.Column("day_start", sa.Text(), nullable=False),
        sa.Column("day_end", sa.Text(), nullable=False),
        sa.Column("expected_cash", sa.Integer(), nullable=False),
        sa.Column("counted_cash", sa.Integer(), nullable=False),
        sa.Column("difference", sa.Integer(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint("difference = counted_cash - expected_cash", name=op.f("ck_day_closings_difference")),
        sa.CheckConstraint("counted_cash >= 0 AND expected_cash >= 0 AND transfers >= 0",
                           name=op.f("ck_day_closings_amounts")),
        sa.CheckConstraint("difference = 0 OR trim(reason) <> ''", name=op.f("ck_day_closings_reason")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_closings")),
        sa.UniqueConstraint("created_by", "closed_on", name=op.f("uq_day_closings_created_by_closed_on")),
    )
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER day_closings_no_{verb}")
    op.drop_table("day_closings")
