"""Reads for registering and correcting people: a person's details with their household, the people
born on a day (the duplicate check's candidates) and a person's corrections, newest first.

Each is one constant statement on the thread's DB-API connection (`Store.reader()`). The writes are in
`store.registration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.domain.people import Relationship, Sex
from collector_app.store.db import Store
from collector_app.store.people import SEX_BY_VALUE

_RELATIONSHIP_BY_VALUE: dict[str, Relationship] = {r.value: r for r in Relationship}


@dataclass(frozen=True)
class PersonDetails:
    """A person as the edit form shows them, with their household's address."""

    person_id: str
    household_id: str
    member_order: int
    full_name: str
    name_folded: str
    date_of_birth: date
    sex: Sex
    citizen_id: str | None
    phone: str | None
    relationship: Relationship | None
    hi_facility_code: str | None
    household_code: str | None
    address: str
    commune_code: str
    province_code: str


_DETAILS = """
SELECT p.id, p.household_id, p.member_order, p.full_name, p.name_folded, p.date_of_birth, p.sex,
       p.citizen_id, p.phone, p.relationship, h.household_code, h.address, h.commune_code, h.province_code,
       p.hi_facility_code
FROM people AS p JOIN households AS h ON h.id = p.household_id
"""
PERSON_DETAILS_SQL = _DETAILS + "WHERE p.id = ?"
BORN_ON_SQL = _DETAILS + "WHERE p.date_of_birth = ? ORDER BY p.name_folded, p.id"
"""Uses ix_people_date_of_birth (0007): a few dozen rows a day at a million people."""
BY_CITIZEN_ID_SQL = _DETAILS + "WHERE p.citizen_id = ?"
HOUSEHOLD_MEMBERS_SQL = _DETAILS + "WHERE p.household_id = ? ORDER BY p.member_order"


def _details(row: tuple[object, ...]) -> PersonDetails:
    relationship = row[9]
    return PersonDetails(
        person_id=str(row[0]),
        household_id=str(row[1]),
        member_order=int(row[2]),  # type: ignore[call-overload]
        full_name=str(row[3]),
        name_folded=str(row[4]),
        date_of_birth=date.fromisoformat(str(row[5])),
        sex=SEX_BY_VALUE[str(row[6])],
        citizen_id=None if row[7] is None else str(row[7]),
        phone=None if row[8] is None else str(row[8]),
        relationship=None if relationship is None else _RELATIONSHIP_BY_VALUE.get(str(relationship)),
        household_code=None if row[10] is None else str(row[10]),
        address=str(row[11]),
        commune_code=str(row[12]),
        province_code=str(row[13]),
        hi_facility_code=None if row[14] is None else str(row[14]),
    )


def person_details(store: Store, person_id: str) -> PersonDetails:
    """The person with this id; `KeyError` if there is none."""
    row = store.reader().execute(PERSON_DETAILS_SQL, (person_id,)).fetchone()
    if row is None:
        raise KeyError(person_id)
    return _details(row)


def person_with_citizen_id(store: Store, citizen_id: str) -> PersonDetails | None:
    row = store.reader().execute(BY_CITIZEN_ID_SQL, (citizen_id,)).fetchone()
    return None if row is None else _details(row)


def people_born_on(store: Store, day: date) -> list[PersonDetails]:
    """Everyone born on `day`, by folded name."""
    return [_details(row) for row in store.reader().execute(BORN_ON_SQL, (day.isoformat(),))]


def household_members(store: Store, household_id: str) -> list[PersonDetails]:
    """The household's members in declared order ([] for an unknown household)."""
    return [_details(row) for row in store.reader().execute(HOUSEHOLD_MEMBERS_SQL, (household_id,))]


@dataclass(frozen=True)
class CorrectionRow:
    correction_id: str
    field: str
    before: str | None  # stored form: ISO dates, enum values
    after: str | None
    corrected_at: str  # UTC ISO 8601
    corrected_by: str  # the user's full name (their id when the user is unknown here)


CORRECTIONS_SQL = """
SELECT c.id, c.field, c.before, c.after, c.created_at, coalesce(u.full_name, c.created_by)
FROM person_corrections AS c LEFT JOIN users AS u ON u.id = c.created_by
WHERE c.person_id = ?
ORDER BY c.created_at DESC, c.id DESC
"""


def corrections_of(store: Store, person_id: str) -> list[CorrectionRow]:
    """The person's corrections, newest first."""
    return [
        CorrectionRow(str(r[0]), str(r[1]), r[2], r[3], str(r[4]), str(r[5]))
        for r in store.reader().execute(CORRECTIONS_SQL, (person_id,))
    ]
