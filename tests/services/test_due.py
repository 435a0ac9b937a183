"""The due list on a real store: due, overdue and lapsed, amounts, grouping, filters, and a void or a
renewal moving a person on the list (the triggers of migration 0016)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from collector_app.domain.enrolments import Scheme
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.renewal import DueState
from collector_app.services.device import acting_user, set_up
from collector_app.services.due import DueReport, due_list
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.services.today import due_people
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from collector_app.store.users import User
from signing import open_test_store

DA_NANG = "48"  # no provincial top-up
HEAD, WIFE, THIRD, FOURTH = "048080012345", "048182012345", "048075000111", "048176000222"
CODE_A, CODE_B = "4800000001", "4800000002"
ON = date(2026, 11, 23)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        add_households(opened, [
            NewHousehold(CODE_B, "Thôn Phú Sơn", "20242", DA_NANG, (
                NewPerson("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, THIRD),
                NewPerson("Phạm Thị Mai", date(1976, 7, 8), Sex.FEMALE, FOURTH),
            )),
            NewHousehold(CODE_A, "Thôn An Hải", "20242", DA_NANG, (
                NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
                NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
            )),
        ], actor="test")
        yield opened


@pytest.fixture
def collector(store: Store) -> User:
    return acting_user(store)


def vsi(store: Store, user: User, citizen_id: str, *, on: date, months: int = 1) -> str:
    return record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=months, on=on,
                              period_from=on.replace(day=1), actor=user).receipt_number


def rows(report: DueReport) -> list[tuple[str, str, str, str, str, int]]:
    return [(e.citizen_id or "", e.scheme.value, e.state.value, e.due_date.isoformat(), e.pay_by.isoformat(),
             e.amount) for e in report.entries]


@pytest.fixture
def paid(store: Store, collector: User) -> dict[str, str]:
    receipts = {
        "head_oct": vsi(store, collector, HEAD, on=date(2026, 10, 5)),
        "head_nov": vsi(store, collector, HEAD, on=date(2026, 11, 2)),  # paid through 30/11/2026
        "third": vsi(store, collector, THIRD, on=date(2026, 8, 3)),  # through 31/08: the window closed 30/09
    }
    # First cards wait 30 days: 20/12/2025 - 19/12/2026 (household A), 31/03 - 29/06/2026 (household B).
    record_family_hi_payment(store, household_code=CODE_A, months=12, on=date(2025, 11, 20), actor=collector)
    record_family_hi_payment(store, household_code=CODE_B, months=3, on=date(2026, 3, 1), actor=collector)
    return receipts


def test_due_overdue_and_lapsed_grouped_by_village_and_household_with_the_amount_to_collect(
        store: Store, paid: dict[str, str]) -> None:
    report = due_list(store, on=ON)

    assert [h.address for h in report.households] == ["Thôn An Hải", "Thôn Phú Sơn"]
    assert rows(report) == [
        # voluntary SI monthly, due 01/12: 22 % of 2.000.000 less 66.000 support
        (HEAD, "vsi", "due", "2026-12-01", "2026-12-31", 374_000),
        # the card continues from 20/12/2026, at the base salary of 2.530.000 for 12 months
        (HEAD, "family_hi", "due", "2026-12-20", "2027-03-19", 1_366_200),
        (WIFE, "family_hi", "due", "2026-12-20", "2027-03-19", 956_340),
        # missed the window: re-registers from this month, missed months not collected
        (THIRD, "vsi", "overdue", "2026-09-01", "2026-09-30", 374_000),
        # card ended 29/06/2026, more than 3 months ago: a new card, priced today for 3 months
        (THIRD, "family_hi", "lapsed", "2026-06-30", "2026-09-29", 341_550),
        (FOURTH, "family_hi", "lapsed", "2026-06-30", "2026-09-29", 239_085),
    ]
    assert report.amount == 374_000 + 1_366_200 + 956_340 + 374_000 + 341_550 + 239_085
    assert report.people == 4
    assert (report.count(DueState.DUE), report.count(DueState.OVERDUE), report.count(DueState.LAPSED)) == (3, 1, 2)
    assert [household.amount for household in report.households] == [2_696_540, 954_635]


def test_filters(store: Store, paid: dict[str, str]) -> None:
    assert [e.citizen_id for e in due_list(store, on=ON, state=DueState.OVERDUE).entries] == [THIRD]
    assert [e.citizen_id for e in due_list(store, on=ON, state=DueState.LAPSED).entries] == [THIRD, FOURTH]
    assert {e.scheme for e in due_list(store, on=ON, scheme=Scheme.VSI).entries} == {Scheme.VSI}
    # accents and case ignored; words of the address, household code or name
    assert {e.citizen_id for e in due_list(store, on=ON, search="phu son").entries} == {THIRD, FOURTH}
    assert {e.citizen_id for e in due_list(store, on=ON, search="HẰNG").entries} == {WIFE}
    # cover ending after the horizon is not due yet: the cards end on 19/12
    assert [e.scheme for e in due_list(store, on=ON, days=7, state=DueState.DUE).entries] == [Scheme.VSI]


def test_a_void_moves_the_person_back_and_a_renewal_takes_them_off(
        store: Store, collector: User, paid: dict[str, str]) -> None:
    void_receipt(store, paid["head_nov"], reason="Ghi sai", actor=collector)
    head = [e for e in due_list(store, on=ON, scheme=Scheme.VSI).entries if e.citizen_id == HEAD]
    assert [(e.state, e.due_date, e.pay_by) for e in head] == [(DueState.DUE, date(2026, 11, 1), date(2026, 11, 30))]

    vsi(store, collector, HEAD, on=date(2026, 11, 23), months=3)  # November to January
    assert HEAD not in {e.citizen_id for e in due_list(store, on=ON, scheme=Scheme.VSI).entries}
    # The Today page's count reads the same table.
    assert due_people(store, on=ON).total == 2  # the household A cards


def test_an_empty_store_has_nothing_due(store: Store) -> None:
    report = due_list(store, on=ON)
    assert (report.households, report.amount, report.people) == ((), 0, 0)


def test_the_renewal_names_the_base_salary_change_since_the_last_card(store: Store, paid: dict[str, str]) -> None:
    from collector_app.services.due import PolicyChange, what_changed

    report = due_list(store, on=ON, scheme=Scheme.FAMILY_HI, state=DueState.DUE)
    head = report.entries[0]
    # the card from 20/12/2025 was priced at 2.340.000; its renewal from 20/12/2026 at 2.530.000
    assert what_changed(report, head) == (PolicyChange("base_salary", 2_340_000, 2_530_000, date(2026, 7, 1)),)
    vsi_head = due_list(store, on=ON, scheme=Scheme.VSI, state=DueState.DUE).entries[0]
    assert what_changed(report, vsi_head) == ()
