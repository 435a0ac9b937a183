"""Writing households, people and enrolments, and reading them back."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
from collector_app.store import registration
from collector_app.store.db import Store
from collector_app.store.people import (
    MemberRow,
    count_people,
    existing_citizen_ids,
    get_household,
    get_person,
    person_by_citizen_id,
)
from collector_app.store.registration import DuplicateError, add_enrolments, add_households
from collector_app.store.schema import enrolments, households, people
from collector_app.store.search import search_people


def person(name: str, citizen_id: str | None = None, **fields: object) -> NewPerson:
    defaults: dict[str, object] = {"date_of_birth": date(1985, 6, 15), "sex": Sex.FEMALE}
    return NewPerson(full_name=name, citizen_id=citizen_id, **{**defaults, **fields})  # type: ignore[arg-type]


def household(*members: NewPerson, code: str | None = None) -> NewHousehold:
    return NewHousehold(
        household_code=code,
        address="Số 12, ngõ 45 phố Đội Cấn",
        commune_code="00004",
        province_code="01",
        members=members,
    )


def count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    with store.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_a_household_comes_back_with_its_members_in_declared_order(store: Store):
    members = (
        person(
            "Trần Văn Bình", "001080012345", sex=Sex.MALE, date_of_birth=date(1980, 3, 15), phone="0912345678"
        ),
        person("Lê Thị Hoa", "036183004567", si_code="0123456789"),
        person("Trần Minh Khôi", None, sex=Sex.MALE, date_of_birth=date(2015, 9, 1)),
        person("Trần Thị Ánh", None, date_of_birth=date(2012, 1, 31)),
    )

    [household_id] = add_households(
        store, [household(*members, code="HD-0001")], actor="thu.nv", device_id="dev-1"
    )
    view = get_household(store, household_id)

    assert (view.household_id, view.household_code, view.address, view.commune_code, view.province_code) == (
        household_id,
        "HD-0001",
        "Số 12, ngõ 45 phố Đội Cấn",
        "00004",
        "01",
    )
    assert [m.full_name for m in view.members] == [m.full_name for m in members]
    assert [m.member_order for m in view.members] == [1, 2, 3, 4]
    first = view.members[0]
    assert first == MemberRow(
        person_id=first.person_id,
        full_name="Trần Văn Bình",
        date_of_birth=date(1980, 3, 15),
        sex=Sex.MALE,
        citizen_id="001080012345",
        si_code=None,
        phone="0912345678",
        member_order=1,
    )
    assert view.members[1].si_code == "0123456789"
    assert uuid.UUID(household_id).version == 7


def test_records_carry_who_wrote_them_where_and_when(store: Store):
    [household_id] = add_households(
        store, [household(person("Vũ Thị Lan"))], actor="thu.nv", device_id="dev-1"
    )

    with store.read() as connection:
        row = connection.execute(select(people).where(people.c.household_id == household_id)).one()

    assert (row.created_by, row.device_id) == ("thu.nv", "dev-1")
    assert row.created_at == row.updated_at and row.created_at.endswith("+00:00")


def test_a_person_is_found_by_id_and_by_citizen_id(store: Store):
    [household_id] = add_households(store, [household(person("Phạm Thị Thu", "001185000111"))], actor="t")
    member = get_household(store, household_id).members[0]

    found = get_person(store, member.person_id)

    assert (found.household_id, found.full_name, found.member_order) == (household_id, "Phạm Thị Thu", 1)
    assert person_by_citizen_id(store, "001185000111") == found
    assert person_by_citizen_id(store, "001185000112") is None
    with pytest.raises(KeyError):
        get_person(store, "no-such-person")
    with pytest.raises(KeyError):
        get_household(store, "no-such-household")


def test_names_are_stored_composed_with_single_spaces(store: Store):
    decomposed = unicodedata.normalize("NFD", "Nguyễn   Thị  Hằng ")
    [household_id] = add_households(store, [household(person(decomposed))], actor="t")

    [member] = get_household(store, household_id).members

    assert member.full_name == "Nguyễn Thị Hằng"
    assert unicodedata.is_normalized("NFC", member.full_name)
    assert [hit.person_id for hit in search_people(store, "nguyen thi hang")] == [member.person_id]


def test_a_citizen_id_already_in_the_store_makes_the_whole_call_write_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    add_households(store, [household(person("Đỗ Văn Hải", "001080000001", sex=Sex.MALE))], actor="t")
    monkeypatch.setattr(registration, "_CHUNK", 1)  # the good household is written before the bad one
    batch = [
        household(person("Hoàng Thị Mai", "001190000002")),
        household(person("Bùi Văn Tâm", "001080000001", sex=Sex.MALE)),
    ]

    with pytest.raises(DuplicateError) as duplicate:
        add_households(store, batch, actor="t")

    assert (duplicate.value.table, duplicate.value.columns) == ("people", ("citizen_id",))
    assert count(store, households) == 1
    assert count(store, people) == 1
    assert search_people(store, "hoang thi mai") == []
    assert existing_citizen_ids(store, ["001190000002"]) == set()


def test_adding_no_households_writes_nothing(store: Store):
    assert add_households(store, [], actor="t") == []
    assert count(store, households) == 0


def test_count_people_counts_every_member_of_every_household(store: Store):
    assert count_people(store) == 0
    add_households(
        store,
        [household(person("Mạc Văn Tú"), person("Mạc Thị Hà")), household(person("Tô Thị Lệ"))],
        actor="t",
    )

    assert count_people(store) == 3


def test_a_citizen_id_twice_in_one_call_writes_nothing(store: Store):
    batch = [household(person("Ngô Thị Yến", "001190000003"), person("Ngô Văn Tú", "001190000003"))]

    with pytest.raises(DuplicateError):
        add_households(store, batch, actor="t")

    assert count(store, people) == 0


def test_household_codes_are_unique_but_optional(store: Store):
    add_households(
        store,
        [
            household(person("A Lò Văn"), code=None),
            household(person("Lò Thị Ơn"), code="  "),
            household(person("Lò Văn Pó"), code="HD-7"),
        ],
        actor="t",
    )

    with pytest.raises(DuplicateError) as duplicate:
        add_households(store, [household(person("Lò Văn Sáng"), code="HD-7")], actor="t")

    assert duplicate.value.columns == ("household_code",)
    with store.read() as connection:
        codes = sorted(connection.scalars(select(households.c.household_code)), key=str)
    assert codes == ["HD-7", None, None]


def test_two_people_cannot_share_a_place_in_a_household(store: Store):
    [household_id] = add_households(store, [household(person("Mai Văn Hùng"))], actor="t")
    row = get_person(store, get_household(store, household_id).members[0].person_id)

    with pytest.raises(IntegrityError, match="UNIQUE"), store.begin() as connection:
        connection.execute(
            people.insert().values(
                id="p-2", household_id=household_id, member_order=row.member_order, full_name="Mai Thị Lý",
                name_folded="mai thi ly", date_of_birth=date(1990, 1, 1), sex="female", search_rowid=999,
                created_at="x", updated_at="x", created_by="t",
            )
        )  # fmt: skip


def test_existing_citizen_ids_names_only_those_already_registered(store: Store):
    registered = [f"0011900{n:05d}" for n in range(700)]  # more than one IN (...) batch
    add_households(
        store, [household(person(f"Người Số {n}", cid)) for n, cid in enumerate(registered)], actor="t"
    )

    asked = ["001190000005", "001190000699", "036190000001", "", "001190000005"]

    assert existing_citizen_ids(store, asked) == {"001190000005", "001190000699"}
    assert existing_citizen_ids(store, registered) == set(registered)
    assert existing_citizen_ids(store, []) == set()


def test_enrolments_are_written_active_with_their_scheme_details(store: Store):
    [household_id] = add_households(
        store, [household(person("Đinh Thị Nga"), person("Đinh Văn Quý"))], actor="t"
    )
    first, second = (m.person_id for m in get_household(store, household_id).members)

    ids = add_enrolments(
        store,
        [
            NewEnrolment(first, Scheme.VSI, date(2026, 7, 1), SupportGroup.NEAR_POOR, 2_200_000),
            NewEnrolment(second, Scheme.FAMILY_HI, date(2026, 8, 1)),
        ],
        actor="thu.nv",
    )

    with store.read() as connection:
        rows = {row.id: row for row in connection.execute(select(enrolments))}
    assert [
        (rows[i].person_id, rows[i].scheme, rows[i].support_group, rows[i].monthly_income) for i in ids
    ] == [
        (first, "vsi", "near-poor", 2_200_000),
        (second, "family_hi", None, None),
    ]
    assert {row.status for row in rows.values()} == {"active"}
    assert rows[ids[0]].start_date == date(2026, 7, 1)


def test_family_hi_enrolments_refuse_voluntary_si_details(store: Store):
    [household_id] = add_households(store, [household(person("Cao Thị Huệ"))], actor="t")
    person_id = get_household(store, household_id).members[0].person_id

    with pytest.raises(IntegrityError, match="vsi_fields"):
        add_enrolments(
            store,
            [NewEnrolment(person_id, Scheme.FAMILY_HI, date(2026, 8, 1), monthly_income=1_500_000)],
            actor="t",
        )
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        add_enrolments(store, [NewEnrolment("nobody", Scheme.VSI, date(2026, 8, 1))], actor="t")

    assert count(store, enrolments) == 0
