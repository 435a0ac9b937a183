"""The list of receipts the Receipts page shows: one row per receipt, newest first, void, reprints and sync
state; and the totals of a list (what closing the day needs: counts and amounts by method, voids apart)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.db import Store
from collector_app.store.outbox import DeliveryState, delivery_state

_LIST_SQL = """
SELECT r.series, r.year, r.number, p.paid_on, p.payer_name, p.scheme, p.amount, v.id IS NOT NULL,
       (SELECT count(*) FROM reprints AS x WHERE x.receipt_id = r.id),
       coalesce(o.batch_id, rr.batch_id), coalesce(o.result, CASE WHEN rr.record_id IS NOT NULL THEN 'accepted' END),
       coalesce(o.review, rr.review), p.method
FROM receipts AS r
JOIN payments AS p ON p.id = r.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
-- The payment's newest outbox row: a rejected one sent again once fixed is replaced by its resend.
LEFT JOIN outbox AS o ON o.kind = 'payment' AND o.record_id = p.id
     AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id)
-- A payment written back from the server (services.recovery) was delivered from another copy of the store.
LEFT JOIN recovered_records AS rr ON rr.record_id = p.id AND o.id IS NULL
WHERE p.paid_on BETWEEN ? AND ?
ORDER BY r.issued_at DESC, r.year DESC, r.number DESC
LIMIT ?
"""
# Dates as the store keeps them (ISO text): every date the app works with lies in between.
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2099, 12, 31)
CASH, TRANSFER = "cash", "transfer"


@dataclass(frozen=True)
class ReceiptRow:
    receipt_number: str  # canonical text, e.g. "BD01M1-26-0000123"
    issued_on: date  # the payment's date, as printed on the receipt
    payer_name: str
    scheme: str  # "vsi" | "family_hi"
    amount: int  # VND paid
    voided: bool
    reprints: int  # copies printed after the original
    delivery: DeliveryState  # of the payment's record (a void is a record of its own)
    method: str = CASH  # "cash" | "transfer"


@dataclass(frozen=True)
class ReceiptTotals:
    """What a list of receipts adds up to: the valid ones by method; voided ones counted apart, not summed in."""

    count: int  # valid receipts
    amount: int  # VND, valid receipts only
    cash: int  # VND of `amount` paid in cash
    transfer: int  # VND of `amount` paid by transfer
    voided: int  # receipts voided (not in count or amount)
    voided_amount: int  # VND the voided receipts were for


def list_receipts(
    store: Store, *, limit: int, since: date | None = None, until: date | None = None
) -> list[ReceiptRow]:
    """The `limit` most recently issued receipts, newest first; only those paid from `since` to `until`
    (both included) when given."""
    bounds = ((since or _FIRST_DAY).isoformat(), (until or _LAST_DAY).isoformat())
    with store.read() as connection:
        rows = connection.exec_driver_sql(_LIST_SQL, (*bounds, limit)).all()
    return [
        ReceiptRow(
            receipt_number=str(ReceiptNumber(symbol=row[0], year=row[1], number=row[2])),
            issued_on=date.fromisoformat(row[3]),
            payer_name=row[4],
            scheme=row[5],
            amount=row[6],
            voided=bool(row[7]),
            reprints=row[8],
            delivery=delivery_state(row[9], row[10], row[11]),
            method=row[12],
        )
        for row in rows
    ]


def receipt_totals(rows: Iterable[ReceiptRow]) -> ReceiptTotals:
    """The totals of `rows` (a list as shown, filtered or not): integer VND, voided receipts apart."""
    count = amount = cash = transfer = voided = voided_amount = 0
    for row in rows:
        if row.voided:
            voided += 1
            voided_amount += row.amount
            continue
        count += 1
        amount += row.amount
        if row.method == TRANSFER:
            transfer += row.amount
        else:
            cash += row.amount
    return ReceiptTotals(count, amount, cash, transfer, voided, voided_amount)
