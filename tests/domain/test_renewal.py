"""Renewals: the due date and payment window of each method, due / overdue / lapsed, and the amount to
propose under the policy of the due date (domain.md §1.7, §1.8, §2.5, §2.6, "Dates the product must get right")."""

from __future__ import annotations

from datetime import date

import pytest

from collector_app.domain.policy import PolicyTable
from collector_app.domain.renewal import (
    LOOKBACK_MONTHS,
    DueState,
    hi_renewal,
    hi_renewal_amount,
    lookback_start,
    pricing_date,
    vsi_period_from,
    vsi_renewal,
    vsi_renewal_amount,
)


@pytest.mark.parametrize(("paid_through", "months", "due", "pay_by"), [
    # monthly: within the month; February of a common and of a leap year
    (date(2026, 1, 31), 1, date(2026, 2, 1), date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 1), date(2028, 2, 29)),
    # 3-monthly: within the 3 months, across the year boundary
    (date(2026, 11, 30), 3, date(2026, 12, 1), date(2027, 2, 28)),
    (date(2027, 11, 30), 3, date(2027, 12, 1), date(2028, 2, 29)),
    # 6-monthly: within the first 4 months
    (date(2026, 6, 30), 6, date(2026, 7, 1), date(2026, 10, 31)),
    (date(2026, 10, 31), 6, date(2026, 11, 1), date(2027, 2, 28)),
    # 12-monthly: within the first 7 months
    (date(2026, 12, 31), 12, date(2027, 1, 1), date(2027, 7, 31)),
    (date(2027, 8, 31), 12, date(2027, 9, 1), date(2028, 3, 31)),
])
def test_vsi_payment_window_of_each_method(policy_table: PolicyTable, paid_through: date, months: int,
                                           due: date, pay_by: date) -> None:
    policy = policy_table.in_force(due)
    on_last_day = vsi_renewal(policy, paid_through=paid_through, last_months=months, today=pay_by)
    assert (on_last_day.due_date, on_last_day.pay_by, on_last_day.months) == (due, pay_by, months)
    assert on_last_day.state is DueState.DUE
    before = vsi_renewal(policy, paid_through=paid_through, last_months=months, today=paid_through)
    assert before.state is DueState.DUE
    after = vsi_renewal(policy, paid_through=paid_through, last_months=months,
                        today=date.fromordinal(pay_by.toordinal() + 1))
    assert after.state is DueState.OVERDUE  # deemed suspended: re-register, no interest


def test_years_paid_ahead_renew_as_12_monthly(policy_table: PolicyTable) -> None:
    renewal = vsi_renewal(policy_table.in_force(date(2027, 1, 1)), paid_through=date(2026, 12, 31),
                          last_months=24, today=date(2026, 12, 1))
    assert (renewal.months, renewal.pay_by) == (12, date(2027, 7, 31))


@pytest.mark.parametrize(("card_end", "pay_by"), [
    (date(2026, 2, 28), date(2026, 5, 31)),
    (date(2028, 2, 29), date(2028, 5, 31)),  # leap day
    (date(2026, 11, 30), date(2027, 2, 28)),  # across the year boundary
    (date(2026, 12, 31), date(2027, 3, 31)),  # 3 months from 01/01/2027 is 01/04: a gap of 3 months waits
])
def test_hi_card_lapses_three_months_after_it_ends(policy_table: PolicyTable, card_end: date, pay_by: date) -> None:
    policy = policy_table.in_force(pay_by)
    renewal = hi_renewal(policy, card_end=card_end, last_months=12, today=pay_by)
    assert (renewal.due_date, renewal.pay_by, renewal.state) == (date.fromordinal(card_end.toordinal() + 1),
                                                                  pay_by, DueState.DUE)
    lapsed = hi_renewal(policy, card_end=card_end, last_months=12, today=date.fromordinal(pay_by.toordinal() + 1))
    assert lapsed.state is DueState.LAPSED


def test_hi_period_not_offered_any_more_renews_for_the_longest(policy_table: PolicyTable) -> None:
    renewal = hi_renewal(policy_table.in_force(date(2026, 12, 1)), card_end=date(2026, 12, 31), last_months=5,
                         today=date(2026, 12, 1))
    assert renewal.months == 12


def test_lookback() -> None:
    assert LOOKBACK_MONTHS == 12
    assert lookback_start(date(2028, 2, 29)) == date(2027, 2, 28)


# ---- amounts: the policy of the due date ------------------------------------------------------------


@pytest.mark.parametrize(("card_end", "rank", "amount"), [
    # due 30/06/2026: base salary 2.340.000 (1st member 1.263.600 for 12 months, domain.md §2.6)
    (date(2026, 6, 29), 1, 1_263_600),
    (date(2026, 6, 29), 2, 884_520),
    # due 01/07/2026: the new base salary 2.530.000
    (date(2026, 6, 30), 1, 1_366_200),
    (date(2026, 6, 30), 2, 956_340),
    (date(2026, 6, 30), 3, 819_720),
    (date(2026, 6, 30), 4, 683_100),
    (date(2026, 6, 30), 7, 546_480),
])
def test_hi_renewal_priced_on_the_due_date(policy_table: PolicyTable, card_end: date, rank: int, amount: int) -> None:
    today = date(2026, 6, 1)
    renewal = hi_renewal(policy_table.in_force(today), card_end=card_end, last_months=12, today=today)
    assert hi_renewal_amount(policy_table, on=pricing_date(renewal, today), months=12, rank=rank) == amount


def test_hi_renewal_after_the_card_ended_is_priced_on_the_payment_day(policy_table: PolicyTable) -> None:
    today = date(2026, 7, 15)
    renewal = hi_renewal(policy_table.in_force(today), card_end=date(2026, 5, 31), last_months=3, today=today)
    assert renewal.state is DueState.DUE and pricing_date(renewal, today) == today
    assert hi_renewal_amount(policy_table, on=today, months=3, rank=1) == 341_550


def _vsi(table: PolicyTable, *, paid_through: date, months: int, today: date, income: int,
         group: str = "other") -> tuple[DueState, date, int, int]:
    renewal = vsi_renewal(table.in_force(date.fromordinal(paid_through.toordinal() + 1)),
                          paid_through=paid_through, last_months=months, today=today)
    quote = vsi_renewal_amount(table, on=pricing_date(renewal, today), months=renewal.months,
                               period_from=vsi_period_from(renewal, today), monthly_income=income, group=group,
                               supported_months_before=0, residence_province=None)
    return renewal.state, quote.period_from, quote.monthly_income, quote.payable


def test_vsi_renewal_before_and_after_the_poverty_line_changes(policy_table: PolicyTable) -> None:
    # Due 01/12/2026: floor 1.500.000; 22 % = 330.000 a month, less 20 % of it (66.000) for "other".
    assert _vsi(policy_table, paid_through=date(2026, 11, 30), months=1, today=date(2026, 11, 20),
                income=1_500_000) == (DueState.DUE, date(2026, 12, 1), 1_500_000, 264_000)
    # Due 01/01/2027: the rural poverty line is 2.200.000 (Decree 351/2025); the last income, below
    # the new floor, is raised to it: 484.000 a month less 96.800 support, for 12 months.
    assert _vsi(policy_table, paid_through=date(2026, 12, 31), months=12, today=date(2026, 12, 10),
                income=1_500_000) == (DueState.DUE, date(2027, 1, 1), 2_200_000, 4_646_400)
    # The poor keep 50 % support: 242.000 a month.
    assert _vsi(policy_table, paid_through=date(2026, 12, 31), months=1, today=date(2026, 12, 10),
                income=1_500_000, group="poor") == (DueState.DUE, date(2027, 1, 1), 2_200_000, 242_000)


def test_overdue_vsi_restarts_in_the_payment_month(policy_table: PolicyTable) -> None:
    # Monthly, paid through 31/08/2026: the window closed on 30/09; on 20/11 a re-registration pays
    # from November, never the missed months.
    assert _vsi(policy_table, paid_through=date(2026, 8, 31), months=1, today=date(2026, 11, 20),
                income=2_000_000) == (DueState.OVERDUE, date(2026, 11, 1), 2_000_000, 374_000)


def test_vsi_income_above_the_ceiling_is_brought_inside(policy_table: PolicyTable) -> None:
    state, _, income, _ = _vsi(policy_table, paid_through=date(2026, 11, 30), months=1, today=date(2026, 11, 20),
                               income=99_000_000)
    assert state is DueState.DUE and income == policy_table.in_force(date(2026, 12, 1)).vsi_income_ceiling


def test_the_policy_change_between_the_two_periods_is_named_with_its_date(policy_table: PolicyTable) -> None:
    from collector_app.domain.renewal import PolicyChange, policy_changes

    assert policy_changes(policy_table, scheme="family_hi", last_from=date(2025, 7, 1), new_on=date(2026, 7, 1)) == (
        PolicyChange("base_salary", 2_340_000, 2_530_000, date(2026, 7, 1)),)
    assert policy_changes(policy_table, scheme="family_hi", last_from=date(2025, 7, 1), new_on=date(2026, 6, 30)) == ()
    assert policy_changes(policy_table, scheme="vsi", last_from=date(2026, 1, 1), new_on=date(2027, 1, 1)) == (
        PolicyChange("rural_poverty_line", 1_500_000, 2_200_000, date(2027, 1, 1)),)
    # the base salary moved, but voluntary SI is not computed from it
    assert policy_changes(policy_table, scheme="vsi", last_from=date(2026, 1, 1), new_on=date(2026, 12, 1)) == ()
