"""Each point's progress figures for a year, stored under the point's ledger version (raised by whatever
changes them), so that no question computes the whole province.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_versions',
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('point_code', name=op.f('pk_ledger_versions'))
    )
    op.create_table('progress_figures',
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('targets_stamp', sa.Text(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('point_code', 'year', name=op.f('pk_progress_figures'))
    )
    op.create_index(op.f('ix_payments_record_id'), 'payments', ['record_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_payments_record_id'), table_name='payments')
    op.drop_table('progress_figures')
    op.drop_table('ledger_versions')
