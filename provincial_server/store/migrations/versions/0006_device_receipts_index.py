"""A device's receipt numbers by index: the highest one the server holds of a device's series, asked for
by a device that restored an older backup.

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '0006'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_payments_device_id_receipt_number'), 'payments', ['device_id', 'receipt_number'])


def downgrade() -> None:
    op.drop_index(op.f('ix_payments_device_id_receipt_number'), table_name='payments')
