"""Payments before recording: the amount must match the quote; who may take money, print and void."""

from __future__ import annotations

from datetime import date

import pytest

from collector_app.domain.contributions import quote_family_hi, quote_vsi
from collector_app.domain.enrolments import Scheme
from collector_app.domain.payments import (
    Action,
    HiCover,
    PaymentMethod,
    Role,
    check_allowed,
    check_payment,
    check_void_reason,
    family_hi_payment,
    may,
    vsi_payment,
)
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, ProblemCode

ON = date(2026, 8, 1)


def test_the_exact_payable_amount_is_accepted(policy_table: PolicyTable):
    quote = quote_vsi(policy_table, on=ON, monthly_income=1_500_000, months=12, group="other")

    assert check_payment(quote, 3_168_000) == []


@pytest.mark.parametrize("handed", [3_167_999, 3_168_001, 0, 3_960_000])
def test_any_other_amount_is_refused_with_both_amounts(policy_table: PolicyTable, handed: int):
    quote = quote_vsi(policy_table, on=ON, monthly_income=1_500_000, months=12, group="other")

    [problem] = check_payment(quote, handed)

    assert problem.code is ProblemCode.PAYMENT_AMOUNT_MISMATCH
    assert problem.params == {"amount": handed, "payable": 3_168_000}


def test_a_household_pays_the_total_of_its_ladder(policy_table: PolicyTable):
    quote = quote_family_hi(policy_table, on=ON, members=2, months=12)

    assert check_payment(quote, 2_322_540) == []
    assert [p.code for p in check_payment(quote, 1_366_200)] == [ProblemCode.PAYMENT_AMOUNT_MISMATCH]


def test_a_float_amount_is_a_programming_error(policy_table: PolicyTable):
    quote = quote_family_hi(policy_table, on=ON, members=1, months=12)

    with pytest.raises(TypeError):
        check_payment(quote, 1_366_200.0)  # type: ignore[arg-type]


def test_a_voluntary_si_payment_carries_the_quote_amounts(policy_table: PolicyTable):
    quote = quote_vsi(
        policy_table, on=ON, monthly_income=1_500_000, months=1, group="near-poor", province="01"
    )

    payment = vsi_payment(
        quote,
        enrolment_id="e1",
        household_id="h1",
        residence_province="01",
        supported_months_before=0,
        payer_name="Lê Văn Bình",
        method=PaymentMethod.CASH,
        amount_handed=0,
    )

    [item] = payment.items
    assert (payment.scheme, payment.paid_on, payment.policy_version) == (Scheme.VSI, ON, quote.policy_version)
    assert (item.gross, item.state_support, item.local_support, item.amount) == (330_000, 132_000, 198_000, 0)
    assert (item.monthly_income, item.supported_months, item.member_rank) == (1_500_000, 1, None)
    assert (item.period_start, item.period_end) == (date(2026, 8, 1), date(2026, 8, 31))
    assert payment.amount == 0


def test_a_voluntary_si_payment_of_the_wrong_amount_is_not_built(policy_table: PolicyTable):
    quote = quote_vsi(policy_table, on=ON, monthly_income=1_500_000, months=1, group="other")

    with pytest.raises(DomainError) as refused:
        vsi_payment(
            quote,
            enrolment_id="e1",
            household_id=None,
            residence_province=None,
            supported_months_before=0,
            payer_name="X",
            method=PaymentMethod.CASH,
            amount_handed=330_000,
        )

    assert [p.code for p in refused.value.problems] == [ProblemCode.PAYMENT_AMOUNT_MISMATCH]


def test_a_household_payment_has_one_item_per_member_in_ladder_order(policy_table: PolicyTable):
    quote = quote_family_hi(policy_table, on=ON, members=3, months=12)
    covers = [HiCover(f"e{i}", date(2026, 8, 31), date(2027, 8, 30), member_order=i, previous_card_end=None)
              for i in (1, 2, 3)]

    payment = family_hi_payment(
        quote,
        members=covers,
        household_id="h1",
        residence_province="01",
        payer_name="Đặng Văn Hùng",
        method=PaymentMethod.TRANSFER,
        amount_handed=3_142_260,
    )

    assert [(i.enrolment_id, i.member_rank, i.amount) for i in payment.items] == [
        ("e1", 1, 1_366_200),
        ("e2", 2, 956_340),
        ("e3", 3, 819_720),
    ]
    assert (payment.gross, payment.state_support, payment.amount) == (3_142_260, 0, 3_142_260)


def test_an_enrolment_twice_in_one_payment_or_a_member_without_cover_is_a_programming_error(
    policy_table: PolicyTable,
):
    quote = quote_family_hi(policy_table, on=ON, members=2, months=12)
    twice = [HiCover("e1", ON, ON, member_order=1, previous_card_end=None),
             HiCover("e1", ON, ON, member_order=2, previous_card_end=None)]

    with pytest.raises(ValueError):
        family_hi_payment(
            quote,
            members=twice,
            household_id="h",
            residence_province=None,
            payer_name="X",
            method=PaymentMethod.CASH,
            amount_handed=2_322_540,
        )
    with pytest.raises(ValueError):
        family_hi_payment(
            quote,
            members=twice[:1],
            household_id="h",
            residence_province=None,
            payer_name="X",
            method=PaymentMethod.CASH,
            amount_handed=2_322_540,
        )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (
            Role.COLLECTOR,
            {Action.RECORD_PAYMENT, Action.PRINT_RECEIPT, Action.VOID_RECEIPT, Action.CHANGE_SETTINGS,
             Action.REGISTER_PEOPLE, Action.UPDATE_CONTACT, Action.CORRECT_IDENTITY},
        ),
        (Role.COLLABORATOR,
         {Action.RECORD_PAYMENT, Action.PRINT_RECEIPT, Action.REGISTER_PEOPLE, Action.UPDATE_CONTACT}),
        (
            Role.SUPERVISOR,
            {Action.PRINT_RECEIPT, Action.VOID_RECEIPT, Action.CHANGE_SETTINGS, Action.REVIEW_BATCHES,
             Action.UPDATE_CONTACT, Action.CORRECT_IDENTITY},
        ),
    ],
)
def test_each_role_may_do_what_design_md_says(role: Role, allowed: set[Action]):
    assert {action for action in Action if may(role, action)} == allowed


def test_a_collaborator_cannot_void_and_the_problem_names_the_user():
    [problem] = check_allowed(Role.COLLABORATOR, Action.VOID_RECEIPT, user="ctv.lan")

    assert problem.code is ProblemCode.ROLE_MAY_NOT_VOID_RECEIPTS and problem.params == {"user": "ctv.lan"}
    assert check_allowed("collector", Action.VOID_RECEIPT, user="thu") == []
    assert not may("cashier", Action.PRINT_RECEIPT)


@pytest.mark.parametrize(("reason", "codes"), [
    ("Ghi sai số tháng", []), ("", [ProblemCode.VOID_REASON_EMPTY]), (" \t\n", [ProblemCode.VOID_REASON_EMPTY]),
    ("x" * 21, [ProblemCode.VOID_REASON_TOO_LONG]), ("Ghi sai\x1b[0m", [ProblemCode.VOID_REASON_UNSAFE]),
    ("Ghi\u200b sai", [ProblemCode.VOID_REASON_UNSAFE]),
])
def test_a_void_needs_a_short_readable_reason(reason: str, codes: list[ProblemCode]):
    assert [problem.code for problem in check_void_reason(reason, max_length=20)] == codes


def test_a_discounted_prepayment_is_refused_until_receipts_can_show_the_discount(policy_document):
    policy_document["vsi_fund_monthly_return"] = [
        {"from": date(2026, 1, 1), "value": "0.5/100", "source": "illustration (domain.md §7.3)"}
    ]
    quote = quote_vsi(
        PolicyTable.from_mapping(policy_document), on=ON, monthly_income=1_500_000, months=24, group="other"
    )

    problems = check_payment(quote, quote.payable)

    assert [p.code for p in problems] == [ProblemCode.PAYMENT_DISCOUNT_NOT_RECORDABLE]
    assert problems[0].params == {"months": 24, "amount": quote.discount}
