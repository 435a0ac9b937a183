"""Collaborators' hand-overs on a real store: what each holds, the amount against the receipts, the drawer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from collector_app.domain.closing import parse_count
from collector_app.domain.payments import Role
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.closing import close_day, collaborators_cash, day_report, day_to_close, record_handover
from collector_app.services.device import acting_user, set_up
from collector_app.services.payments import record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.accounts import add_user
from collector_app.store.audit_trail import verify_chain
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from collector_app.store.users import User
from signing import open_test_store

DA_NANG = "48"  # no provincial top-up: a month of VSI on 2.000.000 đ is 374.000 đ
PEOPLE = ("048080012345", "048182012345", "048075000111", "048176000222")
TODAY = datetime.now(UTC).date()  # hand-overs are stamped now (UTC): the day is taken in UTC
EARLIER = TODAY - timedelta(days=3)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        add_households(opened, [NewHousehold(None, "12 Trần Phú", "20242", DA_NANG, tuple(
            NewPerson(name, date(1980, 3, 4), sex, citizen_id) for name, sex, citizen_id in (
                ("Đặng Văn Hùng", Sex.MALE, PEOPLE[0]), ("Lê Thị Hằng", Sex.FEMALE, PEOPLE[1]),
                ("Trần Văn Bình", Sex.MALE, PEOPLE[2]), ("Phạm Thị Mai", Sex.FEMALE, PEOPLE[3]))))], actor="test")
        yield opened


@pytest.fixture
def collector(store: Store) -> User:
    return acting_user(store)


@pytest.fixture
def lan(store: Store) -> User:
    return add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")


def pay(store: Store, user: User, citizen_id: str, on: date, method: str = "cash") -> str:
    return record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=1, on=on, actor=user,
                              method=method).receipt_number


def test_a_collaborator_holds_their_cash_receipts_less_voids_until_handed_over(
    store: Store, collector: User, lan: User
) -> None:
    first = pay(store, lan, PEOPLE[0], EARLIER)
    pay(store, lan, PEOPLE[1], TODAY)
    pay(store, lan, PEOPLE[2], TODAY, method="transfer")  # never cash in hand
    voided = pay(store, lan, PEOPLE[3], TODAY)
    void_receipt(store, voided, reason="Ghi nhầm", actor=collector)  # the payer got the cash back
    [held] = collaborators_cash(store)
    assert (held.username, held.collected, held.handed_over, held.held, held.held_receipts, held.oldest_held) == (
        "ctv.lan", 748_000, 0, 748_000, 2, EARLIER)

    # The oldest first: everything paid on or before EARLIER, handed over exactly.
    done = record_handover(store, collaborator="ctv.lan", receipts=None, until=EARLIER, amount=None, reason=None,
                           actor=collector)
    assert (done.receipt_numbers, done.expected, done.amount, done.difference) == ((first,), 374_000, 374_000, 0)
    # The rest: 370.000 đ handed for 374.000 đ of receipts (the voided one covered with 0 đ) needs a reason.
    with pytest.raises(DomainError) as short:
        record_handover(store, collaborator="ctv.lan", receipts=None, until=None, amount=370_000, reason="",
                        actor=collector)
    assert short.value.problems[0].code is ProblemCode.DAY_REASON_REQUIRED
    rest = record_handover(store, collaborator="ctv.lan", receipts=None, until=None, amount=370_000,
                           reason="Thiếu 4.000 đ, nộp bù ngày mai", actor=collector)
    assert (len(rest.receipt_numbers), rest.expected, rest.difference) == (2, 374_000, -4_000)
    [after] = collaborators_cash(store)
    assert (after.collected, after.handed_over, after.held, after.oldest_held) == (748_000, 744_000, 0, None)

    with pytest.raises(DomainError) as again:  # a receipt is handed over once
        record_handover(store, collaborator="ctv.lan", receipts=[first], until=None, amount=None, reason=None,
                        actor=collector)
    assert again.value.problems[0].code is ProblemCode.HANDOVER_RECEIPT_NOT_HELD
    with pytest.raises(DomainError) as nothing:
        record_handover(store, collaborator="ctv.lan", receipts=None, until=None, amount=None, reason=None,
                        actor=collector)
    assert nothing.value.problems[0].code is ProblemCode.HANDOVER_NOTHING_HELD
    assert verify_chain(store).sound  # each hand-over a chained money event


def test_only_a_collector_or_supervisor_receives_and_only_from_a_collaborator(
    store: Store, collector: User, lan: User
) -> None:
    number = pay(store, lan, PEOPLE[0], TODAY)
    with pytest.raises(DomainError) as by_herself:
        record_handover(store, collaborator="ctv.lan", receipts=[number], until=None, amount=None, reason=None,
                        actor=lan)
    assert by_herself.value.problems[0].code is ProblemCode.ROLE_MAY_NOT_RECEIVE_HANDOVER
    with pytest.raises(DomainError) as not_one:
        record_handover(store, collaborator=collector.username, receipts=None, until=None, amount=None,
                        reason=None, actor=collector)
    assert not_one.value.problems[0].code is ProblemCode.HANDOVER_NOT_A_COLLABORATOR
    with pytest.raises(DomainError) as other:  # the collector's own receipt is not Lan's cash
        record_handover(store, collaborator="ctv.lan", receipts=[pay(store, collector, PEOPLE[1], TODAY)],
                        until=None, amount=None, reason=None, actor=collector)
    assert other.value.problems[0].code is ProblemCode.HANDOVER_RECEIPT_NOT_HELD


def test_cash_handed_over_is_in_the_receivers_drawer_and_a_closed_day_refuses_a_late_hand_over(
    store: Store, collector: User, lan: User
) -> None:
    pay(store, collector, PEOPLE[0], TODAY)  # 374.000 đ of the collector's own
    lans = pay(store, lan, PEOPLE[1], TODAY)
    pay(store, lan, PEOPLE[2], TODAY)
    record_handover(store, collaborator="ctv.lan", receipts=[lans], until=None, amount=None, reason=None,
                    actor=collector)
    day = day_to_close(store, actor=collector, on=TODAY, zone=UTC)
    assert day.expected_cash == 374_000 + 374_000
    closed = close_day(store, actor=collector, on=TODAY, today=TODAY, zone=UTC,
                       count=parse_count("500000=1,200000=1,20000=2,5000=1,2000=1,1000=1"), reason=None)
    assert (closed.expected_cash, closed.counted_cash, closed.difference) == (748_000, 748_000, 0)
    assert day_report(store, actor=collector, on=TODAY, zone=UTC).handovers == 374_000
    with pytest.raises(DomainError) as late:
        record_handover(store, collaborator="ctv.lan", receipts=None, until=None, amount=None, reason=None,
                        actor=collector)
    assert late.value.problems[0].code is ProblemCode.DAY_CLOSED


def test_a_receipt_taken_out_of_a_hand_over_by_hand_breaks_the_audit_chain(
    store: Store, collector: User, lan: User
) -> None:
    numbers = [pay(store, lan, PEOPLE[0], TODAY), pay(store, lan, PEOPLE[1], TODAY)]
    record_handover(store, collaborator="ctv.lan", receipts=numbers, until=None, amount=None, reason=None,
                    actor=collector)
    assert verify_chain(store).sound
    with store.begin() as connection:  # someone with the key, outside the app: the receipt looks held again
        connection.exec_driver_sql("DROP TRIGGER handover_receipts_no_delete")
        connection.exec_driver_sql("DELETE FROM handover_receipts WHERE rowid = (SELECT min(rowid) FROM handover_receipts)")
    report = verify_chain(store)
    assert not report.sound and report.first is not None and report.first.kind == "handover"
