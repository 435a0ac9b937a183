"""Payments before they are recorded: what is paid for whom, the amount check, and who may do what.

Pure: a `NewPayment` is built from a calculator's quote; the store writes it with its receipt
number. Roles follow design.md "Who uses it": collaborators take payments but cannot void receipts
or change settings; supervisors review, void and change settings but do not take money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from collector_app.domain.contributions import FamilyHiQuote, VsiQuote
from collector_app.domain.enrolments import Scheme
from collector_app.domain.money import Vnd
from collector_app.domain.problems import DomainError, Problem, ProblemCode


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


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.COLLECTOR: frozenset(
        {Action.RECORD_PAYMENT, Action.PRINT_RECEIPT, Action.VOID_RECEIPT, Action.CHANGE_SETTINGS}
    ),
    Role.COLLABORATOR: frozenset({Action.RECORD_PAYMENT, Action.PRINT_RECEIPT}),
    Role.SUPERVISOR: frozenset(
        {Action.PRINT_RECEIPT, Action.VOID_RECEIPT, Action.CHANGE_SETTINGS, Action.REVIEW_BATCHES}
    ),
}

_REFUSALS: dict[Action, ProblemCode] = {
    Action.RECORD_PAYMENT: ProblemCode.ROLE_MAY_NOT_RECORD_PAYMENTS,
    Action.PRINT_RECEIPT: ProblemCode.ROLE_MAY_NOT_PRINT_RECEIPTS,
    Action.VOID_RECEIPT: ProblemCode.ROLE_MAY_NOT_VOID_RECEIPTS,
    Action.CHANGE_SETTINGS: ProblemCode.ROLE_MAY_NOT_CHANGE_SETTINGS,
    Action.REVIEW_BATCHES: ProblemCode.ROLE_MAY_NOT_REVIEW_BATCHES,
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
    """What one enrolment's share of a payment covers and costs; `amount` is the participant's share."""

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
    payer_name: str,
    method: PaymentMethod,
    amount_handed: Vnd,
) -> NewPayment:
    """The payment of one voluntary SI quote by the participant; refuses an amount that does not match."""
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
    )
    return NewPayment(
        scheme=Scheme.VSI,
        household_id=household_id,
        payer_name=payer_name,
        paid_on=quote.on,
        policy_version=quote.policy_version,
        method=method,
        items=(item,),
    )


@dataclass(frozen=True)
class HiCover:
    """One family HI member's enrolment and the card period this payment buys for it."""

    enrolment_id: str
    period_start: date
    period_end: date


def family_hi_payment(
    quote: FamilyHiQuote,
    *,
    members: Sequence[HiCover],
    household_id: str,
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
    )


def check_void_reason(reason: str) -> list[Problem]:
    """A void must say why: [] for a reason with some text in it."""
    return [] if reason.strip() else [Problem(ProblemCode.VOID_REASON_EMPTY)]
