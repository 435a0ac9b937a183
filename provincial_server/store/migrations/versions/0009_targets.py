"""Yearly targets per collection point and scheme (participants, and the amount when the plan gives one).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('targets',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scheme IN ('vsi', 'family_hi')", name=op.f('ck_targets_scheme')),
    sa.ForeignKeyConstraint(['point_code'], ['points.code'], name=op.f('fk_targets_point_code_points')),
    sa.PrimaryKeyConstraint('year', 'point_code', 'scheme', name=op.f('pk_targets'))
    )


def downgrade() -> None:
    op.drop_table('targets')
