"""Commission worked examples: rates by scheme and by new or continuing participant, on what participants
paid themselves (state and local support excluded), voided receipts left out by the caller, one rounding
per line, and the rate in force on each payment day."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from collector_app.domain.commission import CommissionItem, commission_statement, rate_text
from collector_app.domain.money import RoundingRule
from collector_app.domain.policy import CommissionRates
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.paths import resource_path
from collector_app.domain.policy import PolicyTable

import tomllib

DEFAULTS = CommissionRates(Fraction(14, 100), Fraction(10, 100), Fraction(7, 100), Fraction(5, 100))
DAY = date(2026, 8, 3)


def statement(items: list[CommissionItem], rates=lambda day: DEFAULTS):
    return commission_statement(items, rates_on=rates, rounding=RoundingRule.HALF_UP)


def test_a_new_voluntary_si_participant_earns_14_percent_of_what_they_paid_not_of_the_gross():
    # 3 months at 1.500.000 in Hà Nội: gross 990.000, state 198.000, local 99.000; paid 693.000.
    result = statement([CommissionItem("vsi", DAY, 693_000, new=True)])

    [line] = result.lines
    assert (line.base, line.rate, line.commission) == (693_000, Fraction(14, 100), 97_020)


def test_new_and_continuing_participants_of_each_scheme_are_separate_lines():
    result = statement([
        CommissionItem("vsi", DAY, 693_000, new=True),
        CommissionItem("vsi", DAY, 264_000, new=False),
        CommissionItem("vsi", DAY, 264_000, new=False),
        CommissionItem("family_hi", DAY, 1_366_200, new=True),
        CommissionItem("family_hi", DAY, 956_340, new=False),
    ])

    assert [(l.scheme, l.new, l.participants, l.base, l.commission) for l in result.lines] == [
        ("vsi", True, 1, 693_000, 97_020),
        ("vsi", False, 2, 528_000, 52_800),
        ("family_hi", True, 1, 1_366_200, 95_634),
        ("family_hi", False, 1, 956_340, 47_817),
    ]
    assert (result.participants, result.base, result.commission) == (5, 3_543_540, 293_271)


def test_each_line_is_rounded_once_half_up():
    # 7 % of 45.540 is 3.187,8 each: three of them 9.563,4 -> 9.563, not 3 × 3.188.
    result = statement([CommissionItem("family_hi", DAY, 45_540, new=True)] * 3)

    assert result.commission == 9_563


def test_a_rate_change_within_the_month_gives_a_line_per_rate():
    raised = CommissionRates(Fraction(15, 100), Fraction(10, 100), Fraction(7, 100), Fraction(5, 100))
    rates = lambda day: raised if day >= date(2026, 8, 16) else DEFAULTS  # noqa: E731
    result = statement([CommissionItem("vsi", date(2026, 8, 15), 100_000, new=True),
                        CommissionItem("vsi", date(2026, 8, 16), 100_000, new=True)], rates)

    assert [(l.rate, l.commission) for l in result.lines] == [(Fraction(14, 100), 14_000), (Fraction(15, 100), 15_000)]


def test_a_day_without_rates_is_refused_not_guessed():
    with pytest.raises(DomainError) as refused:
        statement([CommissionItem("vsi", DAY, 1, new=True)], lambda day: None)

    assert refused.value.problems[0].code is ProblemCode.COMMISSION_RATES_MISSING


def test_an_empty_month_is_an_empty_statement():
    result = statement([])

    assert (result.lines, result.base, result.commission) == ((), 0, 0)


def test_the_shipped_default_rates_sit_within_the_p13_averages():
    table = PolicyTable.from_mapping(tomllib.loads(
        resource_path("policy/policy-2026.11.1.toml").read_text(encoding="utf-8")))
    policy = table.in_force(DAY)
    rates, ceilings = policy.commission_rates, policy.collection_commission
    assert rates is not None and ceilings is not None
    assert max(rates.vsi_new, rates.vsi_continuing) <= ceilings["vsi_average_max"]
    assert max(rates.hi_new, rates.hi_continuing) <= ceilings["hi_average"]
    assert "Province configuration" in policy.sources["commission_rates"]


def test_a_table_published_before_commission_rates_existed_still_loads():
    document = tomllib.loads(resource_path("policy/policy-2026.11.1.toml").read_text(encoding="utf-8"))
    del document["commission_rates"]

    assert PolicyTable.from_mapping(document).in_force(DAY).commission_rates is None


@pytest.mark.parametrize("rate, text", [(Fraction(14, 100), "14 %"), (Fraction(75, 1000), "7,5 %"),
                                        (Fraction(5, 100), "5 %")])
def test_rates_are_written_the_vietnamese_way(rate: Fraction, text: str):
    assert rate_text(rate) == text
