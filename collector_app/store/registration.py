"""Registering people: households with their members and enrolments, written in one transaction each;
members added and people's details corrected (each correction kept in `person_corrections`).

Registrations and corrections made in the window also write their outbox records (kinds household,
person, person_correction), so the province learns of them at the next sync; imports and demo data do not.

The writes of `store.people` (which keeps the look-ups): the window and the command line reach these
only through `services`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import IntegrityError

from collector_app.domain.enrolments import NewEnrolment
from collector_app.domain.people import NewHousehold, NewPerson
from collector_app.domain.text import fold, normalise_name
from collector_app.store.audit import log_person_event
from collector_app.store.audit_trail import PersonEvent
from collector_app.store.db import Store
from collector_app.store.schema import enrolments, households, people, person_corrections
from collector_app.store.stamps import new_id, utc_now
from collector_app.wire import RecordKind


# Households per executemany round: large enough to amortise each statement, small enough that a
# million-person import never holds more than a few MB of rows in Python at once.
_CHUNK = 5_000


# people_fts has no insert trigger (see migrations 0001: per row, FTS5 inside a trigger is four
# times slower): whatever inserts people ends its transaction with this one statement.
_INDEX_NEW_NAMES = text(
    "INSERT INTO people_fts (rowid, name_folded) "
    "SELECT search_rowid, name_folded FROM people WHERE search_rowid >= :first"
)


class DuplicateError(ValueError):
    """A write broke a unique rule (a citizen ID or household code already used); nothing was written."""

    def __init__(self, table: str, columns: tuple[str, ...]) -> None:
        super().__init__(f"{table}: {', '.join(columns)} already used")
        self.table = table
        self.columns = columns


def add_households(
    store: Store, households_: Iterable[NewHousehold], *, actor: str, device_id: str | None = None
) -> list[str]:
    """Write the households and their members in one transaction; return the new household ids.

    Members keep their declared order (`member_order` 1, 2, ...). A citizen ID or household code
    already in the store, or repeated in the input, raises `DuplicateError` and writes nothing.
    """
    with store.begin() as connection, _duplicates_as_error():
        before = _max_search_rowid(connection)
        ids = insert_households(connection, households_, actor=actor, device_id=device_id)
        if ids:  # one audit entry for the whole list: an import or demo data of a million people stays fast
            added = connection.exec_driver_sql("SELECT count(*) FROM people WHERE search_rowid > ?",
                                               (before,)).scalar_one()
            log_person_event(connection, PersonEvent.HOUSEHOLDS_ADDED, ids[0],
                             {"households": len(ids), "people": int(added), "first_household_id": ids[0],
                              "last_household_id": ids[-1]}, actor=actor, device_id=device_id)
        return ids


def insert_households(
    connection: Connection, households_: Iterable[NewHousehold], *, actor: str, device_id: str | None
) -> list[str]:
    """Write households and members inside the caller's transaction (which holds the write lock:
    `store.begin()`); return the new household ids."""
    ids: list[str] = []
    # Many people share a name; folding each distinct one once saves a third of an import's time.
    folded: dict[str, tuple[str, str]] = {}
    folded_addresses: dict[str, str] = {}  # and a village's households share an address
    first_rowid = next_rowid = _max_search_rowid(connection) + 1
    for chunk in _chunks(households_, _CHUNK):
        now = utc_now()
        household_rows: list[tuple[object, ...]] = []
        person_rows: list[tuple[object, ...]] = []
        for household in chunk:
            household_id = new_id()
            ids.append(household_id)
            household_rows.append(
                (
                    household_id,
                    (household.household_code or "").strip() or None,
                    household.address,
                    folded_addresses.get(household.address) or folded_addresses.setdefault(
                        household.address, fold(household.address)),
                    household.commune_code,
                    household.province_code,
                    now,
                    now,
                    actor,
                    device_id,
                )
            )
            for order, person in enumerate(household.members, start=1):
                names = folded.get(person.full_name)
                if names is None:
                    full_name = normalise_name(person.full_name)
                    names = folded[person.full_name] = (full_name, fold(full_name))
                person_rows.append(
                    (
                        new_id(),
                        household_id,
                        order,
                        *names,
                        person.date_of_birth.isoformat(),
                        person.sex.value,
                        person.citizen_id or None,
                        person.si_code or None,
                        person.phone or None,
                        person.relationship.value if person.relationship else None,
                        person.hi_facility_code or None,
                        next_rowid,
                        now,
                        now,
                        actor,
                        device_id,
                    )
                )
                next_rowid += 1
        # Driver-level executemany: Core's per-row parameter processing would double the time
        # of a million-person import. The column lists sit next to the tuples they describe.
        connection.exec_driver_sql(_INSERT_HOUSEHOLD, household_rows)
        if person_rows:
            connection.exec_driver_sql(_INSERT_PERSON, person_rows)
    connection.execute(_INDEX_NEW_NAMES, {"first": first_rowid})
    return ids


def _insert_sql(table: str, columns: str) -> str:
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(columns.split(',')))})"


_INSERT_HOUSEHOLD = _insert_sql(
    households.name,
    "id, household_code, address, address_folded, commune_code, province_code, created_at, updated_at, created_by, "
    "device_id",
)


_INSERT_PERSON = _insert_sql(
    people.name,
    "id, household_id, member_order, full_name, name_folded, date_of_birth, sex, citizen_id, si_code, "
    "phone, relationship, hi_facility_code, search_rowid, created_at, updated_at, created_by, device_id",
)


def add_enrolments(
    store: Store, enrolments_: Iterable[NewEnrolment], *, actor: str, device_id: str | None = None
) -> list[str]:
    """Write the enrolments in one transaction (status "active"); return their ids in input order."""
    with_ids = [(new_id(), enrolment) for enrolment in enrolments_]
    if with_ids:
        with store.begin() as connection, _duplicates_as_error():
            insert_enrolments(connection, with_ids, actor=actor, device_id=device_id)
    return [enrolment_id for enrolment_id, _ in with_ids]


def insert_enrolments(
    connection: Connection,
    enrolments_: Sequence[tuple[str, NewEnrolment]],
    *,
    actor: str,
    device_id: str | None,
) -> None:
    """Write (id, enrolment) pairs inside the caller's transaction (a payment enrols whom it pays for)."""
    now = utc_now()
    connection.execute(enrolments.insert(), [
        {
            "id": enrolment_id,
            "person_id": enrolment.person_id,
            "scheme": enrolment.scheme.value,
            "support_group": enrolment.support_group.value if enrolment.support_group else None,
            "monthly_income": enrolment.monthly_income,
            "start_date": enrolment.start,
            "created_at": now,
            "updated_at": now,
            "created_by": actor,
            "device_id": device_id,
        }
        for enrolment_id, enrolment in enrolments_
    ])


def _max_search_rowid(connection: Connection) -> int:
    # Safe to read then increment: store.begin() holds the write lock (BEGIN IMMEDIATE).
    return int(connection.scalar(select(func.coalesce(func.max(people.c.search_rowid), 0))) or 0)


def _chunks(items: Iterable[NewHousehold], size: int) -> Iterator[Sequence[NewHousehold]]:
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (.+)")


@contextmanager
def _duplicates_as_error() -> Iterator[None]:
    """Turn SQLite's "UNIQUE constraint failed: people.citizen_id" into a `DuplicateError`."""
    try:
        yield
    except IntegrityError as error:
        match = _UNIQUE_FAILED.search(str(error.orig))
        if match is None:
            raise
        qualified = [column.strip() for column in match.group(1).split(",")]
        table = qualified[0].split(".")[0]
        raise DuplicateError(table, tuple(name.split(".")[-1] for name in qualified)) from error


# ---- registering in the window, and correcting: each write also goes to the outbox ---------------

_INSERT_OUTBOX = (
    "INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_MEMBERS = "SELECT id FROM people WHERE household_id = ? ORDER BY member_order"
_PERSON_PAYLOAD = (
    "SELECT p.id, p.household_id, p.member_order, p.full_name, p.date_of_birth, p.sex, p.citizen_id, "
    "p.si_code, p.phone, p.relationship, p.hi_facility_code FROM people AS p WHERE p.id = ?"
)
_HOUSEHOLD_PAYLOAD = (
    "SELECT id, household_code, address, commune_code, province_code FROM households WHERE id = ?"
)


def register_household(
    store: Store, household: NewHousehold, *, actor: str, device_id: str | None
) -> tuple[str, list[str]]:
    """Write one household and its members, and their outbox records, in one transaction.

    Returns the household id and the members' ids in declared order. A citizen ID or household code
    already used raises `DuplicateError` and writes nothing.
    """
    with store.begin() as connection, _duplicates_as_error():
        [household_id] = insert_households(connection, [household], actor=actor, device_id=device_id)
        person_ids = [row[0] for row in connection.exec_driver_sql(_MEMBERS, (household_id,))]
        now = utc_now()
        created = _outbox_household(connection, household_id, now=now, actor=actor, device_id=device_id)
        log_person_event(connection, PersonEvent.HOUSEHOLD_CREATED, household_id, {"after": created},
                         actor=actor, device_id=device_id, at=now)
        for person_id in person_ids:
            _outbox_person(connection, person_id, now=now, actor=actor, device_id=device_id)
    return household_id, person_ids


def add_member(
    store: Store, household_id: str, person: NewPerson, *, actor: str, device_id: str | None
) -> str:
    """Add `person` as the household's last member (and its outbox record); return the person's id.

    `KeyError` when there is no such household; `DuplicateError` for a citizen ID already used.
    """
    with store.begin() as connection, _duplicates_as_error():
        exists = connection.exec_driver_sql("SELECT 1 FROM households WHERE id = ?", (household_id,)).first()
        if exists is None:
            raise KeyError(household_id)
        last = connection.exec_driver_sql(
            "SELECT coalesce(max(member_order), 0) FROM people WHERE household_id = ?", (household_id,)
        ).scalar()
        rowid = _max_search_rowid(connection) + 1
        now = utc_now()
        full_name = normalise_name(person.full_name)
        person_id = new_id()
        connection.exec_driver_sql(_INSERT_PERSON, [(
            person_id, household_id, int(last or 0) + 1, full_name, fold(full_name),
            person.date_of_birth.isoformat(), person.sex.value, person.citizen_id or None,
            person.si_code or None, person.phone or None,
            person.relationship.value if person.relationship else None,
            person.hi_facility_code or None, rowid, now, now, actor, device_id,
        )])
        connection.execute(_INDEX_NEW_NAMES, {"first": rowid})
        _outbox_person(connection, person_id, now=now, actor=actor, device_id=device_id)
    return person_id


PERSON_FIELDS = ("full_name", "date_of_birth", "sex", "citizen_id", "phone", "relationship", "hi_facility_code")
"""The people columns a correction may change, in stored form (ISO dates, enum values)."""
HOUSEHOLD_FIELDS = ("address",)
"""The household columns a correction made through one of its members may change."""


def set_household_address(connection: Connection, household_id: str, value: str | None, *, stamp: str) -> None:
    """Correct a household's address (HOUSEHOLD_FIELDS: made here or recovered) with its folded form:
    the due list's order and search (`enrolment_cover` copies it by trigger)."""
    connection.exec_driver_sql(
        "UPDATE households SET address = ?, address_folded = ?, updated_at = ? WHERE id = ?",
        (value, fold(value or ""), stamp, household_id))


@dataclass(frozen=True)
class AppliedCorrection:
    correction_id: str
    field: str
    before: str | None
    after: str | None


def correct_person(
    store: Store, person_id: str, changes: Mapping[str, str | None], *, actor: str, device_id: str | None
) -> list[AppliedCorrection]:
    """Apply `changes` (field -> new stored value) to the person, one `person_corrections` row per field
    that really changes (and its outbox record), in one transaction. Fields whose value is already
    the new one are left out; [] means nothing changed. `KeyError` if there is no such person;
    `DuplicateError` for a citizen ID another person has.
    """
    unknown = set(changes) - set(PERSON_FIELDS) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValueError(f"fields that cannot be corrected: {sorted(unknown)}")
    with store.begin() as connection, _duplicates_as_error():
        row = connection.exec_driver_sql(
            "SELECT p.household_id, p.full_name, p.date_of_birth, p.sex, p.citizen_id, p.phone, "
            "p.relationship, p.hi_facility_code, h.address FROM people AS p JOIN households AS h ON h.id = p.household_id "
            "WHERE p.id = ?",
            (person_id,),
        ).first()
        if row is None:
            raise KeyError(person_id)
        household_id = row[0]
        current = dict(zip((*PERSON_FIELDS, "address"), row[1:]))
        now = utc_now()
        applied: list[AppliedCorrection] = []
        for field_name, after in changes.items():
            before = current[field_name]
            if (before or None) == (after or None):
                continue
            # Stored forms (ISO dates) written as they are; `field_name` is one of the names checked above.
            if field_name in HOUSEHOLD_FIELDS:
                set_household_address(connection, household_id, after, stamp=now)
            elif field_name == "full_name":
                connection.exec_driver_sql(
                    "UPDATE people SET full_name = ?, name_folded = ?, updated_at = ? WHERE id = ?",
                    (after, fold(after or ""), now, person_id),
                )
            else:
                connection.exec_driver_sql(
                    f"UPDATE people SET {field_name} = ?, updated_at = ? WHERE id = ?",
                    (after or None, now, person_id),
                )
            correction_id = new_id()
            connection.execute(person_corrections.insert().values(
                id=correction_id, person_id=person_id, household_id=household_id, field=field_name,
                before=before, after=after or None, created_at=now, created_by=actor, device_id=device_id,
            ))
            payload = {"id": correction_id, "person_id": person_id, "household_id": household_id,
                       "field": field_name, "before": before, "after": after or None, "corrected_at": now}
            _outbox_row(connection, RecordKind.PERSON_CORRECTION, correction_id, payload,
                        now=now, actor=actor, device_id=device_id)
            log_person_event(connection, PersonEvent.PERSON_CORRECTED, correction_id,
                             {"person_id": person_id, "household_id": household_id, "field": field_name,
                              "before": before, "after": after or None}, actor=actor, device_id=device_id, at=now)
            applied.append(AppliedCorrection(correction_id, field_name, before, after or None))
    return applied


def _outbox_household(connection: Connection, household_id: str, *, now: str, actor: str,
                      device_id: str | None) -> dict[str, object]:
    row = connection.exec_driver_sql(_HOUSEHOLD_PAYLOAD, (household_id,)).one()
    payload = dict(zip(("id", "household_code", "address", "commune_code", "province_code"), row))
    _outbox_row(connection, RecordKind.HOUSEHOLD, household_id, payload, now=now, actor=actor, device_id=device_id)
    return payload


def _outbox_person(connection: Connection, person_id: str, *, now: str, actor: str, device_id: str | None) -> None:
    """The person's outbox record, and their audit entry (created: who, when, the details after)."""
    row = connection.exec_driver_sql(_PERSON_PAYLOAD, (person_id,)).one()
    payload = dict(zip(("id", "household_id", "member_order", "full_name", "date_of_birth", "sex", "citizen_id",
                        "si_code", "phone", "relationship", "hi_facility_code"), row))
    _outbox_row(connection, RecordKind.PERSON, person_id, payload, now=now, actor=actor, device_id=device_id)
    log_person_event(connection, PersonEvent.PERSON_CREATED, person_id, {"after": payload},
                     actor=actor, device_id=device_id, at=now)


def _outbox_row(connection: Connection, kind: str, record_id: str, payload: Mapping[str, object], *,
                now: str, actor: str, device_id: str | None) -> None:
    """The record as it travels to the province (sealed into a batch by `store.batches`)."""
    text_ = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    connection.exec_driver_sql(_INSERT_OUTBOX, (new_id(), kind, record_id, text_, now, now, actor, device_id))
