"""Supervisors' review: the batches of the province by place, device, date and review state, one batch's
records as a supervisor checks them, each record's history, and approving or rejecting records.

A decision is appended to the change feed of the record's point, so the device hears of it on its
next pull. Decisions are an audit trail: a later decision on a record supersedes the earlier one,
which the database keeps unchanged (a trigger refuses UPDATE and DELETE), and must say why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from collector_app.domain.problems import ProblemCode
from collector_app.domain.receipt_codes import ReceiptClaim, signs
from collector_app.wire import Decision, ErrorCode
from provincial_server.clock import vietnam_midnight
from provincial_server.services.errors import Conflict, Invalid, NotFound
from provincial_server.services.receipts import check_claims
from provincial_server.store.batches import BatchQuery, BatchSummaryRow, BatchTotals, DeliveryRow, RecordRow
from provincial_server.store.feed import DecisionRow
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

PENDING = "pending"
REVIEWED = "reviewed"
_REVIEW_OF = {Decision.APPROVE: "approved", Decision.REJECT: "rejected"}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHOWN_DIGITS = 4  # of a citizen ID: enough to recognise a person, not to copy the number


def review_status(batch: BatchSummaryRow) -> str:
    """"pending" while some accepted record awaits a decision, else "reviewed" (the list's older filter)."""
    return PENDING if batch.pending_review > 0 else REVIEWED


def review_state(batch: BatchSummaryRow) -> str:
    """"new" (no record decided yet), "partly" (some decided, some pending) or "reviewed" (none pending)."""
    if batch.pending_review == 0:
        return "reviewed"
    return "partly" if batch.decided > 0 else "new"


@dataclass(frozen=True)
class BatchFilter:
    """A supervisor's filter, as the list's query parameters give it."""

    province: str | None = None
    commune: str | None = None
    point: str | None = None
    device: str | None = None  # its id, or its receipt series (e.g. "BD01M1")
    received_from: date | None = None
    received_to: date | None = None  # inclusive
    state: str | None = None  # "new", "partly", "reviewed", or the older "pending" (new or partly)

    def query(self) -> BatchQuery:
        return BatchQuery(
            province_code=self.province, commune_code=self.commune, point_code=self.point,
            device_id=self.device if self.device and _UUID.fullmatch(self.device) else None,
            device_series=self.device if self.device and not _UUID.fullmatch(self.device) else None,
            received_from=None if self.received_from is None else vietnam_midnight(self.received_from),
            received_before=None if self.received_to is None else vietnam_midnight(self.received_to + timedelta(days=1)),
            state=self.state,
        )


@dataclass(frozen=True)
class BatchPage:
    batches: list[BatchSummaryRow]
    totals: BatchTotals | None  # of the whole filter; None when not asked for


def list_batches(uow: UnitOfWork, where: BatchFilter, *, sort: str = "received_at", descending: bool = True,
                 limit: int, offset: int, totals: bool = True) -> BatchPage:
    """One page of the batches matching `where`, and (unless not `totals`: a list paging on, which has them)
    the count and totals of all of them."""
    if where.received_from and where.received_to and where.received_from > where.received_to:
        raise Invalid(ErrorCode.REQUEST_INVALID, "received_from is after received_to")
    query = where.query()
    with uow:
        rows = uow.batches.summaries(query, sort=sort, descending=descending, limit=limit, offset=offset)
        return BatchPage(batches=rows, totals=uow.batches.totals(query) if totals else None)


@dataclass(frozen=True)
class ReviewedRecord:
    """A record of a batch as a supervisor checks it: what it is, the server's check, the receipt's, the review."""

    record_id: str
    position: int
    kind: str
    status: str  # the server's check: "accepted" or "rejected" (with code and message)
    code: str | None
    message: str | None
    review: str | None  # "pending", "approved", "rejected"; None when there is nothing to decide
    duplicate_of: str | None
    payload: dict[str, Any] | None
    receipt_number: str | None
    person: str | None  # the payer's name
    citizen_id: str | None  # masked: all but the last 4 digits
    scheme: str | None
    paid_on: str | None
    period_start: str | None
    period_end: str | None
    gross: int | None
    support: int | None  # state and local support together
    amount: int | None
    receipt_check: str | None  # None: not a payment; "valid", or the ProblemCode value verification gives
    signature: str | None  # None: not a payment; the QR code's signature the record carries: valid, invalid, absent
    decision: DecisionRow | None  # the latest


def batch_detail(uow: UnitOfWork, batch_id: str, *, today: date) -> tuple[BatchSummaryRow, list[ReviewedRecord]]:
    with uow:
        summary = uow.batches.summary(batch_id)
        if summary is None:
            raise NotFound(ErrorCode.NOT_FOUND, f"no batch {batch_id}")
        latest = uow.feed.latest_decisions(batch_id)
        records = [_reviewed(row, decision=latest.get(row.record_id)) for row in uow.batches.records(batch_id)]
        device = uow.points.device(summary.device_id)
        claims = {n: claim for n, record in enumerate(records) if (claim := _claim(record, summary.series)) is not None}
        checks = ([ProblemCode.RECEIPT_CODE_UNKNOWN_DEVICE] * len(claims) if device is None
                  else check_claims(uow, list(claims.values()), device, today=today))
    by_record = dict(zip(claims, checks, strict=True))
    return summary, [replace(record, receipt_check=_check_text(record, by_record.get(n, _UNCHECKED)),
                             signature=_signature_state(record, claims.get(n), device))
                     for n, record in enumerate(records)]


_UNCHECKED = ProblemCode.RECEIPT_CODE_MALFORMED  # a payment whose figures cannot make a QR code


def _claim(record: ReviewedRecord, series: str) -> ReceiptClaim | None:
    """What the payment's receipt QR code signs; None for other kinds or figures no code could carry."""
    if record.kind != "payment" or not record.receipt_number or not record.paid_on or record.amount is None:
        return None
    try:
        claim = ReceiptClaim(record.receipt_number, record.amount, date.fromisoformat(record.paid_on), series)
        claim.canonical()
    except ValueError:
        return None
    return claim


def _signature_state(record: ReviewedRecord, claim: ReceiptClaim | None, device: DeviceRow | None) -> str | None:
    """The receipt QR code's signature the payment's record carries, checked with the key the device enrolled
    with against the record's own figures (number, amount, date): a figure changed after signing, or a
    signature not made with that key, is "invalid"; a record without one (older devices) "absent"."""
    if record.kind != "payment":
        return None
    receipt = (record.payload or {}).get("receipt")
    signature = receipt.get("signature") if isinstance(receipt, dict) else None
    if signature is None:
        return "absent"
    if not isinstance(signature, str) or claim is None or device is None:
        return "invalid"
    return "valid" if signs(signature, claim, device.public_key) else "invalid"


def _check_text(record: ReviewedRecord, problem: ProblemCode | None) -> str | None:
    if record.kind != "payment":
        return None
    return "valid" if problem is None else problem.value


def _reviewed(row: RecordRow, *, decision: DecisionRow | None) -> ReviewedRecord:
    payload: dict[str, Any] | None = None if row.payload is None else json.loads(row.payload)
    facts = _payment_facts(payload) if row.kind == "payment" and payload is not None else {}
    if row.kind == "void" and payload is not None:
        facts = {"receipt_number": _text(payload.get("receipt_number"))}
    return ReviewedRecord(
        record_id=row.record_id, position=row.position, kind=row.kind, status=row.status, code=row.code,
        message=row.message, review=row.review, duplicate_of=row.duplicate_of, payload=_masked(payload),
        receipt_number=facts.get("receipt_number"), person=facts.get("person"), citizen_id=facts.get("citizen_id"),
        scheme=facts.get("scheme"), paid_on=facts.get("paid_on"), period_start=facts.get("period_start"),
        period_end=facts.get("period_end"), gross=facts.get("gross"), support=facts.get("support"),
        amount=facts.get("amount"), receipt_check=None, signature=None, decision=decision,
    )


def _payment_facts(payload: dict[str, Any]) -> dict[str, Any]:
    """What a supervisor reads of a payment as delivered (figures the server checked; shapes not trusted)."""
    receipt: dict[str, Any] = payload["receipt"] if isinstance(payload.get("receipt"), dict) else {}
    items: list[dict[str, Any]] = [item for item in payload["items"] if isinstance(item, dict)] \
        if isinstance(payload.get("items"), list) else []
    starts = sorted(str(item["period_start"]) for item in items if isinstance(item.get("period_start"), str))
    ends = sorted(str(item["period_end"]) for item in items if isinstance(item.get("period_end"), str))
    citizen_ids = [str(item["citizen_id"]) for item in items if isinstance(item.get("citizen_id"), str)]
    state, local = _int(payload.get("state_support")), _int(payload.get("local_support"))
    return {
        "receipt_number": _text(receipt.get("number")), "person": _text(payload.get("payer_name")),
        "citizen_id": mask_citizen_id(citizen_ids[0]) if citizen_ids else None,
        "scheme": _text(payload.get("scheme")), "paid_on": _text(payload.get("paid_on")),
        "period_start": starts[0] if starts else None, "period_end": ends[-1] if ends else None,
        "gross": _int(payload.get("gross")),
        "support": None if state is None or local is None else state + local,
        "amount": _int(payload.get("amount")),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _masked(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The payload with each member's citizen ID masked: the whole record is shown, never the numbers."""
    if payload is None or not isinstance(payload.get("items"), list):
        return payload
    items = [{**item, "citizen_id": mask_citizen_id(item["citizen_id"])}
             if isinstance(item, dict) and isinstance(item.get("citizen_id"), str) else item
             for item in payload["items"]]
    return {**payload, "items": items}


def mask_citizen_id(citizen_id: str) -> str:
    """"********1234": a supervisor recognises the person without being handed the number."""
    shown = citizen_id[-_SHOWN_DIGITS:]
    return "*" * max(0, len(citizen_id) - len(shown)) + shown


@dataclass(frozen=True)
class RecordHistory:
    record_id: str
    deliveries: list[DeliveryRow]  # oldest first
    decisions: list[DecisionRow]  # oldest first


def record_history(uow: UnitOfWork, record_id: str) -> RecordHistory:
    """Every delivery of a record and every decision on it."""
    with uow:
        deliveries = uow.batches.delivery_history(record_id)
        if not deliveries:
            raise NotFound(ErrorCode.NOT_FOUND, f"no record {record_id} has been received")
        return RecordHistory(record_id=record_id, deliveries=deliveries,
                             decisions=uow.feed.decisions_of_record(record_id))


@dataclass(frozen=True)
class DecisionMade:
    record_id: str
    batch_id: str
    decision: str
    reason: str
    decided_at: datetime
    supersedes: int | None = None  # the change id of the decision this one replaced


def decide(uow: UnitOfWork, record_id: str, *, decision: Decision, reason: str, supervisor_id: int,
           now: datetime) -> DecisionMade:
    """Approve or reject the accepted record `record_id`.

    A rejection needs a reason, and so does any decision on a record already decided: it supersedes
    the earlier decision, which stays in the audit trail as it was. The latest decision asked for again
    is answered as made, not appended again.
    """
    reason = reason.strip()
    if decision is Decision.REJECT and not reason:
        raise Invalid(ErrorCode.REQUEST_INVALID, "say why the record is rejected: the reason is empty")
    with uow:
        deliveries = uow.batches.deliveries(record_id)
        if not deliveries:
            raise NotFound(ErrorCode.NOT_FOUND, f"no record {record_id} has been received")
        reviewable = next((d for d in deliveries if d.review is not None), None)
        if reviewable is None:
            raise Conflict(ErrorCode.REVIEW_NOT_REVIEWABLE,
                           "this record was not accepted by the server (or is not reviewed): there is nothing to decide")
        # Decisions on one batch take turns (with approve_rest too), then read the review as it now is.
        uow.batches.lock(reviewable.batch_id)
        reviewable = next(d for d in uow.batches.deliveries(record_id) if d.review is not None)
        earlier = uow.feed.decisions_of_record(record_id)
        latest = earlier[-1] if earlier else None
        if latest is not None and (latest.decision, latest.reason) == (decision.value, reason):
            # The same decision again (a reply lost, the call repeated): answered, not appended twice.
            return DecisionMade(record_id=record_id, batch_id=latest.batch_id, decision=latest.decision,
                                reason=latest.reason, decided_at=latest.decided_at, supersedes=latest.supersedes)
        supersedes = latest.change_id if latest is not None else None
        if supersedes is not None and not reason:
            raise Invalid(ErrorCode.REQUEST_INVALID,
                          "the record was already decided: a new decision supersedes it and must say why")
        point_code = uow.batches.point_of(reviewable.batch_id)
        change_id = uow.feed.append("decision", point_code=point_code, now=now)
        uow.feed.add_decision(change_id, record_id=record_id, batch_id=reviewable.batch_id, decision=decision.value,
                              reason=reason, decided_at=now, supervisor_id=supervisor_id, supersedes=supersedes)
        uow.batches.set_review(reviewable.batch_id, reviewable.position, review=_REVIEW_OF[decision],
                               was_pending=reviewable.review == PENDING)
        if (reviewable.review == _REVIEW_OF[Decision.REJECT]) != (decision is Decision.REJECT):
            # A payment rejected (or no longer) leaves (or joins) the progress figures: of its point, and of
            # any point where its people paid too (who is new there follows their earliest period anywhere).
            uow.progress.raise_versions(uow.progress.points_of_people_paid(record_ids=[record_id]))
        uow.commit()
    return DecisionMade(record_id=record_id, batch_id=reviewable.batch_id, decision=decision.value, reason=reason,
                        decided_at=now, supersedes=supersedes)


def approve_rest(uow: UnitOfWork, batch_id: str, *, supervisor_id: int, now: datetime) -> int:
    """Approve every record of the batch still awaiting a decision, in one transaction; how many.

    Idempotent: a second call finds none pending and approves nothing. Records decided already keep
    their decision (this never supersedes one).
    """
    with uow:
        point_code = uow.batches.lock(batch_id)
        if point_code is None:
            raise NotFound(ErrorCode.NOT_FOUND, f"no batch {batch_id}")
        pending = uow.batches.pending_records(batch_id)
        if not pending:
            return 0
        change_ids = uow.feed.append_many("decision", len(pending), now=now, point_code=point_code)
        uow.feed.add_first_decisions(change_ids, pending, batch_id=batch_id, decision=Decision.APPROVE.value,
                                     decided_at=now, supervisor_id=supervisor_id)
        uow.batches.review_all_pending(batch_id, review=_REVIEW_OF[Decision.APPROVE], count=len(pending))
        uow.commit()
    return len(pending)
