"""The provincial server's review API for a signed-in supervisor, read into frozen rows (no Qt).

Each function takes a `ReviewSource` (a `supervisor.SupervisorSession`, or anything with the same two
calls) and checks the answer's shape: a field missing or of the wrong type is a ProtocolError, never a
half-filled row on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from collector_app.sync.client import ProtocolError
from collector_app.wire import parse_wire_time

PAGE_SIZE = 100


class ReviewSource(Protocol):
    def get_json(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]: ...

    def post_json(self, path: str, body: Mapping[str, object]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class BatchFilter:
    """What the Batches page filters by; None: any."""

    province: str | None = None
    commune: str | None = None
    point: str | None = None
    device: str | None = None  # a receipt series, e.g. "BD01M1"
    received_from: date | None = None
    received_to: date | None = None  # included
    state: str | None = None  # "new", "partly" or "reviewed"

    def params(self) -> dict[str, object]:
        values: dict[str, object] = {
            "province": self.province, "commune": self.commune, "point": self.point, "device": self.device,
            "received_from": None if self.received_from is None else self.received_from.isoformat(),
            "received_to": None if self.received_to is None else self.received_to.isoformat(), "state": self.state,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    point_code: str
    series: str
    received_at: datetime
    record_count: int
    total_amount: int
    accepted: int
    rejected: int
    pending: int
    decided: int
    state: str  # "new", "partly", "reviewed"


@dataclass(frozen=True)
class FilterTotals:
    """Of every batch the filter matches."""

    batches: int
    records: int
    amount: int
    pending: int  # records awaiting a decision


@dataclass(frozen=True)
class BatchPage:
    batches: tuple[BatchSummary, ...]
    totals: FilterTotals | None  # asked for with the first page only: they cost the server a pass


@dataclass(frozen=True)
class ReviewRecord:
    record_id: str
    kind: str  # "payment", "void", ...
    status: str  # the server's check: "accepted" or "rejected"
    code: str | None
    message: str | None
    review: str | None  # "pending", "approved", "rejected"; None: nothing to decide
    receipt_number: str | None
    person: str | None
    citizen_id: str | None  # masked by the server
    scheme: str | None
    period_start: date | None
    period_end: date | None
    amount: int | None
    receipt_check: str | None  # "valid" or a problem code; None for a record that is not a payment
    signature: str | None  # the receipt QR code's, checked by the server: "valid", "invalid", "absent"; None: not a payment
    decision: str | None  # the latest: "approve" or "reject"
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class BatchDetail:
    summary: BatchSummary
    records: tuple[ReviewRecord, ...]


@dataclass(frozen=True)
class HistoryEvent:
    kind: str  # "delivery" or "decision"
    at: datetime
    batch_id: str
    status: str | None  # deliveries: "accepted" or "rejected", with the code and message
    code: str | None
    message: str | None
    duplicate: bool  # a delivery of a record an earlier batch had delivered
    decision: str | None  # decisions: "approve" or "reject", with the reason and who
    reason: str | None
    supervisor: str | None
    supersedes: bool


def batch_page(source: ReviewSource, where: BatchFilter, *, sort: str = "received_at", descending: bool = True,
               offset: int = 0, limit: int = PAGE_SIZE, totals: bool = True) -> BatchPage:
    answer = source.get_json("/review/batches", {
        **where.params(), "sort": sort, "order": "desc" if descending else "asc", "offset": offset, "limit": limit,
        **({} if totals else {"totals": "false"})})
    rows = _list(answer, "batches")
    found: FilterTotals | None = None
    if totals:
        sums = answer.get("totals")
        if not isinstance(sums, dict):
            raise ProtocolError("totals")
        found = FilterTotals(batches=_int(answer, "total"), records=_int(sums, "records"), amount=_int(sums, "amount"),
                             pending=_int(sums, "pending"))
    return BatchPage(batches=tuple(_summary(row) for row in rows), totals=found)


def batch_detail(source: ReviewSource, batch_id: str) -> BatchDetail:
    answer = source.get_json(f"/review/batches/{batch_id}")
    return BatchDetail(summary=_summary(answer), records=tuple(_record(row) for row in _list(answer, "records")))


def record_history(source: ReviewSource, record_id: str) -> tuple[HistoryEvent, ...]:
    answer = source.get_json(f"/review/records/{record_id}/history")
    return tuple(_event(row) for row in _list(answer, "events"))


def decide(source: ReviewSource, record_id: str, *, approve: bool, reason: str = "") -> str:
    """Approve or reject a record; the decision as the server recorded it."""
    answer = source.post_json(f"/review/records/{record_id}",
                              {"decision": "approve" if approve else "reject", "reason": reason})
    return _text(answer, "decision")


def approve_rest(source: ReviewSource, batch_id: str) -> int:
    """Approve every record of the batch still awaiting a decision; how many were."""
    return _int(source.post_json(f"/review/batches/{batch_id}/approve-rest", {}), "approved")


@dataclass(frozen=True)
class ClosedDay:
    """A collector's day closed on a device, with the server's own figure for the same day (VND)."""

    point_code: str
    collector: str  # username
    closed_on: date
    expected_cash: int  # as the device computed it
    counted_cash: int
    difference: int  # counted - expected
    transfers: int
    reason: str
    received_at: datetime
    server_expected_cash: int  # from the payments, voids and hand-overs the server holds
    server_receipts: int

    @property
    def missing(self) -> int:
        """Cash the device counted as expected that the server's ledger does not hold yet (negative: more held)."""
        return self.expected_cash - self.server_expected_cash


def closed_days(source: ReviewSource, *, point: str | None = None, since: date | None = None,
                until: date | None = None) -> tuple[ClosedDay, ...]:
    """The points' closed days (of one point, closed from `since` to `until`), newest received first."""
    params = {"point": point, "from": None if since is None else since.isoformat(),
              "to": None if until is None else until.isoformat()}
    answer = source.get_json("/review/days", {name: value for name, value in params.items() if value is not None})
    return tuple(_closed_day(row) for row in _list(answer, "days"))


# ---- reading answers ----------------------------------------------------------------------------


def _closed_day(row: Mapping[str, Any]) -> ClosedDay:
    closed_on = _optional_date(row, "closed_on")
    if closed_on is None:
        raise ProtocolError("closed_on")
    return ClosedDay(
        point_code=_text(row, "point_code"), collector=_text(row, "collector"), closed_on=closed_on,
        expected_cash=_int(row, "expected_cash"), counted_cash=_int(row, "counted_cash"),
        difference=_int(row, "difference"), transfers=_int(row, "transfers"), reason=_text(row, "reason"),
        received_at=_time(row, "received_at"), server_expected_cash=_int(row, "server_expected_cash"),
        server_receipts=_int(row, "server_receipts"))


def _summary(row: Mapping[str, Any]) -> BatchSummary:
    return BatchSummary(
        batch_id=_text(row, "batch_id"), point_code=_text(row, "point_code"), series=_text(row, "series"),
        received_at=_time(row, "received_at"), record_count=_int(row, "record_count"),
        total_amount=_int(row, "total_amount"), accepted=_int(row, "accepted"), rejected=_int(row, "rejected"),
        pending=_int(row, "pending_review"), decided=_int(row, "decided"), state=_text(row, "state"))


def _record(row: Mapping[str, Any]) -> ReviewRecord:
    decision = row.get("decision")
    if decision is not None and not isinstance(decision, dict):
        raise ProtocolError("records[].decision")
    return ReviewRecord(
        record_id=_text(row, "record_id"), kind=_text(row, "kind"), status=_text(row, "status"),
        code=_optional_text(row, "code"), message=_optional_text(row, "message"), review=_optional_text(row, "review"),
        receipt_number=_optional_text(row, "receipt_number"), person=_optional_text(row, "person"),
        citizen_id=_optional_text(row, "citizen_id"), scheme=_optional_text(row, "scheme"),
        period_start=_optional_date(row, "period_start"), period_end=_optional_date(row, "period_end"),
        amount=_optional_int(row, "amount"), receipt_check=_optional_text(row, "receipt_check"),
        signature=_optional_text(row, "signature"),
        decision=None if decision is None else _text(decision, "decision"),
        reason=None if decision is None else _text(decision, "reason"),
        decided_by=None if decision is None else _text(decision, "supervisor"),
        decided_at=None if decision is None else _time(decision, "decided_at"))


def _event(row: Mapping[str, Any]) -> HistoryEvent:
    return HistoryEvent(
        kind=_text(row, "kind"), at=_time(row, "at"), batch_id=_text(row, "batch_id"),
        status=_optional_text(row, "status"), code=_optional_text(row, "code"), message=_optional_text(row, "message"),
        duplicate=row.get("duplicate_of") is not None, decision=_optional_text(row, "decision"),
        reason=_optional_text(row, "reason"), supervisor=_optional_text(row, "supervisor"),
        supersedes=row.get("supersedes") is not None)


def _list(answer: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = answer.get(name)
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ProtocolError(name)
    return value


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    if not isinstance(value, str):
        raise ProtocolError(name)
    return value


def _optional_text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        raise ProtocolError(name)
    return value


def _int(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(name)
    return value


def _optional_int(row: Mapping[str, Any], name: str) -> int | None:
    return None if row.get(name) is None else _int(row, name)


def _time(row: Mapping[str, Any], name: str) -> datetime:
    try:
        return parse_wire_time(_text(row, name))
    except ValueError as error:
        raise ProtocolError(name) from error


def _optional_date(row: Mapping[str, Any], name: str) -> date | None:
    text = _optional_text(row, name)
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError as error:
        raise ProtocolError(name) from error
