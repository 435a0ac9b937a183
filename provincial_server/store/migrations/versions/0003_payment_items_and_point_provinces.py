"""Who each payment covers (payment_items), the household and province of residence of each payment,
and the province of each collection point: what the server checks later payments against.

Payments received before this revision get their items from the payload their batch carried.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM_COLUMNS = ('payment_id', 'position', 'person_key', 'period_start', 'period_end', 'months', 'supported_months')


def upgrade() -> None:
    with op.batch_alter_table('points') as batch:
        batch.add_column(sa.Column('province_code', sa.String(length=2), nullable=True))
    with op.batch_alter_table('payments') as batch:
        batch.add_column(sa.Column('household_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('residence_province', sa.String(length=2), nullable=True))
    items = op.create_table('payment_items',
    sa.Column('payment_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('person_key', sa.String(length=36), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('supported_months', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.payment_id'],
                            name=op.f('fk_payment_items_payment_id_payments')),
    sa.PrimaryKeyConstraint('payment_id', 'position', name=op.f('pk_payment_items'))
    )
    op.create_index(op.f('ix_payment_items_person_key'), 'payment_items', ['person_key'], unique=False)
    _items_of_earlier_payments(items)


def _items_of_earlier_payments(items: sa.Table) -> None:
    """Items (and household) of the payments already in the ledger, read from the payload that delivered each."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT p.payment_id, r.payload FROM payments AS p "
        "JOIN batch_records AS r ON r.batch_id = p.batch_id AND r.record_id = p.record_id "
        "WHERE r.payload IS NOT NULL"
    )).all()
    for payment_id, text in rows:
        payload = json.loads(text)
        household = payload.get('household_id')
        if household is not None:
            connection.execute(sa.text("UPDATE payments SET household_id = :household WHERE payment_id = :id"),
                               {"household": household, "id": payment_id})
        values = [
            dict(zip(_ITEM_COLUMNS, (
                payment_id, position, item.get('citizen_id') or item['person_id'],
                date.fromisoformat(item['period_start']), date.fromisoformat(item['period_end']), item['months'],
                item.get('supported_months'),
            ), strict=True))
            for position, item in enumerate(payload['items'])
        ]
        if values:
            connection.execute(items.insert(), values)


def downgrade() -> None:
    op.drop_index(op.f('ix_payment_items_person_key'), table_name='payment_items')
    op.drop_table('payment_items')
    with op.batch_alter_table('payments') as batch:
        batch.drop_column('residence_province')
        batch.drop_column('household_id')
    with op.batch_alter_table('points') as batch:
        batch.drop_column('province_code')
