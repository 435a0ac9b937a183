"""Voluntary SI and family HI quotes against every worked example of domain.md, either side of each boundary."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector_app.domain.contributions import (
    _prepaid_present_value,
    add_months,
    family_hi_card_validity,
    quote_family_hi,
    quote_vsi,
)
from collector_app.domain.dates import EARLIEST_DATE, LATEST_DATE
from collector_app.domain.money import RoundingRule, round_vnd
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, SupportGroup
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, ProblemCode

DAY = timedelta(days=1)


def problem_code(exc: pytest.ExceptionInfo[DomainError]) -> ProblemCode:
    return exc.value.problems[0].code


# ---- family HI ---------------------------------------------------------------------------------------

HOUSEHOLD_12_MONTHS = {  # domain.md §7.1
    2_340_000: [1_263_600, 2_148_120, 2_906_280, 3_538_080, 4_043_520, 4_548_960],
    2_530_000: [1_366_200, 2_322_540, 3_142_260, 3_825_360, 4_371_840, 4_918_320],
}
BASE_SALARY_CHANGE = date(2026, 7, 1)


@pytest.mark.parametrize("size", range(1, 7))
@pytest.mark.parametrize(
    ("on", "base"),
    [
        (date(2024, 7, 1), 2_340_000),
        (BASE_SALARY_CHANGE - DAY, 2_340_000),
        (BASE_SALARY_CHANGE, 2_530_000),
        (date(2026, 11, 23), 2_530_000),
    ],
)
def test_family_hi_household_totals_for_12_months_match_the_worked_examples(policy_table, size, on, base):
    quote = quote_family_hi(policy_table, on=on, members=size, months=12)
    assert quote.base_salary == base
    assert quote.total == HOUSEHOLD_12_MONTHS[base][size - 1]
    assert sum(m.amount for m in quote.members) == quote.total


PER_MEMBER = {  # domain.md §2.6: (order, months) -> amount
    2_340_000: {(1, 12): 1_263_600, (2, 12): 884_520, (3, 12): 758_160, (4, 12): 631_800,
                (5, 12): 505_440, (1, 3): 315_900, (1, 6): 631_800},
    2_530_000: {(1, 3): 341_550, (1, 6): 683_100, (1, 12): 1_366_200, (2, 3): 239_085, (2, 6): 478_170,
                (2, 12): 956_340, (3, 3): 204_930, (3, 6): 409_860, (3, 12): 819_720, (4, 3): 170_775,
                (4, 6): 341_550, (4, 12): 683_100, (5, 3): 136_620, (5, 6): 273_240, (5, 12): 546_480},
}


@pytest.mark.parametrize(
    ("on", "base", "order", "months", "amount"),
    [(date(2025, 9, 1), base, order, months, amount)
     for base, rows in PER_MEMBER.items() if base == 2_340_000 for (order, months), amount in rows.items()]
    + [(date(2026, 9, 1), base, order, months, amount)
       for base, rows in PER_MEMBER.items() if base == 2_530_000 for (order, months), amount in rows.items()],
)
def test_family_hi_member_amounts_match_the_per_member_table(policy_table, on, base, order, months, amount):
    quote = quote_family_hi(policy_table, on=on, members=order, months=months)
    assert quote.base_salary == base
    assert quote.members[order - 1].amount == amount


def test_family_hi_fifth_and_later_members_all_pay_40_percent(policy_table):
    quote = quote_family_hi(policy_table, on=date(2026, 8, 1), members=8, months=12)
    assert [m.amount for m in quote.members[4:]] == [546_480] * 4
    assert [m.share for m in quote.members] == [Fraction(p, 100) for p in (100, 70, 60, 50, 40, 40, 40, 40)]


@pytest.mark.parametrize("on", [date(2025, 8, 14), date(2025, 8, 15)])
def test_decree_188_changes_the_source_of_family_hi_not_the_amount(policy_table, on):
    assert quote_family_hi(policy_table, on=on, members=2, months=12).total == 2_148_120
    source = policy_table.in_force(on).sources["hi_rate"]
    assert ("188/2025" in source) == (on >= date(2025, 8, 15))


@pytest.mark.parametrize("months", [1, 2, 4, 5, 24])
def test_family_hi_refuses_periods_other_than_3_6_or_12_months(policy_table, months):
    with pytest.raises(DomainError) as exc:
        quote_family_hi(policy_table, on=date(2026, 8, 1), members=1, months=months)
    assert problem_code(exc) is ProblemCode.HI_MONTHS_NOT_ALLOWED


def test_family_hi_needs_at_least_one_member(policy_table):
    with pytest.raises(DomainError) as exc:
        quote_family_hi(policy_table, on=date(2026, 8, 1), members=0, months=12)
    assert problem_code(exc) is ProblemCode.HI_NO_MEMBERS


def test_a_household_as_large_as_a_religious_community_is_quoted_at_40_percent_beyond_the_fifth(policy_table):
    quote = quote_family_hi(policy_table, on=date(2026, 8, 1), members=MAX_HOUSEHOLD_MEMBERS, months=12)

    assert MAX_HOUSEHOLD_MEMBERS == 100
    assert len(quote.members) == 100
    assert {m.share for m in quote.members[4:]} == {Fraction(2, 5)}


@pytest.mark.parametrize("members", [MAX_HOUSEHOLD_MEMBERS + 1, 100_000_000, 10**30])
def test_family_hi_refuses_more_members_than_a_household_can_have_before_quoting_any(policy_table, members):
    # 100,000,000 members once built a quote per member until the kernel killed the process (24 GB).
    with pytest.raises(DomainError) as exc:
        quote_family_hi(policy_table, on=date(2026, 8, 1), members=members, months=12)

    assert exc.value.problems[0].code is ProblemCode.HOUSEHOLD_TOO_MANY_MEMBERS
    assert dict(exc.value.problems[0].params) == {"members": members, "max_members": MAX_HOUSEHOLD_MEMBERS}


@pytest.mark.parametrize("on", [date(2024, 6, 30), date(2031, 1, 1)])
def test_a_date_outside_the_policy_table_is_refused_rather_than_guessed(policy_table, on):
    with pytest.raises(DomainError) as exc:
        quote_family_hi(policy_table, on=on, members=1, months=12)
    assert problem_code(exc) is ProblemCode.POLICY_NOT_IN_FORCE


def test_the_first_covered_day_is_in_force(policy_table):
    assert quote_family_hi(policy_table, on=date(2024, 7, 1), members=1, months=12).total == 1_263_600


# ---- voluntary SI at the minimum income (domain.md §7.2) ---------------------------------------------

POVERTY_LINE_CHANGE = date(2027, 1, 1)
MINIMUM_INCOME_PAYS = {  # group -> (pays per month at 1.500.000, at 2.200.000)
    SupportGroup.POOR: (165_000, 242_000),
    SupportGroup.NEAR_POOR: (198_000, 290_400),
    SupportGroup.ETHNIC_MINORITY: (231_000, 338_800),
    SupportGroup.OTHER: (264_000, 387_200),
}
SUPPORT_PER_MONTH = {
    SupportGroup.POOR: (165_000, 242_000),
    SupportGroup.NEAR_POOR: (132_000, 193_600),
    SupportGroup.ETHNIC_MINORITY: (99_000, 145_200),
    SupportGroup.OTHER: (66_000, 96_800),
}


@pytest.mark.parametrize("months", [1, 3, 6, 12])
@pytest.mark.parametrize("group", list(SupportGroup))
@pytest.mark.parametrize(
    ("on", "line_index", "income"),
    [
        (date(2025, 7, 1), 0, 1_500_000),
        (POVERTY_LINE_CHANGE - DAY, 0, 1_500_000),
        (POVERTY_LINE_CHANGE, 1, 2_200_000),
    ],
)
def test_voluntary_si_at_the_minimum_income_matches_the_worked_examples(
    policy_table, months, group, on, line_index, income
):
    quote = quote_vsi(policy_table, on=on, monthly_income=income, months=months, group=group)
    assert quote.gross == income * 22 // 100 * months
    assert quote.state_support == SUPPORT_PER_MONTH[group][line_index] * months
    assert quote.local_support == 0
    assert quote.payable == MINIMUM_INCOME_PAYS[group][line_index] * months


def test_support_is_a_fixed_amount_whatever_the_income(policy_table):
    quote = quote_vsi(policy_table, on=date(2026, 1, 10), monthly_income=5_000_000, months=1, group="other")
    assert (quote.gross, quote.state_support, quote.payable) == (1_100_000, 66_000, 1_034_000)


def test_the_cli_contract_example_for_twelve_months_after_july_2026(policy_table):
    quote = quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=12, group="other")
    assert (quote.gross, quote.state_support, quote.payable) == (3_960_000, 792_000, 3_168_000)
    assert quote.period_from == date(2026, 8, 1)
    assert quote.period_to == date(2027, 7, 31)
    assert quote.covered_months[0] == date(2026, 8, 1) and quote.covered_months[-1] == date(2027, 7, 1)


@pytest.mark.parametrize(
    ("on", "ceiling", "monthly"),
    [(BASE_SALARY_CHANGE - DAY, 46_800_000, 10_296_000), (BASE_SALARY_CHANGE, 50_600_000, 11_132_000)],
)
def test_the_maximum_income_is_20_reference_levels(policy_table, on, ceiling, monthly):
    quote = quote_vsi(policy_table, on=on, monthly_income=ceiling, months=1, group="other")
    assert quote.gross == monthly
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=on, monthly_income=ceiling + 1, months=1, group="other")
    assert problem_code(exc) is ProblemCode.INCOME_ABOVE_CEILING
    assert exc.value.problems[0].params["ceiling"] == ceiling


def test_an_income_under_the_floor_is_refused_with_the_floor_of_that_date(policy_table):
    assert quote_vsi(policy_table, on=POVERTY_LINE_CHANGE - DAY, monthly_income=1_500_000,
                     months=1, group="other").payable == 264_000
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=POVERTY_LINE_CHANGE, monthly_income=1_500_000, months=1, group="other")
    assert problem_code(exc) is ProblemCode.INCOME_BELOW_FLOOR
    assert exc.value.problems[0].params["floor"] == 2_200_000


OLD_SUPPORT = {  # Decree 134/2015: 30 / 25 / 10 % of 22 % × 1.500.000
    SupportGroup.POOR: 99_000,
    SupportGroup.NEAR_POOR: 82_500,
    SupportGroup.ETHNIC_MINORITY: 33_000,
    SupportGroup.OTHER: 33_000,
}
DECREE_159 = date(2025, 7, 1)


@pytest.mark.parametrize("group", list(SupportGroup))
def test_decree_159_support_replaces_the_old_rates_on_1_july_2025(policy_table, group):
    before = quote_vsi(policy_table, on=DECREE_159 - DAY, monthly_income=1_500_000, months=1, group=group)
    after = quote_vsi(policy_table, on=DECREE_159, monthly_income=1_500_000, months=1, group=group)
    assert before.state_support == OLD_SUPPORT[group]
    assert after.state_support == SUPPORT_PER_MONTH[group][0]


@pytest.mark.parametrize(
    ("group", "pays"),
    [(SupportGroup.POOR, 0), (SupportGroup.NEAR_POOR, 0), (SupportGroup.OTHER, 231_000)],
)
def test_hanoi_top_up_at_the_minimum_income(policy_table, group, pays):
    quote = quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=1,
                      group=group, province="01")
    assert quote.payable == pays
    assert quote.gross == quote.state_support + quote.local_support + quote.payable


def test_a_top_up_never_makes_the_participant_share_negative(policy_table):
    quote = quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=12,
                      group="near-poor", province="01")
    assert quote.local_support == 12 * (330_000 - 132_000)
    assert quote.payable == 0


def test_a_province_without_a_top_up_table_is_refused(policy_table):
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=1,
                  group="other", province="79")
    assert problem_code(exc) is ProblemCode.UNKNOWN_LOCAL_SUPPORT_AREA


def test_an_unknown_group_is_refused_with_the_allowed_ones(policy_table):
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=2_000_000, months=12, group="rich")
    assert problem_code(exc) is ProblemCode.UNKNOWN_SUPPORT_GROUP
    assert "near-poor" in exc.value.problems[0].params["allowed"]


@pytest.mark.parametrize(("before", "supported"), [(0, 12), (108, 12), (115, 5), (120, 0)])
def test_support_stops_at_the_lifetime_cap_of_120_months(policy_table, before, supported):
    quote = quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=12,
                      group="other", supported_months_before=before)
    assert quote.supported_months == supported
    assert quote.state_support == 66_000 * supported
    assert quote.payable == 3_960_000 - 66_000 * supported


@pytest.mark.parametrize("before", [-1, 121])
def test_an_impossible_support_history_is_refused(policy_table, before):
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=12,
                  group="other", supported_months_before=before)
    assert problem_code(exc) is ProblemCode.SUPPORT_HISTORY_INVALID


@pytest.mark.parametrize("months", [2, 5, 7, 13, 18, 72])
def test_voluntary_si_refuses_periods_the_law_does_not_allow(policy_table, months):
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=months, group="other")
    assert problem_code(exc) is ProblemCode.VSI_MONTHS_NOT_ALLOWED


@pytest.mark.parametrize("months", [24, 36, 48, 60])
def test_paying_several_years_ahead_is_refused_while_no_fund_return_is_published(policy_table, months):
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=1_500_000, months=months, group="other")
    assert problem_code(exc) is ProblemCode.VSI_PREPAY_NEEDS_FUND_RETURN


PREPAID = {24: 5_986_380, 36: 8_721_338, 48: 11_297_410, 60: 13_723_826}  # domain.md §7.3, r = 0,5 %


@pytest.mark.parametrize(("months", "discounted"), PREPAID.items())
def test_prepaying_years_is_discounted_at_the_fund_return_once_one_is_published(
    policy_document, months, discounted
):
    policy_document["vsi_fund_monthly_return"] = [
        {"from": date(2026, 1, 1), "value": "0.5/100", "source": "illustration (domain.md §7.3)"}
    ]
    table = PolicyTable.from_mapping(policy_document)
    quote = quote_vsi(table, on=date(2026, 8, 1), monthly_income=1_500_000, months=months, group="other")
    assert quote.payable == discounted
    assert quote.gross == 330_000 * months
    assert quote.gross - quote.state_support - quote.discount == discounted


def test_twelve_months_discounted_at_half_a_percent_match_the_illustration():
    value = _prepaid_present_value(Fraction(330_000), Fraction(66_000), 12, 12, Fraction(5, 1000), netted=True)
    assert round_vnd(value, RoundingRule.HALF_UP) == 3_082_735


@pytest.mark.parametrize(
    ("months", "months_into_period", "allowed"),
    [(1, 0, True), (1, 1, False), (3, 2, True), (3, 3, False), (6, 3, True), (6, 4, False),
     (12, 6, True), (12, 7, False)],
)
def test_a_period_can_be_paid_only_inside_its_payment_window(policy_table, months, months_into_period, allowed):
    period_from = date(2026, 1, 1)
    on = add_months(period_from, months_into_period) + timedelta(days=14)
    if allowed:
        quote = quote_vsi(policy_table, on=on, monthly_income=2_000_000, months=months, group="other",
                          period_from=period_from)
        assert quote.period_from == period_from
    else:
        with pytest.raises(DomainError) as exc:
            quote_vsi(policy_table, on=on, monthly_income=2_000_000, months=months, group="other",
                      period_from=period_from)
        assert problem_code(exc) is ProblemCode.VSI_PERIOD_OUTSIDE_WINDOW


def test_amounts_are_looked_up_by_payment_date_not_by_the_covered_period(policy_table):
    # Paid in December 2026 for 12 months reaching into 2027: the 2026 poverty line applies throughout.
    quote = quote_vsi(policy_table, on=date(2026, 12, 31), monthly_income=1_500_000, months=12, group="other")
    assert quote.payable == 3_168_000


# ---- when the family HI card starts (domain.md §2.5) -------------------------------------------------


def test_a_first_card_is_valid_30_days_after_payment(policy_table):
    validity = family_hi_card_validity(policy_table, paid_on=date(2026, 8, 1), months=12, previous_card_end=None)
    assert validity.start == date(2026, 8, 31)
    assert validity.end == date(2027, 8, 30)
    assert validity.waited


def test_a_renewal_before_expiry_continues_from_the_old_card(policy_table):
    validity = family_hi_card_validity(policy_table, paid_on=date(2026, 3, 20), months=6,
                                       previous_card_end=date(2026, 3, 31))
    assert (validity.start, validity.end, validity.waited) == (date(2026, 4, 1), date(2026, 9, 30), False)


def test_a_short_lapse_starts_the_card_on_the_payment_date(policy_table):
    validity = family_hi_card_validity(policy_table, paid_on=date(2026, 5, 10), months=3,
                                       previous_card_end=date(2026, 3, 31))
    assert (validity.start, validity.waited) == (date(2026, 5, 10), False)


@pytest.mark.parametrize(
    ("paid_on", "previous_end", "waits"),
    [
        # Law 51/2024 (from 01/07/2025): a lapse of 3 months or more waits.
        (date(2026, 6, 30), date(2026, 3, 31), False),
        (date(2026, 7, 1), date(2026, 3, 31), True),
        # Before 01/07/2025: only more than 3 months waits; exactly 3 is still "within 3 months".
        (date(2025, 6, 1), date(2025, 2, 28), False),
        (date(2025, 6, 2), date(2025, 2, 28), True),
    ],
)
def test_the_lapse_boundary_follows_the_rule_in_force(policy_table, paid_on, previous_end, waits):
    validity = family_hi_card_validity(policy_table, paid_on=paid_on, months=12, previous_card_end=previous_end)
    assert validity.waited is waits
    assert validity.start == (paid_on + timedelta(days=30) if waits else paid_on)


def test_exactly_three_months_of_lapse_waits_only_under_the_new_law(policy_table):
    end = date(2025, 3, 31)
    paid = date(2025, 7, 1)  # 1 April - 30 June uncovered: exactly 3 months
    assert family_hi_card_validity(policy_table, paid_on=paid, months=3, previous_card_end=end).waited
    end_old, paid_old = date(2024, 12, 31), date(2025, 4, 1)
    assert not family_hi_card_validity(policy_table, paid_on=paid_old, months=3, previous_card_end=end_old).waited


def test_add_months_clamps_to_the_end_of_shorter_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_add_months_past_the_last_year_python_holds_is_a_date_problem_not_an_overflow():
    with pytest.raises(DomainError) as exc:
        add_months(date(9999, 12, 1), 1)

    assert exc.value.problems[0].code is ProblemCode.DATE_OUT_OF_RANGE
    assert exc.value.problems[0].params["value"] == date(9999, 12, 1)


def test_a_period_starting_in_year_9999_is_refused_as_out_of_range(policy_table):
    # `--period-from 9999-12` once ended in "unexpected error: year 10000 is out of range".
    with pytest.raises(DomainError) as exc:
        quote_vsi(policy_table, on=date(2026, 8, 1), monthly_income=2_000_000, months=12, group="other",
                  period_from=date(9999, 12, 1))

    assert problem_code(exc) is ProblemCode.DATE_OUT_OF_RANGE


@pytest.mark.parametrize("previous_end", [date(9999, 12, 31), LATEST_DATE + DAY, EARLIEST_DATE - DAY])
def test_a_previous_card_ending_outside_the_app_dates_is_refused(policy_table, previous_end):
    # `--previous-card-end 9999-12-31` once ended in "unexpected error: date value out of range".
    with pytest.raises(DomainError) as exc:
        family_hi_card_validity(policy_table, paid_on=date(2026, 8, 1), months=12, previous_card_end=previous_end)

    assert problem_code(exc) is ProblemCode.DATE_OUT_OF_RANGE


def test_a_card_continuing_from_the_last_day_the_app_handles_still_gets_its_dates(policy_table):
    card = family_hi_card_validity(policy_table, paid_on=date(2026, 8, 1), months=12, previous_card_end=LATEST_DATE)

    assert (card.start, card.end) == (date(2100, 1, 1), date(2100, 12, 31))


# ---- invariants ----------------------------------------------------------------------------------------

payment_dates = st.dates(min_value=date(2024, 7, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(on=payment_dates, data=st.data(), group=st.sampled_from(list(SupportGroup)),
       months=st.sampled_from([1, 3, 6, 12]), hanoi=st.booleans(),
       before=st.one_of(st.none(), st.integers(0, 120)))
def test_payable_is_gross_less_supports_and_never_negative(policy_table, on, data, group, months, hanoi, before):
    policy = policy_table.in_force(on)
    income = data.draw(st.integers(policy.vsi_income_floor, policy.vsi_income_ceiling))
    province = "01" if hanoi and "01" in policy.local_vsi_support else None
    quote = quote_vsi(policy_table, on=on, monthly_income=income, months=months, group=group,
                      province=province, supported_months_before=before)
    assert quote.payable == quote.gross - quote.state_support - quote.local_support
    assert quote.payable >= 0
    assert quote.gross == round_vnd(Fraction(22, 100) * income * months, RoundingRule.HALF_UP)
    assert quote.supported_months <= months
    assert len(quote.covered_months) == months
    assert quote.period_to == add_months(quote.period_from, months) - DAY


@settings(max_examples=200, deadline=None)
@given(on=payment_dates, members=st.integers(1, 12), months=st.sampled_from([3, 6, 12]))
def test_family_hi_amounts_follow_the_ladder_and_add_up(policy_table, on, members, months):
    quote = quote_family_hi(policy_table, on=on, members=members, months=months)
    amounts = [m.amount for m in quote.members]
    assert amounts == sorted(amounts, reverse=True)
    assert [m.order for m in quote.members] == list(range(1, members + 1))
    assert quote.total == sum(amounts)
    for member in quote.members:
        assert member.amount == member.monthly * months  # whole đồng for every base salary in the table
    twelve = quote_family_hi(policy_table, on=on, members=members, months=12)
    assert twelve.total * months == quote.total * 12
