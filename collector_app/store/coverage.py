"""What a household's members have paid, read: their active enrolments, the periods validly paid for each
(void receipts left out), and the household's payments with receipt number and sync state.

Each is one indexed query on the thread's DB-API connection (`Store.reader()`), so the household view
costs a handful of index look-ups whatever the size of the store. The writes are in `store.payments`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from collector_app.domain.enrolments import Scheme
from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.db import Store, id_chunks
from collector_app.store.outbox import DeliveryState, delivery_state

_SCHEME_BY_VALUE = {scheme.value: scheme for scheme in Scheme}

_ENROLMENTS_SQL = """
SELECT id, person_id, scheme, monthly_income
FROM enrolments
WHERE status = 'active' AND person_id IN ({ids})
ORDER BY start_date, created_at
"""
# Items of payments whose receipt is not void, as store.payments.paid_cover counts them.
_PERIODS_SQL = """
SELECT i.enrolment_id, i.period_start, i.period_end, i.supported_months
FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE v.id IS NULL AND i.enrolment_id IN ({ids})
ORDER BY i.period_start
"""
HOUSEHOLD_PAYMENTS_SQL = """
SELECT p.id, p.paid_on, p.scheme, p.amount, p.payer_name, r.series, r.year, r.number, v.id IS NOT NULL,
       coalesce(o.batch_id, rr.batch_id), coalesce(o.result, CASE WHEN rr.record_id IS NOT NULL THEN 'accepted' END),
       coalesce(o.review, rr.review),
       (SELECT count(*) FROM payment_items AS i WHERE i.payment_id = p.id),
       (SELECT min(i.period_start) FROM payment_items AS i WHERE i.payment_id = p.id),
       (SELECT max(i.period_end) FROM payment_items AS i WHERE i.payment_id = p.id),
       coalesce(o.review_reason, rr.review_reason)
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
LEFT JOIN voids AS v ON v.receipt_id = r.id
-- The payment's newest outbox row: a rejected one sent again once fixed is replaced by its resend.
LEFT JOIN outbox AS o ON o.kind = 'payment' AND o.record_id = p.id
     AND NOT EXISTS (SELECT 1 FROM outbox AS again WHERE again.resend_of = o.id)
-- A payment written back from the server (services.recovery) was delivered from another copy of the store.
LEFT JOIN recovered_records AS rr ON rr.record_id = p.id AND o.id IS NULL
WHERE p.household_id = ?
ORDER BY r.issued_at DESC, r.year DESC, r.number DESC
LIMIT ?
"""


@dataclass(frozen=True)
class ActiveEnrolment:
    enrolment_id: str
    person_id: str
    scheme: Scheme
    monthly_income: int | None  # VND, voluntary SI only


@dataclass(frozen=True)
class PaidItem:
    enrolment_id: str
    period_start: date
    period_end: date
    supported_months: int  # voluntary SI months counted against the support cap; 0 otherwise


@dataclass(frozen=True)
class HouseholdPayment:
    payment_id: str
    paid_on: date
    scheme: Scheme
    amount: int  # VND handed over
    payer_name: str
    receipt_number: str  # canonical text, e.g. "BD01M1-26-0000123"
    voided: bool
    delivery: DeliveryState  # of the payment's record
    people: int  # how many people it covers
    period_start: date
    period_end: date
    review_reason: str | None = None  # a supervisor's reason, when one rejected the payment


def active_enrolments_of(store: Store, person_ids: Iterable[str]) -> dict[tuple[str, Scheme], ActiveEnrolment]:
    """Each person's active enrolment per scheme (the most recent if several), by (person id, scheme)."""
    found: dict[tuple[str, Scheme], ActiveEnrolment] = {}
    reader = store.reader()
    for chunk in id_chunks(person_ids):
        sql = _ENROLMENTS_SQL.format(ids=", ".join("?" * len(chunk)))
        for enrolment_id, person_id, scheme, income in reader.execute(sql, chunk):  # later rows win
            found[(person_id, _SCHEME_BY_VALUE[scheme])] = ActiveEnrolment(
                enrolment_id, person_id, _SCHEME_BY_VALUE[scheme], income
            )
    return found


def paid_items(store: Store, enrolment_ids: Iterable[str]) -> dict[str, list[PaidItem]]:
    """The validly paid periods of each enrolment (void receipts left out), earliest first."""
    found: dict[str, list[PaidItem]] = {}
    reader = store.reader()
    for chunk in id_chunks(enrolment_ids):
        sql = _PERIODS_SQL.format(ids=", ".join("?" * len(chunk)))
        for enrolment_id, start, end, supported in reader.execute(sql, chunk):
            found.setdefault(enrolment_id, []).append(
                PaidItem(enrolment_id, date.fromisoformat(start), date.fromisoformat(end), supported or 0)
            )
    return found


def household_payments(store: Store, household_id: str, *, limit: int) -> list[HouseholdPayment]:
    """The household's payments (voided ones too), newest receipt first, at most `limit`."""
    rows = store.reader().execute(HOUSEHOLD_PAYMENTS_SQL, (household_id, limit)).fetchall()
    return [
        HouseholdPayment(
            payment_id=row[0],
            paid_on=date.fromisoformat(row[1]),
            scheme=_SCHEME_BY_VALUE[row[2]],
            amount=row[3],
            payer_name=row[4],
            receipt_number=str(ReceiptNumber(symbol=row[5], year=row[6], number=row[7])),
            voided=bool(row[8]),
            delivery=delivery_state(row[9], row[10], row[11]),
            people=row[12],
            period_start=date.fromisoformat(row[13]),
            period_end=date.fromisoformat(row[14]),
            review_reason=row[15] if row[11] == "rejected" else None,
        )
        for row in rows
    ]


def member_relationships(store: Store, household_id: str) -> dict[str, str]:
    """Each member's relationship to the head as stored (a `Relationship` value), by person id; members
    without one (imported lists that do not say) are left out."""
    rows = store.reader().execute(
        "SELECT id, relationship FROM people WHERE household_id = ? AND relationship IS NOT NULL", (household_id,)
    )
    return {str(person_id): str(relationship) for person_id, relationship in rows}
