"""Sealed batches: sealing pending outbox rows in one transaction, the server's answers, the totals.

A sealed batch keeps the exact JSON it is sent as (`body`), so every resend is byte for byte the
same and the server answers it once; triggers refuse any change to what was sealed. The body is
the wire schema's sealed batch (`wire.seal_batch`), as canonical JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from collector_app.store.audit import SENT_KEY
from collector_app.store.audit_trail import chain_entries, hash_at
from collector_app.store.db import Store
from collector_app.store.outbox import PendingRecord, RecordAnswer, RejectedRecord, read_pending, rejected_in
from collector_app.store.delivery import assign_to_batch, record_answers
from collector_app.store.stamps import new_id, utc_now, utc_second
from collector_app.wire import BatchChain, WireRecord, canonical_json, seal_batch

SEALED, DELIVERED, REFUSED = "sealed", "delivered", "refused"
DEFAULT_MAX_RECORDS = 500
"""Records per batch: a day's work of a busy point in one request, far below the server's body limit."""

_COLUMNS = (
    "id, device_sequence, sealed_at, record_count, total, sha256, references_batch_id, status, answered_at, "
    "refused_code, refused_message"
)
BATCH_SEQUENCE_FLOOR = "batch_sequence_floor"
_INSERT = (
    "INSERT INTO batches (id, device_sequence, sealed_at, record_count, total, sha256, references_batch_id, "
    "body, status, created_at, updated_at, created_by, device_id, chain_last_seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sealed', ?, ?, ?, ?, ?)"
)
# The last chain entry the server has or will have: carried by a batch it has not refused, or already
# sent before the chain existed or adopted from the server (meta `audit.SENT_KEY`).
_CHAIN_SENT = """
SELECT max(coalesce((SELECT max(chain_last_seq) FROM batches WHERE status <> 'refused'), 0),
           coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0))
"""
# Payments once each (a record sent again after a rejection is counted once), leaving out those the
# server rejected and those in batches it refused: what the server's `summary` counts.
_PAYMENTS = """
SELECT count(*), coalesce(sum(amount), 0) FROM (
    SELECT o.record_id, max(json_extract(o.payload, '$.amount')) AS amount
    FROM outbox AS o JOIN batches AS b ON b.id = o.batch_id
    WHERE o.kind = 'payment' AND b.status <> 'refused' AND (o.result IS NULL OR o.result = 'accepted')
    GROUP BY o.record_id
)
"""


@dataclass(frozen=True)
class BatchRow:
    batch_id: str
    device_sequence: int
    sealed_at: str
    record_count: int
    total: int
    sha256: str
    references_batch_id: str | None
    status: str  # "sealed" (waiting for the answer) | "delivered" | "refused"
    answered_at: str | None
    refused_code: str | None
    refused_message: str | None


@dataclass(frozen=True)
class OutgoingBatch:
    """A batch still to be delivered, with the exact body to send."""

    batch: BatchRow
    body: str


@dataclass(frozen=True)
class StoredAnswer:
    new: bool  # False when this answer had been stored before (a resend, a second process)
    accepted: int
    rejected: list[RejectedRecord]


@dataclass(frozen=True)
class BatchTotals:
    """Over every batch the server can have received (all sealed batches but refused ones)."""

    batches: int
    records: int
    payments: int
    payments_total: int
    pending_batches: int  # sealed, not answered yet
    refused_batches: int


def _batch_row(row: Any) -> BatchRow:
    return BatchRow(*row)  # the columns of _COLUMNS, in field order


def _groups(pending: Sequence[PendingRecord], max_records: int) -> list[tuple[str | None, list[PendingRecord]]]:
    """Pending rows grouped by the batch they reference (None first: new work), in chunks."""
    by_reference: dict[str | None, list[PendingRecord]] = {}
    for record in pending:
        by_reference.setdefault(record.references_batch_id, []).append(record)
    ordered = sorted(by_reference.items(), key=lambda item: item[0] is not None)
    return [
        (reference, records[start : start + max_records])
        for reference, records in ordered
        for start in range(0, len(records), max_records)
    ]


def chain_sent(connection: Connection) -> int:
    """The last chain entry the server has or will have (batches not refused, meta `audit.SENT_KEY`)."""
    return int(connection.exec_driver_sql(_CHAIN_SENT, (SENT_KEY,)).scalar_one())


def seal_pending(
    store: Store, *, device_id: str, actor: str, max_records: int = DEFAULT_MAX_RECORDS,
    clock_offset: float = 0.0,
) -> list[BatchRow]:
    """Seal every unsealed outbox row into batches, in one transaction; the new batches ([] if none).

    Records sent again after a rejection go into batches of their own, one per batch they reference.
    Each batch gets the next sequence number of this device. `clock_offset`: seconds to add to this
    device's clock to get the server's, as last measured: `sealed_at` is in the server's time, which
    refuses batches sealed in its future.
    """
    sealed: list[BatchRow] = []
    with store.begin() as connection:
        pending = read_pending(connection)
        if not pending:
            return []
        # After a restore of an older backup, `meta` keeps the highest sequence the replaced file had
        # sealed (store.restore): the server already holds those, and a sequence is never reused.
        sequence = int(connection.exec_driver_sql(
            "SELECT max(coalesce((SELECT max(device_sequence) FROM batches WHERE device_id = ?), 0), "
            "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0))",
            (device_id, BATCH_SEQUENCE_FLOOR),
        ).scalar_one())
        now = utc_now()
        sealed_at = utc_second(offset=clock_offset)
        # The money chain since the last entry sent: the first new batch carries the new entries, the
        # others continue from its head with none (the server takes them in sequence order).
        sent = chain_sent(connection)
        entries = chain_entries(connection, after=sent)
        prev = hash_at(connection, sent)
        head = entries[-1]["hash"] if entries else prev
        last_seq = entries[-1]["seq"] if entries else sent
        for reference, records in _groups(pending, max_records):
            sequence += 1
            batch_id = new_id()
            batch = seal_batch(
                batch_id=batch_id, device_id=device_id, device_sequence=sequence, sealed_at=sealed_at,
                references_batch_id=reference,
                records=[WireRecord(record_id=r.record_id, kind=r.kind, payload=json.loads(r.payload)) for r in records],
                chain=BatchChain(prev=prev, head=head, entries=entries),
            )
            prev, entries = head, []
            count, total, sha256 = batch["record_count"], batch["total_amount"], batch["sha256"]
            connection.exec_driver_sql(_INSERT, (
                batch_id, sequence, sealed_at, count, total, sha256, reference,
                canonical_json(batch).decode("utf-8"), now, now, actor, device_id, last_seq or None,
            ))
            assign_to_batch(connection, batch_id, [record.outbox_id for record in records])
            sealed.append(BatchRow(
                batch_id=batch_id, device_sequence=sequence, sealed_at=sealed_at, record_count=count,
                total=total, sha256=sha256, references_batch_id=reference, status=SEALED,
                answered_at=None, refused_code=None, refused_message=None,
            ))
    return sealed


def undelivered(store: Store) -> list[OutgoingBatch]:
    """Sealed batches still waiting for the server's answer, in sequence order, with their bodies."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            f"SELECT {_COLUMNS}, body FROM batches WHERE status = 'sealed' ORDER BY device_sequence"
        ).all()
    return [OutgoingBatch(batch=_batch_row(row[:-1]), body=row[-1]) for row in rows]


def list_batches(store: Store) -> list[BatchRow]:
    """Every sealed batch, newest first."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(f"SELECT {_COLUMNS} FROM batches ORDER BY device_sequence DESC").all()
    return [_batch_row(row) for row in rows]


def store_answer(store: Store, batch_id: str, answer: str, results: Sequence[RecordAnswer]) -> StoredAnswer:
    """Keep the server's answer to a batch and each record's result, in one transaction.

    The same answer again (a resend whose first reply was lost, two processes syncing at once)
    changes nothing. A different answer to the same batch is refused (ValueError): the server
    answers each batch once.
    """
    with store.begin() as connection:
        row = connection.exec_driver_sql("SELECT answer FROM batches WHERE id = ?", (batch_id,)).first()
        if row is None:
            raise LookupError(f"no batch {batch_id} on this device")
        if row[0] is None:
            now = utc_now()
            connection.exec_driver_sql(
                "UPDATE batches SET status = 'delivered', answer = ?, answered_at = ?, refused_code = NULL, "
                "refused_message = NULL, updated_at = ? WHERE id = ?",
                (answer, now, now, batch_id),
            )
            record_answers(connection, batch_id, results)
        elif json.loads(row[0]) != json.loads(answer):
            raise ValueError(f"the server answered batch {batch_id} differently before")
        accepted = int(connection.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE batch_id = ? AND result = 'accepted'", (batch_id,)
        ).scalar_one())
        return StoredAnswer(new=row[0] is None, accepted=accepted, rejected=rejected_in(connection, batch_id))


def seal_again(store: Store, batch_id: str, *, actor: str) -> int:
    """Queue the records of a batch the server refused and never stored, to be sealed into a new batch.

    For a refusal that says nothing of the records (a batch sealed at a time ahead of the server's
    clock): each gets a new outbox row pointing at the one in the refused batch. Returns how many.
    """
    now = utc_now()
    with store.begin() as connection:
        rows = connection.exec_driver_sql(
            "SELECT o.id FROM outbox AS o JOIN batches AS b ON b.id = o.batch_id WHERE b.id = ? "
            "AND b.status = 'refused' AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id)",
            (batch_id,),
        ).all()
        connection.exec_driver_sql(
            "INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id, "
            "resend_of) SELECT ?, kind, record_id, payload, ?, ?, ?, device_id, id FROM outbox WHERE id = ?",
            [(new_id(), now, now, actor, row[0]) for row in rows],
        )
    return len(rows)


def refuse(store: Store, batch_id: str, *, code: str, message: str) -> None:
    """The server refused the whole batch (conflict, integrity): it is not sent again by itself."""
    with store.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE batches SET status = 'refused', refused_code = ?, refused_message = ?, updated_at = ? "
            "WHERE id = ? AND status = 'sealed'",
            (code, message, utc_now(), batch_id),
        )


def totals(store: Store) -> BatchTotals:
    """Batches, records and payments sealed, comparable with the server's `summary`."""
    with store.read() as connection:
        batches, records, pending = connection.exec_driver_sql(
            "SELECT coalesce(sum(status <> 'refused'), 0), "
            "coalesce(sum(CASE WHEN status <> 'refused' THEN record_count ELSE 0 END), 0), "
            "coalesce(sum(status = 'sealed'), 0) FROM batches"
        ).one()
        # A refused batch whose records were all sealed again (`seal_again`) needs no one's attention.
        refused = connection.exec_driver_sql(
            "SELECT count(*) FROM batches AS b WHERE b.status = 'refused' AND EXISTS (SELECT 1 FROM outbox AS o "
            "WHERE o.batch_id = b.id AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id))"
        ).scalar_one()
        payments, payments_total = connection.exec_driver_sql(_PAYMENTS).one()
    return BatchTotals(batches=int(batches), records=int(records), payments=int(payments),
                       payments_total=int(payments_total), pending_batches=int(pending),
                       refused_batches=int(refused))
