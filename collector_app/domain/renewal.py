"""Renewals: who must pay again, by when, how much, and where each stands (issue 13 §1).

Pure. A voluntary SI participant is due from the first unpaid month and may pay within the window of
their method (domain.md §1.7); past it they are overdue: deemed suspended, to re-register, no interest
(§1.8). A family HI card is due from the day after it ends; a renewal continues it up to
`coverage.hi_continue_until`, past which the member has lapsed and a new card waits 30 days (§2.5).
Amounts come from the calculators, under the policy in force on the due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from collector_app.domain.contributions import VsiQuote, add_months, quote_family_hi, quote_vsi
from collector_app.domain.coverage import hi_continue_until
from collector_app.domain.money import Vnd
from collector_app.domain.payments import top_up_province
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import Policy, PolicyTable

LOOKBACK_MONTHS = 12
"""A product rule: the due list follows cover that ended up to this many months ago. Further back, the
person has long been suspended (voluntary SI) or is a new participant (family HI): a registration, not
a renewal, and no longer a collector's round."""

_DAY = timedelta(days=1)


class DueState(StrEnum):
    DUE = "due"  # the next payment still continues the cover
    OVERDUE = "overdue"  # voluntary SI: the method's payment window was missed (deemed suspended, §1.8)
    LAPSED = "lapsed"  # family HI: the card ended too long ago; a new card waits 30 days (§2.5)


@dataclass(frozen=True)
class Renewal:
    """When a cover ending on `ends_on` must be paid again, and where it stands on `today`."""

    ends_on: date  # the last day covered: voluntary SI paid through, family HI card valid to
    due_date: date  # the first day not covered: the next payment is due from it
    pay_by: date  # the last day a payment still continues the cover
    state: DueState
    months: int  # the period to propose: the last one's, when the policy still allows it


def lookback_start(today: date) -> date:
    """The earliest cover end the due list follows, seen on `today`."""
    return add_months(today, -LOOKBACK_MONTHS)


def vsi_renewal(policy: Policy, *, paid_through: date, last_months: int, today: date) -> Renewal:
    """Voluntary SI paid through `paid_through` by a `last_months` method, seen on `today`.

    `policy` is the one in force on the due date (the first unpaid month). The next period is paid
    by the same method within its window (Law SI 2024 Art. 36(3), domain.md §1.7: monthly within the
    month, 3-monthly within the 3 months, 6-monthly within the first 4, 12-monthly within the first
    7); a method the policy no longer offers, or years paid ahead (paid at registration, no window),
    renews as 12-monthly, the periodic method with the longest window. Past the window the
    participant is deemed suspended and must re-register; no interest is charged (§1.8).
    """
    due = paid_through + _DAY
    months = last_months if last_months in policy.vsi_payment_windows else max(policy.vsi_payment_windows)
    pay_by = add_months(due.replace(day=1), policy.vsi_payment_windows[months]) - _DAY
    state = DueState.DUE if today <= pay_by else DueState.OVERDUE
    return Renewal(ends_on=paid_through, due_date=due, pay_by=pay_by, state=state, months=months)


def hi_renewal(policy: Policy, *, card_end: date, last_months: int, today: date) -> Renewal:
    """A family HI card valid to `card_end`, seen on `today` (`policy`: the one in force on `today`).

    Paid by `hi_continue_until`, the new card follows the old one, or starts on the payment date after
    a short gap; later, it is a new participation with the wait (domain.md §2.5, P11): lapsed.
    """
    pay_by = hi_continue_until(policy.hi_card_rules, card_end)
    months = last_months if last_months in policy.hi_periods else max(policy.hi_periods)
    state = DueState.DUE if today <= pay_by else DueState.LAPSED
    return Renewal(ends_on=card_end, due_date=card_end + _DAY, pay_by=pay_by, state=state, months=months)


def pricing_date(renewal: Renewal, today: date) -> date:
    """The day a renewal is priced on: the policy in force on its due date, or today's when that has
    passed (a payment is priced on its payment date, which cannot be before today)."""
    return max(renewal.due_date, today)


def vsi_period_from(renewal: Renewal, today: date) -> date:
    """The first month the renewal pays: the due month, or, for a participant who must re-register,
    the month of the payment (missed months are never collected, §1.8)."""
    return renewal.due_date if renewal.state is DueState.DUE else pricing_date(renewal, today)


def vsi_renewal_amount(
    table: PolicyTable, *, on: date, months: int, period_from: date, monthly_income: int,
    group: SupportGroup | str, supported_months_before: int, residence_province: str | None,
) -> VsiQuote:
    """The voluntary SI quote to propose, priced on `on`: the last income, kept inside the band of
    the day (it moves with the poverty line) and on its step."""
    policy = table.in_force(on)
    income = min(max(monthly_income, policy.vsi_income_floor), policy.vsi_income_ceiling)
    income -= income % policy.vsi_income_step
    return quote_vsi(table, on=on, monthly_income=income, months=months, group=group, period_from=period_from,
                     supported_months_before=min(supported_months_before, policy.vsi_support_cap_months),
                     province=top_up_province(policy, residence_province))


def hi_renewal_amount(table: PolicyTable, *, on: date, months: int, rank: int) -> Vnd:
    """What the member at `rank` in the household's order pays, priced on `on`, to renew for `months`."""
    return quote_family_hi(table, on=on, members=rank, months=months).members[-1].amount


# ---- what changed in the policy between the last period and the renewal ---------------------------

_MONEY_BASES = {"vsi": "rural_poverty_line", "family_hi": "base_salary"}
"""The amount each scheme is computed from: voluntary SI's floor and support follow the rural poverty
line (§1.3-1.4), family HI the base salary (§2.2)."""


@dataclass(frozen=True)
class PolicyChange:
    parameter: str  # "base_salary" | "rural_poverty_line"
    before: Vnd
    after: Vnd
    since: date  # the first day of the new value


def policy_changes(table: PolicyTable, *, scheme: str, last_from: date, new_on: date) -> tuple[PolicyChange, ...]:
    """The money base of `scheme` if it differs between the last period (its first day `last_from`)
    and the renewal priced on `new_on`, with the day the new value took effect."""
    name = _MONEY_BASES[scheme]
    before, after = getattr(table.in_force(last_from), name), getattr(table.in_force(new_on), name)
    if before == after:
        return ()
    since = next(period.start for period in table.parameters[name] if period.covers(new_on))
    return (PolicyChange(parameter=name, before=before, after=after, since=since),)
