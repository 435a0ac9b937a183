"""Initial health-care facilities (nơi đăng ký KCB ban đầu): the list devices pull through the changes feed,
a new kind of change for it, and each family HI payment item's facility code.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('changes') as batch:
        batch.drop_constraint(op.f('ck_changes_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_changes_kind'), "kind IN ('decision', 'policy', 'facility')")
    with op.batch_alter_table('payment_items') as batch:
        batch.add_column(sa.Column('facility_code', sa.String(length=20), nullable=True))
    op.create_table('facilities',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_facilities_change_id_changes')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_facilities')),
    sa.UniqueConstraint('change_id', name=op.f('uq_facilities_change_id'))
    )


def downgrade() -> None:
    op.drop_table('facilities')
    with op.batch_alter_table('payment_items') as batch:
        batch.drop_column('facility_code')
    op.execute("DELETE FROM changes WHERE kind = 'facility'")
    with op.batch_alter_table('changes') as batch:
        batch.drop_constraint(op.f('ck_changes_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_changes_kind'), "kind IN ('decision', 'policy')")
