"""The outbox, read: records waiting to be sealed, the server's answer for each, supervisors' reviews, quarantine.

An outbox row is one delivery of one record in one batch (its writes are in `store.delivery`). A record the server rejected stays on
its row, quarantined with the reason, and never holds back the rest; sending it again once fixed
adds a new row (`resend_of` the rejected one), sealed into a new batch that references the old.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from collector_app.store.db import Store, id_chunks

ACCEPTED, REJECTED = "accepted", "rejected"
APPROVED = "approved"


class DeliveryState(StrEnum):
    """Where a record's latest delivery stands with the provincial server."""

    PENDING = "pending"  # not sealed into a batch yet
    SEALED = "sealed"  # in a batch; the server's answer not received yet
    ACCEPTED = ACCEPTED
    REJECTED = REJECTED  # by the server: needs the user's attention
    APPROVED = APPROVED  # by a supervisor
    REVIEW_REJECTED = "review_rejected"  # by a supervisor, with a reason


def delivery_state(batch_id: str | None, result: str | None, review: str | None) -> DeliveryState:
    if batch_id is None:
        return DeliveryState.PENDING
    if review is not None:
        return DeliveryState.APPROVED if review == APPROVED else DeliveryState.REVIEW_REJECTED
    return DeliveryState(result) if result is not None else DeliveryState.SEALED

_PENDING = """
SELECT o.id, o.kind, o.record_id, o.payload, earlier.batch_id
FROM outbox AS o
LEFT JOIN outbox AS earlier ON earlier.id = o.resend_of
WHERE o.batch_id IS NULL
ORDER BY o.created_at, o.id
"""
# Rejected rows nobody has sent again yet.
_QUARANTINED = """
SELECT o.id, o.record_id, o.kind, o.batch_id, o.result_code, o.result_message, o.result_params,
       b.answered_at
FROM outbox AS o
JOIN batches AS b ON b.id = o.batch_id
WHERE o.result = 'rejected' AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id)
  AND NOT EXISTS (SELECT 1 FROM void_corrections AS c WHERE c.corrects = o.record_id)
ORDER BY b.device_sequence, o.created_at, o.id
"""
_REVIEW_REJECTED = """
SELECT o.record_id, o.kind, o.batch_id, o.review_reason, o.reviewed_at, o.id
FROM outbox AS o
WHERE o.review = 'rejected'
UNION ALL
-- Records written back from the server (store.recovery): no outbox row, the decision kept beside them.
SELECT r.record_id, r.kind, r.batch_id, coalesce(r.review_reason, ''), r.created_at, r.record_id
FROM recovered_records AS r
WHERE r.review = 'rejected'
ORDER BY 5, 6
"""
# The latest delivery of a record: a resend comes after the row it sends again.
_STATE = """
SELECT o.batch_id, o.result, o.result_code, o.result_params, o.review, o.review_reason
FROM outbox AS o
WHERE o.record_id = ?
ORDER BY o.batch_id IS NULL, o.created_at DESC, o.id DESC
LIMIT 1
"""
_RECOVERED_STATE = """
SELECT batch_id, 'accepted', NULL, NULL, review, review_reason FROM recovered_records WHERE record_id = ?
"""
# What the province does not have yet: rows not sealed, or sealed into a batch not answered yet.
_UNSENT = """
SELECT o.kind, count(DISTINCT o.record_id),
       coalesce(sum(CASE WHEN o.kind = 'payment' THEN json_extract(o.payload, '$.amount') END), 0)
FROM outbox AS o
LEFT JOIN batches AS b ON b.id = o.batch_id
WHERE o.batch_id IS NULL OR b.status = 'sealed'
GROUP BY o.kind
"""


@dataclass(frozen=True)
class PendingRecord:
    """An outbox row not yet sealed into a batch."""

    outbox_id: str
    kind: str
    record_id: str
    payload: str  # JSON text, as written with the change it carries
    references_batch_id: str | None  # for a record sent again: the batch that held it when rejected


@dataclass(frozen=True)
class Unsent:
    """What the province has not received yet, as the collector counts it: receipts and their money."""

    payments: int  # receipts issued
    amount: int  # VND of those payments
    voids: int  # receipts voided (a void goes as a record of its own)
    reprints: int  # copies printed
    other: int  # households and people registered or corrected

    @property
    def nothing(self) -> bool:
        return not (self.payments or self.voids or self.reprints or self.other)


@dataclass(frozen=True)
class RecordAnswer:
    """The server's answer for one record of a batch (wire.RecordResult, as stored)."""

    record_id: str
    status: str  # "accepted" | "rejected"
    code: str | None
    message: str | None
    params: Mapping[str, Any]


@dataclass(frozen=True)
class RejectedRecord:
    """A record the server rejected: quarantined until it is sent again."""

    outbox_id: str
    record_id: str
    kind: str
    batch_id: str
    code: str | None
    message: str | None
    params: Mapping[str, Any]
    answered_at: str | None


@dataclass(frozen=True)
class ReviewRejection:
    """A record a supervisor rejected after the server had accepted it."""

    record_id: str
    kind: str
    batch_id: str
    reason: str
    reviewed_at: str


@dataclass(frozen=True)
class Review:
    """A supervisor's decision on a record, as pulled from the server."""

    record_id: str
    batch_id: str
    review: str  # "approved" | "rejected"
    reason: str
    reviewed_at: str


@dataclass(frozen=True)
class RecordState:
    """Where a record stands, for the screens: its latest delivery."""

    state: DeliveryState
    batch_id: str | None
    code: str | None
    params: Mapping[str, Any]
    reason: str | None  # a supervisor's, when reviewed


# ---- sealing ------------------------------------------------------------------------------------


def read_pending(connection: Connection) -> list[PendingRecord]:
    """Every unsealed row, in the order written (inside the sealing transaction)."""
    return [PendingRecord(*row) for row in connection.exec_driver_sql(_PENDING)]


def pending_count(store: Store) -> int:
    """Outbox rows waiting to be sealed."""
    with store.read() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM outbox WHERE batch_id IS NULL").scalar_one())


def unsent(store: Store) -> Unsent:
    """What waits to reach the province: not sealed yet, or sealed and not answered by the server."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(_UNSENT).all()
    counts = {str(kind): int(count) for kind, count, _amount in rows}
    amount = sum(int(total) for kind, _count, total in rows if kind == "payment")
    payments, voids, reprints = (counts.pop(kind, 0) for kind in ("payment", "void", "reprint"))
    return Unsent(payments=payments, amount=amount, voids=voids, reprints=reprints, other=sum(counts.values()))


# ---- answers and reviews ------------------------------------------------------------------------


def rejected_in(connection: Connection, batch_id: str) -> list[RejectedRecord]:
    """The rejected records of one batch, in batch order."""
    rows = connection.exec_driver_sql(
        "SELECT o.id, o.record_id, o.kind, o.batch_id, o.result_code, o.result_message, o.result_params, "
        "b.answered_at FROM outbox AS o JOIN batches AS b ON b.id = o.batch_id "
        "WHERE o.batch_id = ? AND o.result = 'rejected' ORDER BY o.created_at, o.id",
        (batch_id,),
    )
    return [_rejected(row) for row in rows]


# ---- what needs the user's attention ------------------------------------------------------------


def _params(text: str | None) -> Mapping[str, Any]:
    value = json.loads(text) if text else {}
    return value if isinstance(value, dict) else {}


def _rejected(row: Sequence[Any]) -> RejectedRecord:
    return RejectedRecord(
        outbox_id=row[0], record_id=row[1], kind=row[2], batch_id=row[3], code=row[4], message=row[5],
        params=_params(row[6]), answered_at=row[7],
    )


def quarantined(store: Store) -> list[RejectedRecord]:
    """Records the server rejected and nobody has sent again: they wait for a fix, and block nothing."""
    with store.read() as connection:
        return quarantined_in(connection)


def quarantined_in(connection: Connection) -> list[RejectedRecord]:
    """`quarantined`, inside the caller's transaction."""
    return [_rejected(row) for row in connection.exec_driver_sql(_QUARANTINED)]


def review_rejections(store: Store) -> list[ReviewRejection]:
    """Records a supervisor rejected, with the reason."""
    with store.read() as connection:
        return [ReviewRejection(*row[:5]) for row in connection.exec_driver_sql(_REVIEW_REJECTED)]


def payloads(store: Store, record_ids: Collection[str]) -> dict[str, str]:
    """The JSON payload of each record (a record sent again keeps its payload), by record id."""
    found: dict[str, str] = {}
    with store.read() as connection:
        for chunk in id_chunks(record_ids):
            rows = connection.exec_driver_sql(
                f"SELECT record_id, payload FROM outbox WHERE record_id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            found.update((str(record_id), str(payload)) for record_id, payload in rows)
    return found


def record_state(store: Store, record_id: str) -> RecordState | None:
    """Where a record stands now (None: it never went to the outbox)."""
    with store.read() as connection:
        row = connection.exec_driver_sql(_STATE, (record_id,)).first()
        if row is None:  # written back from the server after a restore: delivered from another copy
            row = connection.exec_driver_sql(_RECOVERED_STATE, (record_id,)).first()
    if row is None:
        return None
    batch_id, result, code, params, review, reason = row
    return RecordState(state=delivery_state(batch_id, result, review), batch_id=batch_id, code=code, params=_params(params), reason=reason)


def is_quarantined(connection: Connection, record_id: str) -> bool:
    """Whether the server rejected the record and it was neither sent again nor corrected since."""
    return connection.exec_driver_sql(
        "SELECT 1 FROM outbox AS o WHERE o.record_id = ? AND o.result = 'rejected' "
        "AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id) "
        "AND NOT EXISTS (SELECT 1 FROM void_corrections AS c WHERE c.corrects = o.record_id)", (record_id,)
    ).first() is not None


