"""Initial schema: points, devices, enrolment codes, supervisors, batches and their records, the
payment ledger, voids, decisions and policy tables, and the change feed devices pull.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('point_code', sa.String(length=12), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('decision', 'policy')", name=op.f('ck_changes_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changes'))
    )
    op.create_index(op.f('ix_changes_point_code_id'), 'changes', ['point_code', 'id'], unique=False)
    op.create_table('points',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_points'))
    )
    op.create_table('server_keys',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('private_key', sa.LargeBinary(), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_server_keys_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_server_keys'))
    )
    op.create_table('supervisors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisors')),
    sa.UniqueConstraint('username', name=op.f('uq_supervisors_username'))
    )
    op.create_table('devices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('device_code', sa.String(length=12), nullable=False),
    sa.Column('series', sa.String(length=24), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['point_code'], ['points.code'], name=op.f('fk_devices_point_code_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('point_code', 'device_code', name=op.f('uq_devices_point_code_device_code')),
    sa.UniqueConstraint('series', name=op.f('uq_devices_series')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    op.create_table('enrolment_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['point_code'], ['points.code'], name=op.f('fk_enrolment_codes_point_code_points')),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_enrolment_codes'))
    )
    op.create_table('policy_tables',
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_policy_tables_change_id_changes')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_policy_tables')),
    sa.UniqueConstraint('change_id', name=op.f('uq_policy_tables_change_id'))
    )
    op.create_table('sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['supervisors.id'], name=op.f('fk_sessions_supervisor_id_supervisors')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_sessions'))
    )
    op.create_table('batches',
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('device_sequence', sa.BigInteger(), nullable=False),
    sa.Column('sealed_at', sa.Text(), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('total_amount', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('references_batch_id', sa.String(length=36), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('pending_review', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.CheckConstraint("source IN ('api', 'file')", name=op.f('ck_batches_source')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_batches_device_id_devices')),
    sa.ForeignKeyConstraint(['point_code'], ['points.code'], name=op.f('fk_batches_point_code_points')),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_batches'))
    )
    op.create_index(op.f('ix_batches_device_id_device_sequence'), 'batches', ['device_id', 'device_sequence'], unique=False)
    op.create_index(op.f('ix_batches_point_code_received_at'), 'batches', ['point_code', 'received_at'], unique=False)
    op.create_table('accepted_records',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_accepted_records_batch_id_batches')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_accepted_records'))
    )
    op.create_table('batch_records',
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('code', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('duplicate_of', sa.String(length=36), nullable=True),
    sa.Column('review', sa.String(length=8), nullable=True),
    sa.CheckConstraint("review IS NULL OR review IN ('pending', 'approved', 'rejected')", name=op.f('ck_batch_records_review')),
    sa.CheckConstraint("status IN ('accepted', 'rejected')", name=op.f('ck_batch_records_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_batch_records_batch_id_batches')),
    sa.PrimaryKeyConstraint('batch_id', 'position', name=op.f('pk_batch_records'))
    )
    op.create_index(op.f('ix_batch_records_record_id'), 'batch_records', ['record_id'], unique=False)
    op.create_table('decisions',
    sa.Column('change_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("decision IN ('approve', 'reject')", name=op.f('ck_decisions_decision')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_decisions_batch_id_batches')),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_decisions_change_id_changes')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['supervisors.id'], name=op.f('fk_decisions_supervisor_id_supervisors')),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_decisions'))
    )
    op.create_index(op.f('ix_decisions_record_id'), 'decisions', ['record_id'], unique=False)
    op.create_table('payments',
    sa.Column('payment_id', sa.String(length=36), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('point_code', sa.String(length=12), nullable=False),
    sa.Column('receipt_number', sa.String(length=40), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('policy_version', sa.String(length=32), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('state_support', sa.BigInteger(), nullable=False),
    sa.Column('local_support', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_payments_batch_id_batches')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_payments_device_id_devices')),
    sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_payments')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payments_receipt_number'))
    )
    op.create_index(op.f('ix_payments_point_code_paid_on'), 'payments', ['point_code', 'paid_on'], unique=False)
    op.create_table('voids',
    sa.Column('void_id', sa.String(length=36), nullable=False),
    sa.Column('receipt_number', sa.String(length=40), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('voided_at', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.batch_id'], name=op.f('fk_voids_batch_id_batches')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_voids_device_id_devices')),
    sa.PrimaryKeyConstraint('void_id', name=op.f('pk_voids')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_voids_receipt_number'))
    )


def downgrade() -> None:
    op.drop_table('voids')
    op.drop_index(op.f('ix_payments_point_code_paid_on'), table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_decisions_record_id'), table_name='decisions')
    op.drop_table('decisions')
    op.drop_index(op.f('ix_batch_records_record_id'), table_name='batch_records')
    op.drop_table('batch_records')
    op.drop_table('accepted_records')
    op.drop_index(op.f('ix_batches_point_code_received_at'), table_name='batches')
    op.drop_index(op.f('ix_batches_device_id_device_sequence'), table_name='batches')
    op.drop_table('batches')
    op.drop_table('sessions')
    op.drop_table('policy_tables')
    op.drop_table('enrolment_codes')
    op.drop_table('devices')
    op.drop_table('supervisors')
    op.drop_table('server_keys')
    op.drop_table('points')
    op.drop_index(op.f('ix_changes_point_code_id'), table_name='changes')
    op.drop_table('changes')
