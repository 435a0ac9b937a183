"""What the progress figures are computed from: the ledger's payments of a scope, net of voids.

A scope is a list of point codes, or None for the whole province. The ledger holds each payment once
however many times a batch delivered it, and a void cancels its receipt's payment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, func, select

from collector_app.domain.progress import Cover, Takings
from provincial_server.store.batches import chunks
from provincial_server.store.schema import batches, changes, payment_items, payments, voids

_STANDING = payments.outerjoin(voids, voids.c.receipt_number == payments.c.receipt_number)


def _in_scope(query: Select[Any], point_codes: Sequence[str] | None) -> Select[Any]:
    query = query.where(voids.c.void_id.is_(None))
    return query if point_codes is None else query.where(payments.c.point_code.in_(point_codes))


class ProgressData:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def covers(self, point_codes: Sequence[str] | None, start: date, end: date) -> list[tuple[str, Cover]]:
        """(point, period) of the scope's standing payments whose period touches start..end."""
        query = _in_scope(
            select(payments.c.point_code, payment_items.c.person_key, payments.c.scheme,
                   payment_items.c.period_start, payment_items.c.period_end)
            .select_from(_STANDING.join(payment_items, payment_items.c.payment_id == payments.c.payment_id))
            .where(payment_items.c.period_end >= start, payment_items.c.period_start <= end), point_codes)
        return [(row[0], Cover(row[1], row[2], row[3], row[4])) for row in self._connection.execute(query)]

    def first_covered(self, person_keys: Sequence[str] | None) -> dict[tuple[str, str], date]:
        """For each person (None: everyone) and scheme, the start of their earliest standing period at any point.

        For a list of people, two look-ups by index a chunk at a time (their items by person key, then
        those items' payments by id), as `Ledger.covers` does: joined in one statement, PostgreSQL's
        planner scanned every payment (a second for one point of a province of 200,000 payments).
        """
        if person_keys is None:
            query = (select(payment_items.c.person_key, payments.c.scheme, func.min(payment_items.c.period_start))
                     .select_from(_STANDING.join(payment_items, payment_items.c.payment_id == payments.c.payment_id))
                     .where(voids.c.void_id.is_(None))
                     .group_by(payment_items.c.person_key, payments.c.scheme))
            return {(row[0], row[1]): row[2] for row in self._connection.execute(query)}
        items: list[tuple[str, str, date]] = []
        for chunk in chunks(sorted(set(person_keys))):
            items += [(row[0], row[1], row[2]) for row in self._connection.execute(
                select(payment_items.c.person_key, payment_items.c.payment_id, payment_items.c.period_start)
                .where(payment_items.c.person_key.in_(chunk)))]
        standing: dict[str, str] = {}  # payment id -> scheme, not voided
        for chunk in chunks(sorted({item[1] for item in items})):
            standing.update({row[0]: row[1] for row in self._connection.execute(
                select(payments.c.payment_id, payments.c.scheme).select_from(_STANDING)
                .where(payments.c.payment_id.in_(chunk), voids.c.void_id.is_(None)))})
        found: dict[tuple[str, str], date] = {}
        for person, payment_id, start in items:
            if payment_id in standing:
                key = (person, standing[payment_id])
                if key not in found or start < found[key]:
                    found[key] = start
        return found

    def takings(self, point_codes: Sequence[str] | None, start: date, end: date) -> list[tuple[str, Takings]]:
        """(point, money taken on a day for a scheme) of the scope's standing payments paid start..end."""
        query = _in_scope(
            select(payments.c.point_code, payments.c.scheme, payments.c.paid_on, func.sum(payments.c.amount))
            .select_from(_STANDING)
            .where(payments.c.paid_on >= start, payments.c.paid_on <= end)
            .group_by(payments.c.point_code, payments.c.scheme, payments.c.paid_on), point_codes)
        return [(row[0], Takings(row[1], row[2], int(row[3]))) for row in self._connection.execute(query)]

    def point_stamps(self, point_codes: Sequence[str] | None) -> dict[str, tuple[object, ...]]:
        """For each point with any, what changes whenever its figures may: its batches received (payments and
        voids come only in batches from its devices) and its latest target change. Two grouped index reads."""
        received = select(batches.c.point_code, func.count(), func.max(batches.c.received_at)).group_by(
            batches.c.point_code)
        targeted = select(changes.c.point_code, func.max(changes.c.id)).where(changes.c.kind == "target").group_by(
            changes.c.point_code)
        if point_codes is not None:
            received = received.where(batches.c.point_code.in_(point_codes))
            targeted = targeted.where(changes.c.point_code.in_(point_codes))
        stamps: dict[str, tuple[object, ...]] = {
            row[0]: (int(row[1]), row[2], None) for row in self._connection.execute(received)}
        for code, change_id in self._connection.execute(targeted):
            count, latest, _none = stamps.get(code, (0, None, None))
            stamps[code] = (count, latest, int(change_id))
        return stamps
