"""What the progress figures are computed from, and where they are kept once computed.

The ledger's standing payments of a scope: not voided and not rejected by a supervisor (the record's
current review), as the dashboard's money. A scope is a list of point codes, or None for the whole
province. The ledger holds each payment once however many times a batch delivered it.

Each point's figures for a year are stored (`progress_figures`) under the point's ledger version
(`ledger_versions`, raised in the transaction of whatever changes them: `raise_versions`), with the time
they were computed; the targets are not part of them (the service holds them against the targets it reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, and_, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from collector_app.domain.progress import Cover, Takings
from provincial_server.store.batches import chunks
from provincial_server.store.schema import (
    batch_records,
    ledger_versions,
    payment_items,
    payments,
    progress_figures,
    voids,
)

_STANDING = payments.outerjoin(voids, voids.c.receipt_number == payments.c.receipt_number)
_REJECTED = exists().where(batch_records.c.record_id == payments.c.record_id, batch_records.c.review == "rejected")


class Stored(NamedTuple):
    version: int  # the point's ledger version the figures were computed under
    figures: str
    computed_at: datetime


def _standing(query: Select[Any]) -> Select[Any]:
    return query.where(voids.c.void_id.is_(None), ~_REJECTED)


def _in_scope(query: Select[Any], point_codes: Sequence[str] | None) -> Select[Any]:
    query = _standing(query)
    return query if point_codes is None else query.where(payments.c.point_code.in_(point_codes))


class ProgressData:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def ledger(self, point_codes: Sequence[str] | None, start: date, end: date
               ) -> tuple[list[tuple[str, Cover]], list[tuple[str, Takings]]]:
        """The scope's standing payments in one read: (point, period) of those whose period touches start..end,
        and (point, money taken) of those paid start..end (one a payment, however many people it covers)."""
        touches = and_(payment_items.c.period_end >= start, payment_items.c.period_start <= end)
        query = _in_scope(
            select(payments.c.point_code, payments.c.payment_id, payments.c.scheme, payments.c.paid_on,
                   payments.c.amount, payment_items.c.person_key, payment_items.c.period_start,
                   payment_items.c.period_end)
            .select_from(_STANDING.outerjoin(payment_items, payment_items.c.payment_id == payments.c.payment_id))
            .where(or_(touches, and_(payments.c.paid_on >= start, payments.c.paid_on <= end))), point_codes)
        covers: list[tuple[str, Cover]] = []
        takings: list[tuple[str, Takings]] = []
        taken: set[str] = set()
        for point, payment_id, scheme, paid_on, amount, person, began, ended in self._connection.execute(query):
            if person is not None and ended >= start and began <= end:
                covers.append((point, Cover(person, scheme, began, ended)))
            if start <= paid_on <= end and payment_id not in taken:
                taken.add(payment_id)
                takings.append((point, Takings(scheme, paid_on, int(amount))))
        return covers, takings

    def first_covered(self, person_keys: Sequence[str], before: date) -> dict[tuple[str, str], date]:
        """For each of these people and scheme with a standing period starting before `before` at any point,
        the earliest such start.

        Two look-ups by index a chunk at a time (their items by person key, then those items' payments by
        id), as `Ledger.covers` does: joined in one statement, PostgreSQL's planner scanned every payment
        (a second for one point of a province of 200,000 payments).
        """
        items: list[tuple[str, str, date]] = []
        for chunk in chunks(sorted(set(person_keys))):
            items += [(row[0], row[1], row[2]) for row in self._connection.execute(
                select(payment_items.c.person_key, payment_items.c.payment_id, payment_items.c.period_start)
                .where(payment_items.c.person_key.in_(chunk), payment_items.c.period_start < before))]
        standing: dict[str, str] = {}  # payment id -> scheme
        for chunk in chunks(sorted({item[1] for item in items})):
            standing.update({row[0]: row[1] for row in self._connection.execute(_standing(
                select(payments.c.payment_id, payments.c.scheme).select_from(_STANDING)
                .where(payments.c.payment_id.in_(chunk))))})
        found: dict[tuple[str, str], date] = {}
        for person, payment_id, start in items:
            if payment_id in standing:
                key = (person, standing[payment_id])
                if key not in found or start < found[key]:
                    found[key] = start
        return found

    # ---- the versions and the stored figures ---------------------------------------------------------

    def versions(self, point_codes: Sequence[str] | None) -> dict[str, int]:
        """The ledger version of these points (None: every point) that have one (the others are at 0)."""
        query = select(ledger_versions.c.point_code, ledger_versions.c.version)
        if point_codes is not None:
            query = query.where(ledger_versions.c.point_code.in_(point_codes))
        return {row[0]: int(row[1]) for row in self._connection.execute(query)}

    def stored(self, year: int, point_codes: Sequence[str] | None) -> dict[str, Stored]:
        query = (select(progress_figures.c.point_code, progress_figures.c.version, progress_figures.c.figures,
                        progress_figures.c.computed_at).where(progress_figures.c.year == year))
        if point_codes is not None:
            query = query.where(progress_figures.c.point_code.in_(point_codes))
        return {row[0]: Stored(int(row[1]), row[2], row[3]) for row in self._connection.execute(query)}

    def store(self, year: int, rows: Iterable[tuple[str, Stored]]) -> None:
        """Keep these points' figures for `year`, in place of any kept before."""
        values = [{"point_code": code, "year": year, "version": kept.version, "figures": kept.figures,
                   "computed_at": kept.computed_at} for code, kept in rows]
        if not values:
            return
        statement = _dialect(self._connection).insert(progress_figures)
        statement = statement.on_conflict_do_update(
            index_elements=[progress_figures.c.point_code, progress_figures.c.year],
            set_={name: statement.excluded[name] for name in ("version", "figures", "computed_at")},
            # Two workers computing one point: figures of an older version never replace newer ones.
            where=progress_figures.c.version < statement.excluded.version)
        self._connection.execute(statement, values)

    def raise_versions(self, point_codes: Iterable[str]) -> None:
        """Raise these points' ledger versions: their stored figures are computed again when next asked for."""
        codes = sorted(set(point_codes))
        if not codes:
            return
        statement = _dialect(self._connection).insert(ledger_versions)
        statement = statement.on_conflict_do_update(
            index_elements=[ledger_versions.c.point_code],
            set_={"version": ledger_versions.c.version + 1})
        self._connection.execute(statement, [{"point_code": code, "version": 1} for code in codes])

    def points_of_people_paid(self, payment_ids: Sequence[str] = (), receipt_numbers: Sequence[str] = (),
                              record_ids: Sequence[str] = ()) -> set[str]:
        """The points holding a payment (any, standing or not) of anyone these payments (by id, receipt number
        or record id) cover, these payments' own points among them: whose figures a change to them may move."""
        ids = set(payment_ids)
        for column, keys in ((payments.c.receipt_number, receipt_numbers), (payments.c.record_id, record_ids)):
            for chunk in chunks(sorted(set(keys))):
                ids.update(self._connection.scalars(select(payments.c.payment_id).where(column.in_(chunk))))
        people: set[str] = set()
        for chunk in chunks(sorted(ids)):
            people.update(self._connection.scalars(
                select(payment_items.c.person_key).where(payment_items.c.payment_id.in_(chunk))))
        found: set[str] = set()
        for chunk in chunks(sorted(people)):
            held = sorted(set(self._connection.scalars(
                select(payment_items.c.payment_id).where(payment_items.c.person_key.in_(chunk)))))
            for ids_chunk in chunks(held):
                found.update(self._connection.scalars(
                    select(payments.c.point_code).where(payments.c.payment_id.in_(ids_chunk)).distinct()))
        return found


def _dialect(connection: Connection) -> Any:
    return postgresql if connection.dialect.name == "postgresql" else sqlite
