"""One user's day of money, read: the day's payments summed by scheme and method, and the voids of the day.

"The day" is a payment date (`payments.paid_on`) for payments and a span of UTC timestamps (the local
day, worked out by the caller) for voids, whose `created_at` is UTC. Summed in SQL, never in Python;
the index on `payments (paid_on, created_by)` (migration 0008) finds a user's day without a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.db import Store

# Each (scheme, method) of the user's receipts of the day, with how many of them a void made by
# :until (the end of the day) took back.
_PAYMENTS = """
SELECT p.scheme, p.method, count(*), sum(p.amount),
       count(v.id), coalesce(sum(CASE WHEN v.id IS NOT NULL THEN p.amount END), 0)
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
LEFT JOIN voids AS v ON v.receipt_id = r.id AND v.created_at < :until
WHERE p.paid_on = :on AND p.created_by = :user
GROUP BY p.scheme, p.method
"""
# Voids made in [:since, :until) of the user's receipts, or by the user; the reason as last corrected.
_VOIDS = """
SELECT r.series, r.year, r.number, p.paid_on, p.scheme, p.method, p.amount, p.payer_name,
       coalesce((SELECT c.reason FROM void_corrections AS c WHERE c.void_id = v.id
                 ORDER BY c.created_at DESC LIMIT 1), v.reason),
       v.created_at, v.created_by, coalesce(u.full_name, v.created_by), p.created_by
FROM voids AS v
JOIN receipts AS r ON r.id = v.receipt_id
JOIN payments AS p ON p.id = r.payment_id
LEFT JOIN users AS u ON u.id = v.created_by
WHERE v.created_at >= :since AND v.created_at < :until AND (p.created_by = :user OR v.created_by = :user)
ORDER BY v.created_at, v.id
"""


@dataclass(frozen=True)
class DayPayments:
    """The user's receipts of the day of one scheme paid by one method."""

    scheme: str  # "vsi" | "family_hi"
    method: str  # "cash" | "transfer"
    count: int
    amount: int  # VND handed over
    voided: int  # of them, voided by the end of the day
    voided_amount: int


@dataclass(frozen=True)
class DayVoidRow:
    receipt_number: str
    paid_on: date
    scheme: str
    method: str
    amount: int  # VND
    payer_name: str
    reason: str  # as last corrected
    voided_at: str  # UTC ISO 8601
    voided_by: str  # user id
    voided_by_name: str  # the user's full name (the id if the user is unknown here)
    paid_by: str  # user id of who took the payment


def day_payments(store: Store, *, user_id: str, on: date, until: str) -> list[DayPayments]:
    """The user's receipts dated `on`, by scheme and method; voids made before `until` (UTC ISO) counted apart."""
    with store.read() as connection:
        return payments_on(connection, user_id=user_id, on=on, until=until)


def payments_on(connection: Connection, *, user_id: str, on: date, until: str) -> list[DayPayments]:
    """`day_payments` in an open transaction (closing the day reads them where it writes its record)."""
    rows = connection.exec_driver_sql(_PAYMENTS, {"on": on.isoformat(), "user": user_id, "until": until}).all()
    return [DayPayments(*row) for row in rows]


def day_voids(store: Store, *, user_id: str, since: str, until: str) -> list[DayVoidRow]:
    """Voids made between `since` and `until` (UTC ISO, `until` excluded) of the user's receipts or by the user."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(_VOIDS, {"user": user_id, "since": since, "until": until}).all()
    return [
        DayVoidRow(receipt_number=str(ReceiptNumber(symbol=row[0], year=row[1], number=row[2])),
                   paid_on=date.fromisoformat(row[3]), scheme=row[4], method=row[5], amount=row[6],
                   payer_name=row[7], reason=row[8], voided_at=row[9], voided_by=row[10], voided_by_name=row[11],
                   paid_by=row[12])
        for row in rows
    ]


# The user's receipts dated :on, in number order; void when a void made before :until took it back.
_RECEIPTS = """
SELECT r.series, r.year, r.number, p.payer_name, p.scheme, p.method, p.amount, v.id IS NOT NULL
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
LEFT JOIN voids AS v ON v.receipt_id = r.id AND v.created_at < :until
WHERE p.paid_on = :on AND p.created_by = :user
ORDER BY r.series, r.year, r.number
"""


@dataclass(frozen=True)
class DayReceiptRow:
    receipt_number: str
    payer_name: str
    scheme: str  # "vsi" | "family_hi"
    method: str  # "cash" | "transfer"
    amount: int  # VND
    voided: bool  # by the end of the day


def day_receipts(store: Store, *, user_id: str, on: date, until: str) -> list[DayReceiptRow]:
    """The user's receipts dated `on`, in number order, each marked void if voided before `until`."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(_RECEIPTS, {"on": on.isoformat(), "user": user_id, "until": until}).all()
    return [DayReceiptRow(receipt_number=str(ReceiptNumber(symbol=row[0], year=row[1], number=row[2])),
                          payer_name=row[3], scheme=row[4], method=row[5], amount=row[6], voided=bool(row[7]))
            for row in rows]
