"""Day closings and collaborators' hand-overs.

A day closing: a collector's cash counted by denomination at the end of a day, against the receipts;
one per collector and day on a device. A hand-over: cash a collaborator hands to the point for some of
their receipts, each receipt handed over once. Both append-only like money (a closed day is never
reopened; a correction is a record of a later day).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("day_closings", "handovers", "handover_receipts")
TRIGGERS = tuple(
    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: a correction is a new record'); END"
    for table in TABLES for verb in ("UPDATE", "DELETE")
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
    op.create_table(
        "handovers",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("collaborator_id", sa.Text(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("difference", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint("difference = amount - expected", name=op.f("ck_handovers_difference")),
        sa.CheckConstraint("amount >= 0 AND expected >= 0", name=op.f("ck_handovers_amounts")),
        sa.CheckConstraint("difference = 0 OR trim(reason) <> ''", name=op.f("ck_handovers_reason")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index(op.f("ix_handovers_collaborator_id"), "handovers", ["collaborator_id"], unique=False)
    op.create_table(
        "handover_receipts",
        sa.Column("receipt_id", sa.Text(), nullable=False),
        sa.Column("handover_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"],
                                name=op.f("fk_handover_receipts_handover_id_handovers")),
        sa.ForeignKeyConstraint(["receipt_id"], ["receipts.id"],
                                name=op.f("fk_handover_receipts_receipt_id_receipts")),
        sa.PrimaryKeyConstraint("receipt_id", name=op.f("pk_handover_receipts")),
    )
    op.create_index(op.f("ix_handover_receipts_handover_id"), "handover_receipts", ["handover_id"], unique=False)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for table in TABLES:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{verb}")
    op.drop_index(op.f("ix_handover_receipts_handover_id"), table_name="handover_receipts")
    op.drop_table("handover_receipts")
    op.drop_index(op.f("ix_handovers_collaborator_id"), table_name="handovers")
    op.drop_table("handovers")
    op.drop_table("day_closings")
