"""Visit rounds for collaborators: a round, its households and members as priced the day it was made,
the visits marked on them, and the receipts a collaborator's device reported for the round's people.

A round and its snapshot are append-only (a round is never edited: a new one is made); a visit is a
new row each time (the latest of a household is its state). `round_receipts` is a copy of what the
collaborator's device holds (its results file): a later file replaces a receipt's row (a void).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("rounds", "round_households", "round_members", "round_visits")
TRIGGERS = tuple(
    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: a correction is a new record'); END"
    for table in TABLES for verb in ("UPDATE", "DELETE")
)
OUTCOMES = "outcome IN ('paid', 'not_at_home', 'will_pay_later', 'refused')"


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("point_code", sa.Text(), nullable=False),
        sa.Column("origin_device_id", sa.Text(), nullable=False),
        sa.Column("origin_public_key", sa.Text(), nullable=False),
        sa.Column("collaborator", sa.Text(), nullable=False),
        sa.Column("collaborator_name", sa.Text(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_rounds_number")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("origin_device_id", "number", name=op.f("uq_rounds_origin_device_id_number")),
    )
    op.create_table(
        "round_households",
        sa.Column("round_id", sa.Text(), nullable=False),
        sa.Column("household_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("household_code", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_round_households_round_id_rounds")),
        sa.PrimaryKeyConstraint("round_id", "household_id", name=op.f("pk_round_households")),
    )
    op.create_table(
        "round_members",
        sa.Column("round_id", sa.Text(), nullable=False),
        sa.Column("household_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("citizen_id", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("pay_by", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("scheme IN ('vsi', 'family_hi')", name=op.f("ck_round_members_scheme")),
        sa.CheckConstraint("amount >= 0 AND months > 0", name=op.f("ck_round_members_amount")),
        sa.ForeignKeyConstraint(["round_id", "household_id"], ["round_households.round_id",
                                                               "round_households.household_id"],
                                name=op.f("fk_round_members_round_id_round_households")),
        sa.PrimaryKeyConstraint("round_id", "person_id", "scheme", name=op.f("pk_round_members")),
    )
    op.create_index(op.f("ix_round_members_person_id"), "round_members", ["person_id"], unique=False)
    op.create_table(
        "round_visits",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("round_id", sa.Text(), nullable=False),
        sa.Column("household_id", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("visited_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint(OUTCOMES, name=op.f("ck_round_visits_outcome")),
        sa.ForeignKeyConstraint(["round_id", "household_id"], ["round_households.round_id",
                                                               "round_households.household_id"],
                                name=op.f("fk_round_visits_round_id_round_households")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_visits")),
    )
    op.create_index(op.f("ix_round_visits_round_id"), "round_visits", ["round_id"], unique=False)
    op.create_table(
        "round_receipts",
        sa.Column("receipt_number", sa.Text(), nullable=False),
        sa.Column("round_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_round_receipts_amount")),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_round_receipts_round_id_rounds")),
        sa.PrimaryKeyConstraint("receipt_number", "person_id", name=op.f("pk_round_receipts")),
    )
    op.create_index(op.f("ix_round_receipts_round_id"), "round_receipts", ["round_id"], unique=False)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for table in TABLES:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{verb}")
    op.drop_index(op.f("ix_round_receipts_round_id"), table_name="round_receipts")
    op.drop_table("round_receipts")
    op.drop_index(op.f("ix_round_visits_round_id"), table_name="round_visits")
    op.drop_table("round_visits")
    op.drop_index(op.f("ix_round_members_person_id"), table_name="round_members")
    op.drop_table("round_members")
    op.drop_table("round_households")
    op.drop_table("rounds")
