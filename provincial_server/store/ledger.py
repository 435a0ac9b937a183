"""The money ledger: each payment once (by id and by receipt number) with whom it covers, each void once per receipt."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection, and_, func, or_, select

from provincial_server.store.batches import chunks
from provincial_server.store.schema import (
    accepted_records,
    batch_records,
    batches,
    payment_items,
    payments,
    voids,
)
from provincial_server.store.sql import insert_tuples


class PaymentRow(NamedTuple):  # a tuple: hundreds are made per batch, and they go to the database as they are
    payment_id: str
    record_id: str
    batch_id: str
    device_id: str
    point_code: str
    receipt_number: str
    scheme: str
    paid_on: date
    policy_version: str
    gross: int
    state_support: int
    local_support: int
    amount: int
    digest: str
    household_id: str | None
    residence_province: str | None


class ItemRow(NamedTuple):
    payment_id: str
    position: int
    person_key: str
    period_start: date
    period_end: date
    months: int
    supported_months: int | None
    facility_code: str | None  # family HI: the member's initial health-care facility, as the device sent it


class HeldCover(NamedTuple):
    """One item of a payment in the ledger that no void cancelled: months a person has paid for."""

    person_key: str
    scheme: str
    period_start: date
    period_end: date
    supported_months: int | None
    receipt_number: str


class HeldReceipt(NamedTuple):
    payment_id: str
    device_id: str


class VoidRow(NamedTuple):
    void_id: str
    receipt_number: str
    batch_id: str
    device_id: str
    reason: str
    voided_at: str
    digest: str


@dataclass(frozen=True)
class Holder:
    """Who holds an id or a receipt number in the ledger already."""

    key: str  # payment_id or void_id
    receipt_number: str
    batch_id: str
    digest: str


@dataclass(frozen=True)
class ReceiptState:
    payment_id: str
    amount: int
    point_code: str
    voided: bool
    paid_on: date
    device_id: str  # the device that delivered the payment


class Ledger:
    def round_record(self, round_id: str) -> tuple[str, str] | None:
        """(the sending device, the payload) of the visit round first accepted with this id, or None."""
        return _round_record(self._connection, round_id)

    def round_receipts(self, person_keys: Sequence[str], *, point_code: str, since: date) -> list[RoundReceipt]:
        """The point's payments for these people on or after `since`, an item each, voided or not."""
        return _round_receipts(self._connection, person_keys, point_code=point_code, since=since)

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add_payments(self, rows: Sequence[PaymentRow], *, now: datetime) -> set[str]:
        """Insert the payments whose id and receipt number are both new; the ids inserted."""
        if not rows:
            return set()
        return set(insert_tuples(self._connection, payments, (*PaymentRow._fields, "received_at"),
                                 [(*row, now) for row in rows], skip_conflicts=True, returning=payments.c.payment_id))

    def add_items(self, rows: Sequence[ItemRow]) -> None:
        insert_tuples(self._connection, payment_items, ItemRow._fields, rows)

    def covers(self, person_keys: Sequence[str]) -> list[HeldCover]:
        """The items of these people's payments that were not voided, whichever device took them.

        Two look-ups, each by an index, rather than one join: people are usually new (nothing held),
        and a join let PostgreSQL's planner scan every payment while its statistics lagged behind a
        growing table (a second a batch, measured).
        """
        items: list[tuple[str, str, date, date, int | None]] = []
        for chunk in chunks(person_keys):
            items += [(row[0], row[1], row[2], row[3], row[4]) for row in self._connection.execute(
                select(payment_items.c.person_key, payment_items.c.payment_id, payment_items.c.period_start,
                       payment_items.c.period_end, payment_items.c.supported_months)
                .where(payment_items.c.person_key.in_(chunk)))]
        if not items:
            return []
        standing: dict[str, tuple[str, str]] = {}  # payment id -> (scheme, receipt number), not voided
        for chunk in chunks(sorted({item[1] for item in items})):
            rows = self._connection.execute(
                select(payments.c.payment_id, payments.c.scheme, payments.c.receipt_number)
                .select_from(payments.outerjoin(voids, voids.c.receipt_number == payments.c.receipt_number))
                .where(payments.c.payment_id.in_(chunk), voids.c.void_id.is_(None)))
            standing.update({row[0]: (row[1], row[2]) for row in rows})
        return [HeldCover(key, standing[payment_id][0], start, end, supported, standing[payment_id][1])
                for key, payment_id, start, end, supported in items if payment_id in standing]

    def held_receipts(self, numbers: Sequence[str]) -> dict[str, HeldReceipt]:
        """The payment and device of each of these receipt numbers the ledger holds."""
        found: dict[str, HeldReceipt] = {}
        for chunk in chunks(numbers):
            rows = self._connection.execute(
                select(payments.c.receipt_number, payments.c.payment_id, payments.c.device_id)
                .where(payments.c.receipt_number.in_(chunk)))
            found.update({row[0]: HeldReceipt(row[1], row[2]) for row in rows})
        return found

    def payment_holders(self, payment_ids: Sequence[str], numbers: Sequence[str]) -> list[Holder]:
        """Payments that have one of these ids or receipt numbers."""
        found: list[Holder] = []
        columns = (payments.c.payment_id, payments.c.receipt_number, payments.c.batch_id, payments.c.digest)
        for ids in chunks(payment_ids):
            found += [Holder(*row) for row in self._connection.execute(
                select(*columns).where(payments.c.payment_id.in_(ids)))]
        for chunk in chunks(numbers):
            found += [Holder(*row) for row in self._connection.execute(
                select(*columns).where(payments.c.receipt_number.in_(chunk)))]
        return found

    def add_voids(self, rows: Sequence[VoidRow], *, now: datetime) -> set[str]:
        """Insert the voids whose id and receipt number are both new; the ids inserted."""
        if not rows:
            return set()
        return set(insert_tuples(self._connection, voids, (*VoidRow._fields, "received_at"),
                                 [(*row, now) for row in rows], skip_conflicts=True, returning=voids.c.void_id))

    def void_holders(self, void_ids: Sequence[str], numbers: Sequence[str]) -> list[Holder]:
        found: list[Holder] = []
        columns = (voids.c.void_id, voids.c.receipt_number, voids.c.batch_id, voids.c.digest)
        for chunk in chunks(list(void_ids) + list(numbers)):
            found += [Holder(*row) for row in self._connection.execute(
                select(*columns).where(or_(voids.c.void_id.in_(chunk), voids.c.receipt_number.in_(chunk))))]
        return found

    def receipt(self, receipt_number: str) -> ReceiptState | None:
        """The recorded payment with this receipt number and whether a void for it was received."""
        row = self._connection.execute(
            select(payments.c.payment_id, payments.c.amount, payments.c.point_code, payments.c.paid_on,
                   payments.c.device_id)
            .where(payments.c.receipt_number == receipt_number)
        ).first()
        if row is None:
            return None
        return ReceiptState(payment_id=row[0], amount=int(row[1]), point_code=row[2],
                            voided=self.is_voided(receipt_number), paid_on=row[3], device_id=row[4])

    def payer_name(self, receipt_number: str) -> str | None:
        """The payer's name as the device sent it with the payment of this receipt number; None if none came."""
        payload = self._connection.scalar(
            select(batch_records.c.payload)
            .select_from(payments.join(batch_records, (batch_records.c.batch_id == payments.c.batch_id)
                                       & (batch_records.c.record_id == payments.c.record_id)))
            .where(payments.c.receipt_number == receipt_number, batch_records.c.payload.is_not(None))
            .limit(1)
        )
        name = None if payload is None else json.loads(payload).get("payer_name")
        return name if isinstance(name, str) else None
    def receipts(self, numbers: Sequence[str]) -> dict[str, ReceiptState]:
        """`receipt` for many numbers at once (a batch's), by number: two queries, not two a number."""
        found: dict[str, ReceiptState] = {}
        for chunk in chunks(list(numbers)):
            voided = set(self._connection.scalars(select(voids.c.receipt_number).where(voids.c.receipt_number.in_(chunk))))
            for row in self._connection.execute(
                    select(payments.c.receipt_number, payments.c.payment_id, payments.c.amount, payments.c.point_code,
                           payments.c.paid_on, payments.c.device_id).where(payments.c.receipt_number.in_(chunk))):
                found[row[0]] = ReceiptState(payment_id=row[1], amount=int(row[2]), point_code=row[3],
                                             voided=row[0] in voided, paid_on=row[4], device_id=row[5])
        return found

    def is_voided(self, receipt_number: str) -> bool:
        return self._connection.scalar(
            select(func.count()).select_from(voids).where(voids.c.receipt_number == receipt_number)
        ) != 0

    def totals(self) -> tuple[int, int, int]:
        """(payments, their total amount, the total of those voided)."""
        count, total = self._connection.execute(
            select(func.count(), func.coalesce(func.sum(payments.c.amount), 0)).select_from(payments)
        ).one()
        voided = self._connection.scalar(
            select(func.coalesce(func.sum(payments.c.amount), 0))
            .select_from(payments.join(voids, voids.c.receipt_number == payments.c.receipt_number))
        )
        return int(count), int(total), int(voided or 0)


class CommissionPayment(NamedTuple):
    """A payment a commission statement counts: accepted, its receipt not voided."""

    payment_id: str
    point_code: str
    scheme: str
    paid_on: date
    receipt_number: str
    record_id: str


class CommissionQueries:
    """What a commission statement reads from the ledger (`services.commission`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def standing_payments(self, since: date, until: date, point_code: str | None) -> list[CommissionPayment]:
        query = (
            select(payments.c.payment_id, payments.c.point_code, payments.c.scheme, payments.c.paid_on,
                   payments.c.receipt_number, payments.c.record_id)
            .select_from(payments.outerjoin(voids, voids.c.receipt_number == payments.c.receipt_number))
            .where(payments.c.paid_on >= since, payments.c.paid_on <= until, voids.c.void_id.is_(None))
            .order_by(payments.c.point_code, payments.c.paid_on, payments.c.receipt_number))
        if point_code is not None:
            query = query.where(payments.c.point_code == point_code)
        return [CommissionPayment(*row) for row in self._connection.execute(query)]

    def people_of(self, payment_ids: Sequence[str]) -> list[tuple[str, int, str]]:
        """(payment id, position, person key) of each item of these payments."""
        found: list[tuple[str, int, str]] = []
        for chunk in chunks(payment_ids):
            found += [(row[0], row[1], row[2]) for row in self._connection.execute(
                select(payment_items.c.payment_id, payment_items.c.position, payment_items.c.person_key)
                .where(payment_items.c.payment_id.in_(chunk)))]
        return found

    def item_amounts(self, record_ids: Sequence[str]) -> dict[str, list[int]]:
        """Each payment record's per-participant amounts, from the payload of its first accepted delivery
        (the ledger keeps only the payment's total; the items' amounts stay in the payload)."""
        found: dict[str, list[int]] = {}
        for chunk in chunks(record_ids):
            rows = self._connection.execute(
                select(batch_records.c.record_id, batch_records.c.payload)
                .select_from(accepted_records.join(batch_records, (batch_records.c.batch_id == accepted_records.c.batch_id)
                                                   & (batch_records.c.record_id == accepted_records.c.record_id)))
                .where(accepted_records.c.record_id.in_(chunk), batch_records.c.payload.is_not(None)))
            for record_id, payload in rows:
                found.setdefault(record_id, [int(item["amount"]) for item in json.loads(payload)["items"]])
        return found

    def earliest_payments(self, person_keys: Sequence[str]) -> dict[tuple[str, str], tuple[date, str]]:
        """(person key, scheme) -> (paid_on, receipt number) of the person's first payment of the scheme
        that was not voided, whichever point took it."""
        first: dict[tuple[str, str], tuple[date, str]] = {}
        for chunk in chunks(person_keys):
            rows = self._connection.execute(
                select(payment_items.c.person_key, payments.c.scheme, payments.c.paid_on, payments.c.receipt_number)
                .select_from(payment_items.join(payments, payments.c.payment_id == payment_items.c.payment_id)
                             .outerjoin(voids, voids.c.receipt_number == payments.c.receipt_number))
                .where(payment_items.c.person_key.in_(chunk), voids.c.void_id.is_(None)))
            for key, scheme, paid_on, number in rows:
                seen = first.get((key, scheme))
                if seen is None or (paid_on, number) < seen:
                    first[(key, scheme)] = (paid_on, number)
        return first


class RoundReceipt(NamedTuple):
    """One person's share of a payment of the ledger, for a visit round's people."""

    receipt_number: str
    person_key: str
    scheme: str
    paid_on: date
    position: int  # the item's place in its payment
    payload: str  # the payment record's canonical JSON: the item's amount is in it
    voided: bool


def _round_record(connection: Connection, round_id: str) -> tuple[str, str] | None:
    """(the sending device, the payload) of a visit round first accepted with this id, or None."""
    row = connection.execute(
        select(batches.c.device_id, batch_records.c.payload)
        .select_from(accepted_records.join(batches, batches.c.batch_id == accepted_records.c.batch_id)
                     .join(batch_records, and_(batch_records.c.batch_id == accepted_records.c.batch_id,
                                               batch_records.c.record_id == accepted_records.c.record_id)))
        .where(accepted_records.c.record_id == round_id, batch_records.c.kind == "round",
               batch_records.c.status == "accepted", batch_records.c.payload.is_not(None))
        .limit(1)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def _round_receipts(connection: Connection, person_keys: Sequence[str], *, point_code: str,
                   since: date) -> list[RoundReceipt]:
    """The point's payments for these people dated on or after `since`, an item each, voided or not."""
    found: list[RoundReceipt] = []
    for chunk in chunks(list(person_keys)):
        query = (
            select(payments.c.receipt_number, payment_items.c.person_key, payments.c.scheme, payments.c.paid_on,
                   payment_items.c.position, batch_records.c.payload, voids.c.void_id.is_not(None))
            .select_from(payment_items.join(payments, payments.c.payment_id == payment_items.c.payment_id)
                         .join(batch_records, and_(batch_records.c.batch_id == payments.c.batch_id,
                                                   batch_records.c.record_id == payments.c.record_id))
                         .outerjoin(voids, voids.c.receipt_number == payments.c.receipt_number))
            .where(payment_items.c.person_key.in_(chunk), payments.c.point_code == point_code,
                   payments.c.paid_on >= since, batch_records.c.payload.is_not(None))
            .order_by(payments.c.paid_on, payments.c.receipt_number, payment_items.c.position))
        found += [RoundReceipt(row[0], row[1], row[2], row[3], int(row[4]), str(row[5]), bool(row[6]))
                  for row in connection.execute(query)]
    return found
