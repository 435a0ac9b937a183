"""A person's cover on a given day: paid up, due within 30 days, overdue, lapsed, and the dates around each."""

from __future__ import annotations

from datetime import date

import pytest

from collector_app.domain.contributions import family_hi_card_validity, quote_vsi
from collector_app.domain.coverage import (
    DUE_SOON_DAYS,
    CoverageState,
    PaidPeriod,
    SchemeHistory,
    hi_coverage,
    person_coverage,
    vsi_coverage,
)
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, ProblemCode


def vsi_paid(*periods: tuple[date, date], supported: int = 0) -> SchemeHistory:
    return SchemeHistory(periods=tuple(PaidPeriod(s, e) for s, e in periods), supported_months=supported)


def hi_paid(*periods: tuple[date, date]) -> SchemeHistory:
    return SchemeHistory(periods=tuple(PaidPeriod(s, e) for s, e in periods))


def vsi_state(table: PolicyTable, today: date, history: SchemeHistory | None) -> CoverageState:
    return vsi_coverage(table.in_force(today), today=today, history=history).state


def hi_state(table: PolicyTable, today: date, history: SchemeHistory | None) -> CoverageState:
    return hi_coverage(table.in_force(today), today=today, history=history).state


JANUARY_2026 = vsi_paid((date(2025, 11, 1), date(2026, 1, 31)))


def test_the_due_soon_window_is_thirty_days() -> None:
    assert DUE_SOON_DAYS == 30


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2025, 12, 31), CoverageState.PAID_UP),  # 31 days left
        (date(2026, 1, 1), CoverageState.DUE_SOON),  # exactly 30 days left
        (date(2026, 1, 31), CoverageState.DUE_SOON),  # the last day covered
        (date(2026, 2, 1), CoverageState.OVERDUE),  # the day after the end of the month
    ],
)
def test_voluntary_si_paid_through_january_is_due_from_exactly_thirty_days_before_its_end(
    policy_table: PolicyTable, today: date, state: CoverageState
) -> None:
    assert vsi_state(policy_table, today, JANUARY_2026) is state


def test_voluntary_si_says_which_month_it_is_paid_through_and_the_support_used_out_of_the_cap(
    policy_table: PolicyTable,
) -> None:
    history = vsi_paid((date(2025, 11, 1), date(2026, 1, 31)), supported=3)

    cover = vsi_coverage(policy_table.in_force(date(2026, 1, 10)), today=date(2026, 1, 10), history=history)

    assert cover.paid_through == date(2026, 1, 31)
    assert cover.paid_through_month == date(2026, 1, 1)
    assert (cover.supported_months, cover.support_cap_months) == (3, 120)


def test_voluntary_si_paid_through_is_the_latest_period_whatever_the_order(policy_table: PolicyTable) -> None:
    history = vsi_paid((date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 1, 1), date(2026, 3, 31)))

    cover = vsi_coverage(policy_table.in_force(date(2026, 5, 1)), today=date(2026, 5, 1), history=history)

    assert cover.paid_through == date(2026, 6, 30)
    assert cover.state is CoverageState.PAID_UP


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 8, 31), CoverageState.OVERDUE),  # February is the 7th month back: 12-monthly still allowed
        (date(2026, 9, 1), CoverageState.LAPSED),
    ],
)
def test_overdue_voluntary_si_lapses_when_no_method_can_pay_the_next_month_any_more(
    policy_table: PolicyTable, today: date, state: CoverageState
) -> None:
    cover = vsi_coverage(policy_table.in_force(today), today=today, history=JANUARY_2026)

    assert cover.state is state
    assert cover.continue_until == date(2026, 8, 31)


def test_the_overdue_limit_is_the_one_the_calculator_applies_to_a_payment(policy_table: PolicyTable) -> None:
    last_day = vsi_coverage(policy_table.in_force(date(2026, 3, 1)), today=date(2026, 3, 1),
                            history=JANUARY_2026).continue_until
    assert last_day is not None
    quote_vsi(policy_table, on=last_day, monthly_income=1_500_000, months=12, group="other",
              period_from=date(2026, 2, 1))
    with pytest.raises(DomainError) as refused:
        quote_vsi(policy_table, on=date(2026, 9, 1), monthly_income=1_500_000, months=12, group="other",
                  period_from=date(2026, 2, 1))
    assert refused.value.problems[0].code is ProblemCode.VSI_PERIOD_OUTSIDE_WINDOW


def test_voluntary_si_without_an_enrolment_is_not_enrolled_and_with_nothing_paid_is_not_paid(
    policy_table: PolicyTable,
) -> None:
    today = date(2026, 11, 23)
    assert vsi_state(policy_table, today, None) is CoverageState.NOT_ENROLLED
    cover = vsi_coverage(policy_table.in_force(today), today=today, history=SchemeHistory())
    assert cover.state is CoverageState.NOT_PAID
    assert cover.paid_through is None


LEAP_CARD = hi_paid((date(2027, 3, 1), date(2028, 2, 29)))


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2028, 1, 29), CoverageState.PAID_UP),  # 31 days left
        (date(2028, 1, 30), CoverageState.DUE_SOON),  # exactly 30 days, counting 29 February
        (date(2028, 2, 29), CoverageState.DUE_SOON),
        (date(2028, 3, 1), CoverageState.OVERDUE),
        (date(2028, 5, 31), CoverageState.OVERDUE),  # under 3 months since the card ended
        (date(2028, 6, 1), CoverageState.LAPSED),  # 3 months: a new card waits 30 days (Law 51/2024)
    ],
)
def test_a_family_hi_card_ending_on_29_february_is_due_overdue_then_lapsed(
    policy_table: PolicyTable, today: date, state: CoverageState
) -> None:
    assert hi_state(policy_table, today, LEAP_CARD) is state


@pytest.mark.parametrize(
    ("card_end", "today"),
    [
        (date(2028, 2, 29), date(2028, 5, 31)),  # from 01/07/2025: a lapse of exactly 3 months waits
        (date(2024, 12, 31), date(2025, 4, 1)),  # before: only more than 3 months waits
        (date(2026, 8, 31), date(2026, 11, 30)),
    ],
)
def test_family_hi_is_overdue_exactly_as_long_as_a_renewal_continues_the_card_without_waiting(
    policy_table: PolicyTable, card_end: date, today: date
) -> None:
    history = hi_paid((date(2000, 1, 1), card_end))
    cover = hi_coverage(policy_table.in_force(today), today=today, history=history)
    assert cover.continue_until == today

    def waits(paid_on: date) -> bool:
        return family_hi_card_validity(policy_table, paid_on=paid_on, months=12,
                                       previous_card_end=card_end).waited

    assert cover.state is CoverageState.OVERDUE and not waits(today)
    day_after = date.fromordinal(today.toordinal() + 1)
    assert hi_state(policy_table, day_after, history) is CoverageState.LAPSED and waits(day_after)


def test_back_to_back_family_hi_cards_show_as_one_cover_from_the_first_start(policy_table: PolicyTable) -> None:
    history = hi_paid(
        (date(2025, 1, 1), date(2025, 6, 30)),  # before a gap: not part of the current cover
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 6, 30)),
    )

    cover = hi_coverage(policy_table.in_force(date(2026, 11, 23)), today=date(2026, 11, 23), history=history)

    assert (cover.card_from, cover.card_to) == (date(2026, 1, 1), date(2027, 6, 30))
    assert cover.state is CoverageState.PAID_UP


def test_a_new_card_still_waiting_its_30_days_shows_its_start_and_counts_as_paid(policy_table: PolicyTable) -> None:
    history = hi_paid((date(2026, 12, 23), date(2027, 12, 22)))  # paid 23/11/2026, first time

    cover = hi_coverage(policy_table.in_force(date(2026, 11, 23)), today=date(2026, 11, 23), history=history)

    assert cover.card_from == date(2026, 12, 23)
    assert cover.state is CoverageState.PAID_UP


def test_a_person_has_a_state_for_each_scheme(policy_table: PolicyTable) -> None:
    today = date(2026, 11, 23)
    cover = person_coverage(policy_table.in_force(today), today=today, vsi=None,
                            hi=hi_paid((date(2026, 1, 1), date(2026, 12, 15))))

    assert cover.vsi.state is CoverageState.NOT_ENROLLED
    assert cover.hi.state is CoverageState.DUE_SOON
    assert hi_state(policy_table, today, SchemeHistory()) is CoverageState.NOT_PAID
