"""The Today page's day: payments by scheme and method, the cash drawer, voids, people due soon, rejected records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from collector_app.domain.due import DUE_SOON_DAYS, due_window, is_due_soon
from collector_app.domain.enrolments import Scheme
from collector_app.domain.payments import PaymentMethod, Role
from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.services.today import Figures, day_bounds, day_summary, due_people
from collector_app.store.accounts import add_user
from collector_app.store.batches import seal_pending, store_answer
from collector_app.store.db import Store
from collector_app.store.outbox import RecordAnswer
from collector_app.store.users import User
from da_nang import CODE, FOURTH, HEAD, THIRD, WIFE, da_nang_store

# The voids of the test are made now (UTC stamps); the day is taken in UTC so that "today" is theirs.
TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with da_nang_store(tmp_path / "store.sqlite3") as opened:
        yield opened


@pytest.fixture
def collector(store: Store) -> User:
    return acting_user(store)


@pytest.fixture
def colleague(store: Store) -> User:
    return add_user(store, username="lan", full_name="Võ Thị Lan", role=Role.COLLECTOR, actor="test")


def vsi(store: Store, user: User, citizen_id: str, *, on: date = TODAY, months: int = 1, method: str = "cash"):
    return record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=months, on=on,
                              actor=user, method=method)


def test_the_day_counts_the_users_own_receipts_by_scheme_and_method_and_the_drawer_holds_their_cash(
    store: Store, collector: User, colleague: User
) -> None:
    cash = vsi(store, collector, HEAD)
    transfer = record_family_hi_payment(store, household_code=CODE, months=3, on=TODAY, actor=collector,
                                        method="transfer")
    vsi(store, colleague, THIRD)  # another collector's money is in another drawer
    vsi(store, collector, FOURTH, on=YESTERDAY)  # yesterday's is in yesterday's

    day = day_summary(store, user_id=collector.user_id, on=TODAY, zone=UTC)

    assert day.payments == Figures(2, cash.payable + transfer.payable)
    assert dict(day.by_scheme) == {Scheme.VSI: Figures(1, cash.payable),
                                   Scheme.FAMILY_HI: Figures(1, transfer.payable)}
    assert dict(day.by_method) == {PaymentMethod.CASH: Figures(1, cash.payable),
                                   PaymentMethod.TRANSFER: Figures(1, transfer.payable)}
    assert day.cash_in_drawer == cash.payable == 374_000  # 22 % of 2.000.000 less 20 % support of 22 % × 1.500.000
    assert day.voided == Figures() and day.voids == ()
    yesterday = day_summary(store, user_id=collector.user_id, on=YESTERDAY, zone=UTC)
    assert (yesterday.payments.count, yesterday.cash_in_drawer) == (1, 374_000)
    theirs = day_summary(store, user_id=colleague.user_id, on=TODAY, zone=UTC)
    assert (theirs.payments, theirs.cash_in_drawer) == (Figures(1, 374_000), 374_000)


def test_a_receipt_voided_the_same_day_returns_its_cash_and_one_of_an_earlier_day_leaves_the_drawer_as_it_is(
    store: Store, collector: User, colleague: User
) -> None:
    kept = vsi(store, collector, HEAD)
    wrong = vsi(store, collector, WIFE, months=3)
    earlier = vsi(store, collector, THIRD, on=YESTERDAY)
    by_transfer = vsi(store, collector, FOURTH, method="transfer")
    before = day_summary(store, user_id=collector.user_id, on=TODAY, zone=UTC)
    assert before.cash_in_drawer == kept.payable + wrong.payable

    void_receipt(store, wrong.receipt_number, reason="Ghi sai số tháng", actor=collector)
    void_receipt(store, earlier.receipt_number, reason="Trùng biên lai", actor=collector)
    void_receipt(store, by_transfer.receipt_number, reason="Chuyển khoản không đến", actor=colleague)

    day = day_summary(store, user_id=collector.user_id, on=TODAY, zone=UTC)
    assert day.cash_in_drawer == kept.payable  # the same day's cash void went back; yesterday's did not touch it
    assert day.payments == Figures(1, kept.payable)
    assert day.voided == Figures(2, wrong.payable + by_transfer.payable)
    assert dict(day.by_method)[PaymentMethod.TRANSFER] == Figures(0, 0)
    assert [(v.receipt_number, v.amount, v.reason, v.voided_by, v.same_day, v.paid_on) for v in day.voids] == [
        (wrong.receipt_number, wrong.payable, "Ghi sai số tháng", collector.full_name, True, TODAY),
        (earlier.receipt_number, earlier.payable, "Trùng biên lai", collector.full_name, False, YESTERDAY),
        (by_transfer.receipt_number, by_transfer.payable, "Chuyển khoản không đến", "Võ Thị Lan", True, TODAY),
    ]
    # Yesterday, as it closed: its receipt stood then, so its figures stay.
    yesterday = day_summary(store, user_id=collector.user_id, on=YESTERDAY, zone=UTC)
    assert (yesterday.payments, yesterday.cash_in_drawer, yesterday.voids) == (
        Figures(1, earlier.payable), earlier.payable, ())
    # The colleague who voided sees the void they made among their day's voids, not in their figures.
    theirs = day_summary(store, user_id=colleague.user_id, on=TODAY, zone=UTC)
    assert [v.receipt_number for v in theirs.voids] == [by_transfer.receipt_number]
    assert not theirs.voids[0].same_day and theirs.payments == Figures()


def test_the_day_is_the_local_day_so_a_void_late_in_the_evening_utc_is_on_the_next_local_day() -> None:
    vietnam = timezone(timedelta(hours=7))
    since, until = day_bounds(date(2026, 12, 4), vietnam)
    assert (since, until) == ("2026-12-03T17:00:00.000000+00:00", "2026-12-04T17:00:00.000000+00:00")


def test_people_are_due_soon_from_the_last_day_covered_to_thirty_days_before_it(
    store: Store, collector: User
) -> None:
    paid = vsi(store, collector, HEAD, on=date(2026, 10, 5), months=3)  # October to December
    ends = paid.participants[0].period_end
    assert ends == date(2026, 12, 31) and DUE_SOON_DAYS == 30

    def due_on(on: date) -> list[tuple[str, str, date]]:
        found = due_people(store, on=on)
        assert found.total == len(found.rows) and found.until == due_window(on)[1]
        return [(row.full_name, row.scheme, row.ends_on) for row in found.rows]

    assert due_on(ends) == [("Đặng Văn Hùng", "vsi", ends)]  # 0 days left
    assert due_on(ends - timedelta(days=30)) == [("Đặng Văn Hùng", "vsi", ends)]  # 30 days left
    assert due_on(ends - timedelta(days=31)) == []  # 31 days left
    assert due_on(ends + timedelta(days=1)) == []  # overdue: another state, not "due soon"
    assert is_due_soon(ends, on=ends - timedelta(days=30)) and not is_due_soon(ends, on=ends - timedelta(days=31))


def test_the_due_count_counts_people_once_ignores_voided_periods_and_periods_paid_beyond(
    store: Store, collector: User
) -> None:
    on = date(2026, 12, 10)
    vsi(store, collector, HEAD, on=date(2026, 10, 5), months=3)  # to 31/12/2026: due
    record_family_hi_payment(store, household_code=CODE, months=3, on=date(2026, 10, 1), actor=collector)
    vsi(store, collector, THIRD, on=date(2026, 10, 5), months=3)  # to 31/12/2026, but paid again after:
    vsi(store, collector, THIRD, on=date(2026, 12, 1), months=3)  # to 31/03/2027, not due
    fourth = vsi(store, collector, FOURTH, on=date(2026, 10, 5), months=3)
    void_receipt(store, fourth.receipt_number, reason="Thu nhầm người", actor=collector)  # no cover: not due

    found = due_people(store, on=on)
    # Family HI cards of the Đặng household: paid 01/10, valid 30 days later for 3 months, to 30/01/2027,
    # which is 51 days away: not due yet. Only the head's voluntary SI is due.
    assert [(r.full_name, r.scheme, r.ends_on, r.household_code) for r in found.rows] == [
        ("Đặng Văn Hùng", "vsi", date(2026, 12, 31), CODE)]
    later = due_people(store, on=date(2027, 1, 1))
    assert sorted((r.full_name, r.scheme) for r in later.rows) == [
        ("Lê Thị Hằng", "family_hi"), ("Đặng Văn Hùng", "family_hi")]
    assert later.total == 2
    both = due_people(store, on=date(2026, 12, 31))  # the head is due in both schemes: two rows, one person
    assert len(both.rows) == 3 and both.total == 2
    assert day_summary(store, user_id=collector.user_id, on=date(2026, 12, 31), zone=UTC).due_soon == 2


def test_records_the_server_rejected_are_in_the_day_with_the_reason_and_what_to_do(
    store: Store, collector: User
) -> None:
    paid = vsi(store, collector, HEAD)
    device = store.reader().execute("SELECT id FROM devices").fetchone()[0]
    [batch] = seal_pending(store, device_id=device, actor="test")
    params = {"version": "2026.11.1", "amount": 440_000, "expected": 439_000, "member": 1}
    answer = [RecordAnswer(record_id=paid.payment_id, status="rejected", code="payment.money_mismatch",
                           message="gross differs", params=params)]
    store_answer(store, batch.batch_id, json.dumps({"batch_id": batch.batch_id, "results": []}), answer)

    [record] = day_summary(store, user_id=collector.user_id, on=TODAY, zone=UTC).attention
    assert (record.kind, record.receipt_number, record.person, record.amount) == (
        "payment", paid.receipt_number, "Đặng Văn Hùng", paid.payable)
    assert record.code == "payment.money_mismatch" and not record.can_resend
    assert record.way_out is not None and paid.receipt_number in record.way_out
