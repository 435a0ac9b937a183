"""Demo data: realistic Vietnamese households written to a real store file."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from collector_app.admin_units import load_admin_units
from collector_app.domain.contributions import quote_family_hi, quote_vsi
from collector_app.domain.identity import age_on, check_citizen_id, check_full_name, normalise_phone
from collector_app.domain.people import Sex
from collector_app.policies import current_table
from collector_app.demo import fill_demo
from collector_app.store import schema
from collector_app.store.db import Store
from collector_app.store.search import search_people
from signing import open_test_store

ON = date(2026, 11, 23)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_test_store(tmp_path / "store.sqlite3")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store with 1,500 demo people, shared by the tests that only read it."""
    opened = open_test_store(tmp_path_factory.mktemp("demo") / "store.sqlite3")
    fill_demo(opened, people=1500, seed=7, on=ON)
    yield opened
    opened.close()


def people_of(store: Store) -> list[dict[str, Any]]:
    query = (
        select(
            schema.people,
            schema.households.c.commune_code,
            schema.households.c.province_code,
            schema.households.c.address,
        )
        .join(schema.households, schema.households.c.id == schema.people.c.household_id)
        .order_by(schema.people.c.household_id, schema.people.c.member_order)
    )
    with store.read() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def enrolments_of(store: Store) -> list[dict[str, Any]]:
    with store.read() as connection:
        return [dict(row._mapping) for row in connection.execute(select(schema.enrolments))]


def comparable(store: Store) -> list[tuple[Any, ...]]:
    """What the data says, without the random record ids and timestamps."""
    return sorted(
        (
            p["citizen_id"],
            p["full_name"],
            p["date_of_birth"],
            p["sex"],
            p["phone"],
            p["address"],
            p["commune_code"],
            p["member_order"],
        )
        for p in people_of(store)
    )


@pytest.mark.parametrize("people", [1, 7, 250])
def test_exactly_the_number_of_people_asked_for_is_added(store: Store, people: int) -> None:
    summary = fill_demo(store, people=people, on=ON)

    assert summary.people == people
    assert len(people_of(store)) == people
    assert summary.households == len({p["household_id"] for p in people_of(store)})


def test_the_same_seed_gives_the_same_people(tmp_path: Path) -> None:
    stores = [open_test_store(tmp_path / f"{name}.sqlite3") for name in ("a", "b", "c")]
    try:
        fill_demo(stores[0], people=300, seed=11, on=ON)
        fill_demo(stores[1], people=300, seed=11, on=ON)
        fill_demo(stores[2], people=300, seed=12, on=ON)
        assert comparable(stores[0]) == comparable(stores[1])
        assert comparable(stores[0]) != comparable(stores[2])
    finally:
        for opened in stores:
            opened.close()


def test_every_citizen_id_is_valid_and_agrees_with_birth_date_and_sex(filled: Store) -> None:
    for person in people_of(filled):
        check = check_citizen_id(
            person["citizen_id"], on=ON, date_of_birth=person["date_of_birth"], sex=Sex(person["sex"])
        )
        assert check.valid, (person["citizen_id"], check.problems)


def test_most_people_are_born_in_the_province_they_live_in(filled: Store) -> None:
    # Birth-place codes are the old 63 provinces: Hà Nội 001, Nghệ An 040, Đồng Tháp 087 / Tiền Giang 082.
    local = {"01": {"001"}, "40": {"040"}, "82": {"087", "082"}}
    people = people_of(filled)
    born_locally = sum(p["citizen_id"][:3] in local[p["province_code"]] for p in people)
    assert born_locally / len(people) > 0.8


def test_names_are_vietnamese_with_their_diacritics(filled: Store) -> None:
    names = [p["full_name"] for p in people_of(filled)]
    assert all(check_full_name(name) == [] for name in names)
    assert all(len(name.split()) == 3 for name in names)
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    with_marks = [name for name in names if not name.isascii()]
    assert len(with_marks) / len(names) > 0.9
    assert all(name.split()[1] != name.split()[2] for name in names)


def test_no_two_members_of_a_household_share_a_given_name(filled: Store) -> None:
    given: dict[str, list[str]] = {}
    for person in people_of(filled):
        given.setdefault(person["household_id"], []).append(person["full_name"].split()[-1])
    assert all(len(set(names)) == len(names) for names in given.values())


def test_hoang_and_vu_are_spelt_huynh_and_vo_in_the_south(filled: Store) -> None:
    south = Counter(p["full_name"].split()[0] for p in people_of(filled) if p["province_code"] == "82")
    north = Counter(p["full_name"].split()[0] for p in people_of(filled) if p["province_code"] != "82")
    assert south["Hoàng"] == south["Vũ"] == north["Huỳnh"] == north["Võ"] == 0
    assert south["Huỳnh"] + south["Võ"] > 0 and north["Hoàng"] + north["Vũ"] > 0


def test_surnames_follow_their_real_frequency(filled: Store) -> None:
    surnames = Counter(p["full_name"].split()[0] for p in people_of(filled))
    total = sum(surnames.values())
    assert 0.30 < surnames["Nguyễn"] / total < 0.46
    assert surnames.most_common(1)[0][0] == "Nguyễn"
    assert len(surnames) >= 15


def test_middle_names_follow_sex(filled: Store) -> None:
    people = people_of(filled)
    assert not [p for p in people if p["full_name"].split()[1] == "Thị" and p["sex"] == "male"]
    assert not [p for p in people if p["full_name"].split()[1] == "Văn" and p["sex"] == "female"]


def test_households_have_one_to_seven_members_with_plausible_ages(filled: Store) -> None:
    households: dict[str, list[dict[str, Any]]] = {}
    for person in people_of(filled):
        households.setdefault(person["household_id"], []).append(person)

    sizes = Counter(len(members) for members in households.values())
    assert set(sizes) <= set(range(1, 8))
    assert len(sizes) >= 5  # every size is drawn, not always the same
    for members in households.values():
        head = members[0]
        assert age_on(head["date_of_birth"], ON) >= 20  # a child never heads a household
        assert len({m["date_of_birth"] for m in members}) >= 1
        assert all(m["date_of_birth"] <= ON for m in members)


def test_every_household_is_in_a_real_commune_of_its_province(filled: Store) -> None:
    units = load_admin_units()
    for person in people_of(filled):
        commune = units.commune(person["commune_code"])
        assert commune is not None and commune.province_code == person["province_code"]


def test_adults_mostly_have_valid_mobile_phones_and_children_none(filled: Store) -> None:
    people = people_of(filled)
    adults = [p for p in people if age_on(p["date_of_birth"], ON) >= 18]
    children = [p for p in people if age_on(p["date_of_birth"], ON) < 18]
    assert all(p["phone"] is None for p in children)
    phones = [p["phone"] for p in adults if p["phone"]]
    assert len(phones) / len(adults) > 0.7
    assert all(normalise_phone(phone) == (phone, []) for phone in phones)


def test_addresses_are_written_the_vietnamese_way(filled: Store) -> None:
    assert all(p["address"].startswith("Số ") for p in people_of(filled))


def test_family_hi_covers_whole_households_and_voluntary_si_working_age_adults(filled: Store) -> None:
    policy = current_table().in_force(ON)
    people = {p["id"]: p for p in people_of(filled)}
    enrolments = enrolments_of(filled)

    hi = [e for e in enrolments if e["scheme"] == "family_hi"]
    assert all(people[e["person_id"]]["date_of_birth"] <= e["start_date"] <= ON for e in hi)
    hi_people = {e["person_id"] for e in hi}
    hi_households = {people[pid]["household_id"] for pid in hi_people}
    for household_id in hi_households:
        assert {pid for pid, p in people.items() if p["household_id"] == household_id} <= hi_people

    vsi = [e for e in enrolments if e["scheme"] == "vsi"]
    assert vsi
    for enrolment in vsi:
        age = age_on(people[enrolment["person_id"]]["date_of_birth"], ON)
        assert 20 <= age < 60
        assert enrolment["support_group"] in {"poor", "near-poor", "ethnic-minority", "other"}
        assert policy.vsi_income_floor <= enrolment["monthly_income"] <= policy.vsi_income_ceiling
        assert enrolment["monthly_income"] % 50_000 == 0
        assert enrolment["start_date"] <= ON
    assert {e["monthly_income"] for e in vsi} != {policy.vsi_income_floor}


def test_the_summary_counts_the_enrolments_written(store: Store) -> None:
    summary = fill_demo(store, people=200, on=ON)

    enrolments = enrolments_of(store)
    assert summary.family_hi_enrolments == sum(e["scheme"] == "family_hi" for e in enrolments)
    assert summary.vsi_enrolments == sum(e["scheme"] == "vsi" for e in enrolments)
    assert summary.enrolments == len(enrolments)


def test_calling_twice_adds_other_people_without_citizen_id_collisions(store: Store) -> None:
    first = fill_demo(store, people=400, on=ON)
    second = fill_demo(store, people=400, on=ON)

    people = people_of(store)
    assert first.people + second.people == len(people) == 800
    assert len({p["citizen_id"] for p in people}) == 800
    assert len({p["full_name"] for p in people}) > 400


def test_progress_reaches_the_number_of_people(store: Store) -> None:
    calls: list[tuple[int, int]] = []

    fill_demo(store, people=50, on=ON, progress=lambda done, total: calls.append((done, total)))

    assert calls and calls[-1] == (50, 50)


def test_demo_people_are_found_by_search_without_accents(filled: Store) -> None:
    assert search_people(filled, "nguyen")


# ---- household codes, payments and receipts ----------------------------------------------------


def rows_of(store: Store, sql: str) -> list[tuple[Any, ...]]:
    with store.read() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_most_households_have_a_unique_ten_digit_code_starting_with_their_province(filled: Store) -> None:
    households = rows_of(filled, "SELECT household_code, province_code FROM households")
    codes = [code for code, _ in households if code]

    assert 0.7 < len(codes) / len(households) < 1
    assert len(set(codes)) == len(codes)
    for code, province in households:
        assert code is None or (code.isdigit() and len(code) == 10 and code[:2] == province)


def test_a_share_of_enrolments_is_paid_a_few_months_back_with_a_receipt_each(filled: Store) -> None:
    paid = rows_of(filled, """
        SELECT p.id, p.paid_on, p.scheme, r.series, r.year, r.number FROM payments p
        JOIN receipts r ON r.payment_id = p.id ORDER BY r.year, r.number""")
    [(payments,)] = rows_of(filled, "SELECT count(*) FROM payments")
    [(payment_outbox,)] = rows_of(filled, "SELECT count(*) FROM outbox WHERE kind = 'payment'")

    assert len(paid) == payments == payment_outbox > 0
    dates = [date.fromisoformat(row[1]) for row in paid]
    assert all(date(2026, 7, 26) <= d <= date(2026, 11, 16) for d in dates)  # 7 to 119 days before ON
    assert dates == sorted(dates)  # numbers were issued in date order
    for year in {row[4] for row in paid}:
        numbers = [row[5] for row in paid if row[4] == year]
        assert numbers == list(range(1, len(numbers) + 1))
    assert {row[3] for row in paid} == {"BD01M1"}
    hi_households = rows_of(filled, """
        SELECT count(DISTINCT p.household_id) FROM enrolments e JOIN people p ON p.id = e.person_id
        WHERE e.scheme = 'family_hi'""")[0][0]
    hi_paid = sum(row[2] == "family_hi" for row in paid)
    vsi = len([e for e in enrolments_of(filled) if e["scheme"] == "vsi"])
    vsi_paid = sum(row[2] == "vsi" for row in paid)
    assert 0.4 < hi_paid / hi_households < 0.8
    assert 0.4 < vsi_paid / vsi < 0.8


def test_demo_payments_are_the_amounts_the_policy_asks_on_their_date(filled: Store) -> None:
    table = current_table()
    items = rows_of(filled, """
        SELECT p.id, p.scheme, p.paid_on, p.amount, i.months, i.member_rank, i.monthly_income,
               e.support_group, i.amount, h.province_code FROM payments p JOIN payment_items i ON i.payment_id = p.id
        JOIN enrolments e ON e.id = i.enrolment_id JOIN households h ON h.id = p.household_id
        ORDER BY p.id, i.member_rank""")
    by_payment: dict[str, list[tuple[Any, ...]]] = {}
    for item in items:
        by_payment.setdefault(item[0], []).append(item)

    for payment in by_payment.values():
        scheme, paid_on, total, months = payment[0][1], date.fromisoformat(payment[0][2]), *payment[0][3:5]
        if scheme == "family_hi":
            quote = quote_family_hi(table, on=paid_on, members=len(payment), months=months)
            assert [i[8] for i in payment] == [m.amount for m in quote.members]
            assert [i[5] for i in payment] == list(range(1, len(payment) + 1))
            assert total == quote.total
        else:
            [item] = payment
            # A top-up where the household lives in a province that has one (Hà Nội).
            province = item[9] if item[9] in table.in_force(paid_on).local_vsi_support else None
            quote = quote_vsi(table, on=paid_on, monthly_income=item[6], months=months, group=item[7],
                              supported_months_before=0, province=province)
            assert total == item[8] == quote.payable


def test_the_summary_counts_the_payments_written(store: Store) -> None:
    summary = fill_demo(store, people=300, on=ON)

    assert summary.payments == len(rows_of(store, "SELECT id FROM payments")) > 0


def test_demo_people_are_registered_at_a_sample_facility_of_their_province(filled: Store) -> None:
    from collector_app.store.facilities import facilities

    listed = {f.code: f for f in facilities(filled)}
    assert listed and all(code.startswith("MAU-") and f.name.endswith("(mẫu)") for code, f in listed.items())
    people = people_of(filled)
    assert all(p["hi_facility_code"] in listed for p in people)
    assert all(listed[p["hi_facility_code"]].province_code == p["province_code"] for p in people)
    # A household mostly registers at one facility.
    counts: dict[str, Counter[str]] = {}
    for p in people:
        counts.setdefault(p["household_id"], Counter())[p["hi_facility_code"]] += 1
    with_the_household = sum(counter.most_common(1)[0][1] for counter in counts.values())
    assert with_the_household > 0.8 * len(people)
