"""Payments before they are recorded: what is paid for whom, the one money rule, and who may do what.

Pure: a `NewPayment` is built from a calculator's quote; the store writes it with its receipt
number. `check_figures` is the one money rule: every figure of a payment recomputed from the policy
table and the payment's own inputs; the device applies it before recording, the provincial server
to every payment it receives. Roles follow design.md "Who uses it": collaborators take payments
but cannot void receipts or change settings; supervisors review, void and change settings but do
not take money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from operator import attrgetter

from collector_app.domain.contributions import (
    FamilyHiQuote,
    VsiQuote,
    family_hi_card_validity,
    quote_family_hi,
    quote_vsi,
)
from collector_app.domain.enrolments import Scheme
from collector_app.domain.money import Vnd
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import Policy, PolicyTable
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.text import describe_characters, unsafe_characters


class PaymentMethod(StrEnum):
    """How the money came in (Law SI 2024 Art. 36(2) allows cash and bank transfer)."""

    CASH = "cash"
    TRANSFER = "transfer"


class Role(StrEnum):
    COLLECTOR = "collector"
    COLLABORATOR = "collaborator"
    SUPERVISOR = "supervisor"


class Action(StrEnum):
    RECORD_PAYMENT = "record_payment"
    PRINT_RECEIPT = "print_receipt"
    VOID_RECEIPT = "void_receipt"
    CHANGE_SETTINGS = "change_settings"
    REVIEW_BATCHES = "review_batches"
    # issue 10 §3: people and households
    REGISTER_PEOPLE = "register_people"  # a new household, a new member
    UPDATE_CONTACT = "update_contact"  # phone, address, relationship to the head
    CORRECT_IDENTITY = "correct_identity"  # name, date of birth, sex, citizen ID


# People: collectors and collaborators register whom they meet; anyone may fix a phone or an
# address (a supervisor taking a call included); a person's identity (name, date of birth, sex,
# citizen ID) is corrected by a collector or a supervisor, not by a collaborator at the doorstep,
# since a wrong correction there moves a card or a pension record onto someone else.
_PEOPLE_ACTIONS = {Action.REGISTER_PEOPLE, Action.UPDATE_CONTACT}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.COLLECTOR: frozenset(
        {Action.RECORD_PAYMENT, Action.PRINT_RECEIPT, Action.VOID_RECEIPT, Action.CHANGE_SETTINGS,
         *_PEOPLE_ACTIONS, Action.CORRECT_IDENTITY}
    ),
    Role.COLLABORATOR: frozenset({Action.RECORD_PAYMENT, Action.PRINT_RECEIPT, *_PEOPLE_ACTIONS}),
    Role.SUPERVISOR: frozenset(
        {Action.PRINT_RECEIPT, Action.VOID_RECEIPT, Action.CHANGE_SETTINGS, Action.REVIEW_BATCHES,
         Action.UPDATE_CONTACT, Action.CORRECT_IDENTITY}
    ),
}

_REFUSALS: dict[Action, ProblemCode] = {
    Action.RECORD_PAYMENT: ProblemCode.ROLE_MAY_NOT_RECORD_PAYMENTS,
    Action.PRINT_RECEIPT: ProblemCode.ROLE_MAY_NOT_PRINT_RECEIPTS,
    Action.VOID_RECEIPT: ProblemCode.ROLE_MAY_NOT_VOID_RECEIPTS,
    Action.CHANGE_SETTINGS: ProblemCode.ROLE_MAY_NOT_CHANGE_SETTINGS,
    Action.REVIEW_BATCHES: ProblemCode.ROLE_MAY_NOT_REVIEW_BATCHES,
    Action.REGISTER_PEOPLE: ProblemCode.ROLE_MAY_NOT_REGISTER_PEOPLE,
    Action.UPDATE_CONTACT: ProblemCode.ROLE_MAY_NOT_UPDATE_CONTACT,
    Action.CORRECT_IDENTITY: ProblemCode.ROLE_MAY_NOT_CORRECT_IDENTITY,
}


def may(role: Role | str, action: Action) -> bool:
    """Whether a user with `role` may do `action`; an unknown role may do nothing."""
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def check_allowed(role: Role | str, action: Action, *, user: str) -> list[Problem]:
    """[] when `user` (a username, for the message) with `role` may do `action`, else why not."""
    if may(role, action):
        return []
    return [Problem(_REFUSALS[action], {"user": user})]


@dataclass(frozen=True)
class NewPaymentItem:
    """What one enrolment's share of a payment covers and costs; `amount` is the participant's share.

    Besides the figures, an item carries the inputs the figures were computed from (income, support
    group, months of support already used; a member's declared order and previous card), so that
    anyone holding the item can compute them again (`check_figures`).
    """

    enrolment_id: str
    period_start: date  # first day of the first month covered
    period_end: date  # last day covered
    months: int
    gross: Vnd
    state_support: Vnd = 0
    local_support: Vnd = 0
    member_rank: int | None = None  # family HI: position on the ladder, 1 = first member
    monthly_income: Vnd | None = None  # voluntary SI: the chosen income
    supported_months: int | None = None  # voluntary SI: months counted against the support cap
    support_group: SupportGroup | None = None  # voluntary SI: the group the state support is for
    supported_months_before: int | None = None  # voluntary SI: supported months of earlier payments
    member_order: int | None = None  # family HI: the member's declared place in the household
    previous_card_end: date | None = None  # family HI: the end of the card this one follows, if any

    @property
    def amount(self) -> Vnd:
        return self.gross - self.state_support - self.local_support


@dataclass(frozen=True)
class NewPayment:
    """A payment about to be recorded: one scheme, one payer, one or more enrolments paid together."""

    scheme: Scheme
    household_id: str | None
    payer_name: str
    paid_on: date  # the payment date: it chose the policy in force and dates the receipt
    policy_version: str
    method: PaymentMethod
    items: tuple[NewPaymentItem, ...]
    residence_province: str | None = None  # the household's province (34-province code): top-ups

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a payment pays for at least one enrolment")
        if len({item.enrolment_id for item in self.items}) != len(self.items):
            raise ValueError("an enrolment appears twice in one payment")

    @property
    def gross(self) -> Vnd:
        return sum(item.gross for item in self.items)

    @property
    def state_support(self) -> Vnd:
        return sum(item.state_support for item in self.items)

    @property
    def local_support(self) -> Vnd:
        return sum(item.local_support for item in self.items)

    @property
    def amount(self) -> Vnd:
        return sum(item.amount for item in self.items)


def payable(quote: VsiQuote | FamilyHiQuote) -> Vnd:
    """What the payer must hand over for `quote`."""
    return quote.payable if isinstance(quote, VsiQuote) else quote.total


def check_payment(quote: VsiQuote | FamilyHiQuote, amount_handed: Vnd) -> list[Problem]:
    """[] when `amount_handed` is exactly what `quote` asks for and the quote can be recorded.

    The amount must match to the đồng: a collector neither keeps change nor lends the difference.
    A prepayment discount (several years ahead) cannot be recorded yet: payments and receipts carry
    gross, support and payable only, and the discount formula is unconfirmed (domain.md §1.9).
    """
    problems: list[Problem] = []
    if isinstance(quote, VsiQuote) and quote.discount:
        problems.append(
            Problem(
                ProblemCode.PAYMENT_DISCOUNT_NOT_RECORDABLE,
                {"months": quote.months, "amount": quote.discount},
            )
        )
    expected = payable(quote)
    if isinstance(amount_handed, bool) or not isinstance(amount_handed, int):
        raise TypeError("amount_handed must be an int of VND")
    if amount_handed != expected:
        problems.append(
            Problem(ProblemCode.PAYMENT_AMOUNT_MISMATCH, {"amount": amount_handed, "payable": expected})
        )
    return problems


def vsi_payment(
    quote: VsiQuote,
    *,
    enrolment_id: str,
    household_id: str | None,
    residence_province: str | None,
    supported_months_before: int,
    payer_name: str,
    method: PaymentMethod,
    amount_handed: Vnd,
) -> NewPayment:
    """The payment of one voluntary SI quote by the participant; refuses an amount that does not match.

    `quote` must have been made with `supported_months_before` and the top-up of `residence_province`
    (`top_up_province`): the payment carries them, and `check_figures` computes it again from them.
    """
    problems = check_payment(quote, amount_handed)
    if problems:
        raise DomainError(problems)
    item = NewPaymentItem(
        enrolment_id=enrolment_id,
        period_start=quote.period_from,
        period_end=quote.period_to,
        months=quote.months,
        gross=quote.gross,
        state_support=quote.state_support,
        local_support=quote.local_support,
        monthly_income=quote.monthly_income,
        supported_months=quote.supported_months,
        support_group=quote.group,
        supported_months_before=supported_months_before,
    )
    return NewPayment(
        scheme=Scheme.VSI,
        household_id=household_id,
        payer_name=payer_name,
        paid_on=quote.on,
        policy_version=quote.policy_version,
        method=method,
        items=(item,),
        residence_province=residence_province,
    )


@dataclass(frozen=True)
class HiCover:
    """One family HI member's enrolment and the card period this payment buys for it."""

    enrolment_id: str
    period_start: date
    period_end: date
    member_order: int  # the member's declared place in the household
    previous_card_end: date | None  # the card this one follows, which chose its start


def family_hi_payment(
    quote: FamilyHiQuote,
    *,
    members: Sequence[HiCover],
    household_id: str,
    residence_province: str | None,
    payer_name: str,
    method: PaymentMethod,
    amount_handed: Vnd,
) -> NewPayment:
    """The payment of a household's family HI quote; `members` in ladder order (declared order)."""
    if len(members) != len(quote.members):
        raise ValueError("one member cover per quoted member")
    problems = check_payment(quote, amount_handed)
    if problems:
        raise DomainError(problems)
    items = tuple(
        NewPaymentItem(
            enrolment_id=cover.enrolment_id,
            period_start=cover.period_start,
            period_end=cover.period_end,
            months=quote.months,
            gross=member.amount,
            member_rank=member.order,
            member_order=cover.member_order,
            previous_card_end=cover.previous_card_end,
        )
        for cover, member in zip(members, quote.members, strict=True)
    )
    return NewPayment(
        scheme=Scheme.FAMILY_HI,
        household_id=household_id,
        payer_name=payer_name,
        paid_on=quote.on,
        policy_version=quote.policy_version,
        method=method,
        items=items,
        residence_province=residence_province,
    )


def check_void_reason(reason: str, *, max_length: int) -> list[Problem]:
    """A void must say why, in at most `max_length` characters of visible text ([] when it does)."""
    text = reason.strip()
    if not text:
        return [Problem(ProblemCode.VOID_REASON_EMPTY)]
    problems = []
    if len(text) > max_length:
        problems.append(Problem(ProblemCode.VOID_REASON_TOO_LONG, {"length": len(text), "max_length": max_length}))
    unsafe = unsafe_characters(text)
    if unsafe:
        problems.append(Problem(ProblemCode.VOID_REASON_UNSAFE, {"characters": describe_characters(unsafe)}))
    return problems


# ---- the one money rule -------------------------------------------------------------------------


def top_up_province(policy: Policy, residence_province: str | None) -> str | None:
    """The province whose voluntary SI top-up applies: the participant's own, when the policy has one.

    A provincial top-up is paid by the province where the participant lives (Decree 159/2025, the
    Hà Nội resolution of 09/07/2025), so it follows the household's address, never a choice.
    """
    if residence_province is not None and residence_province in policy.local_vsi_support:
        return residence_province
    return None


def expected_items(table: PolicyTable, payment: NewPayment) -> tuple[NewPaymentItem, ...]:
    """The items the rules give for `payment`'s own inputs, on its payment date.

    Voluntary SI: one participant; gross, state and local support, months of support and the period
    from the income, months, support group, first month and months of support already used, with the
    top-up of the province of residence. Family HI: members in declared order ranked 1, 2, 3... on
    the ladder, no support, each card from the end of the card it follows. DomainError when the
    inputs themselves are refused (an income under the floor, a period outside its window...).
    """
    policy = table.in_force(payment.paid_on)
    if payment.scheme is Scheme.VSI:
        if len(payment.items) != 1:
            raise DomainError(Problem(ProblemCode.PAYMENT_VSI_ONE_PARTICIPANT, {"count": len(payment.items)}))
        item = payment.items[0]
        if item.monthly_income is None or item.support_group is None or item.supported_months_before is None:
            raise DomainError(Problem(ProblemCode.PAYMENT_INPUT_MISSING, {"field": "items[0]"}))
        quote = quote_vsi(
            table, on=payment.paid_on, monthly_income=item.monthly_income, months=item.months,
            group=item.support_group, period_from=item.period_start,
            supported_months_before=item.supported_months_before,
            province=top_up_province(policy, payment.residence_province),
        )
        if quote.discount:
            raise DomainError(Problem(ProblemCode.PAYMENT_DISCOUNT_NOT_RECORDABLE,
                                      {"months": quote.months, "amount": quote.discount}))
        return (replace(item, period_start=quote.period_from, period_end=quote.period_to, gross=quote.gross,
                        state_support=quote.state_support, local_support=quote.local_support,
                        supported_months=quote.supported_months, member_rank=None),)
    months = payment.items[0].months
    hi_quote = quote_family_hi(table, on=payment.paid_on, members=len(payment.items), months=months)
    expected = []
    for item, member in zip(payment.items, hi_quote.members, strict=True):
        card = family_hi_card_validity(table, paid_on=payment.paid_on, months=months,
                                       previous_card_end=item.previous_card_end)
        expected.append(replace(item, period_start=card.start, period_end=card.end, months=months,
                                gross=member.amount, state_support=0, local_support=0, member_rank=member.order,
                                monthly_income=None, supported_months=None, support_group=None,
                                supported_months_before=None))
    return tuple(expected)


_MONEY_FIELDS = ("gross", "state_support", "local_support")
_DATE_FIELDS = ("period_start", "period_end")
_COUNT_FIELDS = ("months", "member_rank", "supported_months")


_FIGURES = attrgetter(*_COUNT_FIELDS, *_DATE_FIELDS, *_MONEY_FIELDS)


def figure_problems(payment: NewPayment, expected: Sequence[NewPaymentItem], *, version: str) -> list[Problem]:
    """Every difference between `payment`'s figures and the `expected` items, each naming its field.

    Fields are named as the wire names them (`items[0].state_support`); `version` is the policy
    table that gave the expected figures.
    """
    if (payment.policy_version == version and not _order_problems(payment)
            and all(_FIGURES(claimed) == _FIGURES(wanted)
                    for claimed, wanted in zip(payment.items, expected, strict=True))):
        return []  # the usual case, answered without naming anything
    problems = _order_problems(payment)
    if payment.policy_version != version:
        problems.append(Problem(ProblemCode.PAYMENT_POLICY_VERSION_MISMATCH,
                                {"claimed": payment.policy_version, "version": version}))
    # Counts first, then dates, then money: a wrong rank or month count is why an amount differs.
    for kind, names in ((ProblemCode.PAYMENT_COUNT_MISMATCH, _COUNT_FIELDS),
                        (ProblemCode.PAYMENT_DATE_MISMATCH, _DATE_FIELDS)):
        for index, (claimed, wanted) in enumerate(zip(payment.items, expected, strict=True)):
            for name in names:
                if getattr(claimed, name) != getattr(wanted, name):
                    problems.append(Problem(kind, {"field": f"items[{index}].{name}", "claimed": getattr(claimed, name),
                                                   "computed": getattr(wanted, name)}))
    for index, (claimed, wanted) in enumerate(zip(payment.items, expected, strict=True)):
        for name in _MONEY_FIELDS:
            if getattr(claimed, name) != getattr(wanted, name):
                problems.append(Problem(ProblemCode.PAYMENT_MONEY_MISMATCH, {
                    "field": f"items[{index}].{name}", "amount": getattr(claimed, name),
                    "expected": getattr(wanted, name), "version": version}))
    return problems


def _order_problems(payment: NewPayment) -> list[Problem]:
    """Family HI members must come in their declared household order, each member once."""
    if payment.scheme is not Scheme.FAMILY_HI:
        return []
    if len(payment.items) == 1 and payment.items[0].member_order is not None:
        return []
    problems: list[Problem] = []
    previous = 0
    for index, item in enumerate(payment.items):
        if item.member_order is None or item.member_order <= previous:
            problems.append(Problem(ProblemCode.PAYMENT_MEMBERS_OUT_OF_ORDER, {
                "field": f"items[{index}].member_order", "claimed": item.member_order, "after": previous}))
        previous = max(previous, item.member_order or 0)
    return problems


def check_figures(table: PolicyTable, payment: NewPayment) -> list[Problem]:
    """[] when every figure of `payment` is what the rules give on its payment date, else each difference.

    The one money rule: the device applies it before recording a payment, the provincial server to
    every payment it receives (with the table version the payment names).
    """
    try:
        expected = expected_items(table, payment)
    except DomainError as error:
        return error.problems
    return figure_problems(payment, expected, version=table.version)
