"""Set-up shared by the payment store tests and the child process of the numbering crash test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from collector_app.domain.contributions import add_months
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.payments import NewPayment, NewPaymentItem, PaymentMethod
from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.store.db import Store
from collector_app.store.device import Device, set_up_device, this_device
from collector_app.store.people import get_household
from collector_app.store.registration import add_enrolments, add_households
from collector_app.store.users import User, user_by_id
from signing import raw_connection


@dataclass(frozen=True)
class Paying:
    """A store with this device set up and one household of two, each with an enrolment."""

    device: Device
    collector: User
    household_id: str
    vsi_enrolment_id: str
    hi_enrolment_ids: tuple[str, str]


def prepare(store: Store) -> Paying:
    device = set_up_device(store, new_keys=generate_device_keys)
    [household_id] = add_households(
        store,
        [
            NewHousehold(
                "0112345678",
                "Số 5, thôn Đông",
                "00004",
                "01",
                (
                    NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, "001080012345"),
                    NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, "001182012345"),
                ),
            )
        ],
        actor="test",
    )
    members = get_household(store, household_id).members
    vsi, hi1, hi2 = add_enrolments(
        store,
        [
            NewEnrolment(members[0].person_id, Scheme.VSI, date(2026, 1, 1), SupportGroup.OTHER, 1_500_000),
            NewEnrolment(members[0].person_id, Scheme.FAMILY_HI, date(2026, 1, 1)),
            NewEnrolment(members[1].person_id, Scheme.FAMILY_HI, date(2026, 1, 1)),
        ],
        actor="test",
    )
    collector = user_by_id(store, device.default_user_id)
    assert collector is not None
    return Paying(
        device=device,
        collector=collector,
        household_id=household_id,
        vsi_enrolment_id=vsi,
        hi_enrolment_ids=(hi1, hi2),
    )


def reopen(store: Store) -> Paying:
    """The `Paying` of a store `prepare` already ran on (in another process)."""
    device = this_device(store)
    assert device is not None
    collector = user_by_id(store, device.default_user_id)
    assert collector is not None
    with store.read() as connection:
        [household_id] = connection.exec_driver_sql("SELECT id FROM households").scalars()
        rows = connection.exec_driver_sql(
            "SELECT e.id, e.scheme FROM enrolments e JOIN people p ON p.id = e.person_id "
            "ORDER BY p.member_order, e.scheme DESC"
        ).all()
    vsi = next(row[0] for row in rows if row[1] == "vsi")
    hi = tuple(row[0] for row in rows if row[1] == "family_hi")
    assert len(hi) == 2
    return Paying(
        device=device,
        collector=collector,
        household_id=household_id,
        vsi_enrolment_id=vsi,
        hi_enrolment_ids=(hi[0], hi[1]),
    )


def vsi_payment(paying: Paying, paid_on: date, *, month: int = 0) -> NewPayment:
    """One month of voluntary SI at the 2026 minimum, 20 % supported: 330.000 − 66.000.

    It covers the payment month, or the `month`-th month after it: the same month is never paid twice.
    """
    start = add_months(paid_on.replace(day=1), month)
    return NewPayment(
        scheme=Scheme.VSI,
        household_id=paying.household_id,
        payer_name="Đặng Văn Hùng",
        paid_on=paid_on,
        policy_version="2026.11.1",
        method=PaymentMethod.CASH,
        items=(
            NewPaymentItem(
                enrolment_id=paying.vsi_enrolment_id,
                period_start=start,
                period_end=add_months(start, 1) - timedelta(days=1),
                months=1,
                gross=330_000,
                state_support=66_000,
                monthly_income=1_500_000,
                supported_months=1,
            ),
        ),
    )


def hi_payment(paying: Paying, paid_on: date, *, year: int = 0) -> NewPayment:
    """Twelve months of family HI for the household of two: 1.366.200 + 956.340.

    The cards run from 01/12/2026, or from the same day `year` years later.
    """
    first, second = paying.hi_enrolment_ids
    start = add_months(date(2026, 12, 1), 12 * year)
    end = add_months(start, 12) - timedelta(days=1)
    return NewPayment(
        scheme=Scheme.FAMILY_HI,
        household_id=paying.household_id,
        payer_name="Đặng Văn Hùng",
        paid_on=paid_on,
        policy_version="2026.11.1",
        method=PaymentMethod.TRANSFER,
        items=(
            NewPaymentItem(
                enrolment_id=first,
                period_start=start,
                period_end=end,
                months=12,
                gross=1_366_200,
                member_rank=1,
            ),
            NewPaymentItem(
                enrolment_id=second,
                period_start=start,
                period_end=end,
                months=12,
                gross=956_340,
                member_rank=2,
            ),
        ),
    )


@dataclass(frozen=True)
class SeriesState:
    """What the store file holds about numbering, read with plain sqlite3 (no app code involved)."""

    numbers: dict[tuple[str, int], list[int]]  # (series, year) -> numbers in order
    payments: int
    receipts: int
    payments_without_one_receipt: int
    receipts_without_payment_outbox: int
    outbox_payments: int


def series_state(path: Path) -> SeriesState:
    connection = raw_connection(path)
    try:
        numbers: dict[tuple[str, int], list[int]] = {}
        for series, year, number in connection.execute(
            "SELECT series, year, number FROM receipts ORDER BY series, year, number"
        ):
            numbers.setdefault((series, year), []).append(number)

        def count(sql: str) -> int:
            return int(connection.execute(sql).fetchone()[0])

        payload_numbers = {
            json.loads(payload)["receipt"]["number"]
            for (payload,) in connection.execute("SELECT payload FROM outbox WHERE kind = 'payment'")
        }
        receipt_numbers = {
            f"{series}-{year % 100:02d}-{number:07d}"
            for series, year, number in connection.execute("SELECT series, year, number FROM receipts")
        }
        return SeriesState(
            numbers=numbers,
            payments=count("SELECT count(*) FROM payments"),
            receipts=count("SELECT count(*) FROM receipts"),
            payments_without_one_receipt=count(
                "SELECT count(*) FROM payments p "
                "WHERE (SELECT count(*) FROM receipts r WHERE r.payment_id = p.id) <> 1"
            ),
            receipts_without_payment_outbox=count(
                "SELECT count(*) FROM receipts r WHERE NOT EXISTS (SELECT 1 FROM outbox o "
                "WHERE o.kind = 'payment' AND o.record_id = r.payment_id)"
            )
            + len(receipt_numbers ^ payload_numbers),
            outbox_payments=count("SELECT count(*) FROM outbox WHERE kind = 'payment'"),
        )
    finally:
        connection.close()
