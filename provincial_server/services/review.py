"""Supervisors' review: batches by point and status, one batch's records, approving or rejecting a record.

A decision is appended to the change feed of the record's point, so the device hears of it on its
next pull; a later decision on the same record supersedes the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from collector_app.wire import Decision, ErrorCode
from provincial_server.services.errors import Conflict, Invalid, NotFound
from provincial_server.store.batches import BatchSummaryRow, RecordRow
from provincial_server.store.unit_of_work import UnitOfWork

PENDING = "pending"
REVIEWED = "reviewed"
_REVIEW_OF = {Decision.APPROVE: "approved", Decision.REJECT: "rejected"}


def review_status(batch: BatchSummaryRow) -> str:
    """"pending" while some accepted record awaits a decision, else "reviewed"."""
    return PENDING if batch.pending_review > 0 else REVIEWED


def list_batches(uow: UnitOfWork, *, point_code: str | None, status: str | None, limit: int,
                 offset: int) -> list[BatchSummaryRow]:
    """Batches newest first, of one point or all, pending or reviewed or both."""
    pending = None if status is None else status == PENDING
    with uow:
        return uow.batches.summaries(point_code=point_code, pending=pending, limit=limit, offset=offset)


def batch_detail(uow: UnitOfWork, batch_id: str) -> tuple[BatchSummaryRow, list[RecordRow]]:
    with uow:
        summary = uow.batches.summary(batch_id)
        if summary is None:
            raise NotFound(ErrorCode.NOT_FOUND, f"no batch {batch_id}")
        return summary, uow.batches.records(batch_id)


@dataclass(frozen=True)
class DecisionMade:
    record_id: str
    batch_id: str
    decision: str
    reason: str
    decided_at: datetime


def decide(uow: UnitOfWork, record_id: str, *, decision: Decision, reason: str, supervisor_id: int,
           now: datetime) -> DecisionMade:
    """Approve or reject the accepted record `record_id` (a rejection needs a reason)."""
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
        point_code = uow.batches.point_of(reviewable.batch_id)
        change_id = uow.feed.append("decision", point_code=point_code, now=now)
        uow.feed.add_decision(change_id, record_id=record_id, batch_id=reviewable.batch_id, decision=decision.value,
                              reason=reason, decided_at=now, supervisor_id=supervisor_id)
        uow.batches.set_review(reviewable.batch_id, reviewable.position, review=_REVIEW_OF[decision],
                               was_pending=reviewable.review == PENDING)
        uow.commit()
    return DecisionMade(record_id=record_id, batch_id=reviewable.batch_id, decision=decision.value, reason=reason,
                        decided_at=now)
