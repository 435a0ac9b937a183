"""Records written back from the provincial server: a store restored from an older backup gets this
device's payments, receipts, voids, reprints, day closings and hand-overs again; a new laptop gets its point's households and people.

Each record keeps its original id (and a payment its receipt number); none gets an outbox row, since
it was delivered already from another copy of the store: `recovered_records` says so, with the
server's batch and review, and the delivery state reads it (`store.outbox`, `receipt_list`,
`coverage`). A record already in the store is left as it is, so pulling twice writes nothing twice;
a correction older than the local state of its person is not applied over it.

`services.recovery` checks what the server sent (shapes, text, figures) before it reaches here; this
module only writes, one transaction per call, each record behind a savepoint so that one that cannot
be written (a citizen ID the store gives another person, a household it lacks) is skipped alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.domain.text import fold
from collector_app.store.db import Store, id_chunks
from collector_app.store.registration import (
    HOUSEHOLD_FIELDS,
    PERSON_FIELDS,
    _INDEX_NEW_NAMES,
    _INSERT_HOUSEHOLD,
    _INSERT_PERSON,
    _max_search_rowid,
    set_household_address,
)
from collector_app.store.audit import RecoveredEvent, log_recovered
from collector_app.wire import ChainKind, RecordKind

# Where each kind of record lives in the store, by its record id.
_TABLES = {
    RecordKind.HOUSEHOLD.value: ("households",),
    RecordKind.PERSON.value: ("people",),
    RecordKind.PERSON_CORRECTION.value: ("person_corrections",),
    RecordKind.PAYMENT.value: ("payments",),
    RecordKind.VOID.value: ("voids", "void_corrections"),
    RecordKind.REPRINT.value: ("reprints",),
    RecordKind.DAY_CLOSE.value: ("day_closings",),
    RecordKind.HANDOVER.value: ("handovers",),
}


@dataclass(frozen=True)
class Origin:
    """Where a record written back came from: the server's batch, the device that sent it, when."""

    record_id: str
    kind: str
    batch_id: str
    device_id: str
    written_at: str  # UTC ISO 8601, as the store stamps: when the record was first made, as near as known
    review: str | None  # "approved" | "rejected" | None
    review_reason: str | None


@dataclass(frozen=True)
class HouseholdBack:
    origin: Origin
    household_code: str | None
    address: str
    commune_code: str
    province_code: str


@dataclass(frozen=True)
class PersonBack:
    origin: Origin
    household_id: str
    member_order: int
    full_name: str  # normalised
    date_of_birth: date
    sex: str
    citizen_id: str | None
    si_code: str | None
    phone: str | None
    relationship: str | None
    hi_facility_code: str | None


@dataclass(frozen=True)
class CorrectionBack:
    origin: Origin  # written_at: when the correction was made
    person_id: str
    household_id: str
    field: str  # one of registration.PERSON_FIELDS or HOUSEHOLD_FIELDS
    before: str | None
    after: str | None


@dataclass(frozen=True)
class PaymentBack:
    """A payment with its items and receipt, from its checked payload (wire.PaymentPayload)."""

    origin: Origin
    payload: Mapping[str, Any]
    user_id: str  # the local user of the payload's collector, else the one recovering


@dataclass(frozen=True)
class VoidBack:
    origin: Origin
    payload: Mapping[str, Any]  # wire.VoidPayload
    user_id: str


@dataclass(frozen=True)
class ReprintBack:
    origin: Origin
    payload: Mapping[str, Any]  # wire.ReprintPayload
    user_id: str


@dataclass(frozen=True)
class DayCloseBack:
    """A day closing, from its checked payload (wire.DayClosePayload)."""

    origin: Origin  # written_at: when the day was closed
    payload: Mapping[str, Any]
    user_id: str  # the local user of the payload's collector


@dataclass(frozen=True)
class HandoverBack:
    origin: Origin  # written_at: when the cash was received
    payload: Mapping[str, Any]  # wire.HandoverPayload
    receipts: tuple[ReceiptNumber, ...]  # the payload's receipt numbers, read
    collaborator_id: str
    receiver_id: str


@dataclass
class Written:
    """What one call wrote and left out, by kind."""

    written: dict[str, int] = field(default_factory=dict)
    present: int = 0  # already in the store: left as they were
    newer_here: int = 0  # corrections older than the local record: not applied
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (record id, why)
    records: list[tuple[str, str]] = field(default_factory=list)  # (kind, record id) written, in order
    chain: str = "none"  # how money written back was logged: "adopted", "recovered" or "none"

    def count(self, kind: str, record_id: str = "") -> None:
        self.written[kind] = self.written.get(kind, 0) + 1
        self.records.append((kind, record_id))


@dataclass(frozen=True)
class ServerChain:
    """The device's chain as the server gave it with the money records: its head, and each record's entry."""

    head: str | None = None
    entries: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)  # by record id


def present_records(store: Store, kinds_and_ids: Sequence[tuple[str, str]]) -> set[str]:
    """Which of these (kind, record id) the store holds already."""
    found: set[str] = set()
    by_kind: dict[str, list[str]] = {}
    for kind, record_id in kinds_and_ids:
        by_kind.setdefault(kind, []).append(record_id)
    with store.read() as connection:
        for kind, ids in by_kind.items():
            for table in _TABLES.get(kind, ()):
                for chunk in id_chunks(ids):
                    marks = ", ".join("?" * len(chunk))
                    found.update(str(row[0]) for row in connection.exec_driver_sql(
                        f"SELECT id FROM {table} WHERE id IN ({marks})", tuple(chunk)))
    return found


@contextmanager
def _savepoint(connection: Connection) -> Iterator[None]:
    connection.exec_driver_sql("SAVEPOINT recovered")
    try:
        yield
    except BaseException:
        connection.exec_driver_sql("ROLLBACK TO recovered")
        connection.exec_driver_sql("RELEASE recovered")
        raise
    connection.exec_driver_sql("RELEASE recovered")


def _exists(connection: Connection, table: str, record_id: str) -> bool:
    return connection.exec_driver_sql(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)).first() is not None


def _mark(connection: Connection, origin: Origin, *, actor: str, now: str) -> None:
    connection.exec_driver_sql(
        "INSERT OR IGNORE INTO recovered_records (record_id, kind, batch_id, review, review_reason, created_at, "
        "created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (origin.record_id, origin.kind, origin.batch_id, origin.review, origin.review_reason, now, actor,
         origin.device_id),
    )


def _try(connection: Connection, written: Written, origin: Origin, write: Any) -> None:
    """Run `write()` behind a savepoint: True written, None present, a text why it was skipped."""
    try:
        with _savepoint(connection):
            outcome = write()
    except IntegrityError as error:
        written.skipped.append((origin.record_id, _why(error)))
        return
    if outcome is True:
        written.count(origin.kind, origin.record_id)
    elif outcome is None:
        written.present += 1
    elif outcome == "newer":
        written.newer_here += 1
    else:
        written.skipped.append((origin.record_id, str(outcome)))


def _why(error: IntegrityError) -> str:
    text = str(error.orig)
    if "citizen_id" in text:
        return "citizen_id_taken"
    if "member_order" in text:
        return "member_order_taken"
    if "household_code" in text:
        return "household_code_taken"
    if "receipts.series" in text:
        return "receipt_number_taken"
    return "conflict"


# ---- registrations ------------------------------------------------------------------------------


def write_registrations(store: Store, households: Sequence[HouseholdBack], people: Sequence[PersonBack],
                        corrections: Sequence[CorrectionBack], *, actor: str, now: str) -> Written:
    """Households, then people, then corrections in the order they were made, in one transaction."""
    written = Written()
    with store.begin() as connection:
        first_rowid = _max_search_rowid(connection) + 1
        rowids = iter(range(first_rowid, first_rowid + len(people) + 1))
        for household in households:
            _try(connection, written, household.origin, lambda h=household: _household(connection, h, actor, now))
        for person in people:
            _try(connection, written, person.origin,
                 lambda p=person: _person(connection, p, next(rowids), actor, now))
        connection.execute(_INDEX_NEW_NAMES, {"first": first_rowid})
        for correction in sorted(corrections, key=lambda c: (c.origin.written_at, c.origin.record_id)):
            _try(connection, written, correction.origin,
                 lambda c=correction: _correction(connection, c, actor, now))
    return written


def _household(connection: Connection, household: HouseholdBack, actor: str, now: str) -> bool | None:
    origin = household.origin
    if _exists(connection, "households", origin.record_id):
        return None
    connection.exec_driver_sql(_INSERT_HOUSEHOLD, [(
        origin.record_id, household.household_code, household.address, fold(household.address),
        household.commune_code,
        household.province_code, origin.written_at, origin.written_at, actor, origin.device_id)])
    _mark(connection, origin, actor=actor, now=now)
    return True


def _person(connection: Connection, person: PersonBack, rowid: int, actor: str, now: str) -> bool | str | None:
    origin = person.origin
    if _exists(connection, "people", origin.record_id):
        return None
    if not _exists(connection, "households", person.household_id):
        return "household_missing"
    connection.exec_driver_sql(_INSERT_PERSON, [(
        origin.record_id, person.household_id, person.member_order, person.full_name, fold(person.full_name),
        person.date_of_birth.isoformat(), person.sex, person.citizen_id, person.si_code, person.phone,
        person.relationship, person.hi_facility_code, rowid, origin.written_at, origin.written_at, actor,
        origin.device_id)])
    _mark(connection, origin, actor=actor, now=now)
    return True


def _correction(connection: Connection, correction: CorrectionBack, actor: str, now: str) -> bool | str | None:
    origin = correction.origin
    if _exists(connection, "person_corrections", origin.record_id):
        return None
    row = connection.exec_driver_sql(
        "SELECT p.household_id, p.updated_at, h.updated_at FROM people AS p "
        "JOIN households AS h ON h.id = p.household_id WHERE p.id = ?", (correction.person_id,)).first()
    if row is None:
        return "person_missing"
    household_id, person_updated, household_updated = row
    name = correction.field
    if name not in PERSON_FIELDS and name not in HOUSEHOLD_FIELDS:
        return "field_unknown"
    local = household_updated if name in HOUSEHOLD_FIELDS else person_updated
    if str(local) > origin.written_at:
        return "newer"  # changed here after the correction was made: the local record wins
    stamp = origin.written_at
    if name in HOUSEHOLD_FIELDS:
        set_household_address(connection, household_id, correction.after, stamp=stamp)
    elif name == "full_name":
        connection.exec_driver_sql("UPDATE people SET full_name = ?, name_folded = ?, updated_at = ? WHERE id = ?",
                                   (correction.after, fold(correction.after or ""), stamp, correction.person_id))
    else:
        connection.exec_driver_sql(f"UPDATE people SET {name} = ?, updated_at = ? WHERE id = ?",
                                   (correction.after, stamp, correction.person_id))
    connection.exec_driver_sql(
        "INSERT INTO person_corrections (id, person_id, household_id, field, before, after, created_at, "
        "created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (origin.record_id, correction.person_id, household_id, name, correction.before, correction.after,
         stamp, actor, origin.device_id))
    _mark(connection, origin, actor=actor, now=now)
    return True


# ---- money --------------------------------------------------------------------------------------


def write_money(store: Store, payments: Sequence[PaymentBack], voids: Sequence[VoidBack],
                reprints: Sequence[ReprintBack], closings: Sequence[DayCloseBack] = (),
                handovers: Sequence[HandoverBack] = (), *, actor: str, now: str, chain: ServerChain | None = None,
                device_id: str | None = None) -> Written:
    """Payments with their items and receipts (enrolments they name that the store lacks too), then voids,
    reprints, day closings and hand-overs (after the receipts they cover), in one transaction; nothing
    here goes to the outbox. A day closed before the restore is closed again, so the store refuses a
    payment dated in it as it did. Every money row written is logged
    in the audit chain in the same transaction (`store.audit.log_recovered`): the server's entries
    adopted when they continue this store's chain, else "recovered" entries naming them."""
    written = Written()
    chain = chain or ServerChain()
    with store.begin() as connection:
        for payment in payments:
            _try(connection, written, payment.origin, lambda p=payment: _payment(connection, p, now))
        for void in voids:
            _try(connection, written, void.origin, lambda v=void: _void(connection, v, now))
        for reprint in reprints:
            _try(connection, written, reprint.origin, lambda r=reprint: _reprint(connection, r, now))
        for closing in closings:
            _try(connection, written, closing.origin, lambda c=closing: _day_close(connection, c, now))
        for handover in handovers:
            _try(connection, written, handover.origin, lambda h=handover: _handover(connection, h, now))
        events = [RecoveredEvent(_chain_kind(connection, kind, record_id), record_id, chain.entries.get(record_id))
                  for kind, record_id in written.records]
        if device_id is None:
            records: list[PaymentBack | VoidBack | ReprintBack | DayCloseBack | HandoverBack] = [
                *payments, *voids, *reprints, *closings, *handovers]
            origins = [record.origin for record in records]
            device_id = origins[0].device_id if origins else None
        written.chain = log_recovered(connection, events, server_head=chain.head, created_at=now,
                                      created_by=actor, device_id=device_id)
    return written


def _chain_kind(connection: Connection, kind: str, record_id: str) -> ChainKind:
    if kind == RecordKind.PAYMENT:
        return ChainKind.PAYMENT
    if kind == RecordKind.REPRINT:
        return ChainKind.REPRINT
    if kind == RecordKind.DAY_CLOSE:
        return ChainKind.DAY_CLOSE
    if kind == RecordKind.HANDOVER:
        return ChainKind.HANDOVER
    return ChainKind.VOID if _exists(connection, "voids", record_id) else ChainKind.VOID_CORRECTION


def _payment(connection: Connection, payment: PaymentBack, now: str) -> bool | str | None:
    origin, body = payment.origin, payment.payload
    if _exists(connection, "payments", origin.record_id):
        return None
    receipt = body["receipt"]
    if body["household_id"] is not None and not _exists(connection, "households", body["household_id"]):
        return "household_missing"
    for item in body["items"]:
        if not _exists(connection, "people", item["person_id"]):
            return "person_missing"
    stamps = (origin.written_at, payment.user_id, origin.device_id)
    for item in body["items"]:  # enrolments are not sent on their own: the payment names them
        if not _exists(connection, "enrolments", item["enrolment_id"]):
            connection.exec_driver_sql(
                "INSERT INTO enrolments (id, person_id, scheme, support_group, monthly_income, start_date, "
                "created_at, updated_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item["enrolment_id"], item["person_id"], body["scheme"], item["support_group"],
                 item["monthly_income"], item["period_start"], origin.written_at, origin.written_at,
                 payment.user_id, origin.device_id))
    connection.exec_driver_sql(
        "INSERT INTO payments (id, household_id, payer_name, scheme, paid_on, policy_version, gross, "
        "state_support, local_support, amount, method, created_at, created_by, device_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (origin.record_id, body["household_id"], body["payer_name"], body["scheme"], body["paid_on"],
         body["policy_version"], body["gross"], body["state_support"], body["local_support"], body["amount"],
         body["method"], *stamps))
    connection.exec_driver_sql(
        "INSERT INTO payment_items (id, payment_id, enrolment_id, period_start, period_end, months, "
        "member_rank, monthly_income, gross, state_support, local_support, amount, supported_months, "
        "facility_code, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(item["id"], origin.record_id, item["enrolment_id"], item["period_start"], item["period_end"],
          item["months"], item["member_rank"], item["monthly_income"], item["gross"], item["state_support"],
          item["local_support"], item["amount"], item["supported_months"], item.get("facility_code"), *stamps)
         for item in body["items"]])
    connection.exec_driver_sql(
        "INSERT INTO receipts (id, payment_id, series, year, number, issued_at, created_at, created_by, "
        "device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (receipt["id"], origin.record_id, receipt["series"], receipt["year"], receipt["sequence"],
         receipt["issued_at"], *stamps))
    _mark(connection, origin, actor=payment.user_id, now=now)
    return True


def _receipt_of(connection: Connection, body: Mapping[str, Any]) -> str | None:
    row = connection.exec_driver_sql("SELECT id FROM receipts WHERE id = ? AND payment_id = ?",
                                     (body["receipt_id"], body["payment_id"])).first()
    return None if row is None else str(row[0])


def _void(connection: Connection, void: VoidBack, now: str) -> bool | str | None:
    origin, body = void.origin, void.payload
    if _exists(connection, "voids", origin.record_id) or _exists(connection, "void_corrections", origin.record_id):
        return None
    receipt_id = _receipt_of(connection, body)
    if receipt_id is None:
        return "receipt_missing"
    stamps = (origin.written_at, void.user_id, origin.device_id)
    standing = connection.exec_driver_sql("SELECT id FROM voids WHERE receipt_id = ?", (receipt_id,)).first()
    if standing is None:
        # A correction whose refused void this store never had stands as the void itself.
        connection.exec_driver_sql(
            "INSERT INTO voids (id, receipt_id, reason, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?)",
            (origin.record_id, receipt_id, body["reason"], *stamps))
    elif body.get("corrects"):
        connection.exec_driver_sql(
            "INSERT INTO void_corrections (id, void_id, corrects, reason, created_at, created_by, device_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (origin.record_id, standing[0], body["corrects"], body["reason"], *stamps))
    else:
        return "receipt_already_void"
    _mark(connection, origin, actor=void.user_id, now=now)
    return True


def _reprint(connection: Connection, reprint: ReprintBack, now: str) -> bool | str | None:
    origin, body = reprint.origin, reprint.payload
    if _exists(connection, "reprints", origin.record_id):
        return None
    row = connection.exec_driver_sql("SELECT id FROM receipts WHERE id = ?", (body["receipt_id"],)).first()
    if row is None:
        return "receipt_missing"
    connection.exec_driver_sql(
        "INSERT INTO reprints (id, receipt_id, copy_number, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?)",
        (origin.record_id, row[0], body["copy_number"], origin.written_at, reprint.user_id, origin.device_id))
    _mark(connection, origin, actor=reprint.user_id, now=now)
    return True


def _day_close(connection: Connection, closing: DayCloseBack, now: str) -> bool | str | None:
    origin, body = closing.origin, closing.payload
    if _exists(connection, "day_closings", origin.record_id):
        return None
    if connection.exec_driver_sql("SELECT 1 FROM day_closings WHERE created_by = ? AND closed_on = ?",
                                  (closing.user_id, body["closed_on"])).first() is not None:
        return "day_already_closed"
    counts = json.dumps(body["counts"], separators=(",", ":"), sort_keys=True)
    connection.exec_driver_sql(
        "INSERT INTO day_closings (id, closed_on, day_start, day_end, expected_cash, counted_cash, difference, "
        "transfers, counts, reason, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (origin.record_id, body["closed_on"], body["day_start"], body["day_end"], body["expected_cash"],
         body["counted_cash"], body["difference"], body["transfers"], counts, body["reason"], origin.written_at,
         closing.user_id, origin.device_id))
    _mark(connection, origin, actor=closing.user_id, now=now)
    return True


def _handover(connection: Connection, handover: HandoverBack, now: str) -> bool | str | None:
    origin, body = handover.origin, handover.payload
    if _exists(connection, "handovers", origin.record_id):
        return None
    receipt_ids = []
    for number in handover.receipts:
        row = connection.exec_driver_sql("SELECT id FROM receipts WHERE series = ? AND year = ? AND number = ?",
                                         (number.symbol, number.year, number.number)).first()
        if row is None:
            return "receipt_missing"
        receipt_ids.append(str(row[0]))
    connection.exec_driver_sql(
        "INSERT INTO handovers (id, collaborator_id, expected, amount, difference, reason, created_at, created_by, "
        "device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (origin.record_id, handover.collaborator_id, body["expected"], body["amount"], body["difference"],
         body["reason"], origin.written_at, handover.receiver_id, origin.device_id))
    connection.exec_driver_sql("INSERT INTO handover_receipts (receipt_id, handover_id) VALUES (?, ?)",
                               [(receipt_id, origin.record_id) for receipt_id in receipt_ids])
    _mark(connection, origin, actor=handover.receiver_id, now=now)
    return True
