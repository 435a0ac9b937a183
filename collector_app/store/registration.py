"""Registering people: households with their members and enrolments, written in one transaction each.

The writes of `store.people` (which keeps the look-ups): the window and the command line reach these
only through `services`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import IntegrityError

from collector_app.domain.enrolments import NewEnrolment
from collector_app.domain.people import NewHousehold
from collector_app.domain.text import fold, normalise_name
from collector_app.store.db import Store
from collector_app.store.schema import enrolments, households, people
from collector_app.store.stamps import new_id, utc_now


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
    ids: list[str] = []
    # Many people share a name; folding each distinct one once saves a third of an import's time.
    folded: dict[str, tuple[str, str]] = {}
    with store.begin() as connection, _duplicates_as_error():
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
    "id, household_code, address, commune_code, province_code, created_at, updated_at, created_by, device_id",
)


_INSERT_PERSON = _insert_sql(
    people.name,
    "id, household_id, member_order, full_name, name_folded, date_of_birth, sex, citizen_id, si_code, "
    "phone, hi_facility_code, search_rowid, created_at, updated_at, created_by, device_id",
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
