"""Devices: when their token was first used, when they were last seen, when they were revoked; failed
supervisor logins (throttling).

Devices enrolled before this revision count as having used their token: an enrolment from before
cannot be asked for again, only replaced with a new code.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('devices') as batch:
        batch.add_column(sa.Column('token_used_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text('UPDATE devices SET token_used_at = enrolled_at'))
    op.create_table('login_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index(op.f('ix_login_failures_failed_at'), 'login_failures', ['failed_at'], unique=False)
    op.create_index(op.f('ix_login_failures_username_failed_at'), 'login_failures', ['username', 'failed_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_failures_username_failed_at'), table_name='login_failures')
    op.drop_index(op.f('ix_login_failures_failed_at'), table_name='login_failures')
    op.drop_table('login_failures')
    with op.batch_alter_table('devices') as batch:
        batch.drop_column('revoked_at')
        batch.drop_column('last_seen_at')
        batch.drop_column('token_used_at')
