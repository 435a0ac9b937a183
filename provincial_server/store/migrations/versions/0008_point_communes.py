"""Supervisors' review: points' communes, the decided count of each batch and the indexes of the review
list, decisions that name the one they supersede, and a guard that makes decisions append-only.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSAL = "decisions are append-only: a decision is superseded by a new one, never changed or deleted"

# The guard lives in the database, so that no code path (nor an administrator's stray statement) can
# edit the supervisors' audit trail.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER decisions_no_{verb.lower()} BEFORE {verb} ON decisions "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRESQL_GUARD = [
    "CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$",
    "CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON decisions "
    "FOR EACH STATEMENT EXECUTE FUNCTION decisions_append_only()",
]


def upgrade() -> None:
    op.add_column('points', sa.Column('commune_code', sa.String(5)))
    with op.batch_alter_table('batches') as batch:
        batch.add_column(sa.Column('decided', sa.Integer(), server_default='0', nullable=False))
        batch.create_index(batch.f('ix_batches_received_at_batch_id'), ['received_at', 'batch_id'], unique=False)
        batch.create_index(batch.f('ix_batches_device_id_received_at'), ['device_id', 'received_at'], unique=False)
        batch.create_index(batch.f('ix_batches_total_amount_batch_id'), ['total_amount', 'batch_id'], unique=False)
        batch.create_index(batch.f('ix_batches_pending_review_batch_id'), ['pending_review', 'batch_id'],
                           unique=False)
    op.execute(
        "UPDATE batches SET decided = (SELECT count(*) FROM batch_records r WHERE r.batch_id = batches.batch_id "
        "AND r.review IN ('approved', 'rejected'))"
    )
    with op.batch_alter_table('decisions') as batch:
        batch.add_column(sa.Column('supersedes', sa.BigInteger(), nullable=True))
        batch.create_foreign_key(batch.f('fk_decisions_supersedes_changes'), 'changes', ['supersedes'], ['id'])
        batch.create_index(batch.f('ix_decisions_batch_id'), ['batch_id'], unique=False)
    statements = _POSTGRESQL_GUARD if op.get_context().dialect.name == 'postgresql' else _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER decisions_append_only ON decisions")
        op.execute("DROP FUNCTION decisions_append_only()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER decisions_no_{verb}")
    with op.batch_alter_table('decisions') as batch:
        batch.drop_index(batch.f('ix_decisions_batch_id'))
        batch.drop_constraint(batch.f('fk_decisions_supersedes_changes'), type_='foreignkey')
        batch.drop_column('supersedes')
    with op.batch_alter_table('batches') as batch:
        batch.drop_index(batch.f('ix_batches_pending_review_batch_id'))
        batch.drop_index(batch.f('ix_batches_total_amount_batch_id'))
        batch.drop_index(batch.f('ix_batches_device_id_received_at'))
        batch.drop_index(batch.f('ix_batches_received_at_batch_id'))
        batch.drop_column('decided')
    op.drop_column('points', 'commune_code')
