"""A person's cover today: voluntary SI paid through which month, family HI card from–to, and a state each.

Pure: the caller passes today's date, the policy in force today and what the person has validly paid
(voided receipts left out). The states follow domain.md: a cover that ends within `DUE_SOON_DAYS` is
due soon; one that has ended is overdue while the law still lets the person continue (voluntary SI:
the next unpaid month can still be paid by the method with the longest payment window, §1.7-1.8;
family HI: a renewal still continues the card without the new participant's wait, §2.5), and lapsed
after that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from collector_app.domain.contributions import add_months
from collector_app.domain.due import DUE_SOON_DAYS
from collector_app.domain.policy import HiCardRules, LapseBoundary, Policy

_DAY = timedelta(days=1)


class CoverageState(StrEnum):
    PAID_UP = "paid_up"  # covered beyond the next DUE_SOON_DAYS
    DUE_SOON = "due_soon"  # covered today, ending within DUE_SOON_DAYS
    OVERDUE = "overdue"  # ended; paying now still continues it
    LAPSED = "lapsed"  # ended too long ago to continue: a new start (VSI re-registration, HI 30-day wait)
    NOT_PAID = "not_paid"  # enrolled, nothing validly paid yet
    NOT_ENROLLED = "not_enrolled"  # no active enrolment in the scheme


@dataclass(frozen=True)
class PaidPeriod:
    """One validly paid period of one enrolment, both days inclusive."""

    start: date
    end: date


@dataclass(frozen=True)
class VsiCoverage:
    state: CoverageState
    paid_through: date | None  # last day of the last month paid (None: nothing paid)
    supported_months: int  # months of state support received so far
    support_cap_months: int  # the lifetime cap, from the policy in force today
    continue_until: date | None  # the last day paying still continues the cover (None: nothing paid)
    monthly_income: int | None  # the enrolment's chosen income, VND

    @property
    def paid_through_month(self) -> date | None:
        """The first day of the last month paid."""
        return None if self.paid_through is None else self.paid_through.replace(day=1)


@dataclass(frozen=True)
class HiCoverage:
    state: CoverageState
    card_from: date | None  # start of the continuous cover that ends on card_to
    card_to: date | None  # end of the last card paid
    continue_until: date | None  # the last day a renewal still continues the card (no new wait)


@dataclass(frozen=True)
class PersonCoverage:
    vsi: VsiCoverage
    hi: HiCoverage


@dataclass(frozen=True)
class SchemeHistory:
    """An active enrolment and what has validly been paid for it."""

    periods: tuple[PaidPeriod, ...] = ()
    supported_months: int = 0  # voluntary SI only
    monthly_income: int | None = None  # voluntary SI only


def _state(end: date, today: date, continue_until: date) -> CoverageState:
    days_left = (end - today).days
    if days_left > DUE_SOON_DAYS:
        return CoverageState.PAID_UP
    if days_left >= 0:
        return CoverageState.DUE_SOON
    return CoverageState.OVERDUE if today <= continue_until else CoverageState.LAPSED


def vsi_continue_until(policy: Policy, paid_through: date) -> date:
    """The last day on which the month after `paid_through` can still be paid (Law SI 2024 Art. 36(3)).

    A periodic payment may be made up to `window` months into its period; the method with the longest
    window (12 months, within the first 7) sets how long the cover can still be continued. Past that,
    a participant is deemed to have suspended payment and re-registers (domain.md §1.8).
    """
    first_unpaid = (paid_through + _DAY).replace(day=1)
    window = max(policy.vsi_payment_windows.values(), default=1)
    return add_months(first_unpaid, window) - _DAY


def hi_continue_until(rules: HiCardRules, card_end: date) -> date:
    """The last payment day on which a new card still follows the old one without the new participant's
    wait: `lapse_months` after the card ended, the boundary as the policy says (domain.md §2.5, P11);
    the same rule as `contributions.family_hi_card_validity`."""
    lapse_reached = add_months(card_end + _DAY, rules.lapse_months)
    return lapse_reached - _DAY if rules.lapse_boundary is LapseBoundary.AT_LEAST else lapse_reached


def vsi_coverage(policy: Policy, *, today: date, history: SchemeHistory | None) -> VsiCoverage:
    """Voluntary SI cover on `today` (`policy` is the one in force today; `history` None: not enrolled)."""
    cap = policy.vsi_support_cap_months
    if history is None:
        return VsiCoverage(CoverageState.NOT_ENROLLED, None, 0, cap, None, None)
    if not history.periods:
        return VsiCoverage(CoverageState.NOT_PAID, None, history.supported_months, cap, None,
                           history.monthly_income)
    paid_through = max(period.end for period in history.periods)
    until = vsi_continue_until(policy, paid_through)
    return VsiCoverage(_state(paid_through, today, until), paid_through, history.supported_months, cap,
                       until, history.monthly_income)


def _continuous_from(periods: Iterable[PaidPeriod]) -> tuple[date, date]:
    """(start, end) of the run of back-to-back periods that ends with the latest end."""
    ordered = sorted(periods, key=lambda p: (p.end, p.start))
    start, end = ordered[-1].start, ordered[-1].end
    for period in reversed(ordered[:-1]):
        if period.end + _DAY < start:
            break
        start = min(start, period.start)
    return start, end


def hi_coverage(policy: Policy, *, today: date, history: SchemeHistory | None) -> HiCoverage:
    """Family HI cover on `today`: the card from–to (back-to-back cards merged) and its state."""
    if history is None:
        return HiCoverage(CoverageState.NOT_ENROLLED, None, None, None)
    if not history.periods:
        return HiCoverage(CoverageState.NOT_PAID, None, None, None)
    start, end = _continuous_from(history.periods)
    until = hi_continue_until(policy.hi_card_rules, end)
    return HiCoverage(_state(end, today, until), start, end, until)


def person_coverage(
    policy: Policy, *, today: date, vsi: SchemeHistory | None, hi: SchemeHistory | None
) -> PersonCoverage:
    """Both schemes' cover on `today`; `policy` must be the one in force on `today`."""
    return PersonCoverage(vsi=vsi_coverage(policy, today=today, history=vsi),
                          hi=hi_coverage(policy, today=today, history=hi))
