"""Registering households and members, finding possible duplicates, and correcting a person's details.

Every action checks the acting user's role (`domain.payments.PERMISSIONS`), every field with the
domain's checks (citizen ID against date of birth and sex, phone, name, address against the shipped
administrative units), and the store for the same person twice: the same citizen ID is refused; the
same folded name, or a name one letter apart, with the same date of birth is asked about (the caller
passes the ids of the people the user saw and confirmed are someone else). Corrections keep who, when,
field, before and after (`person_corrections`), and travel to the province like other records.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from collector_app.admin_units import load_admin_units
from collector_app.domain.facilities import is_facility_code, normalise_facility_code
from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, NewHousehold, NewPerson, Relationship, Sex
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.registration import (
    REFUSED_REASONS,
    DuplicateReason,
    check_members,
    check_person,
    duplicate_reason,
)
from collector_app.domain.text import check_text, fold, normalise_name
from collector_app.services.changes import Change, Changes
from collector_app.services.device import device_of
from collector_app.store.db import Store
from collector_app.store.person_records import (
    PersonDetails,
    household_members,
    people_born_on,
    person_details,
    person_with_citizen_id,
)
from collector_app.store.people import existing_household_codes, get_household
from collector_app.store.registration import DuplicateError
from collector_app.store.registration import add_member as store_add_member
from collector_app.store.registration import correct_person as store_correct_person
from collector_app.store.registration import register_household as store_register_household
from collector_app.store.users import User
from collector_app.wire import TextLimits

REGISTERED: Changes = frozenset({Change.PEOPLE, Change.HOUSEHOLDS, Change.OUTBOX})
CORRECTED: Changes = frozenset({Change.PEOPLE, Change.HOUSEHOLDS, Change.OUTBOX})

IDENTITY_FIELDS = frozenset({"full_name", "date_of_birth", "sex", "citizen_id"})
CONTACT_FIELDS = frozenset({"phone", "address", "relationship", "hi_facility_code"})


@dataclass(frozen=True)
class HouseholdDraft:
    """Where a new household lives; its members come separately, head first."""

    province_code: str
    commune_code: str
    address: str
    household_code: str | None = None


@dataclass(frozen=True)
class Duplicate:
    """Someone already in the store who may be the person being registered, and why."""

    person: PersonDetails  # with their household's code and address
    reason: DuplicateReason

    @property
    def refused(self) -> bool:
        return self.reason in REFUSED_REASONS

    @property
    def household_place(self) -> str:
        """"Phường Hoàn Kiếm, Thành phố Hà Nội": the commune and province of the other household."""
        units = load_admin_units()
        commune = units.commune(self.person.commune_code)
        province = units.province(self.person.province_code)
        return ", ".join(u.full_name for u in (commune, province) if u is not None)


@dataclass(frozen=True)
class Registered:
    household_id: str
    person_ids: tuple[str, ...]

    @property
    def changes(self) -> Changes:
        return REGISTERED


@dataclass(frozen=True)
class MemberAdded:
    household_id: str
    person_id: str

    @property
    def changes(self) -> Changes:
        return REGISTERED


@dataclass(frozen=True)
class Correction:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Corrected:
    person_id: str
    corrections: tuple[Correction, ...]

    @property
    def changes(self) -> Changes:
        return CORRECTED


def possible_duplicates(
    store: Store, person: NewPerson, *, excluding: Collection[str] = ()
) -> list[Duplicate]:
    """People already in the store who may be `person`: the same citizen ID (refused), then people born
    the same day whose folded name is the same or one letter apart (asked). `excluding`: person ids
    to leave out (the person being corrected).

    Two indexed look-ups (citizen ID; date of birth, a few dozen rows at a million people); the names
    are compared in Python.
    """
    found: list[Duplicate] = []
    seen: set[str] = set(excluding)
    if person.citizen_id:
        same_id = person_with_citizen_id(store, person.citizen_id)
        if same_id is not None and same_id.person_id not in seen:
            found.append(Duplicate(same_id, DuplicateReason.SAME_CITIZEN_ID))
            seen.add(same_id.person_id)
    folded = fold(person.full_name)
    for other in people_born_on(store, person.date_of_birth):
        if other.person_id in seen:
            continue
        reason = duplicate_reason(folded, other.name_folded)
        if reason is not None:
            found.append(Duplicate(other, reason))
    # The folded-name twins first: they are the likelier same person.
    found.sort(key=lambda d: (d.reason is not DuplicateReason.SAME_CITIZEN_ID, d.reason is not DuplicateReason.SAME_NAME))
    return found


def register_household(
    store: Store,
    *,
    actor: User,
    household: HouseholdDraft,
    members: Sequence[NewPerson],
    confirmed_duplicates: Collection[str] = (),
    on: date | None = None,
) -> Registered:
    """Register a household and its members (head first) in one transaction, with their outbox records.

    Refused (`DomainError`, nothing written): a role that may not register, a field that fails its
    check, a citizen ID or household code already in the store, or a possible duplicate whose id is
    not in `confirmed_duplicates`.
    """
    _check_may(actor, Action.REGISTER_PEOPLE)
    today = on or date.today()
    problems = _household_problems(store, household)
    if len(members) > MAX_HOUSEHOLD_MEMBERS:
        problems.append(Problem(ProblemCode.HOUSEHOLD_TOO_MANY_MEMBERS,
                                {"max_members": MAX_HOUSEHOLD_MEMBERS, "members": len(members)}))
    cleaned = [_cleaned_person(member, today, problems) for member in members]
    problems += check_members(cleaned)
    if not problems:
        for member in cleaned:
            problems += _duplicate_problems(store, member, confirmed_duplicates)
    if problems:
        raise DomainError(problems)
    new = NewHousehold(
        household_code=(household.household_code or "").strip() or None,
        address=normalise_name(household.address),
        commune_code=household.commune_code,
        province_code=household.province_code,
        members=tuple(cleaned),
    )
    try:
        household_id, person_ids = store_register_household(
            store, new, actor=actor.user_id, device_id=device_of(store).device_id
        )
    except DuplicateError as error:  # written by someone else since the check: refuse as the check would
        raise DomainError(_duplicate_error_problem(store, error, cleaned, new.household_code)) from error
    return Registered(household_id, tuple(person_ids))


def add_member(
    store: Store,
    *,
    actor: User,
    household_id: str,
    member: NewPerson,
    confirmed_duplicates: Collection[str] = (),
    on: date | None = None,
) -> MemberAdded:
    """Add `member` as the household's last member; refused as `register_household` refuses."""
    _check_may(actor, Action.REGISTER_PEOPLE)
    today = on or date.today()
    try:
        get_household(store, household_id)
    except KeyError:
        raise DomainError(Problem(ProblemCode.REGISTER_HOUSEHOLD_NOT_FOUND)) from None
    problems: list[Problem] = []
    cleaned = _cleaned_person(member, today, problems)
    if cleaned.relationship is Relationship.HEAD and household_members(store, household_id):
        problems.append(Problem(ProblemCode.REGISTER_HEAD_FIRST))
    if not problems:
        problems += _duplicate_problems(store, cleaned, confirmed_duplicates)
    if problems:
        raise DomainError(problems)
    try:
        person_id = store_add_member(
            store, household_id, cleaned, actor=actor.user_id, device_id=device_of(store).device_id
        )
    except DuplicateError as error:
        raise DomainError(_duplicate_error_problem(store, error, [cleaned], None)) from error
    except KeyError:
        raise DomainError(Problem(ProblemCode.REGISTER_HOUSEHOLD_NOT_FOUND)) from None
    return MemberAdded(household_id, person_id)


def correct_person(
    store: Store, *, actor: User, person_id: str, changes: Mapping[str, Any], on: date | None = None
) -> Corrected:
    """Correct a person's details: `changes` maps a field to its new value (`full_name`: str,
    `date_of_birth`: date, `sex`: Sex, `citizen_id`: str or None, `phone`: str or None, `address`: str,
    `relationship`: Relationship or None, `hi_facility_code`: str or None).

    Identity fields (name, date of birth, sex, citizen ID) need a role that may correct identity
    (collector, supervisor); contact fields (phone, address, relationship) any role that may update
    contact details. The person after the change is checked as a whole, so that a new date of birth
    that disagrees with the citizen ID is refused there; problems the person already had in fields
    left alone do not block the change. Each changed field is kept in `person_corrections`.
    """
    unknown = set(changes) - IDENTITY_FIELDS - CONTACT_FIELDS
    if unknown:
        raise DomainError([Problem(ProblemCode.CORRECTION_UNKNOWN_FIELD, {"field": name}) for name in sorted(unknown)])
    if set(changes) & IDENTITY_FIELDS:
        _check_may(actor, Action.CORRECT_IDENTITY)
    if set(changes) & CONTACT_FIELDS:
        _check_may(actor, Action.UPDATE_CONTACT)
    today = on or date.today()
    try:
        current = person_details(store, person_id)
    except KeyError:
        raise DomainError(Problem(ProblemCode.REGISTER_PERSON_NOT_FOUND)) from None

    full_name = normalise_name(changes.get("full_name", current.full_name))
    date_of_birth: date = changes.get("date_of_birth", current.date_of_birth)
    sex: Sex = changes.get("sex", current.sex)
    citizen_id = (changes.get("citizen_id", current.citizen_id) or "").strip() or None
    phone = (changes.get("phone", current.phone) or "").strip() or None
    relationship = changes.get("relationship", current.relationship)
    address = normalise_name(changes.get("address", current.address))
    facility = normalise_facility_code(changes.get("hi_facility_code", current.hi_facility_code) or "") or None

    checked = check_person(full_name=full_name, date_of_birth=date_of_birth, sex=sex, citizen_id=citizen_id,
                           phone=phone, on=today, max_phone_length=TextLimits.PHONE)
    changed = set(changes)
    if changed & {"date_of_birth", "sex"}:
        changed.add("citizen_id")  # the citizen ID's digits must still agree
    problems = [p for name, found in checked.problems.items() if name in changed for p in found]
    if "address" in changes:
        problems += _address_problems(address)
    if "hi_facility_code" in changes:
        problems += _facility_problems(facility)
    if relationship is not None and not isinstance(relationship, Relationship):
        problems.append(Problem(ProblemCode.REGISTER_UNKNOWN_RELATIONSHIP, {"value": relationship}))
    if "relationship" in changes and (relationship is Relationship.HEAD) != (current.member_order == 1):
        problems.append(Problem(ProblemCode.REGISTER_HEAD_FIRST))
    if not problems and "citizen_id" in changes and citizen_id:
        other = person_with_citizen_id(store, citizen_id)
        if other is not None and other.person_id != person_id:
            problems.append(_same_id_problem(other))
    if problems:
        raise DomainError(problems)

    stored: dict[str, str | None] = {
        "full_name": full_name,
        "date_of_birth": date_of_birth.isoformat(),
        "sex": sex.value,
        "citizen_id": citizen_id,
        "phone": checked.phone if phone else None,
        "relationship": relationship.value if isinstance(relationship, Relationship) else None,
        "address": address,
        "hi_facility_code": facility,
    }
    try:
        applied = store_correct_person(
            store, person_id, {name: stored[name] for name in changes},
            actor=actor.user_id, device_id=device_of(store).device_id,
        )
    except DuplicateError as error:
        raise DomainError(_duplicate_error_problem(store, error, [], None)) from error
    if not applied:
        raise DomainError(Problem(ProblemCode.CORRECTION_NOTHING_CHANGED))
    return Corrected(person_id, tuple(Correction(a.field, a.before, a.after) for a in applied))


# ---- helpers ------------------------------------------------------------------------------------


def _check_may(actor: User, action: Action) -> None:
    problems = check_allowed(actor.role, action, user=actor.username)
    if problems:
        raise DomainError(problems)


def _address_problems(address: str) -> list[Problem]:
    if not address.strip():
        return [Problem(ProblemCode.REGISTER_ADDRESS_EMPTY)]
    return check_text(address, field="address", max_length=TextLimits.ADDRESS)


def _household_problems(store: Store, household: HouseholdDraft) -> list[Problem]:
    problems = _address_problems(household.address)
    units = load_admin_units()
    province = units.province(household.province_code)
    if province is None:
        problems.append(Problem(ProblemCode.REGISTER_UNKNOWN_PROVINCE))
    else:
        commune = units.commune(household.commune_code)
        if commune is None or commune.province_code != province.code:
            problems.append(Problem(ProblemCode.REGISTER_UNKNOWN_COMMUNE))
    code = (household.household_code or "").strip()
    if code:
        problems += check_text(code, field="household_code", max_length=TextLimits.HOUSEHOLD_CODE)
        if code in existing_household_codes(store, [code]):
            problems.append(Problem(ProblemCode.REGISTER_HOUSEHOLD_CODE_IN_STORE, {"household_code": code}))
    return problems


def _cleaned_person(person: NewPerson, on: date, problems: list[Problem]) -> NewPerson:
    """`person` with its name in NFC, its phone in national form and its citizen ID trimmed; its
    problems appended to `problems`."""
    checked = check_person(
        full_name=person.full_name, date_of_birth=person.date_of_birth, sex=person.sex,
        citizen_id=person.citizen_id, phone=person.phone, on=on, max_phone_length=TextLimits.PHONE,
    )
    problems += checked.all()
    if person.relationship is not None and not isinstance(person.relationship, Relationship):
        problems.append(Problem(ProblemCode.REGISTER_UNKNOWN_RELATIONSHIP, {"value": person.relationship}))
    citizen_id = (person.citizen_id or "").strip() or None
    facility = normalise_facility_code(person.hi_facility_code or "") or None
    problems += _facility_problems(facility)
    return replace(person, full_name=normalise_name(person.full_name), citizen_id=citizen_id,
                   phone=checked.phone, hi_facility_code=facility)


def _facility_problems(code: str | None) -> list[Problem]:
    if code is None or is_facility_code(code):
        return []
    return [Problem(ProblemCode.REGISTER_FACILITY_CODE_INVALID, {"code": code})]


def _same_id_problem(other: PersonDetails) -> Problem:
    return Problem(ProblemCode.REGISTER_CITIZEN_ID_IN_STORE, {
        "citizen_id": other.citizen_id, "name": other.full_name, "date_of_birth": other.date_of_birth,
    })


def _duplicate_problems(store: Store, person: NewPerson, confirmed: Collection[str]) -> list[Problem]:
    problems: list[Problem] = []
    for duplicate in possible_duplicates(store, person):
        if duplicate.refused:
            problems.append(_same_id_problem(duplicate.person))
        elif duplicate.person.person_id not in confirmed:
            problems.append(Problem(ProblemCode.REGISTER_POSSIBLE_DUPLICATE, {
                "name": person.full_name, "date_of_birth": person.date_of_birth,
                "other_name": duplicate.person.full_name, "person_id": duplicate.person.person_id,
            }))
    return problems


def _duplicate_error_problem(
    store: Store, error: DuplicateError, members: Sequence[NewPerson], household_code: str | None
) -> list[Problem]:
    if error.table == "households" and household_code:
        return [Problem(ProblemCode.REGISTER_HOUSEHOLD_CODE_IN_STORE, {"household_code": household_code})]
    problems = []
    for member in members:
        if member.citizen_id and (other := person_with_citizen_id(store, member.citizen_id)) is not None:
            problems.append(_same_id_problem(other))
    return problems or [Problem(ProblemCode.REGISTER_CITIZEN_ID_IN_STORE,
                                {"citizen_id": "—", "name": "—", "date_of_birth": "—"})]
