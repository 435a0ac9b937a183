"""The payment items a commission statement counts: every participant of every valid payment of a
period, with who collected it and whether it was the participant's first valid payment of the scheme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.domain.commission import CommissionItem
from collector_app.store.db import Store

# "New": no valid payment of the same scheme for the same person recorded before this one (an earlier
# day, or earlier the same day) in this store. A voided receipt is not a payment.
_ITEMS_SQL = """
SELECT p.scheme, p.paid_on, i.amount, p.created_by, coalesce(u.username, p.created_by),
       coalesce(u.full_name, p.created_by),
       NOT EXISTS (
           SELECT 1 FROM enrolments AS e2
           JOIN payment_items AS i2 ON i2.enrolment_id = e2.id
           JOIN payments AS p2 ON p2.id = i2.payment_id
           JOIN receipts AS r2 ON r2.payment_id = p2.id
           WHERE e2.person_id = e.person_id AND p2.scheme = p.scheme
             AND (p2.paid_on < p.paid_on OR (p2.paid_on = p.paid_on AND p2.created_at < p.created_at))
             AND NOT EXISTS (SELECT 1 FROM voids AS v2 WHERE v2.receipt_id = r2.id))
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
JOIN payment_items AS i ON i.payment_id = p.id
JOIN enrolments AS e ON e.id = i.enrolment_id
LEFT JOIN users AS u ON u.id = p.created_by
WHERE p.paid_on BETWEEN ? AND ?
  AND NOT EXISTS (SELECT 1 FROM voids AS v WHERE v.receipt_id = r.id)
ORDER BY p.paid_on, r.series, r.year, r.number
"""


@dataclass(frozen=True)
class CollectedItem:
    item: CommissionItem
    user_id: str
    username: str
    full_name: str


def commission_items(store: Store, *, since: date, until: date) -> list[CollectedItem]:
    with store.read() as connection:
        rows = connection.exec_driver_sql(_ITEMS_SQL, (since.isoformat(), until.isoformat())).all()
    return [
        CollectedItem(CommissionItem(scheme=row[0], paid_on=date.fromisoformat(row[1]), amount=row[2],
                                     new=bool(row[6])), user_id=row[3], username=row[4], full_name=row[5])
        for row in rows
    ]
