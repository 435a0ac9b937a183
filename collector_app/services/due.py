"""The due list: who must pay again, by when and how much, grouped by village (address) and household.

Reads only. The list is every active enrolment whose cover ended since `renewal.lookback_start` or
ends within the next `days`; `domain.renewal` says where each stands and what renewing it costs
under the policy of its due date. At a million people that is about 184,000 renewals: the figures
(counts by state, people, households, amount) come from the covers counted by what prices them, each
group priced once (`store.due.cover_groups`), and the households are read a page at a time in the
list's order (`store.due.household_page`). The window's Due page reads `due_report` and then
`more_households` as the list scrolls; the command line and a round's visit list read `due_list`.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from itertools import groupby
from operator import itemgetter
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
from collector_app.store.due import (
    CoverFilter,
    CoverRow,
    HouseholdKey,
    StateRange,
    count_people_households,
    cover_groups,
    household_page,
    iter_covers,
    list_covers,
)

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
    support_group: str | None = None  # voluntary SI: the enrolment's (None: none recorded)
    supported_months: int = 0  # voluntary SI: state-supported months used so far


@dataclass(frozen=True)
class DueHousehold:
    household_id: str
    household_code: str | None
    address: str
    entries: tuple[DueEntry, ...]  # in declared order, voluntary SI before family HI
    place: HouseholdKey  # where it stands in the list's order: the next page starts after it

    @property
    def amount(self) -> Vnd:
        return sum(entry.amount for entry in self.entries)


@dataclass(frozen=True)
class DueReport:
    """The due list's figures, all of it, and the households read so far: the first page (`due_report`),
    or every one (`due_list`); `more_households` reads the next pages."""

    on: date
    until: date  # the last cover end looked at
    counts: Mapping[DueState, int] = field(compare=False)  # renewals by state
    people: int
    household_count: int
    amount: Vnd  # to collect from them all
    households: tuple[DueHousehold, ...]  # by address (village), then household code
    table: PolicyTable = field(repr=False, compare=False)  # the table the amounts were priced with
    where: CoverFilter = field(repr=False)  # the covers listed: the next pages read the same

    @property
    def entries(self) -> tuple[DueEntry, ...]:
        return tuple(entry for household in self.households for entry in household.entries)

    @property
    def complete(self) -> bool:
        """Whether every household of the list has been read."""
        return len(self.households) == self.household_count

    def count(self, state: DueState) -> int:
        return self.counts.get(state, 0)


_T = TypeVar("_T")


def _cached(function: Callable[..., _T]) -> Callable[..., _T]:
    """One call per distinct set of arguments for a day's lists: most people share an income and a period."""
    return cache(function)


PAGE = 200
"""Households read at a time: the Due page's first screen and each page after it as the list scrolls."""


def due_report(
    store: Store, *, on: date, days: int = DUE_SOON_DAYS, state: DueState | None = None,
    scheme: Scheme | None = None, search: str = "", table: PolicyTable | None = None, households: int = PAGE,
) -> DueReport:
    """The renewals seen on `on`: cover ending within `days` days, and cover that ended since the
    lookback (overdue, lapsed, or still payable); `state`, `scheme` and `search` (words of the
    address, household code or name, accents ignored) narrow it. The figures are the whole list's;
    the first `households` households are read.

    The figures come from the covers counted by what prices them (`store.due.cover_groups`), each
    group priced once; the households are read a page at a time in the list's order."""
    table = current_table(store) if table is None else table
    until = on + timedelta(days=days)
    first = lookback_start(on)
    states = None if state is None else _state_ranges(table, state, on=on, first=first, last=until, scheme=scheme)
    where = CoverFilter(first=first, last=until, scheme=None if scheme is None else scheme.value,
                        words=tuple(fold(search).split()), states=states)
    pricing = _pricing(table, on)
    # Tens of thousands of groups at a million people, a few thousand keys once the values that do not
    # change the price are set aside (`_Pricing.key`): counted first, each key priced once.
    covers: dict[CoverKey, int] = {}
    for ends_on, scheme_, months, income, group, supported, province, rank, count in cover_groups(store, where):
        key = pricing.key(scheme_, ends_on, months, income, group, supported, province, rank)
        covers[key] = covers.get(key, 0) + count
    counts: dict[DueState, int] = {}
    amount = 0
    for key, count in covers.items():
        renewal, key_amount, _income = pricing.priced(key)
        counts[renewal.state] = counts.get(renewal.state, 0) + count
        amount += key_amount * count
    # Counted by a scan of their own: a second connection scanning meanwhile was slower, both threads making
    # Python's rows under its one lock (measured at a million people: 470-740 ms against 290-320).
    people, household_count = count_people_households(store, where) if counts else (0, 0)
    report = DueReport(on=on, until=until, counts=counts, people=people, household_count=household_count,
                       amount=amount, households=(), table=table, where=where)
    return replace(report, households=more_households(store, report, limit=households)) if counts else report


def more_households(store: Store, report: DueReport, *, limit: int = PAGE) -> tuple[DueHousehold, ...]:
    """The next `limit` households of the list after those `report` holds (none when it is complete)."""
    after = report.households[-1].place if report.households else None
    keys = household_page(store, report.where, after=after, limit=limit)
    pricing = _pricing(report.table, report.on)
    by_household: dict[str, list[DueEntry]] = {key.household_id: [] for key in keys}
    for row in list_covers(store, report.where, list(by_household)):
        by_household[row.household_id].append(pricing.entry(row))
    # A household whose covers changed between the two reads has none: it is left for the next list.
    return tuple(_household(key, by_household[key.household_id]) for key in keys if by_household[key.household_id])


def iter_households(store: Store, report: DueReport) -> Iterator[DueHousehold]:
    """Every household of the list after those `report` holds, in one read in the list's order."""
    pricing = _pricing(report.table, report.on)
    after = report.households[-1].place if report.households else None
    for place, covers in groupby(iter_covers(store, report.where, after=after), key=itemgetter(0)):
        yield _household(place, [pricing.entry(row) for _place, row in covers])


def _household(place: HouseholdKey, members: list[DueEntry]) -> DueHousehold:
    members.sort(key=lambda e: (e.member_order, e.person_id, e.scheme is not Scheme.VSI))
    return DueHousehold(household_id=place.household_id, household_code=members[0].household_code,
                        address=members[0].address, entries=tuple(members), place=place)


def due_list(
    store: Store, *, on: date, days: int = DUE_SOON_DAYS, state: DueState | None = None,
    scheme: Scheme | None = None, search: str = "", table: PolicyTable | None = None,
) -> DueReport:
    """`due_report` with every household read (the command line, a round's visit list, the tests)."""
    # Hundreds of thousands of rows at a million people: the cyclic collector, run again and again as
    # they are made, would cost more than making them (none of them forms a cycle).
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = due_report(store, on=on, days=days, state=state, scheme=scheme, search=search, table=table,
                            households=0)
        return replace(report, households=tuple(iter_households(store, report)))
    finally:
        if collecting:
            gc.enable()


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


_VSI = Scheme.VSI.value  # compared for each of tens of thousands of groups: an enum's value is a lookup


CoverKey = tuple[str, str, int, int | None, str | None, int, str | None, int]
"""What of a cover its renewal and amount depend on, brought to what changes them (`_Pricing.key`): scheme,
end (ISO: a key is made for each of tens of thousands of groups, a date only once priced), last period's
length, monthly income, support group, supported months, province with a top-up, member rank. A plain
tuple: a named one costs more to make than all the rest of the key."""


def _pricing(table: PolicyTable, on: date) -> _Pricing:
    """The renewals and amounts of `on` under `table`, kept for the next list of the same day: the Due page reads
    its list again after every payment, and pricing a million people's covers afresh was a third of it."""
    key = (id(table), on)
    with _PRICINGS_LOCK:
        held = _PRICINGS.get(key)
        if held is not None and held[0] is table:
            _PRICINGS.move_to_end(key)
            return held[1]
    made = _Pricing(table, on)
    with _PRICINGS_LOCK:
        _PRICINGS[key] = (table, made)  # the table is held too: its id is not another table's meanwhile
        while len(_PRICINGS) > PRICINGS_KEPT:
            _PRICINGS.popitem(last=False)
    return made


PRICINGS_KEPT = 4  # days (or tables) whose prices are kept: today's, and a few a user looked at
_PRICINGS: OrderedDict[tuple[int, date], tuple[PolicyTable, _Pricing]] = OrderedDict()
_PRICINGS_LOCK = threading.Lock()


class _Pricing:
    """Renewals and amounts of covers seen on `on`, each distinct `CoverKey` priced once."""

    def __init__(self, table: PolicyTable, on: date) -> None:
        self._on = on
        self._in_force: Callable[[date], Policy] = _cached(table.in_force)
        self._vsi_amount = _cached(lambda priced_on, months, period_from, income, group, supported, province:
                                   vsi_renewal_amount(table, on=priced_on, months=months, period_from=period_from,
                                                      monthly_income=income, group=group,
                                                      supported_months_before=supported,
                                                      residence_province=province).payable)
        self._hi_amount = _cached(lambda priced_on, months, rank: hi_renewal_amount(table, on=priced_on,
                                                                                    months=months, rank=rank))
        self._top_ups = set(table.local_vsi_support)
        self.priced: Callable[[CoverKey], tuple[Renewal, Vnd, int | None]] = _cached(self._price)

    def key(self, scheme: str, ends_on: str, last_months: int, monthly_income: int | None, support_group: str | None,
            supported_months: int, province_code: str | None, member_rank: int) -> CoverKey:
        if scheme == _VSI:  # a province without any top-up prices as none
            return (scheme, ends_on, last_months, monthly_income, support_group, supported_months,
                    province_code if province_code in self._top_ups else None, 0)
        return (scheme, ends_on, last_months, None, None, 0, None, member_rank)

    def entry(self, row: CoverRow) -> DueEntry:
        renewal, amount, income = self.priced(self.key(
            row.scheme, row.ends_on.isoformat(), row.last_months, row.monthly_income, row.support_group,
            row.supported_months, row.province_code, row.member_rank))
        return DueEntry(
            person_id=row.person_id, full_name=row.full_name, citizen_id=row.citizen_id, phone=row.phone,
            member_order=row.member_order, household_id=row.household_id, household_code=row.household_code,
            address=row.address, enrolment_id=row.enrolment_id, scheme=Scheme(row.scheme), state=renewal.state,
            ends_on=renewal.ends_on, due_date=renewal.due_date, pay_by=renewal.pay_by, months=renewal.months,
            amount=amount, monthly_income=income, last_from=row.last_from, priced_on=pricing_date(renewal, self._on),
            support_group=row.support_group, supported_months=row.supported_months)

    def _price(self, key: CoverKey) -> tuple[Renewal, Vnd, int | None]:
        scheme, ends_on, last_months, monthly_income, support_group, supported_months, province_code, rank = key
        on = self._on
        renewal = renewal_of(scheme, ends_on=date.fromisoformat(ends_on), last_months=last_months, on=on,
                             in_force=self._in_force)
        if scheme == Scheme.VSI.value:
            policy = self._in_force(pricing_date(renewal, on))
            income = monthly_income or policy.vsi_income_floor
            # An enrolment with no group recorded gets the support everyone gets; the form lets it be set.
            group = SupportGroup(support_group) if support_group else SupportGroup.OTHER
            # The quote is cached on its inputs; these two are brought to what changes it, so that most
            # people share one: the support history only counts near the cap, a province only with a top-up.
            near_cap = supported_months > policy.vsi_support_cap_months - renewal.months
            supported = supported_months if near_cap else 0
            province = top_up_province(policy, province_code)
            amount = self._vsi_amount(pricing_date(renewal, on), renewal.months, vsi_period_from(renewal, on), income,
                                      group, supported, province)
            return renewal, amount, income
        return renewal, self._hi_amount(pricing_date(renewal, on), renewal.months, rank), None


def renewal_of(scheme: str, *, ends_on: date, last_months: int, on: date,
               in_force: Callable[[date], Policy]) -> Renewal:
    """The renewal of a cover of `scheme` ending on `ends_on`, seen on `on`, under the policy the rule
    reads: voluntary SI's in force on the due date, family HI's in force on `on`."""
    if scheme == Scheme.VSI.value:
        return vsi_renewal(in_force(ends_on + timedelta(days=1)), paid_through=ends_on, last_months=last_months,
                           today=on)
    return hi_renewal(in_force(on), card_end=ends_on, last_months=last_months, today=on)


def _state_ranges(table: PolicyTable, state: DueState, *, on: date, first: date, last: date,
                  scheme: Scheme | None) -> tuple[StateRange, ...]:
    """The covers in `state`, as ranges of their end date for each length of their last period: the
    rule (`renewal_of`) asked for every day between `first` and `last` and every length a policy of
    those days names, the others all renewing alike (as a length no policy names, 0)."""
    in_force: Callable[[date], Policy] = _cached(table.in_force)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    ranges: list[StateRange] = []
    for this in (Scheme.VSI, Scheme.FAMILY_HI) if scheme is None else (scheme,):
        named: set[int] = set()
        for day in (*days, last + timedelta(days=1), on):
            policy = in_force(day)
            named |= set(policy.vsi_payment_windows if this is Scheme.VSI else policy.hi_periods)
        for months in (*sorted(named), 0):
            start: date | None = None
            for ends in (*days, None):
                holds = ends is not None and renewal_of(this.value, ends_on=ends, last_months=months, on=on,
                                                        in_force=in_force).state is state
                if holds and start is None:
                    start = ends
                elif not holds and start is not None:
                    end = last if ends is None else ends - timedelta(days=1)
                    ranges.append(StateRange(this.value, (months,) if months else tuple(sorted(named)),
                                             other_than=not months, first=start, last=end))
                    start = None
    return tuple(ranges)


__all__ = ["MAX_DAYS", "PAGE", "DueEntry", "DueHousehold", "DueReport", "DueState", "PolicyChange", "RenewalProposal",
           "due_list", "due_report", "iter_households", "more_households", "proposal", "what_changed"]
