"""The due list: who must pay again, by when and how much, grouped by village (address) and household.

Reads only. The store gives every active enrolment whose cover ended since `renewal.lookback_start`
or ends within the next `days` (`store.due.list_covers`); `domain.renewal` says where each stands
and what renewing it costs under the policy of its due date. The command line (`collector-app due`)
and the window's Due page both read `due_list`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TypeVar

from collector_app.domain.due import DUE_SOON_DAYS
from collector_app.domain.enrolments import Scheme
from collector_app.domain.money import Vnd
from collector_app.domain.payments import top_up_province
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import Policy, PolicyTable
from collector_app.domain.renewal import (
    DueState,
    PolicyChange,
    Renewal,
    hi_renewal,
    hi_renewal_amount,
    lookback_start,
    policy_changes,
    pricing_date,
    vsi_renewal,
    vsi_period_from,
    vsi_renewal_amount,
)
from collector_app.domain.text import fold
from collector_app.policies import current_table
from collector_app.store.db import Store
from collector_app.store.due import list_covers

MAX_DAYS = 366
"""The due list looks at most this many days ahead (a year of renewals)."""


@dataclass(frozen=True, slots=True)
class DueEntry:
    """One person's renewal in one scheme."""

    person_id: str
    full_name: str
    citizen_id: str | None
    phone: str | None
    member_order: int
    household_id: str
    household_code: str | None
    address: str
    enrolment_id: str
    scheme: Scheme
    state: DueState
    ends_on: date  # period paid through (voluntary SI) or card valid to (family HI)
    due_date: date
    pay_by: date
    months: int  # the period proposed
    amount: Vnd  # to collect for that period, under the policy of the due date
    monthly_income: int | None  # voluntary SI: the income the amount is computed on
    last_from: date  # the first day of the last period paid
    priced_on: date  # the day the amount is priced on (`renewal.pricing_date`)


@dataclass(frozen=True)
class DueHousehold:
    household_id: str
    household_code: str | None
    address: str
    entries: tuple[DueEntry, ...]  # in declared order, voluntary SI before family HI

    @property
    def amount(self) -> Vnd:
        return sum(entry.amount for entry in self.entries)


@dataclass(frozen=True)
class DueReport:
    on: date
    until: date  # the last cover end looked at
    households: tuple[DueHousehold, ...]  # by address (village), then household code
    table: PolicyTable = field(repr=False, compare=False)  # the table the amounts were priced with

    @property
    def entries(self) -> tuple[DueEntry, ...]:
        return tuple(entry for household in self.households for entry in household.entries)

    @property
    def amount(self) -> Vnd:
        return sum(household.amount for household in self.households)

    @property
    def people(self) -> int:
        return len({entry.person_id for entry in self.entries})

    def count(self, state: DueState) -> int:
        return sum(1 for entry in self.entries if entry.state is state)


_T = TypeVar("_T")


def _cached(function: Callable[..., _T]) -> Callable[..., _T]:
    """One call per distinct set of arguments during one list: most people share an income and a period."""
    return cache(function)


def due_list(
    store: Store, *, on: date, days: int = DUE_SOON_DAYS, state: DueState | None = None,
    scheme: Scheme | None = None, search: str = "", table: PolicyTable | None = None,
) -> DueReport:
    """The renewals seen on `on`: cover ending within `days` days, and cover that ended since the
    lookback (overdue, lapsed, or still payable); `state`, `scheme` and `search` (words of the
    address, household code or name, accents ignored) narrow it."""
    table = current_table(store) if table is None else table
    until = on + timedelta(days=days)
    # Hundreds of thousands of rows at a million people: the cyclic collector, run again and again as
    # they are made, would cost more than making them (none of them forms a cycle).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _due_list(store, on=on, until=until, state=state, scheme=scheme, search=search, table=table)
    finally:
        if collecting:
            gc.enable()


def _due_list(store: Store, *, on: date, until: date, state: DueState | None, scheme: Scheme | None, search: str,
              table: PolicyTable) -> DueReport:
    rows = list_covers(store, first=lookback_start(on), last=until,
                       scheme=None if scheme is None else scheme.value)
    words = fold(search).split()
    if words:
        folded = _cached(fold)
        rows = [row for row in rows if all(
            word in f"{folded(row.address)} {row.household_code or ''} {folded(row.full_name)}" for word in words)]

    in_force: Callable[[date], Policy] = _cached(table.in_force)
    vsi_amount = _cached(lambda priced_on, months, period_from, income, group, supported, province: vsi_renewal_amount(
        table, on=priced_on, months=months, period_from=period_from, monthly_income=income, group=group,
        supported_months_before=supported, residence_province=province).payable)
    hi_amount = _cached(lambda priced_on, months, rank: hi_renewal_amount(table, on=priced_on, months=months,
                                                                          rank=rank))

    # Renewals and amounts depend on a handful of a row's values, shared by most people: priced once each.
    priced = _cached(lambda *key: _priced(CoverKey(*key), on, in_force, vsi_amount, hi_amount))
    top_ups = set(table.local_vsi_support)
    entries: list[DueEntry] = []
    for row in rows:
        if row.scheme == Scheme.VSI.value:  # a province without any top-up prices as none
            key = (row.scheme, row.ends_on, row.last_months, row.monthly_income, row.support_group,
                   row.supported_months, row.province_code if row.province_code in top_ups else None, 0)
        else:
            key = (row.scheme, row.ends_on, row.last_months, None, None, 0, None, row.member_rank)
        renewal, amount, income = priced(*key)
        if state is None or renewal.state is state:
            entries.append(DueEntry(
                person_id=row.person_id, full_name=row.full_name, citizen_id=row.citizen_id, phone=row.phone,
                member_order=row.member_order, household_id=row.household_id,
                household_code=row.household_code, address=row.address, enrolment_id=row.enrolment_id,
                scheme=Scheme(row.scheme), state=renewal.state, ends_on=renewal.ends_on,
                due_date=renewal.due_date, pay_by=renewal.pay_by, months=renewal.months, amount=amount,
                monthly_income=income, last_from=row.last_from, priced_on=pricing_date(renewal, on)))
    return DueReport(on=on, until=until, households=_grouped(entries), table=table)


@dataclass(frozen=True)
class RenewalProposal:
    """What a payment form proposes for a renewal from the due list: the last period's length and
    income, and the policy change it must mention."""

    months: int
    monthly_income: int | None  # voluntary SI
    changes: tuple[PolicyChange, ...]


def proposal(report: DueReport, entry: DueEntry) -> RenewalProposal:
    return RenewalProposal(months=entry.months, monthly_income=entry.monthly_income,
                           changes=what_changed(report, entry))


def what_changed(report: DueReport, entry: DueEntry) -> tuple[PolicyChange, ...]:
    """For the renewal form: the policy change between the entry's last period and its renewal."""
    return policy_changes(report.table, scheme=entry.scheme.value, last_from=entry.last_from, new_on=entry.priced_on)


@dataclass(frozen=True)
class CoverKey:
    """What of a `CoverRow` its renewal and amount depend on."""

    scheme: str
    ends_on: date
    last_months: int
    monthly_income: int | None
    support_group: str | None
    supported_months: int
    province_code: str | None
    member_rank: int


def _priced(
    row: CoverKey, on: date, in_force: Callable[[date], Policy],
    vsi_amount: Callable[..., Vnd], hi_amount: Callable[..., Vnd],
) -> tuple[Renewal, Vnd, int | None]:
    if row.scheme == Scheme.VSI.value:
        due_on = row.ends_on + timedelta(days=1)
        renewal = vsi_renewal(in_force(due_on), paid_through=row.ends_on, last_months=row.last_months, today=on)
        policy = in_force(pricing_date(renewal, on))
        income = row.monthly_income or policy.vsi_income_floor
        # An enrolment with no group recorded gets the support everyone gets; the form lets it be set.
        group = SupportGroup(row.support_group) if row.support_group else SupportGroup.OTHER
        # The quote is cached on its inputs; these two are brought to what changes it, so that most
        # people share one: the support history only counts near the cap, a province only with a top-up.
        near_cap = row.supported_months > policy.vsi_support_cap_months - renewal.months
        supported = row.supported_months if near_cap else 0
        province = top_up_province(policy, row.province_code)
        amount = vsi_amount(pricing_date(renewal, on), renewal.months, vsi_period_from(renewal, on), income,
                            group, supported, province)
        return renewal, amount, income
    renewal = hi_renewal(in_force(on), card_end=row.ends_on, last_months=row.last_months, today=on)
    return renewal, hi_amount(pricing_date(renewal, on), renewal.months, row.member_rank), None


def _grouped(entries: list[DueEntry]) -> tuple[DueHousehold, ...]:
    by_household: dict[str, list[DueEntry]] = {}
    for entry in entries:
        by_household.setdefault(entry.household_id, []).append(entry)
    households = [
        DueHousehold(household_id=members[0].household_id, household_code=members[0].household_code,
                     address=members[0].address,
                     entries=tuple(sorted(members, key=lambda e: (e.member_order, e.person_id, e.scheme is not Scheme.VSI))))
        for members in by_household.values()]
    folded = _cached(fold)  # a village's households share its address
    households.sort(key=lambda h: (folded(h.address), h.household_code or "", h.household_id))
    return tuple(households)


__all__ = ["MAX_DAYS", "DueEntry", "DueHousehold", "DueReport", "DueState", "PolicyChange", "RenewalProposal", "due_list",
           "proposal", "what_changed"]
