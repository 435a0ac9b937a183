"""Visit rounds and their visits handed to a point's other devices: a "round" change of the point for each,
pointing at the batch record that carried it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('changes') as batch:
        batch.drop_constraint(op.f('ck_changes_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_changes_kind'),
                                      "kind IN ('decision', 'policy', 'facility', 'target', 'round')")
    op.create_table('round_notices',
    sa.Column('change_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['batch_id', 'position'], ['batch_records.batch_id', 'batch_records.position'],
                            name=op.f('fk_round_notices_batch_id_batch_records')),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_round_notices_change_id_changes')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_round_notices_device_id_devices')),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_round_notices'))
    )


def downgrade() -> None:
    op.drop_table('round_notices')
    op.execute("DELETE FROM changes WHERE kind = 'round'")
    with op.batch_alter_table('changes') as batch:
        batch.drop_constraint(op.f('ck_changes_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_changes_kind'), "kind IN ('decision', 'policy', 'facility', 'target')")
