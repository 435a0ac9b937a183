"""What the declaration form TK1-TS needs about one registered person: their details, household (with
each member's relationship to the head), initial health-care facility and voluntary SI registration."""

from __future__ import annotations

from collector_app.domain.declaration import DeclarationFacts, DeclaredMember
from collector_app.store.db import Store
from collector_app.store.people import PersonRow, get_household, get_person, person_by_citizen_id


_RELATIONSHIPS_SQL = "SELECT id, relationship FROM people WHERE household_id = ?"
_VSI_SQL = """
SELECT e.monthly_income, e.support_group,
       (SELECT i.months FROM payment_items AS i JOIN receipts AS r ON r.payment_id = i.payment_id
        WHERE i.enrolment_id = e.id AND NOT EXISTS (SELECT 1 FROM voids AS v WHERE v.receipt_id = r.id)
        ORDER BY i.period_start DESC LIMIT 1)
FROM enrolments AS e
WHERE e.person_id = ? AND e.scheme = 'vsi' AND e.status = 'active'
ORDER BY e.start_date DESC, e.created_at DESC LIMIT 1
"""
_FACILITY_SQL = "SELECT name FROM facilities WHERE code = ?"


def declaration_facts(store: Store, citizen_id: str) -> DeclarationFacts | None:
    """The facts for the person with `citizen_id`, or None when nobody registered has it."""
    person = person_by_citizen_id(store, citizen_id)
    return None if person is None else _facts(store, person)


def declaration_facts_of(store: Store, person_id: str) -> DeclarationFacts:
    """The facts for the registered person `person_id` (a member chosen in the household view)."""
    return _facts(store, get_person(store, person_id))


def _facts(store: Store, person: PersonRow) -> DeclarationFacts:
    household = get_household(store, person.household_id)
    reader = store.reader()
    relationships = dict(reader.execute(_RELATIONSHIPS_SQL, (person.household_id,)).fetchall())
    vsi = reader.execute(_VSI_SQL, (person.person_id,)).fetchone()
    facility = None
    if person.hi_facility_code:
        named = reader.execute(_FACILITY_SQL, (person.hi_facility_code,)).fetchone()
        facility = f"{person.hi_facility_code} - {named[0]}" if named else person.hi_facility_code
    return DeclarationFacts(
        full_name=person.full_name, date_of_birth=person.date_of_birth, sex=person.sex.value,
        citizen_id=person.citizen_id, si_code=person.si_code, phone=person.phone, address=household.address,
        household_code=household.household_code, facility=facility,
        monthly_income=vsi[0] if vsi else None, support_group=vsi[1] if vsi else None,
        vsi_months=vsi[2] if vsi else None,
        members=tuple(
            DeclaredMember(m.full_name, m.date_of_birth, m.sex.value, m.citizen_id, relationships.get(m.person_id),
                           m.person_id == person.person_id)
            for m in household.members),
    )
