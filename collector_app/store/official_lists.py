"""The rows of an official participant list (D05-TS, D03-TS): every participant of every valid payment
of one scheme paid in a period, in receipt order. A voided receipt's payment is left out."""

from __future__ import annotations

from datetime import date

from collector_app.domain.official_lists import ListRow
from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.db import Store

# payments(paid_on, …) picks the period's payments; each item is one participant's share. The
# facility's name joins when the device's list holds the code the payment was recorded with.
_ROWS_SQL = """
SELECT pe.full_name, pe.citizen_id, pe.si_code, pe.date_of_birth, pe.sex, h.address, p.paid_on,
       r.series, r.year, r.number, i.period_start, i.period_end, i.months, i.monthly_income,
       i.member_rank, i.facility_code, f.name, i.gross, i.state_support, i.local_support, i.amount
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
JOIN payment_items AS i ON i.payment_id = p.id
JOIN enrolments AS e ON e.id = i.enrolment_id
JOIN people AS pe ON pe.id = e.person_id
JOIN households AS h ON h.id = pe.household_id
LEFT JOIN facilities AS f ON f.code = i.facility_code
WHERE p.paid_on BETWEEN ? AND ? AND p.scheme = ?
  AND NOT EXISTS (SELECT 1 FROM voids AS v WHERE v.receipt_id = r.id)
ORDER BY p.paid_on, r.series, r.year, r.number, i.member_rank, pe.member_order
"""


def list_rows(store: Store, *, scheme: str, since: date, until: date) -> list[ListRow]:
    """The participants paid for `scheme` from `since` to `until` (both included)."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(_ROWS_SQL, (since.isoformat(), until.isoformat(), scheme)).all()
    return [
        ListRow(
            full_name=row[0],
            citizen_id=row[1],
            si_code=row[2],
            date_of_birth=_date(row[3]),
            sex=row[4],
            address=row[5],
            paid_on=_date(row[6]),
            receipt_number=str(ReceiptNumber(symbol=row[7], year=row[8], number=row[9])),
            period_start=_date(row[10]),
            period_end=_date(row[11]),
            months=row[12],
            monthly_income=row[13],
            member_rank=row[14],
            facility=None if row[15] is None else (f"{row[15]} - {row[16]}" if row[16] else row[15]),
            gross=row[17],
            state_support=row[18],
            local_support=row[19],
            amount=row[20],
        )
        for row in rows
    ]


def _date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
