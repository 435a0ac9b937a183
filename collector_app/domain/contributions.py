"""What a person owes: voluntary SI and family HI quotes, and when a family HI card starts.

Pure and exact: figures come from the `PolicyTable` in force on the payment date (prepaid periods
are never adjusted later, domain.md "How the product uses this" 1), amounts are computed as exact
fractions and rounded once, per amount, by the policy's named rounding rule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from fractions import Fraction

from collector_app.domain.dates import out_of_range, require_dates
from collector_app.domain.money import Vnd, round_vnd
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, SupportGroup
from collector_app.domain.policy import LapseBoundary, Policy, PolicyTable
from collector_app.domain.problems import DomainError, Problem, ProblemCode


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the end of a shorter month.

    A result past year 9999 (or before year 1) is DATE_OUT_OF_RANGE, never an OverflowError.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not MINYEAR <= year <= MAXYEAR:
        raise DomainError(out_of_range(day))
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _months_between(first: date, later: date) -> int:
    """Whole calendar months from `first`'s month to `later`'s month."""
    return (later.year - first.year) * 12 + later.month - first.month


# ---- voluntary social insurance -------------------------------------------------------------------


@dataclass(frozen=True)
class VsiQuote:
    """A voluntary SI payment for a whole period; `payable = gross − supports − discount`."""

    on: date
    policy_version: str
    monthly_income: Vnd
    months: int
    group: SupportGroup
    province: str | None
    period_from: date
    period_to: date
    monthly_gross: Fraction
    gross: Vnd
    supported_months: int
    state_support: Vnd
    local_support: Vnd
    discount: Vnd
    payable: Vnd

    @property
    def covered_months(self) -> tuple[date, ...]:
        """The first day of every month the payment covers, in order."""
        return tuple(add_months(self.period_from, i) for i in range(self.months))


def _support_share(policy: Policy, group: SupportGroup, province: str | None) -> tuple[Fraction, Fraction]:
    state = policy.vsi_support_rates[group]
    if province is None:
        return state, Fraction(0)
    local_rates = policy.local_vsi_support.get(province)
    if local_rates is None:
        raise DomainError(Problem(ProblemCode.UNKNOWN_LOCAL_SUPPORT_AREA, {"province": province}))
    return state, local_rates[group]


def _check_vsi_period(policy: Policy, months: int, on: date, period_from: date) -> None:
    """Periodic methods may be paid only inside their window; prepaying years needs the fund return."""
    if months in policy.vsi_payment_windows:
        window = policy.vsi_payment_windows[months]
        into_period = _months_between(period_from, on)
        if into_period >= window:
            raise DomainError(Problem(ProblemCode.VSI_PERIOD_OUTSIDE_WINDOW, {
                "months": months, "window": window,
                "period_from": period_from, "date": on,
            }))
        return
    years_ahead = months % 12 == 0 and 12 < months <= policy.vsi_prepay_max_months
    if not years_ahead:
        allowed = [str(m) for m in policy.vsi_periods]
        allowed += [str(m) for m in range(24, policy.vsi_prepay_max_months + 1, 12)]
        raise DomainError(Problem(ProblemCode.VSI_MONTHS_NOT_ALLOWED,
                                  {"months": months, "allowed": ", ".join(allowed)}))
    if policy.vsi_fund_monthly_return is None:
        raise DomainError(Problem(ProblemCode.VSI_PREPAY_NEEDS_FUND_RETURN,
                                  {"months": months, "date": on}))
    if period_from < _month_start(on):
        raise DomainError(Problem(ProblemCode.VSI_PERIOD_OUTSIDE_WINDOW, {
            "months": months, "window": 1,
            "period_from": period_from, "date": on,
        }))


def quote_vsi(
    table: PolicyTable,
    *,
    on: date,
    monthly_income: Vnd,
    months: int,
    group: SupportGroup | str,
    period_from: date | None = None,
    supported_months_before: int | None = None,
    province: str | None = None,
) -> VsiQuote:
    """Quote voluntary SI for `months` from `period_from` (default: the payment month), paid on `on`.

    Gross = vsi_rate × income × months (Law SI 2024 Art. 36(1)); state support = the group's share of
    vsi_rate × rural poverty line per month (Decree 159/2025), for at most the months left under the
    lifetime cap when `supported_months_before` is given; a provincial top-up (`province`, a 34-province
    code) is a share of the same base for the same months. Several years ahead (24-60 months) are
    discounted at the fund's monthly return r (domain.md §1.9); refused while the table has no r.
    """
    require_dates(on, period_from)
    policy = table.in_force(on)
    try:
        group = SupportGroup(group)
    except ValueError:
        raise DomainError(Problem(ProblemCode.UNKNOWN_SUPPORT_GROUP, {
            "group": group, "allowed": ", ".join(g.value for g in SupportGroup),
        })) from None
    if isinstance(monthly_income, bool) or not isinstance(monthly_income, int):
        raise TypeError("monthly_income must be an int of VND")
    floor, ceiling = policy.vsi_income_floor, policy.vsi_income_ceiling
    if monthly_income < floor:
        raise DomainError(Problem(ProblemCode.INCOME_BELOW_FLOOR, {
            "income": monthly_income, "floor": floor, "date": on}))
    if monthly_income > ceiling:
        raise DomainError(Problem(ProblemCode.INCOME_ABOVE_CEILING, {
            "income": monthly_income, "ceiling": ceiling, "date": on}))
    if monthly_income % policy.vsi_income_step:
        raise DomainError(Problem(ProblemCode.INCOME_NOT_ON_STEP, {
            "income": monthly_income, "step": policy.vsi_income_step}))

    start = _month_start(period_from or on)
    _check_vsi_period(policy, months, on, start)

    cap = policy.vsi_support_cap_months
    if supported_months_before is None:
        supported = min(months, cap)
    elif not 0 <= supported_months_before <= cap:
        raise DomainError(Problem(ProblemCode.SUPPORT_HISTORY_INVALID,
                                  {"cap": cap, "months": supported_months_before}))
    else:
        supported = min(months, cap - supported_months_before)

    state_share, local_share = _support_share(policy, group, province)
    monthly_gross = policy.vsi_rate * monthly_income
    monthly_state = state_share * policy.vsi_monthly_support_base
    # A top-up never makes the participant's share negative (Hà Nội: poor and near-poor pay 0 at the floor).
    monthly_local = min(local_share * policy.vsi_monthly_support_base, monthly_gross - monthly_state)

    rule = policy.rounding
    gross = round_vnd(monthly_gross * months, rule)
    state_support = round_vnd(monthly_state * supported, rule)
    local_support = round_vnd(monthly_local * supported, rule)
    discount = 0
    if months not in policy.vsi_payment_windows:
        r = policy.vsi_fund_monthly_return
        assert r is not None  # _check_vsi_period refused the prepayment otherwise
        present_value = _prepaid_present_value(
            monthly_gross, monthly_state + monthly_local, months, supported, r,
            netted=policy.vsi_prepay_support_netted,
        )
        discount = gross - state_support - local_support - round_vnd(present_value, rule)
    return VsiQuote(
        on=on, policy_version=policy.version, monthly_income=monthly_income, months=months,
        group=group, province=province, period_from=start,
        period_to=add_months(start, months) - timedelta(days=1), monthly_gross=monthly_gross,
        gross=gross, supported_months=supported, state_support=state_support,
        local_support=local_support, discount=discount,
        payable=gross - state_support - local_support - discount,
    )


def _prepaid_present_value(
    monthly_gross: Fraction, monthly_support: Fraction, months: int, supported: int, r: Fraction,
    *, netted: bool,
) -> Fraction:
    """T1 = Σ_{i=1..n} (0,22 × TN − M_i) / (1 + r)^(i−1) (Decree 134/2015 form; domain.md §1.9).

    With `netted` false, support is subtracted undiscounted after discounting the gross.
    """
    total = Fraction(0)
    undiscounted_support = Fraction(0)
    for i in range(months):
        support = monthly_support if i < supported else Fraction(0)
        if netted:
            total += (monthly_gross - support) / (1 + r) ** i
        else:
            total += monthly_gross / (1 + r) ** i
            undiscounted_support += support
    return total - undiscounted_support


# ---- family health insurance ----------------------------------------------------------------------


@dataclass(frozen=True)
class HiMemberQuote:
    order: int
    share: Fraction
    monthly: Fraction
    amount: Vnd


@dataclass(frozen=True)
class FamilyHiQuote:
    on: date
    policy_version: str
    months: int
    base_salary: Vnd
    members: tuple[HiMemberQuote, ...]

    @property
    def total(self) -> Vnd:
        return sum(m.amount for m in self.members)


def quote_family_hi(table: PolicyTable, *, on: date, members: int, months: int) -> FamilyHiQuote:
    """Quote family HI for `members` people in declared order, for `months`, paid on `on`.

    The 1st member pays hi_rate × base salary a month; later members pay the ladder's share of that,
    the last step applying to every member beyond it (Decree 188/2025/NĐ-CP Art. 6(5)). At most
    MAX_HOUSEHOLD_MEMBERS members (HOUSEHOLD_TOO_MANY_MEMBERS).
    """
    require_dates(on)
    if members < 1:
        raise DomainError(Problem(ProblemCode.HI_NO_MEMBERS))
    if members > MAX_HOUSEHOLD_MEMBERS:
        raise DomainError(Problem(ProblemCode.HOUSEHOLD_TOO_MANY_MEMBERS,
                                  {"members": members, "max_members": MAX_HOUSEHOLD_MEMBERS}))
    policy = table.in_force(on)
    if months not in policy.hi_periods:
        raise DomainError(Problem(ProblemCode.HI_MONTHS_NOT_ALLOWED, {
            "months": months, "allowed": ", ".join(str(m) for m in policy.hi_periods)}))
    first_monthly = policy.hi_rate * policy.base_salary
    ladder = policy.hi_ladder
    quotes = []
    for order in range(1, members + 1):
        share = ladder[min(order, len(ladder)) - 1]
        monthly = first_monthly * share
        quotes.append(HiMemberQuote(order=order, share=share, monthly=monthly,
                                    amount=round_vnd(monthly * months, policy.rounding)))
    return FamilyHiQuote(on=on, policy_version=policy.version, months=months,
                         base_salary=policy.base_salary, members=tuple(quotes))


@dataclass(frozen=True)
class CardValidity:
    start: date
    end: date
    waited: bool


def family_hi_card_validity(
    table: PolicyTable, *, paid_on: date, months: int, previous_card_end: date | None,
) -> CardValidity:
    """When the card bought on `paid_on` for `months` is valid (domain.md §2.5).

    First-time participants, and those whose cover lapsed for `lapse_months` (exactly that many
    counts from 01/07/2025, Law 51/2024; only more than that before), wait `wait_days` after paying;
    a renewal before the old card ends continues from its end; a short lapse starts on the payment
    date. The fiscal-year qualifier of the law is not modelled: the lapse is measured in calendar months.
    """
    require_dates(paid_on, previous_card_end)
    rules = table.in_force(paid_on).hi_card_rules
    if previous_card_end is None:
        start, waited = paid_on + timedelta(days=rules.wait_days), True
    elif paid_on <= previous_card_end:
        start, waited = previous_card_end + timedelta(days=1), False
    else:
        lapse_reached = add_months(previous_card_end + timedelta(days=1), rules.lapse_months)
        if rules.lapse_boundary is LapseBoundary.AT_LEAST:
            waited = paid_on >= lapse_reached
        else:
            waited = paid_on > lapse_reached
        start = paid_on + timedelta(days=rules.wait_days) if waited else paid_on
    return CardValidity(start=start, end=add_months(start, months) - timedelta(days=1), waited=waited)
