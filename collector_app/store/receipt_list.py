"""The list of receipts the Receipts page shows: one row per receipt, newest first, void, reprints and sync state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.db import Store
from collector_app.store.outbox import DeliveryState, delivery_state

_LIST_SQL = """
SELECT r.series, r.year, r.number, p.paid_on, p.payer_name, p.scheme, p.amount, v.id IS NOT NULL,
       (SELECT count(*) FROM reprints AS x WHERE x.receipt_id = r.id),
       o.batch_id, o.result, o.review
FROM receipts AS r
JOIN payments AS p ON p.id = r.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
-- The payment's newest outbox row: a rejected one sent again once fixed is replaced by its resend.
LEFT JOIN outbox AS o ON o.kind = 'payment' AND o.record_id = p.id
     AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id)
ORDER BY r.issued_at DESC, r.year DESC, r.number DESC
LIMIT ?
"""


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


def list_receipts(store: Store, *, limit: int) -> list[ReceiptRow]:
    """The `limit` most recently issued receipts, newest first."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(_LIST_SQL, (limit,)).all()
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
        )
        for row in rows
    ]
