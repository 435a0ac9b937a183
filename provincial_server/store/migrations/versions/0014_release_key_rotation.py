"""The handovers of the province's release key (`release-key rotate`): each new key, signed by the one before.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('release_key_handovers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('old_key', sa.LargeBinary(), nullable=False),
    sa.Column('new_key', sa.LargeBinary(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_key_handovers')),
    sa.UniqueConstraint('new_key', name=op.f('uq_release_key_handovers_new_key'))
    )


def downgrade() -> None:
    op.drop_table('release_key_handovers')
