"""Day closings as the devices sent them (accepted `day_close` records), and what the server's own ledger
says of the same days: the payments and voids it holds for the device, the collector and the date."""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from collector_app.wire import RecordKind, RecordStatus
from provincial_server.store.schema import batch_records, batches, payments, voids


@dataclass(frozen=True)
class ClosingRecord:
    """A closing as received: its payload (`wire.DayClosePayload`), with where and when it arrived."""

    record_id: str
    point_code: str
    device_id: str
    batch_id: str
    received_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class LedgerPayment:
    receipt_number: str
    collector: str
    method: str
    amount: int


class Days:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def closings(self, *, point_code: str | None, received_since: datetime | None) -> Generator[ClosingRecord, None, None]:
        """The first delivery of each accepted closing, newest first, of one point or all, received since
        `received_since` (None: ever), read as the caller goes."""
        query = (
            select(batch_records.c.record_id, batches.c.point_code, batches.c.device_id, batches.c.batch_id,
                   batches.c.received_at, batch_records.c.payload)
            .join(batches, batches.c.batch_id == batch_records.c.batch_id)
            .where(and_(batch_records.c.kind == RecordKind.DAY_CLOSE.value,
                        batch_records.c.status == RecordStatus.ACCEPTED.value,
                        batch_records.c.duplicate_of.is_(None), batch_records.c.payload.is_not(None)))
            .order_by(batches.c.received_at.desc(), batch_records.c.position)
        )
        if point_code is not None:
            query = query.where(batches.c.point_code == point_code)
        if received_since is not None:
            query = query.where(batches.c.received_at >= received_since)
        result = self._connection.execute(query.execution_options(yield_per=500))
        try:
            for row in result:
                yield ClosingRecord(record_id=row[0], point_code=row[1], device_id=row[2], batch_id=row[3],
                                    received_at=row[4], payload=json.loads(row[5]))
        finally:  # also when the caller stops early: the cursor is not left open in the transaction
            result.close()

    def payments_of(self, device_id: str, paid_on: date) -> list[LedgerPayment]:
        """The payments the ledger holds from the device dated `paid_on`, with their collector and method
        (kept in the payment's accepted record as the device sent it)."""
        query = (
            select(payments.c.receipt_number, batch_records.c.payload)
            .join(batch_records, and_(batch_records.c.record_id == payments.c.record_id,
                                      batch_records.c.batch_id == payments.c.batch_id))
            .where(and_(payments.c.device_id == device_id, payments.c.paid_on == paid_on))
        )
        found = []
        for number, text in self._connection.execute(query):
            payload = json.loads(text) if text else {}
            found.append(LedgerPayment(receipt_number=number, collector=str(payload.get("collector", "")),
                                       method=str(payload.get("method", "")), amount=int(payload.get("amount", 0))))
        return found

    def handovers_received(self, device_id: str, receiver: str, since: str, until: str) -> int:
        """Cash handed over on the device to `receiver` in [since, until) (UTC ISO text), as the accepted
        hand-over records say: it is in the receiver's drawer at the day's close."""
        query = (
            select(batch_records.c.payload)
            .join(batches, batches.c.batch_id == batch_records.c.batch_id)
            .where(and_(batches.c.device_id == device_id, batch_records.c.kind == RecordKind.HANDOVER.value,
                        batch_records.c.status == RecordStatus.ACCEPTED.value,
                        batch_records.c.duplicate_of.is_(None), batch_records.c.payload.is_not(None)))
        )
        total = 0
        for (text,) in self._connection.execute(query):
            payload = json.loads(text)
            if payload.get("received_by") == receiver and since <= str(payload.get("received_at", "")) < until:
                total += int(payload.get("amount", 0))
        return total

    def voided_before(self, receipt_numbers: Sequence[str], until: str) -> set[str]:
        """Of these receipts, those the ledger holds a void of made before `until` (UTC ISO text)."""
        if not receipt_numbers:
            return set()
        query = select(voids.c.receipt_number).where(and_(voids.c.receipt_number.in_(list(receipt_numbers)),
                                                          voids.c.voided_at < until))
        return {row[0] for row in self._connection.execute(query)}
