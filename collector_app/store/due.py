"""People due to pay again, read: whose paid cover (voluntary SI paid through, a family HI card) ends in a window.

One row per active enrolment whose latest standing period (its receipt not voided) ends within the
window; a person in both schemes has two rows and counts once. The latest standing period of each
enrolment is kept by triggers in `enrolment_cover` (migration 0016) and read through its index on
`paid_through`: one row per enrolment, where the index on `payment_items.period_end` (0008) read
every period ending in the window and checked each to be its enrolment's latest (1.6-1.9 s to count
those due in 30 days at 1,000,000 people). Measured by benchmarks/today.py and benchmarks/field.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from datetime import date
from typing import Any

from collector_app.store.audit_trail import raw
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
_RENEWALS = """
SELECT pe.id, pe.full_name, pe.citizen_id, pe.phone, pe.member_order, h.id, h.household_code, h.address,
       c.province_code, c.enrolment_id, c.scheme, c.support_group, c.monthly_income, c.last_months, c.member_rank,
       c.paid_through, c.supported_months, i.period_start
FROM enrolment_cover AS c
JOIN people AS pe ON pe.id = c.person_id
JOIN households AS h ON h.id = c.household_id
JOIN payment_items AS i ON i.id = c.item_id
WHERE c.household_id IN ({households}) AND {where}
"""
_ORDERED = _RENEWALS.replace("c.paid_through, c.supported_months, i.period_start",
                             "c.paid_through, c.supported_months, i.period_start, c.address_folded").replace(
    "FROM enrolment_cover AS c", "FROM enrolment_cover AS c INDEXED BY {order}").replace(
    "c.household_id IN ({households}) AND ", "") + "ORDER BY c.address_folded, c.household_code, c.household_id"


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


@dataclass(frozen=True)
class StateRange:
    """Covers of `scheme` ending between `first` and `last` whose last period lasted `months` (or, with
    `other_than`, any length but those): the dates on which a state holds, as the rule says."""

    scheme: str
    months: tuple[int, ...]
    other_than: bool
    first: date
    last: date


@dataclass(frozen=True)
class CoverFilter:
    """Which covers the due list reads: active, ending between `first` and `last`, of `scheme` (else
    both), whose folded address, household code and folded name hold every one of `words` (folded),
    and, when `states` is not None, in one of those ranges."""

    first: date
    last: date
    scheme: str | None = None
    words: tuple[str, ...] = ()
    states: tuple[StateRange, ...] | None = None

    def sql(self) -> tuple[str, dict[str, object]]:
        clauses = ["c.paid_through BETWEEN :first AND :last", "c.status = 'active'"]
        values: dict[str, object] = {"first": self.first.isoformat(), "last": self.last.isoformat()}
        if self.scheme is not None:
            clauses.append("c.scheme = :scheme")
            values["scheme"] = self.scheme
        for n, word in enumerate(self.words):
            # No index can find a word inside the text: these covers are read from the table.
            clauses.append(f"instr(c.address_folded || ' ' || ifnull(c.household_code, '') || ' ' || c.name_folded, "
                           f":word{n}) > 0")
            values[f"word{n}"] = word
        if self.states is not None:
            ranges = []
            for n, state in enumerate(self.states):
                months = ", ".join(str(int(m)) for m in state.months)
                ranges.append(f"(c.scheme = :s{n} AND c.paid_through BETWEEN :f{n} AND :l{n}"
                              + (f" AND c.last_months {'NOT IN' if state.other_than else 'IN'} ({months})"
                                 if months or not state.other_than else "") + ")")
                values |= {f"s{n}": state.scheme, f"f{n}": state.first.isoformat(), f"l{n}": state.last.isoformat()}
            clauses.append("(" + (" OR ".join(ranges) or "0") + ")")
        return " AND ".join(clauses), values


GROUP_COLUMNS = ("paid_through", "scheme", "last_months", "monthly_income", "support_group", "supported_months",
                 "province_code", "member_rank")
"""What of a cover its renewal and amount depend on (`services.due.CoverKey`): `cover_groups` counts by them."""
CoverGroup = tuple[str, str, int, int | None, str | None, int, str, int, int]
"""A row of `cover_groups`: GROUP_COLUMNS (paid_through as ISO text), then how many covers share them."""


def cover_groups(store: Store, where: CoverFilter) -> list[CoverGroup]:
    """The covers of `where` counted by what prices them (GROUP_COLUMNS), read from one index in its
    order: no sorting. Plain tuples: at a million people the whole list is tens of thousands of groups."""
    sql, values = where.sql()
    columns = ", ".join(f"c.{name}" for name in GROUP_COLUMNS)
    with store.read() as connection:
        return list(raw(connection).execute(
            f"SELECT {columns}, count(*) FROM enrolment_cover AS c INDEXED BY {_TOTALS_INDEX} WHERE {sql} "
            f"GROUP BY {columns}", values).fetchall())


def count_people_households(store: Store, where: CoverFilter) -> tuple[int, int]:
    """How many people and households the covers of `where` belong to."""
    sql, values = where.sql()
    with store.read() as connection:
        # Counted here rather than by count(DISTINCT ...): SQLite's is twice as slow on 180,000 covers.
        keys = raw(connection).execute(
            f"SELECT c.person_key, c.household_key FROM enrolment_cover AS c INDEXED BY {_TOTALS_INDEX} WHERE {sql}",
            values).fetchall()
    return len(set(map(itemgetter(0), keys))), len(set(map(itemgetter(1), keys)))


@dataclass(frozen=True)
class HouseholdKey:
    """Where a household stands in the due list's order: village (folded address), code, id."""

    address_folded: str
    household_code: str | None
    household_id: str


def _after(where: CoverFilter, after: HouseholdKey | None) -> tuple[str, dict[str, object]]:
    """`where`'s SQL, for the households after `after` in the list's order only."""
    sql, values = where.sql()
    if after is None:
        return sql, values
    # A household without a code sorts first (NULL before any text), as "" would.
    return (sql + " AND c.address_folded >= :after_address AND (c.address_folded > :after_address OR "
            "(ifnull(c.household_code, ''), c.household_id) > (:after_code, :after_id))",
            values | {"after_address": after.address_folded, "after_code": after.household_code or "",
                      "after_id": after.household_id})


def household_page(store: Store, where: CoverFilter, *, after: HouseholdKey | None, limit: int) -> list[HouseholdKey]:
    """The next `limit` households after `after` (from the first) holding a cover of `where`, in order,
    found by walking the index in that order: only a page's worth of it for the usual filters."""
    sql, values = _after(where, after)
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            "SELECT c.address_folded, c.household_code, c.household_id FROM enrolment_cover AS c "
            f"INDEXED BY {_ORDER_INDEX} WHERE {sql} "
            "GROUP BY c.address_folded, c.household_code, c.household_id "
            "ORDER BY c.address_folded, c.household_code, c.household_id LIMIT :limit",
            values | {"limit": limit}).all()
    return [HouseholdKey(*row) for row in rows]


_ORDER_INDEX = ("ix_enrolment_cover_address_folded_household_code_household_id_paid_through_scheme_last_months_status_"
                "name_folded")
_TOTALS_INDEX = ("ix_enrolment_cover_paid_through_scheme_last_months_monthly_income_support_group_supported_months_"
                 "province_code_member_rank_status_person_key_household_key_address_folded_household_code_name_folded")


def list_covers(store: Store, where: CoverFilter, household_ids: Sequence[str]) -> list[CoverRow]:
    """The covers of `where` in these households, unordered."""
    sql, values = where.sql()
    names = {f"h{n}": household_id for n, household_id in enumerate(household_ids)}
    if not names:
        return []
    with store.read() as connection:
        rows = raw(connection).execute(
            _RENEWALS.format(households=", ".join(f":{name}" for name in names), where=sql), values | names).fetchall()
    return [_cover_row(row) for row in rows]


def iter_covers(store: Store, where: CoverFilter, *, after: HouseholdKey | None) -> Iterator[tuple[HouseholdKey, CoverRow]]:
    """Every cover of `where` in the households after `after`, in the list's order, with its household's
    place: one read in the order of the index, for the whole list (`collector-app due`, a round)."""
    sql, values = _after(where, after)
    with store.read() as connection:
        cursor = raw(connection).execute(_ORDERED.format(order=_ORDER_INDEX, where=sql), values)
        while rows := cursor.fetchmany(1000):
            for row in rows:
                yield HouseholdKey(row[18], row[6], row[5]), _cover_row(row)


def _cover_row(row: Sequence[Any]) -> CoverRow:
    return CoverRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11],
                    row[12], row[13], row[14], date.fromisoformat(row[15]), row[16], date.fromisoformat(row[17]))
