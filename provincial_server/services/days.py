"""Supervisors' view of the points' days: each closing a device sent, with the server's own figure.

The device says what cash its collector's receipts of the day came to; the server works the same figure
out again from the payments, voids and hand-overs it holds for that device, collector and date (cash
receipts less those voided before the day's end, as `collector_app.store.day` counts them, plus the cash
collaborators handed over to the collector that day), so that a closing whose
receipts have not all arrived, or do not add up, shows as such. Worked out when asked, so a payment
delivered after its day's closing is counted once it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from provincial_server.clock import vietnam_midnight
from provincial_server.store.days import ClosingRecord
from provincial_server.store.unit_of_work import UnitOfWork

MAX_DAYS = 1000
"""Closings one answer lists at most (newest first)."""


@dataclass(frozen=True)
class DayRow:
    record_id: str
    point_code: str
    device_id: str
    collector: str
    closed_on: date
    expected_cash: int  # as the device computed it
    counted_cash: int
    difference: int
    transfers: int
    reason: str
    closed_at: str
    received_at: datetime
    server_expected_cash: int  # from the payments, voids and hand-overs the server holds
    server_receipts: int  # cash receipts of the day the server holds, voided ones left out

    @property
    def matches(self) -> bool:
        """The device's expected cash is what the server's own ledger says."""
        return self.server_expected_cash == self.expected_cash


def list_days(uow: UnitOfWork, *, point_code: str | None, since: date | None, until: date | None,
              limit: int = MAX_DAYS) -> list[DayRow]:
    """Closings of one point or all, closed from `since` to `until` (both included), newest received first,
    at most `limit` of them.

    The day closed is in the closing's payload, so the dates are checked here; but a day is closed at
    its end or later, so nothing received before `since` began in Vietnam can be one of them.
    """
    rows: list[DayRow] = []
    with uow:
        received_since = None if since is None else vietnam_midnight(since)
        closings = uow.days.closings(point_code=point_code, received_since=received_since)
        try:
            for record in closings:
                closed_on = date.fromisoformat(str(record.payload["closed_on"]))
                if (since is not None and closed_on < since) or (until is not None and closed_on > until):
                    continue
                rows.append(_day(uow, record, closed_on))
                if len(rows) == limit:
                    break
        finally:
            closings.close()
    return rows


def _day(uow: UnitOfWork, record: ClosingRecord, closed_on: date) -> DayRow:
    payload = record.payload
    collector, day_end = str(payload["collector"]), str(payload["day_end"])
    cash = [p for p in uow.days.payments_of(record.device_id, closed_on)
            if p.collector == collector and p.method == "cash"]
    voided = uow.days.voided_before([p.receipt_number for p in cash], day_end)
    kept = [p for p in cash if p.receipt_number not in voided]
    handed = uow.days.handovers_received(record.device_id, collector, str(payload["day_start"]), day_end)
    return DayRow(
        record_id=record.record_id, point_code=record.point_code, device_id=record.device_id, collector=collector,
        closed_on=closed_on, expected_cash=int(payload["expected_cash"]), counted_cash=int(payload["counted_cash"]),
        difference=int(payload["difference"]), transfers=int(payload["transfers"]), reason=str(payload["reason"]),
        closed_at=str(payload["closed_at"]), received_at=record.received_at,
        server_expected_cash=sum(p.amount for p in kept) + handed, server_receipts=len(kept),
    )
