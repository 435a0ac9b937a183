"""Each device's money chain: the head its next batch must continue from, and the entries accepted.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('device_chains',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_device_chains_batch_id_batches')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_chains_device_id_devices')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_device_chains'))
    )
    op.create_table('chain_entries',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('entry', sa.Text(), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_chain_entries_batch_id_batches')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_chain_entries_device_id_devices')),
    sa.PrimaryKeyConstraint('device_id', 'seq', name=op.f('pk_chain_entries'))
    )
    op.create_index(op.f('ix_chain_entries_device_id_record_id'), 'chain_entries', ['device_id', 'record_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_chain_entries_device_id_record_id'), table_name='chain_entries')
    op.drop_table('chain_entries')
    op.drop_table('device_chains')
