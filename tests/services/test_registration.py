"""Registering households and members, possible duplicates, and corrections with their audit, as services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from collector_app.domain.payments import Role
from collector_app.domain.people import NewHousehold, NewPerson, Relationship, Sex
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.registration import DuplicateReason, within_one_edit
from collector_app.services.changes import Change
from collector_app.services.device import acting_user, set_up
from collector_app.services.registration import (
    HouseholdDraft,
    add_member,
    correct_person,
    possible_duplicates,
    register_household,
)
from collector_app.store.accounts import add_user
from collector_app.store.db import Store
from collector_app.store.person_records import corrections_of, household_members, person_details
from collector_app.store.registration import add_households
from collector_app.store.search import search_people
from collector_app.store.users import User
from signing import open_test_store

ON = date(2026, 12, 1)
HOAN_KIEM = HouseholdDraft(province_code="01", commune_code="00070", address="  12  phố Hàng Bông ")
# Already in the store: Trần Văn Bình, born 04/03/1980, and Lê Thị Hoa, born 06/05/1982.
BINH = NewPerson("Trần Văn Bình", date(1980, 3, 4), Sex.MALE, "001080099999")
HOA = NewPerson("Lê Thị Hoa", date(1982, 5, 6), Sex.FEMALE, "001182099999")


def family(**head_changes: object) -> list[NewPerson]:
    head = NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, "001080012345", phone="0912 345 678",
                     relationship=Relationship.HEAD)
    return [
        NewPerson(**{**head.__dict__, **head_changes}),  # type: ignore[arg-type]
        NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, "001182012345", relationship=Relationship.WIFE),
        NewPerson("Đặng Minh Khôi", date(2016, 9, 1), Sex.MALE, "001216012345", relationship=Relationship.CHILD),
        NewPerson("Đặng Thu Hà", date(2019, 2, 1), Sex.FEMALE, None, relationship=Relationship.CHILD),
    ]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        add_households(opened, [NewHousehold(None, "Thôn Đông", "00004", "01", (BINH, HOA))], actor="import")
        yield opened


@pytest.fixture
def collector(store: Store) -> User:
    return acting_user(store)


def user(store: Store, role: Role) -> User:
    return add_user(store, username=f"{role.value}-2", full_name=f"Chị {role.value}", role=role, actor="test")


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[ProblemCode]:
    return [problem.code for problem in error.value.problems]


def test_a_household_of_four_is_registered_in_order_with_relationships_and_found_by_search(store, collector):
    registered = register_household(store, actor=collector, household=HOAN_KIEM, members=family(), on=ON)

    members = household_members(store, registered.household_id)
    assert [m.full_name for m in members] == ["Đặng Văn Hùng", "Lê Thị Hằng", "Đặng Minh Khôi", "Đặng Thu Hà"]
    assert [m.relationship for m in members] == [Relationship.HEAD, Relationship.WIFE, Relationship.CHILD,
                                                  Relationship.CHILD]
    assert members[0].phone == "0912345678"  # national form
    assert members[0].address == "12 phố Hàng Bông"
    assert registered.changes >= {Change.PEOPLE, Change.HOUSEHOLDS, Change.OUTBOX}
    assert [hit.full_name for hit in search_people(store, "dang thu ha")] == ["Đặng Thu Hà"]


def test_registering_writes_the_household_and_each_member_to_the_outbox_for_the_province(store, collector):
    registered = register_household(store, actor=collector, household=HOAN_KIEM, members=family(), on=ON)

    with store.read() as connection:
        rows = connection.execute(text("SELECT kind, record_id, payload FROM outbox ORDER BY created_at, kind")).all()
    assert sorted(kind for kind, _, _ in rows) == ["household", "person", "person", "person", "person"]
    person = next(json.loads(p) for k, r, p in rows if r == registered.person_ids[0])
    assert person["full_name"] == "Đặng Văn Hùng" and person["relationship"] == "head"


def test_the_same_citizen_id_is_refused_even_when_confirmed(store, collector):
    members = family(citizen_id=BINH.citizen_id)
    [duplicate] = possible_duplicates(store, members[0])
    assert duplicate.reason is DuplicateReason.SAME_CITIZEN_ID and duplicate.refused

    with pytest.raises(DomainError) as refused:
        register_household(store, actor=collector, household=HOAN_KIEM, members=members,
                           confirmed_duplicates={duplicate.person.person_id}, on=ON)
    assert codes(refused) == [ProblemCode.REGISTER_CITIZEN_ID_IN_STORE]
    assert household_count(store) == 1


def household_count(store: Store) -> int:
    with store.read() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM households")) or 0)


def test_the_same_folded_name_and_date_of_birth_asks_and_saves_once_confirmed(store, collector):
    # "TRAN VAN BINH" folds to the name of Trần Văn Bình, born the same day; another citizen ID.
    members = family(full_name="TRAN VAN  BINH", citizen_id="001080054321")
    [duplicate] = possible_duplicates(store, members[0])
    assert duplicate.reason is DuplicateReason.SAME_NAME
    assert duplicate.person.full_name == "Trần Văn Bình" and duplicate.person.address == "Thôn Đông"
    assert duplicate.household_place.startswith("Phường")

    with pytest.raises(DomainError) as asked:
        register_household(store, actor=collector, household=HOAN_KIEM, members=members, on=ON)
    assert codes(asked) == [ProblemCode.REGISTER_POSSIBLE_DUPLICATE]

    register_household(store, actor=collector, household=HOAN_KIEM, members=members,
                       confirmed_duplicates={duplicate.person.person_id}, on=ON)
    assert household_count(store) == 2


@pytest.mark.parametrize("name", ["Trần Văn Binhf", "Tran Van Bin", "Trần Văn Bính", "Trần Vân Bình", "Tràn Văn Bình"])
def test_a_name_one_letter_apart_with_the_same_date_of_birth_is_a_possible_duplicate(store, name):
    found = possible_duplicates(store, NewPerson(name, BINH.date_of_birth, Sex.MALE))
    assert [(d.person.full_name, d.reason) for d in found] in (
        [("Trần Văn Bình", DuplicateReason.SIMILAR_NAME)], [("Trần Văn Bình", DuplicateReason.SAME_NAME)])


@pytest.mark.parametrize("name, born", [
    ("Trần Văn Bình", date(1980, 3, 5)),  # another day
    ("Trần Văn Bìn h", date(1980, 3, 5)),
    ("Trần Văn Thịnh", date(1980, 3, 4)),  # two letters apart
    ("Trần Bình", date(1980, 3, 4)),
])
def test_other_names_or_other_days_are_not_duplicates(store, name, born):
    assert possible_duplicates(store, NewPerson(name, born, Sex.MALE)) == []


@pytest.mark.parametrize("a, b, expected", [
    ("binh", "binh", True), ("binh", "binhf", True), ("binh", "bin", True), ("binh", "bimh", True),
    ("binh", "xbinh", True), ("binh", "bnih", False), ("binh", "bi", False), ("", "a", True), ("ab", "ba", False),
])
def test_within_one_edit_is_levenshtein_at_most_one(a, b, expected):
    assert within_one_edit(a, b) is expected and within_one_edit(b, a) is expected


def test_a_citizen_id_that_disagrees_with_the_date_of_birth_is_refused_beside_it(store, collector):
    with pytest.raises(DomainError) as refused:
        register_household(store, actor=collector, household=HOAN_KIEM,
                           members=family(date_of_birth=date(1959, 3, 4)), on=ON)
    assert codes(refused) == [ProblemCode.CCCD_BIRTH_YEAR_MISMATCH]


def test_the_head_must_come_first_and_a_commune_must_be_of_the_province(store, collector):
    members = family()
    with pytest.raises(DomainError) as refused:
        register_household(store, actor=collector, members=[members[1], members[0]], on=ON,
                           household=HouseholdDraft("48", "00070", "x"))
    assert set(codes(refused)) == {ProblemCode.REGISTER_HEAD_FIRST, ProblemCode.REGISTER_UNKNOWN_COMMUNE}


@pytest.mark.parametrize("role, allowed", [(Role.COLLECTOR, True), (Role.COLLABORATOR, True), (Role.SUPERVISOR, False)])
def test_collectors_and_collaborators_register_and_a_supervisor_does_not(store, role, allowed):
    actor = user(store, role)
    if allowed:
        register_household(store, actor=actor, household=HOAN_KIEM, members=family(), on=ON)
    else:
        with pytest.raises(DomainError) as refused:
            register_household(store, actor=actor, household=HOAN_KIEM, members=family(), on=ON)
        assert codes(refused) == [ProblemCode.ROLE_MAY_NOT_REGISTER_PEOPLE]


def test_a_member_is_added_last_and_a_second_head_is_refused(store, collector):
    registered = register_household(store, actor=collector, household=HOAN_KIEM, members=family(), on=ON)
    grandmother = NewPerson("Phạm Thị Lành", date(1950, 1, 1), Sex.FEMALE, "001150012345",
                            relationship=Relationship.GRANDMOTHER)
    added = add_member(store, actor=collector, household_id=registered.household_id, member=grandmother, on=ON)

    members = household_members(store, registered.household_id)
    assert members[-1].person_id == added.person_id and members[-1].member_order == 5
    with pytest.raises(DomainError) as refused:
        add_member(store, actor=collector, household_id=registered.household_id, on=ON,
                   member=NewPerson("Phạm Văn Lâm", date(1990, 1, 1), Sex.MALE, relationship=Relationship.HEAD))
    assert codes(refused) == [ProblemCode.REGISTER_HEAD_FIRST]


def test_a_correction_keeps_who_when_before_and_after_and_goes_to_the_outbox(store, collector):
    registered = register_household(store, actor=collector, household=HOAN_KIEM, members=family(), on=ON)
    head = registered.person_ids[0]

    corrected = correct_person(store, actor=collector, person_id=head, on=ON,
                               changes={"phone": "+84 987 654 321", "full_name": "đặng văn hùng"})
    assert [(c.field, c.before, c.after) for c in corrected.corrections] == [
        ("phone", "0912345678", "0987654321"), ("full_name", "Đặng Văn Hùng", "đặng văn hùng")]
    history = corrections_of(store, head)
    assert {(h.field, h.before, h.after, h.corrected_by) for h in history} == {
        ("phone", "0912345678", "0987654321", collector.full_name),
        ("full_name", "Đặng Văn Hùng", "đặng văn hùng", collector.full_name)}
    assert person_details(store, head).phone == "0987654321"
    assert [hit.person_id for hit in search_people(store, "0987654")] == [head]
    with store.read() as connection:
        kinds = connection.execute(text("SELECT kind FROM outbox WHERE kind = 'person_correction'")).all()
        assert len(kinds) == 2
        # The audit is append-only: a correction is never rewritten.
        with pytest.raises(Exception, match="append-only"):
            connection.execute(text("UPDATE person_corrections SET after = 'x'"))


def test_correcting_the_date_of_birth_against_the_citizen_id_is_refused_and_nothing_changes(store, collector):
    registered = register_household(store, actor=collector, household=HOAN_KIEM, members=family(), on=ON)
    head = registered.person_ids[0]
    with pytest.raises(DomainError) as refused:
        correct_person(store, actor=collector, person_id=head, changes={"date_of_birth": date(1981, 3, 4)}, on=ON)
    assert codes(refused) == [ProblemCode.CCCD_BIRTH_YEAR_MISMATCH]
    with pytest.raises(DomainError) as same_id:
        correct_person(store, actor=collector, person_id=head, changes={"citizen_id": BINH.citizen_id}, on=ON)
    assert codes(same_id) == [ProblemCode.REGISTER_CITIZEN_ID_IN_STORE]
    with pytest.raises(DomainError) as nothing:
        correct_person(store, actor=collector, person_id=head, changes={"phone": "0912345678"}, on=ON)
    assert codes(nothing) == [ProblemCode.CORRECTION_NOTHING_CHANGED]
    assert corrections_of(store, head) == []


def test_a_collaborator_fixes_a_phone_but_not_a_name_and_a_supervisor_corrects_both(store, collector):
    registered = register_household(store, actor=collector, household=HOAN_KIEM, members=family(), on=ON)
    head = registered.person_ids[0]
    collaborator, supervisor = user(store, Role.COLLABORATOR), user(store, Role.SUPERVISOR)

    correct_person(store, actor=collaborator, person_id=head, changes={"phone": "0987654321"}, on=ON)
    with pytest.raises(DomainError) as refused:
        correct_person(store, actor=collaborator, person_id=head, changes={"full_name": "Đặng Văn Hưng"}, on=ON)
    assert codes(refused) == [ProblemCode.ROLE_MAY_NOT_CORRECT_IDENTITY]
    correct_person(store, actor=supervisor, person_id=head, on=ON,
                   changes={"full_name": "Đặng Văn Hưng", "address": "14 phố Hàng Bông",
                            "date_of_birth": date(1980, 3, 14)})
    assert person_details(store, head).date_of_birth == date(1980, 3, 14)
    assert person_details(store, head).address == "14 phố Hàng Bông"
    assert [h.corrected_by for h in corrections_of(store, head)].count(supervisor.full_name) == 3
