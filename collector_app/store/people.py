"""People and households in the store, looked up: by id, citizen ID or household code, and counted.

Look-ups that screens call on every keystroke or row (`get_household`, `get_person`) run one
constant SQL statement on the thread's DB-API connection (`Store.reader()`): a Core statement would
cost more than the query. The writes are in `store.registration`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from collector_app.domain.people import Sex
from collector_app.store.db import Store, id_chunks
from collector_app.store.rows import frozen
from collector_app.store.schema import households, people

# Rows come back as text; a dict look-up is ten times cheaper than Sex(value), which adds up over
# the fifty rows a search returns on each keystroke.
SEX_BY_VALUE: dict[str, Sex] = {sex.value: sex for sex in Sex}


@dataclass(frozen=True)
class PersonRow:
    person_id: str
    household_id: str
    member_order: int
    full_name: str
    date_of_birth: date
    sex: Sex
    citizen_id: str | None
    si_code: str | None
    phone: str | None
    hi_facility_code: str | None = None  # family HI: the initial health-care facility chosen (store.facilities)


@dataclass(frozen=True)
class MemberRow:
    person_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    citizen_id: str | None
    si_code: str | None
    phone: str | None
    member_order: int
    hi_facility_code: str | None = None  # family HI: the initial health-care facility chosen (store.facilities)


@dataclass(frozen=True)
class HouseholdView:
    household_id: str
    household_code: str | None
    address: str
    commune_code: str
    province_code: str
    members: tuple[MemberRow, ...]  # in declared order


def existing_citizen_ids(store: Store, ids: Iterable[str]) -> set[str]:
    """Those of `ids` that some person in the store already has."""
    found: set[str] = set()
    with store.read() as connection:
        for batch in id_chunks(citizen_id for citizen_id in ids if citizen_id):
            found.update(
                connection.scalars(select(people.c.citizen_id).where(people.c.citizen_id.in_(batch)))
            )
    return found


def existing_household_codes(store: Store, codes: Iterable[str]) -> set[str]:
    """Those of `codes` that some household in the store already has."""
    found: set[str] = set()
    with store.read() as connection:
        for batch in id_chunks(code for code in codes if code):
            found.update(
                connection.scalars(
                    select(households.c.household_code).where(households.c.household_code.in_(batch))
                )
            )
    return found


def household_id_by_code(store: Store, household_code: str) -> str | None:
    """The id of the household with this VSS household code, or None."""
    row = store.reader().execute(
        "SELECT id FROM households WHERE household_code = ?", (household_code.strip(),)
    ).fetchone()
    return None if row is None else str(row[0])


def count_people(store: Store) -> int:
    """How many people the store holds (a count over the smallest index: ~10 ms at a million)."""
    with store.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(people)) or 0)


HOUSEHOLD_SQL = """
SELECT h.id, h.household_code, h.address, h.commune_code, h.province_code,
       p.id, p.full_name, p.date_of_birth, p.sex, p.citizen_id, p.si_code, p.phone, p.member_order,
       p.hi_facility_code
FROM households AS h LEFT JOIN people AS p ON p.household_id = h.id
WHERE h.id = ?
ORDER BY p.member_order
"""

_PERSON_COLUMNS = """
SELECT id, household_id, member_order, full_name, date_of_birth, sex, citizen_id, si_code, phone,
       hi_facility_code
FROM people
"""
PERSON_SQL = _PERSON_COLUMNS + "WHERE id = ?"
PERSON_BY_CITIZEN_ID_SQL = _PERSON_COLUMNS + "WHERE citizen_id = ?"


def get_household(store: Store, household_id: str) -> HouseholdView:
    """The household and its members in declared order; `KeyError` if there is no such household."""
    rows = store.reader().execute(HOUSEHOLD_SQL, (household_id,)).fetchall()
    if not rows:
        raise KeyError(household_id)
    first = rows[0]
    members = tuple(
        frozen(
            MemberRow,
            {
                "person_id": row[5],
                "full_name": row[6],
                "date_of_birth": date.fromisoformat(row[7]),
                "sex": SEX_BY_VALUE[row[8]],
                "citizen_id": row[9],
                "si_code": row[10],
                "phone": row[11],
                "member_order": row[12],
                "hi_facility_code": row[13],
            },
        )
        for row in rows
        if row[5] is not None  # the one LEFT JOIN row of a household without members
    )
    return frozen(
        HouseholdView,
        {
            "household_id": first[0],
            "household_code": first[1],
            "address": first[2],
            "commune_code": first[3],
            "province_code": first[4],
            "members": members,
        },
    )


def get_person(store: Store, person_id: str) -> PersonRow:
    """The person with this id; `KeyError` if there is none."""
    person = _one_person(store, PERSON_SQL, person_id)
    if person is None:
        raise KeyError(person_id)
    return person


def person_by_citizen_id(store: Store, citizen_id: str) -> PersonRow | None:
    return _one_person(store, PERSON_BY_CITIZEN_ID_SQL, citizen_id)


def _one_person(store: Store, sql: str, key: str) -> PersonRow | None:
    row = store.reader().execute(sql, (key,)).fetchone()
    if row is None:
        return None
    return frozen(
        PersonRow,
        {
            "person_id": row[0],
            "household_id": row[1],
            "member_order": row[2],
            "full_name": row[3],
            "date_of_birth": date.fromisoformat(row[4]),
            "sex": SEX_BY_VALUE[row[5]],
            "citizen_id": row[6],
            "si_code": row[7],
            "phone": row[8],
            "hi_facility_code": row[9],
        },
    )


