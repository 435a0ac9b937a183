"""The official lists' totals equal the payments, checked against the Receipts page's own totals
(`store.receipt_list`), over payments of two collectors across a month's ends with voids; and the
commission statement splits the same payments by collector and by new or continuing participant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from collector_app.domain.official_lists import ListForm
from collector_app.domain.payments import Role
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.services.commission import monthly_commission
from collector_app.services.device import acting_user, set_up
from collector_app.services.official_lists import make_list
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.accounts import add_user
from collector_app.store.db import Store
from collector_app.store.receipt_list import list_receipts, receipt_totals
from collector_app.store.registration import add_households
from signing import open_test_store

DA_NANG = "48"  # no provincial top-up
PEOPLE = ["048080012345", "048182012345", "048075000111", "048176000222", "048090000333"]
CODES = ["4800000001", "4800000002"]
AUGUST = (date(2026, 8, 1), date(2026, 8, 31))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        add_households(opened, [
            NewHousehold(CODES[0], "12 Trần Phú", "20242", DA_NANG, (
                NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, PEOPLE[0]),
                NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, PEOPLE[1]))),
            NewHousehold(CODES[1], "45 Lê Lợi", "20242", DA_NANG, (
                NewPerson("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, PEOPLE[2]),
                NewPerson("Phạm Thị Mai", date(1976, 7, 8), Sex.FEMALE, PEOPLE[3]),
                NewPerson("Trần Văn Cường", date(1990, 9, 9), Sex.MALE, PEOPLE[4]))),
        ], actor="test")
        yield opened


@pytest.fixture
def paid(store: Store) -> list[str]:
    """July: Hùng pays a month. August (31/07 and 01/09 just outside): Hùng again, Hằng, Bình, Mai, one of
    them voided; both households' family HI, by two collectors."""
    me = acting_user(store)
    lan = add_user(store, username="lan", full_name="Võ Thị Lan", role=Role.COLLECTOR, actor="test")
    numbers = []

    def vsi(citizen_id: str, on: date, months: int = 1, actor=me) -> str:
        paid = record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=months, on=on,
                                  actor=actor, today=on)
        numbers.append(paid.receipt_number)
        return paid.receipt_number

    vsi(PEOPLE[0], date(2026, 7, 31))
    vsi(PEOPLE[0], date(2026, 8, 1))
    vsi(PEOPLE[1], date(2026, 8, 14), months=3, actor=lan)
    voided = vsi(PEOPLE[2], date(2026, 8, 20), months=6)
    vsi(PEOPLE[3], date(2026, 8, 31), actor=lan)
    vsi(PEOPLE[4], date(2026, 9, 1))
    void_receipt(store, voided, reason="Ghi sai mức thu nhập", actor=me)
    for code, on, actor in ((CODES[0], date(2026, 8, 2), me), (CODES[1], date(2026, 8, 30), lan)):
        numbers.append(record_family_hi_payment(store, household_code=code, months=12, on=on, actor=actor,
                                                today=on).receipt_number)
    return numbers


@pytest.mark.parametrize("form, scheme", [(ListForm.D05, "vsi"), (ListForm.D03, "family_hi")])
def test_each_lists_totals_equal_the_valid_receipts_of_its_scheme(store: Store, paid: list[str],
                                                                  form: ListForm, scheme: str):
    made = make_list(store, form, since=AUGUST[0], until=AUGUST[1], made_on=date(2026, 9, 1),
                     actor=acting_user(store))

    receipts = [row for row in list_receipts(store, limit=1000, since=AUGUST[0], until=AUGUST[1])
                if row.scheme == scheme]
    totals = receipt_totals(receipts)
    assert made.totals.amount == totals.amount and totals.voided == (1 if scheme == "vsi" else 0)
    assert made.totals.gross - made.totals.state_support - made.totals.local_support == made.totals.amount
    assert made.totals.participants == (3 if scheme == "vsi" else 5)
    assert {row.receipt_number for row in made.rows} == {row.receipt_number for row in receipts if not row.voided}
    assert all(AUGUST[0] <= row.paid_on <= AUGUST[1] for row in made.rows)


def test_the_commission_splits_the_month_by_collector_and_new_or_continuing(store: Store, paid: list[str]):
    report = monthly_commission(store, date(2026, 8, 17))

    lines = {(line.scheme, line.new): (line.participants, line.base) for line in report.point.lines}
    # Hùng paid in July already: continuing; Hằng and Mai are new; Bình's receipt was voided.
    assert lines[("vsi", False)][0] == 1 and lines[("vsi", True)][0] == 2
    assert lines[("family_hi", True)][0] == 5
    d05 = make_list(store, ListForm.D05, since=AUGUST[0], until=AUGUST[1], made_on=date(2026, 9, 1),
                    actor=acting_user(store))
    d03 = make_list(store, ListForm.D03, since=AUGUST[0], until=AUGUST[1], made_on=date(2026, 9, 1),
                    actor=acting_user(store))
    assert report.point.base == d05.totals.amount + d03.totals.amount
    assert [c.username for c in report.collectors] == sorted(c.username for c in report.collectors)
    # Each statement rounds its own lines once: the collectors' together differ from the point's by at
    # most a đồng per line.
    rounded_lines = sum(len(c.statement.lines) for c in report.collectors)
    assert abs(sum(c.statement.commission for c in report.collectors) - report.point.commission) <= rounded_lines
    assert sum(c.statement.base for c in report.collectors) == report.point.base
    only_lan = monthly_commission(store, date(2026, 8, 1), collector="lan")
    assert [c.username for c in only_lan.collectors] == ["lan"] and only_lan.point.participants == 1 + 1 + 3
