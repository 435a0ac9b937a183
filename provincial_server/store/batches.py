"""Batches as received, their records with the answer given for each, and first deliveries of records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, select, update

from provincial_server.store.schema import accepted_records, batch_records, batches, devices, points
from provincial_server.store.sql import insert_new, insert_tuples

CHUNK = 500  # ids per IN (...) list


def chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


@dataclass(frozen=True)
class BatchHeader:
    batch_id: str
    device_id: str
    point_code: str
    device_sequence: int
    sealed_at: str
    record_count: int
    total_amount: int
    sha256: str
    content_sha256: str
    references_batch_id: str | None
    source: str  # "api" or "file"


@dataclass(frozen=True)
class StoredBatch:
    batch_id: str
    device_id: str
    point_code: str
    content_sha256: str
    answer: str  # canonical JSON


@dataclass(frozen=True)
class BatchSummaryRow:
    batch_id: str
    device_id: str
    point_code: str
    device_sequence: int
    sealed_at: str
    received_at: datetime
    record_count: int
    total_amount: int
    references_batch_id: str | None
    source: str
    accepted: int
    rejected: int
    pending_review: int
    decided: int  # records with a decision
    series: str  # the device's receipt series (point code + device code): how people name a device


@dataclass(frozen=True)
class BatchQuery:
    """Which batches a supervisor lists; None: any. `received_from`/`received_before`: a half-open span."""

    province_code: str | None = None
    commune_code: str | None = None
    point_code: str | None = None
    device_id: str | None = None
    device_series: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None
    state: str | None = None  # "new" (none decided), "partly", "reviewed" (none pending), "pending" (new or partly)


@dataclass(frozen=True)
class BatchTotals:
    """Over every batch a query matches, not one page."""

    batches: int
    records: int
    amount: int
    pending: int


SORTS = {"received_at": batches.c.received_at, "point": batches.c.point_code, "total": batches.c.total_amount,
         "pending": batches.c.pending_review}


@dataclass(frozen=True)
class DeliveryRow:
    """A record as one batch delivered it, and when."""

    batch_id: str
    device_id: str
    point_code: str
    received_at: datetime
    status: str
    code: str | None
    message: str | None
    duplicate_of: str | None


@dataclass(frozen=True)
class RecordRow:
    batch_id: str
    record_id: str
    position: int
    kind: str
    status: str
    code: str | None
    message: str | None
    digest: str
    payload: str | None  # canonical JSON; None for a duplicate
    duplicate_of: str | None
    review: str | None


@dataclass(frozen=True)
class FirstDelivery:
    batch_id: str
    digest: str


_SUMMARY_COLUMNS = (
    batches.c.batch_id, batches.c.device_id, batches.c.point_code, batches.c.device_sequence,
    batches.c.sealed_at, batches.c.received_at, batches.c.record_count, batches.c.total_amount,
    batches.c.references_batch_id, batches.c.source, batches.c.accepted, batches.c.rejected,
    batches.c.pending_review, batches.c.decided, devices.c.series,
)
_SUMMARY_FROM = batches.join(devices, devices.c.id == batches.c.device_id)
_RECORD_COLUMNS = (
    batch_records.c.batch_id, batch_records.c.record_id, batch_records.c.position, batch_records.c.kind,
    batch_records.c.status, batch_records.c.code, batch_records.c.message, batch_records.c.digest,
    batch_records.c.payload, batch_records.c.duplicate_of, batch_records.c.review,
)


_RECORD_FIELDS = tuple(field.name for field in fields(RecordRow))
_record_values = attrgetter(*_RECORD_FIELDS)  # a RecordRow's values, as a tuple in that order


def _summary(row: Sequence[Any]) -> BatchSummaryRow:
    return BatchSummaryRow(*row)


def _record(row: Sequence[Any]) -> RecordRow:
    return RecordRow(*row)


class Batches:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # ---- receiving

    def insert_new(self, header: BatchHeader, *, now: datetime) -> bool:
        """Insert the batch row unless `batch_id` exists; True if this call inserted it.

        On PostgreSQL a concurrent insert of the same id waits here until the other transaction
        ends, then finds the row: the same batch sent twice at once is processed once.
        """
        values = {**header.__dict__, "received_at": now, "accepted": 0, "rejected": 0,
                  "pending_review": 0, "decided": 0, "answer": ""}
        return bool(self._connection.execute(
            insert_new(self._connection, batches).values(**values).returning(batches.c.batch_id)
        ).all())

    def stored(self, batch_id: str) -> StoredBatch | None:
        row = self._connection.execute(
            select(batches.c.batch_id, batches.c.device_id, batches.c.point_code, batches.c.content_sha256,
                   batches.c.answer).where(batches.c.batch_id == batch_id)
        ).first()
        return None if row is None else StoredBatch(*row)

    def finish(self, batch_id: str, *, answer: str, accepted: int, rejected: int, pending_review: int) -> None:
        self._connection.execute(
            update(batches).where(batches.c.batch_id == batch_id)
            .values(answer=answer, accepted=accepted, rejected=rejected, pending_review=pending_review)
        )

    def add_records(self, rows: Sequence[RecordRow]) -> None:
        insert_tuples(self._connection, batch_records, _RECORD_FIELDS, [_record_values(row) for row in rows])

    def first_deliveries(self, record_ids: Sequence[str]) -> dict[str, FirstDelivery]:
        found: dict[str, FirstDelivery] = {}
        for chunk in chunks(record_ids):
            rows = self._connection.execute(
                select(accepted_records.c.record_id, accepted_records.c.batch_id, accepted_records.c.digest)
                .where(accepted_records.c.record_id.in_(chunk))
            )
            found.update({row[0]: FirstDelivery(row[1], row[2]) for row in rows})
        return found

    def claim_first_deliveries(self, batch_id: str, digests: dict[str, str]) -> set[str]:
        """Record `batch_id` as the first delivery of these records; the ids this call claimed.

        An id already claimed (by an earlier batch, or a concurrent one that committed first) is
        left alone and missing from the result.
        """
        if not digests:
            return set()
        rows = [(record_id, batch_id, digest) for record_id, digest in digests.items()]
        return set(insert_tuples(self._connection, accepted_records, ("record_id", "batch_id", "digest"), rows,
                                 skip_conflicts=True, returning=accepted_records.c.record_id))

    def rejected_deliveries(self, record_ids: Sequence[str], *, device_id: str) -> set[str]:
        """Which of these payment record ids this device delivered and the server rejected (in any batch)."""
        found: set[str] = set()
        for chunk in chunks(record_ids):
            rows = self._connection.execute(
                select(batch_records.c.record_id)
                .join(batches, batches.c.batch_id == batch_records.c.batch_id)
                .where(batch_records.c.record_id.in_(chunk), batch_records.c.status == "rejected",
                       batch_records.c.kind == "payment", batches.c.device_id == device_id))
            found.update(row[0] for row in rows)
        return found

    def release_first_deliveries(self, batch_id: str, record_ids: Sequence[str]) -> None:
        """Undo this transaction's claims for records that turned out not to be accepted."""
        for chunk in chunks(record_ids):
            self._connection.execute(delete(accepted_records).where(
                accepted_records.c.batch_id == batch_id, accepted_records.c.record_id.in_(chunk)
            ))

    # ---- reading and review

    def summary(self, batch_id: str) -> BatchSummaryRow | None:
        row = self._connection.execute(
            select(*_SUMMARY_COLUMNS).select_from(_SUMMARY_FROM).where(batches.c.batch_id == batch_id)).first()
        return None if row is None else _summary(row)

    def summaries(self, query: BatchQuery, *, sort: str = "received_at", descending: bool = True, limit: int,
                  offset: int) -> list[BatchSummaryRow]:
        """One page of the batches `query` matches, sorted by `sort` (a key of SORTS), then by id."""
        key = SORTS[sort]
        order = (key.desc(), batches.c.batch_id.desc()) if descending else (key.asc(), batches.c.batch_id.asc())
        # The page's ids first, off the index; the rows and their devices' series only for those: a deep
        # page then skips index entries, not joined rows.
        page = (select(batches.c.batch_id, key.label("key")).where(*_conditions(query)).order_by(*order)
                .limit(limit).offset(offset).subquery())
        statement = (select(*_SUMMARY_COLUMNS)
                     .select_from(_SUMMARY_FROM.join(page, page.c.batch_id == batches.c.batch_id))
                     .order_by(page.c.key.desc() if descending else page.c.key.asc(),
                               page.c.batch_id.desc() if descending else page.c.batch_id.asc()))
        return [_summary(row) for row in self._connection.execute(statement)]

    def totals(self, query: BatchQuery) -> BatchTotals:
        row = self._connection.execute(
            select(func.count(), func.coalesce(func.sum(batches.c.record_count), 0),
                   func.coalesce(func.sum(batches.c.total_amount), 0),
                   func.coalesce(func.sum(batches.c.pending_review), 0))
            .select_from(batches).where(*_conditions(query))).one()
        return BatchTotals(batches=int(row[0]), records=int(row[1]), amount=int(row[2]), pending=int(row[3]))

    def records(self, batch_id: str) -> list[RecordRow]:
        query = select(*_RECORD_COLUMNS).where(batch_records.c.batch_id == batch_id).order_by(batch_records.c.position)
        return [_record(row) for row in self._connection.execute(query)]

    def deliveries(self, record_id: str) -> list[RecordRow]:
        """Every delivery of a record id, in the order received."""
        query = (
            select(*_RECORD_COLUMNS)
            .join(batches, batches.c.batch_id == batch_records.c.batch_id)
            .where(batch_records.c.record_id == record_id)
            .order_by(batches.c.received_at)
        )
        return [_record(row) for row in self._connection.execute(query)]

    def set_review(self, batch_id: str, position: int, *, review: str, was_pending: bool) -> None:
        self._connection.execute(
            update(batch_records)
            .where(and_(batch_records.c.batch_id == batch_id, batch_records.c.position == position))
            .values(review=review)
        )
        if was_pending:
            self._connection.execute(
                update(batches).where(batches.c.batch_id == batch_id)
                .values(pending_review=batches.c.pending_review - 1, decided=batches.c.decided + 1)
            )

    def pending_records(self, batch_id: str) -> list[str]:
        """The record ids of the batch still awaiting a decision, in batch order."""
        return list(self._connection.scalars(
            select(batch_records.c.record_id)
            .where(batch_records.c.batch_id == batch_id, batch_records.c.review == "pending")
            .order_by(batch_records.c.position)))

    def review_all_pending(self, batch_id: str, *, review: str, count: int) -> None:
        """Give every pending record of the batch `review`; `count` of them were pending (read in this transaction)."""
        self._connection.execute(
            update(batch_records)
            .where(batch_records.c.batch_id == batch_id, batch_records.c.review == "pending")
            .values(review=review))
        self._connection.execute(
            update(batches).where(batches.c.batch_id == batch_id)
            .values(pending_review=batches.c.pending_review - count, decided=batches.c.decided + count))

    def delivery_history(self, record_id: str) -> list[DeliveryRow]:
        """Every delivery of a record id, oldest first."""
        query = (
            select(batch_records.c.batch_id, batches.c.device_id, batches.c.point_code, batches.c.received_at,
                   batch_records.c.status, batch_records.c.code, batch_records.c.message,
                   batch_records.c.duplicate_of)
            .join(batches, batches.c.batch_id == batch_records.c.batch_id)
            .where(batch_records.c.record_id == record_id)
            .order_by(batches.c.received_at, batch_records.c.batch_id, batch_records.c.position)
        )
        return [DeliveryRow(*row) for row in self._connection.execute(query)]

    def lock(self, batch_id: str) -> str | None:
        """Lock the batch's row until the transaction ends (PostgreSQL; SQLite writers take turns anyway);
        its point, None if there is no such batch."""
        return self._connection.scalar(
            select(batches.c.point_code).where(batches.c.batch_id == batch_id).with_for_update())

    def point_of(self, batch_id: str) -> str | None:
        return self._connection.scalar(select(batches.c.point_code).where(batches.c.batch_id == batch_id))

    def counts(self) -> tuple[int, int, int, int]:
        """(batches, records received, records rejected, duplicates) over the whole server."""
        row = self._connection.execute(select(
            func.count(), func.coalesce(func.sum(batches.c.record_count), 0),
            func.coalesce(func.sum(batches.c.rejected), 0),
        ).select_from(batches)).one()
        duplicates = self._connection.scalar(
            select(func.count()).select_from(batch_records).where(batch_records.c.duplicate_of.is_not(None))
        )
        return int(row[0]), int(row[1]), int(row[2]), int(duplicates or 0)


def _conditions(query: BatchQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.point_code is not None:
        found.append(batches.c.point_code == query.point_code)
    if query.commune_code is not None or query.province_code is not None:
        place = select(points.c.code)
        if query.commune_code is not None:
            place = place.where(points.c.commune_code == query.commune_code)
        if query.province_code is not None:
            place = place.where(points.c.province_code == query.province_code)
        found.append(batches.c.point_code.in_(place))
    if query.device_id is not None:
        found.append(batches.c.device_id == query.device_id)
    if query.device_series is not None:
        found.append(batches.c.device_id.in_(select(devices.c.id).where(devices.c.series == query.device_series)))
    if query.received_from is not None:
        found.append(batches.c.received_at >= query.received_from)
    if query.received_before is not None:
        found.append(batches.c.received_at < query.received_before)
    if query.state == "new":
        found += [batches.c.pending_review > 0, batches.c.decided == 0]
    elif query.state == "partly":
        found += [batches.c.pending_review > 0, batches.c.decided > 0]
    elif query.state == "pending":
        found.append(batches.c.pending_review > 0)
    elif query.state == "reviewed":
        found.append(batches.c.pending_review == 0)
    return found
