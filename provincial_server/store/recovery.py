"""What the server gives back to a device that lost its records: its own money records, its point's
registrations, and the highest receipt number it holds of the device's series.

Records are read as they were first accepted (`batch_records.payload`), in the order their batches
arrived: (batches.received_at, batch_id, position), the key the pages are cut on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, null, or_, select

from provincial_server.store.schema import batch_records, batches, chain_entries, decisions, device_chains, payments


@dataclass(frozen=True)
class HeldRecord:
    batch_id: str
    position: int
    record_id: str
    kind: str
    payload: str  # canonical JSON, as first accepted
    digest: str
    device_id: str  # the device that sent it
    sealed_at: str  # the batch's, WIRE_TIME_FORMAT
    review: str | None  # "pending", "approved", "rejected" (reviewable kinds), else None
    review_reason: str | None  # the latest decision's reason, when rejected
    # The ledger's figures for a payment (None for other kinds): the device checks the payload against them.
    receipt_number: str | None
    gross: int | None
    state_support: int | None
    local_support: int | None
    amount: int | None
    chain_entry: str | None = None  # the entry the device's chain holds for it (canonical JSON), if any


# The chain entries that record a money record the device sent (not "restored"/"recovered" marks).
_RECORD_ENTRY_KINDS = ("payment", "void", "void_correction", "reprint")


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last record given, by its batch's arrival and its place in the batch."""

    received_at: datetime
    batch_id: str
    position: int


def _held(row: Sequence[Any]) -> HeldRecord:
    return HeldRecord(*row)


class Recovery:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def position(self, batch_id: str, position: int, *, device_id: str | None, point_code: str
                 ) -> Position | None:
        """The cursor's batch, if it is one the caller may page through (its device's, or its point's)."""
        query = select(batches.c.received_at).where(batches.c.batch_id == batch_id,
                                                    batches.c.point_code == point_code)
        if device_id is not None:
            query = query.where(batches.c.device_id == device_id)
        received_at = self._connection.scalar(query)
        return None if received_at is None else Position(received_at, batch_id, position)

    def records(self, *, kinds: Sequence[str], after: Position | None, limit: int, device_id: str | None,
                point_code: str) -> list[HeldRecord]:
        """Up to `limit` accepted records of these kinds after `after`: of one device (`device_id`), or of
        every device of the point; never another point's."""
        latest = (
            select(decisions.c.reason).where(decisions.c.record_id == batch_records.c.record_id,
                                             decisions.c.batch_id == batch_records.c.batch_id)
            .order_by(decisions.c.change_id.desc()).limit(1).scalar_subquery()
        )
        entry = (
            select(chain_entries.c.entry).where(chain_entries.c.device_id == batches.c.device_id,
                                                chain_entries.c.record_id == batch_records.c.record_id,
                                                chain_entries.c.kind.in_(_RECORD_ENTRY_KINDS))
            .order_by(chain_entries.c.seq).limit(1).scalar_subquery()
        )
        query = (
            select(batch_records.c.batch_id, batch_records.c.position, batch_records.c.record_id,
                   batch_records.c.kind, batch_records.c.payload, batch_records.c.digest, batches.c.device_id,
                   batches.c.sealed_at, batch_records.c.review, latest, payments.c.receipt_number,
                   payments.c.gross, payments.c.state_support, payments.c.local_support, payments.c.amount,
                   entry if device_id is not None else null())
            .select_from(
                batch_records.join(batches, batches.c.batch_id == batch_records.c.batch_id)
                .outerjoin(payments, payments.c.record_id == batch_records.c.record_id)
            )
            .where(batches.c.point_code == point_code, batch_records.c.kind.in_(list(kinds)),
                   batch_records.c.status == "accepted", batch_records.c.payload.is_not(None))
        )
        if device_id is not None:
            query = query.where(batches.c.device_id == device_id)
        if after is not None:
            query = query.where(or_(
                batches.c.received_at > after.received_at,
                and_(batches.c.received_at == after.received_at, batch_records.c.batch_id > after.batch_id),
                and_(batches.c.received_at == after.received_at, batch_records.c.batch_id == after.batch_id,
                     batch_records.c.position > after.position),
            ))
        query = query.order_by(batches.c.received_at, batch_records.c.batch_id, batch_records.c.position).limit(limit)
        return [_held(row) for row in self._connection.execute(query)]

    def chain_head(self, device_id: str) -> tuple[int, str] | None:
        """The device's chain head as accepted (sequence number, hash), None before its first chained batch."""
        row = self._connection.execute(select(device_chains.c.last_seq, device_chains.c.head)
                                       .where(device_chains.c.device_id == device_id)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def highest_numbers(self, device_id: str, series: str) -> dict[str, str]:
        """The highest receipt number of the device's series the ledger holds, by two-digit year."""
        prefix_length = len(series) + 1  # "BD01M1-"
        year = func.substr(payments.c.receipt_number, prefix_length + 1, 2)
        rows = self._connection.execute(
            select(year, func.max(payments.c.receipt_number))
            .where(payments.c.device_id == device_id,
                   func.substr(payments.c.receipt_number, 1, prefix_length) == series + "-")
            .group_by(year)
        )
        return {str(row[0]): str(row[1]) for row in rows}

    def rejected_payment_payloads(self, device_id: str) -> list[str]:
        """The payloads of the device's payments the server rejected: their numbers were issued all the same."""
        rows = self._connection.execute(
            select(batch_records.c.payload)
            .join(batches, batches.c.batch_id == batch_records.c.batch_id)
            .where(batches.c.device_id == device_id, batch_records.c.kind == "payment",
                   batch_records.c.status == "rejected", batch_records.c.payload.is_not(None))
        )
        return [str(row[0]) for row in rows]
