"""The one planning function per scheme: what the payment form shows is what is recorded, to the đồng."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from collector_app import i18n
from collector_app.domain.applied_rules import RuleCode
from collector_app.domain.contributions import quote_family_hi
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.messages import RULE_TEMPLATES, message, rule_sentence
from collector_app.policies import current_table
from collector_app.services.device import acting_user, set_up
from collector_app.services.payments import (
    load_vsi_payer,
    plan_vsi_payment,
    prepare_family_hi_payment,
    prepare_vsi_payment,
    record_family_hi_payment,
    record_vsi_payment,
)
from collector_app.store.db import Store
from collector_app.store.people import get_household
from collector_app.store.registration import add_enrolments, add_households
from signing import open_test_store

ON = date(2026, 8, 1)
HEAD = "001080012345"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        [household_id] = add_households(opened, [NewHousehold("0112345678", "Số 5, thôn Đông", "00004", "01", (
            NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
            NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, "001182012345"),
            NewPerson("Đặng Minh Khôi", date(2016, 9, 1), Sex.MALE, "001216012345"),
            NewPerson("Đặng Thu Hà", date(2019, 2, 1), Sex.FEMALE, "001319012345"),
        ))], actor="test")
        head = get_household(opened, household_id).members[0]
        add_enrolments(opened, [NewEnrolment(head.person_id, Scheme.VSI, date(2026, 1, 1),
                                             SupportGroup.NEAR_POOR, 1_500_000)], actor="test")
        yield opened


def _figures(payment):
    return [(i.period_start, i.period_end, i.months, i.gross, i.state_support, i.local_support, i.amount,
             i.member_rank) for i in payment.items]


def test_a_voluntary_si_plan_is_exactly_what_recording_the_same_inputs_records(store: Store):
    plan = prepare_vsi_payment(store, citizen_id=HEAD, monthly_income=2_000_000, months=6, on=ON, group="poor")

    paid = record_vsi_payment(store, citizen_id=HEAD, monthly_income=2_000_000, months=6, on=ON, group="poor",
                              actor=acting_user(store), amount=plan.payable)

    [person] = paid.participants
    assert [(person.period_start, person.period_end, 6, person.gross, person.state_support,
             person.local_support, person.amount, None)] == _figures(plan.payment)
    assert (paid.gross, paid.state_support, paid.local_support, paid.payable) == (
        plan.payment.gross, plan.payment.state_support, plan.payment.local_support, plan.payable)


def test_the_pure_plan_of_a_payer_looked_up_once_equals_the_plan_with_look_ups(store: Store):
    table = current_table(store)
    payer = load_vsi_payer(store, citizen_id=HEAD)

    pure = plan_vsi_payment(payer, table, monthly_income=1_500_000, months=12, on=ON)
    looked_up = prepare_vsi_payment(store, person_id=payer.person.person_id, monthly_income=1_500_000,
                                    months=12, on=ON, table=table)

    assert _figures(pure.payment) == _figures(looked_up.payment)
    # Near-poor in Hà Nội at the floor: 330.000 − 132.000 − 198.000 = 0 a month (domain.md §1.5).
    assert (pure.payment.gross, pure.payment.state_support, pure.payment.local_support, pure.payable) == (
        3_960_000, 1_584_000, 2_376_000, 0)
    assert (pure.income_floor, pure.income_ceiling) == (1_500_000, 50_600_000)


def test_the_plan_says_which_support_rules_applied_in_sentences(store: Store):
    plan = prepare_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=ON)

    codes = [rule.code for rule in plan.rules]
    assert codes[:1] == [RuleCode.VSI_RATE]
    assert RuleCode.VSI_STATE_SUPPORT in codes and RuleCode.VSI_LOCAL_SUPPORT in codes
    previous = i18n.language()
    i18n.set_language("vi")
    try:
        sentences = [rule_sentence(rule) for rule in plan.rules]
    finally:
        i18n.set_language(previous)
    assert "Nhà nước hỗ trợ 40% mức đóng theo chuẩn nghèo nông thôn (hộ cận nghèo): 132.000 đ mỗi tháng." in sentences
    assert "Đã hưởng hỗ trợ 0/120 tháng; lần đóng này thêm 3 tháng." in sentences


def test_months_already_paid_are_refused_by_the_plan_before_the_money_changes_hands(store: Store):
    record_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=ON, actor=acting_user(store))

    with pytest.raises(DomainError) as refused:
        prepare_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=1, on=date(2026, 9, 2),
                            period_from=date(2026, 9, 1))

    [problem] = refused.value.problems
    assert problem.code is ProblemCode.PAYMENT_PERIOD_ALREADY_PAID
    assert problem.params["paid_to"] == date(2026, 10, 31)
    assert message(problem)


def test_an_income_under_the_floor_is_refused_by_the_plan_with_the_floor(store: Store):
    with pytest.raises(DomainError) as refused:
        prepare_vsi_payment(store, citizen_id=HEAD, monthly_income=1_000_000, months=3, on=ON)

    assert [p.code for p in refused.value.problems] == [ProblemCode.INCOME_BELOW_FLOOR]
    assert refused.value.problems[0].params["floor"] == 1_500_000


def test_a_family_hi_plan_of_four_is_the_quote_and_is_what_is_recorded(store: Store):
    plan = prepare_family_hi_payment(store, household_code="0112345678", months=12, on=ON)
    quote = quote_family_hi(current_table(store), on=ON, members=4, months=12)

    assert [m.amount for m in plan.members] == [m.amount for m in quote.members] == [
        1_366_200, 956_340, 819_720, 683_100]
    assert plan.payable == quote.total == 3_825_360  # domain.md §7.1, base 2.530.000
    assert [m.rank for m in plan.members] == [1, 2, 3, 4]
    assert all((m.card_start, m.card_end) == (date(2026, 8, 31), date(2027, 8, 30)) for m in plan.members)
    assert [r.code for r in plan.rules] == [RuleCode.HI_FIRST_MEMBER, RuleCode.HI_LADDER, RuleCode.HI_CARD_WAIT]

    paid = record_family_hi_payment(store, household_id=plan.household.household.household_id, months=12,
                                    on=ON, actor=acting_user(store), amount=plan.payable)

    assert [(p.period_start, p.period_end, 12, p.gross, 0, 0, p.amount, p.member_rank)
            for p in paid.participants] == _figures(plan.payment)
    assert paid.payable == 3_825_360


def test_every_rule_code_has_a_sentence():
    assert set(RuleCode) == set(RULE_TEMPLATES)
