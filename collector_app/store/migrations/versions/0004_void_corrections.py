"""Corrections of voids the server refused: a new reason for the same void, append-only like money.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "void_corrections are append-only: correct a void again instead"
TRIGGERS = tuple(
    f"CREATE TRIGGER void_corrections_no_{verb.lower()} BEFORE {verb} ON void_corrections "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)


def upgrade() -> None:
    op.create_table(
        "void_corrections",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("void_id", sa.Text(), nullable=False),
        sa.Column("corrects", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint("trim(reason) <> ''", name=op.f("ck_void_corrections_reason")),
        sa.ForeignKeyConstraint(["void_id"], ["voids.id"], name=op.f("fk_void_corrections_void_id_voids")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_void_corrections")),
        sa.UniqueConstraint("corrects", name=op.f("uq_void_corrections_corrects")),
    )
    op.create_index(op.f("ix_void_corrections_void_id"), "void_corrections", ["void_id"], unique=False)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER void_corrections_no_{verb}")
    op.drop_index(op.f("ix_void_corrections_void_id"), table_name="void_corrections")
    op.drop_table("void_corrections")
