"""The audit log: money events hash-chained, changes to people with who, when and before/after.

`audit_log` refuses UPDATE and DELETE by trigger, like the money tables. The money events already in
the store are backfilled as chain entries in recording order (payments, prints, reprints, voids and
void corrections by `created_at`), so an upgraded store verifies. `batches.chain_last_seq` says which
entries a sealed batch carried (it never changes once written); the meta key `audit_chain_sent` is the
last backfilled entry whose record had already been sealed (in a batch not refused) before the upgrade: the first chained
batch continues from it (the server starts this device's chain there).

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "the audit log is append-only"
TRIGGERS = (
    *(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
      f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END" for verb in ("UPDATE", "DELETE")),
    """CREATE TRIGGER batches_chain_kept BEFORE UPDATE OF chain_last_seq ON batches
        BEGIN SELECT RAISE(ABORT, 'a sealed batch cannot be changed'); END""",
)
TRIGGER_NAMES = ("audit_log_no_update", "audit_log_no_delete", "batches_chain_kept")
SENT_KEY = "audit_chain_sent"

# Every money event in recording order; at the same instant a payment comes before what follows it.
_EVENTS = """
SELECT kind, record_id, created_at, created_by, device_id FROM (
    SELECT 'payment' AS kind, id AS record_id, created_at, created_by, device_id, 0 AS rank FROM payments
    UNION ALL SELECT 'original_print', receipt_id, created_at, created_by, device_id, 1 FROM original_prints
    UNION ALL SELECT 'reprint', id, created_at, created_by, device_id, 2 FROM reprints
    UNION ALL SELECT 'void', id, created_at, created_by, device_id, 3 FROM voids
    UNION ALL SELECT 'void_correction', id, created_at, created_by, device_id, 4 FROM void_corrections
) ORDER BY created_at, rank, record_id
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("chain_seq", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.Text(), nullable=True),
        sa.Column("hash", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(chain_seq IS NULL) = (hash IS NULL) AND (chain_seq IS NULL) = (prev_hash IS NULL)",
            name=op.f("ck_audit_log_chained"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("chain_seq", name=op.f("uq_audit_log_chain_seq")),
        sa.UniqueConstraint("kind", "record_id", name=op.f("uq_audit_log_kind_record_id")),
    )
    # ADD COLUMN: no batch copy of `batches`, whose sealing triggers would be lost.
    op.add_column("batches", sa.Column("chain_last_seq", sa.Integer(), nullable=True))
    _backfill()
    for trigger in TRIGGERS:
        op.execute(trigger)


def _backfill() -> None:
    # The app's own rule of what an entry covers and how it is chained: one place for it.
    from collector_app.store.audit import chain_money
    from collector_app.wire import ChainKind

    connection = op.get_bind()
    # Records in batches the server has or will have (not those it refused whole: they are sealed again).
    sealed = {row[0] for row in connection.exec_driver_sql(
        "SELECT o.record_id FROM outbox AS o JOIN batches AS b ON b.id = o.batch_id WHERE b.status <> 'refused'")}
    sent = 0
    for kind, record_id, created_at, created_by, device_id in connection.exec_driver_sql(_EVENTS).all():
        entry = chain_money(connection, ChainKind(kind), record_id, created_at=created_at, created_by=created_by,
                            device_id=device_id)
        if record_id in sealed:
            sent = entry["seq"]
    if sent:
        connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES (?, ?)", (SENT_KEY, str(sent)))


def downgrade() -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DELETE FROM meta WHERE key = '{SENT_KEY}'")
    op.drop_column("batches", "chain_last_seq")
    op.drop_table("audit_log")
