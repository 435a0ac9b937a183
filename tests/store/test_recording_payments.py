"""Recording payments: one transaction for payment, items, receipt number and outbox; voids and reprints."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from old_stores import store_at_revision
from payment_helpers import Paying, hi_payment, series_state, vsi_payment
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from collector_app.domain.payments import NewPaymentItem, Role
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.store.db import Store
from collector_app.store.device import set_up_device, this_device
from collector_app.store.payments import (
    get_receipt,
    paid_cover,
    receipt_numbers,
    record_payment,
    record_payments,
    record_reprint,
    record_void,
)
from collector_app.store.receipts_numbering import issued_numbers
from collector_app.store.schema import outbox, payment_items, payments, receipts, reprints
from collector_app.store.accounts import add_user
from signing import open_test_store

ON = date(2026, 11, 23)


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [str(p.code) for p in error.value.problems]


def outbox_rows(store: Store, kind: str) -> list[dict]:
    with store.read() as connection:
        rows = connection.execute(select(outbox).where(outbox.c.kind == kind).order_by(outbox.c.created_at))
        return [{**row._mapping, "payload": json.loads(row.payload)} for row in rows]


def test_a_payment_is_written_with_its_items_receipt_and_outbox_row(store: Store, paying: Paying):
    recorded = record_payment(store, hi_payment(paying, ON), actor=paying.collector, device=paying.device)

    assert recorded.text == "BD01M1-26-0000001"
    with store.read() as connection:
        payment = connection.execute(select(payments)).one()._mapping
        items = [
            row._mapping
            for row in connection.execute(select(payment_items).order_by(payment_items.c.member_rank))
        ]
        receipt = connection.execute(select(receipts)).one()._mapping
    assert (payment["id"], payment["gross"], payment["amount"], payment["method"]) == (
        recorded.payment_id,
        2_322_540,
        2_322_540,
        "transfer",
    )
    assert (
        payment["created_by"] == paying.collector.user_id and payment["device_id"] == paying.device.device_id
    )
    assert [(i["member_rank"], i["amount"], i["months"]) for i in items] == [
        (1, 1_366_200, 12),
        (2, 956_340, 12),
    ]
    assert (receipt["payment_id"], receipt["series"], receipt["year"], receipt["number"]) == (
        recorded.payment_id,
        "BD01M1",
        2026,
        1,
    )
    [row] = outbox_rows(store, "payment")
    assert row["record_id"] == recorded.payment_id and row["batch_id"] is None
    payload = row["payload"]
    assert payload["receipt"]["number"] == "BD01M1-26-0000001"
    assert (payload["amount"], payload["paid_on"], payload["collector"]) == (
        2_322_540,
        "2026-11-23",
        "collector",
    )
    assert [i["citizen_id"] for i in payload["items"]] == ["001080012345", "001182012345"]


def test_numbers_follow_each_other_within_a_series_and_year(store: Store, paying: Paying):
    numbers = [
        record_payment(
            store, vsi_payment(paying, ON, month=month), actor=paying.collector, device=paying.device
        ).text
        for month in range(3)
    ]
    batch = record_payments(
        store,
        [vsi_payment(paying, ON, month=3), hi_payment(paying, ON)],
        actor=paying.collector,
        device=paying.device,
    )

    assert numbers + [r.text for r in batch] == [f"BD01M1-26-000000{n}" for n in range(1, 6)]
    assert issued_numbers(store, series="BD01M1", year=2026) == [1, 2, 3, 4, 5]
    assert receipt_numbers(store)[-1] == parse_receipt_number("BD01M1-26-0000005")


def test_a_payment_that_fails_to_write_takes_no_number(store: Store, paying: Paying):
    broken = vsi_payment(paying, ON)
    broken = replace(broken, items=(replace(broken.items[0], enrolment_id="no-such-enrolment"),))

    with pytest.raises(IntegrityError):
        record_payment(store, broken, actor=paying.collector, device=paying.device)
    recorded = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)

    assert recorded.text == "BD01M1-26-0000001"
    state = series_state(store.path)
    assert state.payments == state.receipts == state.outbox_payments == 1


def test_a_batch_with_one_bad_payment_writes_none_of_them(store: Store, paying: Paying):
    broken = vsi_payment(paying, ON)
    broken = replace(broken, items=(replace(broken.items[0], enrolment_id="no-such-enrolment"),))

    with pytest.raises(IntegrityError):
        record_payments(
            store, [vsi_payment(paying, ON), broken], actor=paying.collector, device=paying.device
        )

    assert series_state(store.path).payments == 0


def test_the_same_months_are_never_paid_twice(store: Store, paying: Paying):
    record_payment(store, hi_payment(paying, ON), actor=paying.collector, device=paying.device)
    overlapping = hi_payment(paying, ON)
    overlapping = replace(
        overlapping,
        items=tuple(
            replace(item, period_start=date(2027, 11, 30), period_end=date(2028, 11, 29))
            for item in overlapping.items
        ),
    )

    with pytest.raises(DomainError) as refused:
        record_payment(store, overlapping, actor=paying.collector, device=paying.device)
    following = record_payment(
        store, hi_payment(paying, ON, year=1), actor=paying.collector, device=paying.device
    )

    assert codes(refused) == ["payment.period_already_paid"]
    assert refused.value.problems[0].params == {
        "period_from": date(2027, 11, 30),
        "paid_to": date(2027, 11, 30),
    }
    assert following.text == "BD01M1-26-0000002"


def test_a_supervisor_does_not_take_money(store: Store, paying: Paying):
    supervisor = add_user(
        store, username="giamsat", full_name="Trần Văn Giám", role=Role.SUPERVISOR, actor="t"
    )

    with pytest.raises(DomainError) as refused:
        record_payment(store, vsi_payment(paying, ON), actor=supervisor, device=paying.device)

    assert codes(refused) == ["role.may_not_record_payments"]
    assert series_state(store.path).payments == 0


def test_a_void_keeps_the_receipt_and_its_number_and_goes_to_the_outbox(store: Store, paying: Paying):
    first = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    record_payment(store, vsi_payment(paying, ON, month=1), actor=paying.collector, device=paying.device)

    record_void(
        store, first.number, reason="  Ghi sai thu nhập ", actor=paying.collector, device=paying.device
    )
    third = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)

    assert third.text == "BD01M1-26-0000003"  # the voided number is not reused
    view = get_receipt(store, first.number)
    assert view is not None and view.void is not None
    assert (view.void.reason, view.void.voided_by, view.amount) == (
        "Ghi sai thu nhập",
        paying.collector.user_id,
        264_000,
    )
    [row] = outbox_rows(store, "void")
    assert row["payload"]["receipt_number"] == "BD01M1-26-0000001"
    assert row["payload"]["reason"] == "Ghi sai thu nhập" and row["payload"]["voided_by"] == "collector"


def test_a_collaborator_cannot_void_and_nothing_is_written(store: Store, paying: Paying):
    recorded = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    collaborator = add_user(
        store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="t"
    )

    with pytest.raises(DomainError) as refused:
        record_void(store, recorded.number, reason="Nhầm", actor=collaborator, device=paying.device)

    assert codes(refused) == ["role.may_not_void_receipts"]
    assert get_receipt(store, recorded.number).void is None  # type: ignore[union-attr]
    assert outbox_rows(store, "void") == []


def test_a_supervisor_may_void(store: Store, paying: Paying):
    recorded = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    supervisor = add_user(
        store, username="giamsat", full_name="Trần Văn Giám", role=Role.SUPERVISOR, actor="t"
    )

    record_void(store, recorded.number, reason="Thu trùng", actor=supervisor, device=paying.device)

    assert get_receipt(store, recorded.number).void.voided_by == supervisor.user_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("number", "reason", "code"),
    [
        ("BD01M1-26-0000001", "   ", ProblemCode.VOID_REASON_EMPTY),
        ("BD01M1-26-0000099", "Nhầm", ProblemCode.RECEIPT_NOT_FOUND),
        ("BD01M1-25-0000001", "Nhầm", ProblemCode.RECEIPT_NOT_FOUND),
    ],
)
def test_a_void_needs_a_reason_and_an_existing_receipt(store: Store, paying: Paying, number, reason, code):
    record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)

    with pytest.raises(DomainError) as refused:
        record_void(
            store, parse_receipt_number(number), reason=reason, actor=paying.collector, device=paying.device
        )

    assert codes(refused) == [str(code)]


def test_a_receipt_is_voided_only_once(store: Store, paying: Paying):
    recorded = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    record_void(store, recorded.number, reason="Nhầm", actor=paying.collector, device=paying.device)

    with pytest.raises(DomainError) as refused:
        record_void(store, recorded.number, reason="Lại nhầm", actor=paying.collector, device=paying.device)

    assert codes(refused) == ["receipt.already_void"]
    assert get_receipt(store, recorded.number).void.reason == "Nhầm"  # type: ignore[union-attr]


def test_reprints_are_counted_and_each_gets_the_next_copy_number(store: Store, paying: Paying):
    recorded = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    collaborator = add_user(
        store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="t"
    )

    copies = [
        record_reprint(store, recorded.number, actor=actor, device=paying.device)
        for actor in (paying.collector, collaborator, paying.collector)
    ]

    assert copies == [1, 2, 3]
    assert get_receipt(store, recorded.number).reprints == 3  # type: ignore[union-attr]
    assert [r["payload"]["copy_number"] for r in outbox_rows(store, "reprint")] == [1, 2, 3]


def test_reprint_rows_cannot_be_changed_or_removed(store: Store, paying: Paying):
    recorded = record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    record_reprint(store, recorded.number, actor=paying.collector, device=paying.device)

    for statement in (update(reprints).values(copy_number=5), delete(reprints)):
        with pytest.raises(IntegrityError, match="append-only"), store.begin() as connection:
            connection.execute(statement)


def test_paid_cover_counts_only_receipts_that_are_not_void(store: Store, paying: Paying):
    first = record_payment(
        store, vsi_payment(paying, date(2026, 9, 5)), actor=paying.collector, device=paying.device
    )
    record_payment(
        store, vsi_payment(paying, date(2026, 10, 5)), actor=paying.collector, device=paying.device
    )
    record_payment(
        store, vsi_payment(paying, date(2026, 11, 5)), actor=paying.collector, device=paying.device
    )
    before = paid_cover(store, [paying.vsi_enrolment_id])[paying.vsi_enrolment_id]

    record_void(store, first.number, reason="Nhầm", actor=paying.collector, device=paying.device)
    after = paid_cover(store, [paying.vsi_enrolment_id])[paying.vsi_enrolment_id]

    assert (before.paid_to, before.supported_months) == (date(2026, 11, 30), 3)
    assert (after.paid_to, after.supported_months) == (date(2026, 11, 30), 2)
    assert paid_cover(store, ["unpaid"])["unpaid"].paid_to is None


def test_setting_up_the_device_twice_keeps_its_identity_and_keys(store: Store):
    first = set_up_device(store, new_keys=generate_device_keys)
    second = set_up_device(store, new_keys=generate_device_keys, point_name="Điểm thu xã Đông Hội")

    assert (first.device_id, first.private_key, first.public_key) == (
        second.device_id,
        second.private_key,
        second.public_key,
    )
    assert len(first.private_key) == len(first.public_key) == 32
    assert (first.series, second.point_name) == ("BD01M1", "Điểm thu xã Đông Hội")
    assert this_device(store) == second


def test_the_series_can_change_until_the_first_receipt_then_not(store: Store, paying: Paying):
    changed = set_up_device(store, new_keys=generate_device_keys, point_code="DA07", device_code="M2")
    assert changed.series == "DA07M2"
    paying = replace(paying, device=changed)
    record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)

    with pytest.raises(DomainError) as refused:
        set_up_device(store, new_keys=generate_device_keys, device_code="M3")

    assert codes(refused) == ["device.series_locked"]
    assert this_device(store).series == "DA07M2"  # type: ignore[union-attr]
    # Settings that are not the series still change.
    assert (
        set_up_device(
            store, new_keys=generate_device_keys, organisation="Bưu điện tỉnh Nghệ An", device_code="M2"
        ).organisation
        == "Bưu điện tỉnh Nghệ An"
    )


@pytest.mark.parametrize(
    ("point", "device", "code"),
    [
        ("bd01", "M1", "device.point_code_format"),
        ("BD-01", "M1", "device.point_code_format"),
        ("BD01", "Máy 1", "device.device_code_format"),
    ],
)
def test_point_and_device_codes_are_capital_letters_and_digits(store: Store, point, device, code):
    with pytest.raises(DomainError) as refused:
        set_up_device(store, new_keys=generate_device_keys, point_code=point, device_code=device)

    assert codes(refused) == [code]
    assert this_device(store) is None


def test_a_store_of_the_first_release_upgrades_without_losing_a_payment(store_path: Path):
    # Build a file at revision 0001 (before device codes and reprints) holding one paid receipt.
    store_path.parent.mkdir(parents=True)
    store_at_revision(store_path, "0001")
    old = sqlite3.connect(store_path)
    old.executescript("""
        INSERT INTO households VALUES ('h1', NULL, 'Thôn Đông', '00004', '01', 't', 't', 't', NULL);
        INSERT INTO payments (id, household_id, payer_name, scheme, paid_on, policy_version, gross, amount,
                              created_at, created_by)
        VALUES ('p1', 'h1', 'Lý Thị Na', 'family_hi', '2026-11-23', '2026.11.1', 1366200, 1366200, 't', 't');
        INSERT INTO receipts VALUES ('r1', 'p1', 'BD01M1', 2026, 1, 't', 't', 't', NULL);
    """)
    old.commit()
    old.close()

    with open_test_store(store_path) as upgraded:
        view = get_receipt(upgraded, parse_receipt_number("BD01M1-26-0000001"))
        device = set_up_device(upgraded, new_keys=generate_device_keys)

    assert view is not None and (view.amount, view.payer_name, view.reprints) == (1_366_200, "Lý Thị Na", 0)
    assert device.series == "BD01M1"


def test_an_item_amount_is_its_gross_less_support():
    item = NewPaymentItem(
        enrolment_id="e",
        period_start=ON,
        period_end=ON,
        months=1,
        gross=330_000,
        state_support=66_000,
        local_support=99_000,
    )

    assert item.amount == 165_000
