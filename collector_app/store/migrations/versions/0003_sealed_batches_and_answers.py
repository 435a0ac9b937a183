"""Sync: sealed batches keep their exact body and the server's answer; outbox rows their results and reviews.

`batches` and `outbox` are rebuilt in batch mode (new constraints); no code wrote a batch before this
revision, so `batches` must be empty. `policy_tables` holds tables pulled from the server. Triggers
keep what was sealed as it was sealed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEALED = "a sealed batch is immutable: seal a new batch instead"
TRIGGERS = (
    # Only the delivery columns (status, answer, answered_at, refused_*, updated_at) may change.
    f"""CREATE TRIGGER batches_sealed_no_update BEFORE UPDATE OF id, device_sequence, sealed_at,
        record_count, total, sha256, references_batch_id, body, device_id, created_at, created_by
        ON batches BEGIN SELECT RAISE(ABORT, '{_SEALED}'); END""",
    f"CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches BEGIN SELECT RAISE(ABORT, '{_SEALED}'); END",
    """CREATE TRIGGER batches_answer_kept BEFORE UPDATE OF answer ON batches
        WHEN OLD.answer IS NOT NULL AND NEW.answer IS NOT OLD.answer
        BEGIN SELECT RAISE(ABORT, 'the answer to a batch is kept as first received'); END""",
    f"""CREATE TRIGGER outbox_sealed_no_update BEFORE UPDATE OF id, kind, record_id, payload, batch_id,
        resend_of ON outbox WHEN OLD.batch_id IS NOT NULL BEGIN SELECT RAISE(ABORT, '{_SEALED}'); END""",
    f"""CREATE TRIGGER outbox_sealed_no_delete BEFORE DELETE ON outbox WHEN OLD.batch_id IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '{_SEALED}'); END""",
)
TRIGGER_NAMES = ("batches_sealed_no_update", "batches_no_delete", "batches_answer_kept",
                 "outbox_sealed_no_update", "outbox_sealed_no_delete")


def upgrade() -> None:
    sealed = op.get_bind().exec_driver_sql("SELECT count(*) FROM batches").scalar()
    if sealed:
        raise RuntimeError(f"the batches table already holds {sealed} rows; this revision expects none")
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("references_batch_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("body", sa.Text(), nullable=False))
        batch.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.Text(), nullable=True))
        batch.add_column(sa.Column("refused_code", sa.Text(), nullable=True))
        batch.add_column(sa.Column("refused_message", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_batches_references_batch_id_batches"), "batches", ["references_batch_id"], ["id"]
        )
        batch.create_check_constraint(
            op.f("ck_batches_status"), "status IN ('sealed', 'delivered', 'refused')"
        )
        batch.create_index(op.f("ix_batches_status_device_sequence"), ["status", "device_sequence"])
    with op.batch_alter_table("outbox") as batch:
        for name in ("result", "result_code", "result_message", "result_params", "review", "review_reason",
                     "reviewed_at", "resend_of"):
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))
        batch.create_foreign_key(op.f("fk_outbox_resend_of_outbox"), "outbox", ["resend_of"], ["id"])
        batch.create_unique_constraint(op.f("uq_outbox_resend_of"), ["resend_of"])
        batch.create_unique_constraint(op.f("uq_outbox_batch_id_record_id"), ["batch_id", "record_id"])
        batch.create_check_constraint(
            op.f("ck_outbox_result"), "result IS NULL OR result IN ('accepted', 'rejected')"
        )
        batch.create_check_constraint(
            op.f("ck_outbox_review"), "review IS NULL OR review IN ('approved', 'rejected')"
        )
        batch.create_index(op.f("ix_outbox_record_id"), ["record_id"])
    op.create_table(
        "policy_tables",
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_policy_tables")),
    )
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("policy_tables")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_record_id"))
        batch.drop_constraint(op.f("ck_outbox_review"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_result"), type_="check")
        batch.drop_constraint(op.f("uq_outbox_batch_id_record_id"), type_="unique")
        batch.drop_constraint(op.f("uq_outbox_resend_of"), type_="unique")
        batch.drop_constraint(op.f("fk_outbox_resend_of_outbox"), type_="foreignkey")
        for name in ("resend_of", "reviewed_at", "review_reason", "review", "result_params", "result_message",
                     "result_code", "result"):
            batch.drop_column(name)
    with op.batch_alter_table("batches") as batch:
        batch.drop_index(op.f("ix_batches_status_device_sequence"))
        batch.drop_constraint(op.f("ck_batches_status"), type_="check")
        batch.drop_constraint(op.f("fk_batches_references_batch_id_batches"), type_="foreignkey")
        for name in ("refused_message", "refused_code", "answered_at", "answer", "body", "references_batch_id"):
            batch.drop_column(name)
