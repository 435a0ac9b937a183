"""Money is append-only: payments, their items, receipts and voids refuse UPDATE and DELETE."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError

from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.store.db import Store
from collector_app.store.people import get_household
from collector_app.store.registration import add_enrolments, add_households
from collector_app.store.schema import payment_items, payments, receipts, voids
from collector_app.store.stamps import new_id, utc_now


@pytest.fixture
def paid(store: Store) -> dict[Table, str]:
    """One family HI payment with its item, receipt and void; the id of each row by table."""
    [household_id] = add_households(
        store,
        [
            NewHousehold(
                None, "Thôn Đông", "00004", "01", (NewPerson("Lý Thị Na", date(1970, 2, 3), Sex.FEMALE),)
            )
        ],
        actor="t",
    )
    person_id = get_household(store, household_id).members[0].person_id
    [enrolment_id] = add_enrolments(
        store, [NewEnrolment(person_id, Scheme.FAMILY_HI, date(2026, 7, 1))], actor="t"
    )
    stamps = {"created_at": utc_now(), "created_by": "thu.nv", "device_id": "dev-1"}
    ids = {table: new_id() for table in (payments, payment_items, receipts, voids)}
    with store.begin() as connection:
        connection.execute(
            payments.insert().values(
                id=ids[payments], household_id=household_id, payer_name="Lý Thị Na", scheme="family_hi",
                paid_on=date(2026, 11, 23), policy_version="2026-07", gross=1_366_200, amount=1_366_200, **stamps,
            )
        )  # fmt: skip
        connection.execute(
            payment_items.insert().values(
                id=ids[payment_items], payment_id=ids[payments], enrolment_id=enrolment_id,
                period_start=date(2026, 12, 1), period_end=date(2027, 11, 30), months=12, member_rank=1,
                gross=1_366_200, amount=1_366_200, **stamps,
            )
        )  # fmt: skip
        connection.execute(
            receipts.insert().values(
                id=ids[receipts], payment_id=ids[payments], series="BL-TN01", year=2026, number=1,
                issued_at=stamps["created_at"], **stamps,
            )
        )  # fmt: skip
        connection.execute(
            voids.insert().values(
                id=ids[voids], receipt_id=ids[receipts], reason="Ghi sai số tháng", **stamps
            )
        )
    return ids


@pytest.mark.parametrize("table", [payments, payment_items, receipts, voids], ids=lambda t: t.name)
def test_money_rows_cannot_be_updated(store: Store, paid: dict[Table, str], table: Table):
    with pytest.raises(IntegrityError, match="append-only"), store.begin() as connection:
        connection.execute(update(table).where(table.c.id == paid[table]).values(created_by="someone else"))

    with store.read() as connection:
        assert connection.scalar(select(table.c.created_by).where(table.c.id == paid[table])) == "thu.nv"


@pytest.mark.parametrize("table", [payments, payment_items, receipts, voids], ids=lambda t: t.name)
def test_money_rows_cannot_be_deleted(store: Store, paid: dict[Table, str], table: Table):
    with pytest.raises(IntegrityError, match="append-only"), store.begin() as connection:
        connection.execute(delete(table).where(table.c.id == paid[table]))

    with store.read() as connection:
        assert connection.scalar(select(table.c.id).where(table.c.id == paid[table])) == paid[table]


def test_a_receipt_number_is_used_once_per_series_and_year(store: Store, paid: dict[Table, str]):
    stamps = {"created_at": utc_now(), "created_by": "t"}
    payment = {"payer_name": "X", "scheme": "vsi", "paid_on": date(2026, 11, 23), "policy_version": "2026-07"}
    second = new_id()
    with store.begin() as connection:
        connection.execute(
            payments.insert().values(id=second, gross=330_000, amount=330_000, **payment, **stamps)
        )
        # Same number in another series, or in the next year: allowed.
        for series, year in (("BL-TN02", 2026), ("BL-TN01", 2027)):
            payment_id = new_id()
            connection.execute(
                payments.insert().values(id=payment_id, gross=1, amount=1, **payment, **stamps)
            )
            connection.execute(
                receipts.insert().values(
                    id=new_id(),
                    payment_id=payment_id,
                    series=series,
                    year=year,
                    number=1,
                    issued_at="x",
                    **stamps,
                )
            )

    with pytest.raises(IntegrityError, match="series, receipts.year, receipts.number"), store.begin() as c:
        c.execute(
            receipts.insert().values(
                id=new_id(), payment_id=second, series="BL-TN01", year=2026, number=1, issued_at="x", **stamps
            )
        )


def test_a_payment_amount_must_be_gross_less_support(store: Store):
    with pytest.raises(IntegrityError, match="ck_payments_amount"), store.begin() as connection:
        connection.execute(
            payments.insert().values(
                id=new_id(), payer_name="X", scheme="vsi", paid_on=date(2026, 11, 23), policy_version="2026-07",
                gross=330_000, state_support=66_000, amount=330_000, created_at="x", created_by="t",
            )
        )  # fmt: skip
