"""Initial health-care facilities (nơi đăng ký KCB ban đầu) pulled from the server; each person's chosen one.

`people.hi_facility_code` is added with a plain ALTER TABLE (nullable, no constraint), so the people
table and its FTS triggers are not rebuilt.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facilities",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_facilities")),
    )
    op.create_index(op.f("ix_facilities_province_code_code"), "facilities", ["province_code", "code"], unique=False)
    op.add_column("people", sa.Column("hi_facility_code", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "hi_facility_code")  # ALTER TABLE DROP COLUMN (SQLite 3.35+): no rebuild
    op.drop_index(op.f("ix_facilities_province_code_code"), table_name="facilities")
    op.drop_table("facilities")
