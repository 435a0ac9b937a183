"""Device identity (codes, point name, Ed25519 keys), supported months per payment item, reprints.

Columns are added with plain ALTER TABLE ADD COLUMN (nullable, so no table is rebuilt and the
append-only triggers stay in place); `reprints` is new and append-only like the other money tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("devices", sa.Column("device_code", sa.Text(), nullable=True))
    op.add_column("devices", sa.Column("collection_point_name", sa.Text(), nullable=True))
    op.add_column("devices", sa.Column("public_key", sa.LargeBinary(), nullable=True))
    op.add_column("devices", sa.Column("private_key", sa.LargeBinary(), nullable=True))
    op.add_column("payment_items", sa.Column("supported_months", sa.Integer(), nullable=True))
    op.create_table(
        "reprints",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("receipt_id", sa.Text(), nullable=False),
        sa.Column("copy_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.CheckConstraint("copy_number >= 1", name=op.f("ck_reprints_copy_number")),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], name=op.f("fk_reprints_receipt_id_receipts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reprints")),
        sa.UniqueConstraint("receipt_id", "copy_number", name=op.f("uq_reprints_receipt_id_copy_number")),
    )
    message = "reprints are append-only: record a void instead"
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER reprints_no_{verb.lower()} BEFORE {verb} ON reprints "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def downgrade() -> None:
    op.drop_table("reprints")  # drops its triggers too
    # SQLite's own DROP COLUMN (3.35+), not a batch rebuild: a rebuilt payment_items would lose
    # its append-only triggers.
    op.execute("ALTER TABLE payment_items DROP COLUMN supported_months")
    for column in ("private_key", "public_key", "collection_point_name", "device_code"):
        op.execute(f"ALTER TABLE devices DROP COLUMN {column}")
