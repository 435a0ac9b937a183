"""The list of receipts the Receipts page shows: one row per receipt, newest first, void and reprints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.db import Store

_LIST_SQL = """
SELECT r.series, r.year, r.number, p.paid_on, p.payer_name, p.scheme, p.amount, v.id IS NOT NULL,
       (SELECT count(*) FROM reprints AS x WHERE x.receipt_id = r.id)
FROM receipts AS r
JOIN payments AS p ON p.id = r.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
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
        )
        for row in rows
    ]
