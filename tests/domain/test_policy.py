"""The dated policy table: validated when loaded, one lookup by date, newest version wins."""

from __future__ import annotations

import copy
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import LapseBoundary, PolicyTable, PolicyTableError, newest
from collector_app.domain.problems import DomainError, ProblemCode

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "collector_app" / "domain"


def test_the_shipped_table_holds_every_figure_in_force_today(policy_table):
    policy = policy_table.in_force(date(2026, 11, 23))
    assert policy.base_salary == 2_530_000
    assert policy.reference_level == 2_530_000
    assert policy.rural_poverty_line == 1_500_000
    assert policy.vsi_rate == Fraction(22, 100)
    assert (policy.vsi_income_floor, policy.vsi_income_ceiling) == (1_500_000, 50_600_000)
    assert policy.vsi_support_rates[SupportGroup.NEAR_POOR] == Fraction(40, 100)
    assert policy.vsi_support_cap_months == 120
    assert policy.vsi_periods == (1, 3, 6, 12)
    assert policy.vsi_fund_monthly_return is None
    assert policy.vsi_min_age == 15
    assert policy.hi_rate == Fraction(45, 1000)
    assert policy.hi_periods == (3, 6, 12)
    assert policy.hi_card_rules.lapse_boundary is LapseBoundary.AT_LEAST
    assert "188/2025" in policy.sources["hi_ladder"]


@pytest.mark.parametrize(
    ("on", "line", "floor"),
    [(date(2026, 12, 31), 1_500_000, 1_500_000), (date(2027, 1, 1), 2_200_000, 2_200_000)],
)
def test_the_poverty_line_and_income_floor_change_on_1_january_2027(policy_table, on, line, floor):
    policy = policy_table.in_force(on)
    assert (policy.rural_poverty_line, policy.vsi_income_floor) == (line, floor)


def test_before_the_2024_law_the_ceiling_is_20_base_salaries(policy_table):
    policy = policy_table.in_force(date(2025, 6, 30))
    assert policy.reference_level is None
    assert policy.vsi_income_ceiling == 46_800_000
    assert "58/2014" in policy.sources["vsi_income_ceiling"]


def test_every_value_carries_its_legal_source(policy_table):
    for name, periods in policy_table.parameters.items():
        for period in periods:
            assert period.source.strip(), name


def test_a_date_before_the_table_is_refused_with_what_is_missing(policy_table):
    with pytest.raises(DomainError) as exc:
        policy_table.in_force(date(2024, 6, 30))
    problem = exc.value.problems[0]
    assert problem.code is ProblemCode.POLICY_NOT_IN_FORCE
    assert "base_salary" in problem.params["missing"]


def broken(document, mutate):
    changed = copy.deepcopy(document)
    mutate(changed)
    with pytest.raises(PolicyTableError) as exc:
        PolicyTable.from_mapping(changed)
    return "\n".join(exc.value.errors)


def test_overlapping_periods_are_refused(policy_document):
    def overlap(d):
        d["base_salary"][0]["to"] = date(2026, 7, 1)
    assert "overlaps" in broken(policy_document, overlap)


def test_a_value_without_a_source_is_refused(policy_document):
    def no_source(d):
        del d["hi_rate"][0]["source"]
    assert "hi_rate[0]: every value needs its legal source" in broken(policy_document, no_source)


def test_a_float_rate_is_refused(policy_document):
    def float_rate(d):
        d["vsi_rate"][1]["value"] = 0.22
    assert "vsi_rate[1]" in broken(policy_document, float_rate)


def test_a_missing_support_group_is_refused(policy_document):
    def drop_group(d):
        del d["vsi_support_rates"][1]["value"]["near-poor"]
    assert "vsi_support_rates[1]" in broken(policy_document, drop_group)


def test_a_ladder_that_rises_is_refused(policy_document):
    def rising(d):
        d["hi_ladder"][1]["value"] = ["100/100", "70/100", "80/100"]
    assert "may not increase" in broken(policy_document, rising)


def test_an_unknown_parameter_or_format_is_refused(policy_document):
    def unknown(d):
        d["format"] = 2
        d["vsi_bonus"] = []
    errors = broken(policy_document, unknown)
    assert "format: expected 1" in errors and "vsi_bonus" in errors


def test_a_missing_required_parameter_is_refused(policy_document):
    def missing(d):
        del d["rounding"]
    assert "rounding: missing" in broken(policy_document, missing)


def test_a_table_pushed_as_json_with_iso_dates_is_accepted(policy_document):
    def to_json_dates(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: to_json_dates(v) for k, v in value.items()}
        if isinstance(value, list):
            return [to_json_dates(v) for v in value]
        return value
    table = PolicyTable.from_mapping(to_json_dates(policy_document))
    assert table.in_force(date(2026, 8, 1)).base_salary == 2_530_000


def test_the_newest_version_supersedes_older_ones(policy_document):
    older = PolicyTable.from_mapping(policy_document)
    pushed = copy.deepcopy(policy_document)
    pushed["version"] = "2027.1.0"
    pushed["base_salary"].append({"from": date(2027, 7, 1), "value": 2_700_000, "source": "test decree"})
    pushed["base_salary"][1]["to"] = date(2027, 6, 30)
    table = newest([older, PolicyTable.from_mapping(pushed)])
    assert table.version == "2027.1.0"
    assert table.in_force(date(2027, 7, 1)).base_salary == 2_700_000
    assert table.in_force(date(2027, 6, 30)).base_salary == 2_530_000


def test_domain_code_never_reads_the_clock():
    offenders = [
        f"{path.name}: {needle}"
        for path in DOMAIN_DIR.rglob("*.py")
        for needle in ("today(", "now(", "time.time(", "utcnow(")
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
