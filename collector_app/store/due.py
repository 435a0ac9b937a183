"""People due to pay again, read: whose paid cover (voluntary SI paid through, a family HI card) ends in a window.

One row per active enrolment whose latest standing period (its receipt not voided) ends within the
window; a person in both schemes has two rows and counts once. The latest standing period of each
enrolment is kept by triggers in `enrolment_cover` (migration 0016) and read through its index on
`paid_through`: one row per enrolment, where the index on `payment_items.period_end` (0008) read
every period ending in the window and checked each to be its enrolment's latest (1.6-1.9 s to count
those due in 30 days at 1,000,000 people). Measured by benchmarks/today.py and benchmarks/field.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.store.db import Store

_DUE = """
FROM enrolment_cover AS c
JOIN enrolments AS e ON e.id = c.enrolment_id
WHERE c.paid_through BETWEEN :first AND :last
  AND e.status = 'active'
"""
_COUNT = "SELECT count(DISTINCT e.person_id) " + _DUE
_PEOPLE = """
JOIN people AS pe ON pe.id = e.person_id
JOIN households AS h ON h.id = pe.household_id
"""
_LIST = (
    "SELECT pe.id, pe.full_name, pe.citizen_id, pe.phone, h.id, h.household_code, h.address, e.scheme, "
    "c.paid_through " + _DUE.replace("WHERE", _PEOPLE + "WHERE")
    + "ORDER BY c.paid_through, pe.name_folded, pe.id, e.scheme LIMIT :limit"
)
_RENEWALS = (
    "SELECT pe.id, pe.full_name, pe.citizen_id, pe.phone, pe.member_order, h.id, h.household_code, h.address, "
    "h.province_code, e.id, e.scheme, e.support_group, coalesce(i.monthly_income, e.monthly_income), i.months, "
    "coalesce(i.member_rank, pe.member_order), c.paid_through, c.supported_months, i.period_start "
    + _DUE.replace("WHERE", _PEOPLE + "JOIN payment_items AS i ON i.id = c.item_id\nWHERE")
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


@dataclass(frozen=True, slots=True)
class CoverRow:
    """An active enrolment whose latest standing period ends in the window, with what renewing it needs."""

    person_id: str
    full_name: str
    citizen_id: str | None
    phone: str | None
    member_order: int
    household_id: str
    household_code: str | None
    address: str
    province_code: str
    enrolment_id: str
    scheme: str  # "vsi" | "family_hi"
    support_group: str | None  # voluntary SI
    monthly_income: int | None  # voluntary SI: the last period's income (else the enrolment's)
    last_months: int  # the last period's length
    member_rank: int  # family HI: the last period's rank on the ladder (else the declared order)
    ends_on: date  # the last day covered
    supported_months: int  # voluntary SI: state-supported months so far
    last_from: date  # the first day of the last period


def list_covers(store: Store, *, first: date, last: date, scheme: str | None = None) -> list[CoverRow]:
    """Every active enrolment (of `scheme`, or both) whose cover ends between `first` and `last`, unordered."""
    sql = _RENEWALS + ("AND e.scheme = :scheme" if scheme is not None else "")
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            sql, {"first": first.isoformat(), "last": last.isoformat(), "scheme": scheme}).all()
    return [CoverRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
                     row[11], row[12], row[13], row[14], date.fromisoformat(row[15]), row[16],
                     date.fromisoformat(row[17]))
            for row in rows]
