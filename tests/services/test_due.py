"""The due list on a real store: due, overdue and lapsed, amounts, grouping, filters, and a void or a
renewal moving a person on the list (the triggers of migration 0016)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from collector_app.domain.enrolments import Scheme
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.renewal import DueState
from collector_app.services.device import acting_user, set_up
from collector_app.services.due import DueReport, due_list, due_report, more_households
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.services.registration import correct_person
from collector_app.services.today import due_people
from collector_app.store.db import Store
from collector_app.store.people import person_by_citizen_id
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


# ---- at a million people: figures from grouped covers, households a page at a time (migration 0019) ----

def test_the_first_page_carries_the_whole_lists_figures_and_the_next_pages_follow_in_order(
        store: Store, paid: dict[str, str]) -> None:
    whole = due_list(store, on=ON)
    first = due_report(store, on=ON, households=1)

    assert (first.counts, first.people, first.household_count, first.amount) == (
        whole.counts, whole.people, whole.household_count, whole.amount)
    assert [h.address for h in first.households] == ["Thôn An Hải"] and not first.complete
    rest = more_households(store, first, limit=5)
    assert first.households + rest == whole.households
    assert more_households(store, replace(first, households=first.households + rest)) == ()
    # The figures are those of the entries listed: counts, people, households and amount.
    entries = whole.entries
    assert whole.amount == sum(e.amount for e in entries)
    assert whole.people == len({e.person_id for e in entries}) and whole.household_count == len(whole.households)
    assert dict(whole.counts) == {state: n for state in DueState if (n := sum(e.state is state for e in entries))}


def test_the_state_filter_lists_exactly_the_renewals_the_rule_puts_in_that_state_on_any_day(
        store: Store, collector: User) -> None:
    # Covers ending on many days and by every method: the state filter is ranges of end dates worked
    # out from the rule; across month ends, the leap day and the year boundary they must agree with it.
    ids = [HEAD, WIFE, THIRD, FOURTH]
    for n, (citizen_id, months) in enumerate(zip(ids, (1, 3, 6, 12), strict=True)):
        on = date(2026, 1 + n, 1)
        record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=months, on=on,
                           period_from=on, actor=collector, today=on)
    record_family_hi_payment(store, household_code=CODE_A, months=12, on=date(2026, 1, 30), actor=collector,
                             today=date(2026, 1, 30))
    day = date(2026, 1, 1)
    while day < date(2028, 4, 1):
        every = due_list(store, on=day, days=60)
        for state in DueState:
            chosen = due_list(store, on=day, days=60, state=state)
            assert chosen.entries == tuple(e for e in every.entries if e.state is state), (day, state)
            assert chosen.count(state) == every.count(state)
        day += timedelta(days=17)


def test_the_list_follows_a_corrected_address_and_name(store: Store, collector: User, paid: dict[str, str]) -> None:
    head = person_by_citizen_id(store, HEAD)
    assert head is not None
    correct_person(store, actor=collector, person_id=head.person_id,
                   changes={"address": "Xóm Ấp Chợ", "full_name": "Đặng Văn Hưng"},
                   on=ON)

    report = due_list(store, on=ON)
    assert [h.address for h in report.households] == ["Thôn Phú Sơn", "Xóm Ấp Chợ"]  # the order follows it
    assert {e.citizen_id for e in due_list(store, on=ON, search="ap cho").entries} == {HEAD, WIFE}
    assert {e.citizen_id for e in due_list(store, on=ON, search="dang van hung").entries} == {HEAD}  # not "hùng"
    assert due_list(store, on=ON, search="an hai").entries == ()
    with store.read() as connection:
        stale = connection.exec_driver_sql(
            "SELECT count(*) FROM enrolment_cover AS c JOIN enrolments AS e ON e.id = c.enrolment_id "
            "JOIN people AS p ON p.id = e.person_id JOIN households AS h ON h.id = p.household_id "
            "WHERE c.address_folded IS NOT h.address_folded OR c.name_folded IS NOT p.name_folded "
            "OR c.household_id IS NOT h.id OR c.person_id IS NOT p.id OR c.scheme IS NOT e.scheme "
            "OR c.status IS NOT e.status").scalar_one()
        folded = connection.exec_driver_sql("SELECT address_folded FROM households ORDER BY 1").scalars().all()
    assert stale == 0 and folded == ["thon phu son", "xom ap cho"]


def test_a_void_and_a_renewal_move_the_figures_too(store: Store, collector: User, paid: dict[str, str]) -> None:
    before = due_report(store, on=ON, scheme=Scheme.VSI)
    void_receipt(store, paid["third"], reason="Ghi sai", actor=collector)  # THIRD had nothing else paid
    after = due_report(store, on=ON, scheme=Scheme.VSI)
    assert (after.people, after.amount) == (before.people - 1, before.amount - 374_000)
    record_vsi_payment(store, citizen_id=HEAD, monthly_income=2_000_000, months=3, on=ON,
                       period_from=date(2026, 12, 1), actor=collector, today=ON)
    assert due_report(store, on=ON, scheme=Scheme.VSI).household_count == 0
