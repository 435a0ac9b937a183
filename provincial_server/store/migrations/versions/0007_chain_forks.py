"""A device's money chain may fork at a restore: the forks, kept for supervisors, and entries keyed by
hash so that both branches are kept (nothing the server accepted is dropped).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chain_forks',
    sa.Column('fork_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('from_seq', sa.BigInteger(), nullable=False),
    sa.Column('from_hash', sa.String(length=64), nullable=False),
    sa.Column('replaced_seq', sa.BigInteger(), nullable=False),
    sa.Column('replaced_head', sa.String(length=64), nullable=False),
    sa.Column('restored_hash', sa.String(length=64), nullable=False),
    sa.Column('restored_entry', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_chain_forks_batch_id_batches')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_chain_forks_device_id_devices')),
    sa.PrimaryKeyConstraint('fork_id', name=op.f('pk_chain_forks'))
    )
    op.create_index(op.f('ix_chain_forks_device_id'), 'chain_forks', ['device_id'], unique=False)
    with op.batch_alter_table('chain_entries') as batch:
        batch.drop_constraint('pk_chain_entries', type_='primary')
        batch.create_primary_key('pk_chain_entries', ['device_id', 'hash'])
        batch.create_index(batch.f('ix_chain_entries_device_id_seq'), ['device_id', 'seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chain_entries') as batch:
        batch.drop_index(batch.f('ix_chain_entries_device_id_seq'))
        batch.drop_constraint('pk_chain_entries', type_='primary')
        batch.create_primary_key('pk_chain_entries', ['device_id', 'seq'])
    op.drop_index(op.f('ix_chain_forks_device_id'), table_name='chain_forks')
    op.drop_table('chain_forks')
