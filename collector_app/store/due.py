"""People due to pay again soon, read: whose paid cover (voluntary SI paid through, a family HI card) ends in a window.

One row per active enrolment whose latest valid period (its receipt not voided) ends within the
window; a person in both schemes has two rows and counts once. The window comes from
`domain.due.due_window`. Driven by the index on `payment_items.period_end` (migration 0008): only
the periods ending in the window are read, then each is checked to be its enrolment's latest.
At 1,000,000 people (2.25 million periods, benchmarks/today.py) the first 200 of the list take 40 ms
(3.4 s without the index); the count reads every period in the window (63,000 for 17,000 people due)
and takes 1.6-1.9 s (3.3 s without), so the window runs it beside the database lane (`Op.long_read`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.store.db import Store

# Periods ending in [first, last] whose receipt stands and that no later standing period follows.
_DUE = """
FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
JOIN enrolments AS e ON e.id = i.enrolment_id
WHERE i.period_end BETWEEN :first AND :last
  AND e.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM voids AS v WHERE v.receipt_id = r.id)
  AND NOT EXISTS (
      SELECT 1 FROM payment_items AS later
      JOIN receipts AS lr ON lr.payment_id = later.payment_id
      WHERE later.enrolment_id = i.enrolment_id AND later.period_end > i.period_end
        AND NOT EXISTS (SELECT 1 FROM voids AS lv WHERE lv.receipt_id = lr.id))
"""
_COUNT = "SELECT count(DISTINCT e.person_id) " + _DUE
_LIST = (
    "SELECT pe.id, pe.full_name, pe.citizen_id, pe.phone, h.id, h.household_code, h.address, e.scheme, "
    "i.period_end " + _DUE.replace(
        "JOIN enrolments AS e ON e.id = i.enrolment_id",
        "JOIN enrolments AS e ON e.id = i.enrolment_id\n"
        "JOIN people AS pe ON pe.id = e.person_id\n"
        "JOIN households AS h ON h.id = pe.household_id")
    + "ORDER BY i.period_end, pe.name_folded, pe.id, e.scheme LIMIT :limit"
)


@dataclass(frozen=True)
class DueRow:
    """A person whose cover in one scheme ends within the window."""

    person_id: str
    full_name: str
    citizen_id: str | None
    phone: str | None
    household_id: str
    household_code: str | None
    address: str
    scheme: str  # "vsi" | "family_hi"
    ends_on: date  # the last day covered: paid through (voluntary SI), card valid to (family HI)


def count_due(store: Store, *, first: date, last: date) -> int:
    """How many people have cover ending between `first` and `last` (both included)."""
    with store.read() as connection:
        return int(connection.exec_driver_sql(
            _COUNT, {"first": first.isoformat(), "last": last.isoformat()}).scalar_one())


def list_due(store: Store, *, first: date, last: date, limit: int) -> list[DueRow]:
    """Up to `limit` rows of people with cover ending between `first` and `last`, soonest first, then by name."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            _LIST, {"first": first.isoformat(), "last": last.isoformat(), "limit": limit}).all()
    return [DueRow(person_id=row[0], full_name=row[1], citizen_id=row[2], phone=row[3], household_id=row[4],
                   household_code=row[5], address=row[6], scheme=row[7], ends_on=date.fromisoformat(row[8]))
            for row in rows]
