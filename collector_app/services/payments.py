"""Taking a payment: voluntary SI for one person, family HI for a whole household, with a receipt.

Each action looks the people up, quotes with the policy table in force on the payment date,
checks the amount handed over against the quote, applies the one money rule the provincial server
applies too (`domain.payments.check_figures`), and records payment, receipt number and outbox row
in one transaction. Everything is checked before anything is written; no payment is dated after today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from collector_app.domain.contributions import family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.identity import check_vsi_age
from collector_app.domain.money import Vnd
from collector_app.domain.payments import (
    Action,
    HiCover,
    NewPayment,
    PaymentMethod,
    check_allowed,
    check_figures,
    check_payment,
    family_hi_payment,
    payable,
    top_up_province,
    vsi_payment,
)
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.policies import current_table
from collector_app.services.changes import Change, Changes
from collector_app.services.device import device_of
from collector_app.store.db import Store
from collector_app.store.payments import (
    RecordedReceipt,
    active_enrolments,
    paid_cover,
    record_payment,
)
from collector_app.store.people import get_household, household_id_by_code, person_by_citizen_id
from collector_app.store.stamps import new_id
from collector_app.store.users import User


@dataclass(frozen=True)
class ParticipantAmount:
    """One participant's share of a recorded payment."""

    person_id: str
    full_name: str
    citizen_id: str | None
    member_rank: int | None
    monthly_income: Vnd | None
    period_start: date
    period_end: date
    gross: Vnd
    state_support: Vnd
    local_support: Vnd
    amount: Vnd


@dataclass(frozen=True)
class RecordedPayment:
    receipt_number: str  # canonical text, e.g. "BD01M1-26-0000123"
    payment_id: str
    scheme: Scheme
    paid_on: date
    method: PaymentMethod
    months: int
    gross: Vnd
    state_support: Vnd
    local_support: Vnd
    payable: Vnd
    participants: tuple[ParticipantAmount, ...]

    @property
    def changes(self) -> Changes:
        return RECORDED


RECORDED = frozenset({Change.PAYMENTS, Change.RECEIPTS, Change.OUTBOX})
"""What recording a payment changes (enrolments it creates are part of the payments' story)."""


def payment_method(value: PaymentMethod | str) -> PaymentMethod:
    """`value` as a PaymentMethod, or PAYMENT_UNKNOWN_METHOD."""
    try:
        return PaymentMethod(value)
    except ValueError:
        raise DomainError(
            Problem(
                ProblemCode.PAYMENT_UNKNOWN_METHOD,
                {"method": value, "allowed": ", ".join(m.value for m in PaymentMethod)},
            )
        ) from None


def _check_may_pay(actor: User) -> None:
    problems = check_allowed(actor.role, Action.RECORD_PAYMENT, user=actor.username)
    if problems:
        raise DomainError(problems)


def _check_not_future(on: date, today: date | None) -> None:
    """Money is recorded on the day it is handed over or later, never ahead: the receipt is dated `on`."""
    today = today or date.today()
    if on > today:
        raise DomainError(Problem(ProblemCode.PAYMENT_DATE_IN_FUTURE, {"date": on, "today": today}))


def _record(store: Store, table: PolicyTable, payment: NewPayment, *, actor: User,
            enrolling: list[tuple[str, NewEnrolment]]) -> RecordedReceipt:
    """Record `payment` once the one money rule finds every figure as the server will compute it."""
    problems = check_figures(table, payment)
    if problems:
        raise DomainError(problems)
    return record_payment(store, payment, actor=actor, device=device_of(store), enrolling=enrolling)


def record_vsi_payment(
    store: Store,
    *,
    citizen_id: str,
    monthly_income: Vnd,
    months: int,
    group: SupportGroup | str | None = None,
    method: PaymentMethod | str = PaymentMethod.CASH,
    on: date,
    actor: User,
    amount: Vnd | None = None,
    period_from: date | None = None,
    province: str | None = None,
    table: PolicyTable | None = None,
    today: date | None = None,
) -> RecordedPayment:
    """Record a voluntary SI payment by the person with `citizen_id`, paid on `on` (not after `today`).

    The person's active voluntary SI enrolment is used (one is created if they have none: age
    checked). `group` defaults to the enrolment's support group. The period starts at
    `period_from`, or after the last month already paid, or in the payment month; a period that
    overlaps one already paid is refused. State support counts the months already supported
    (lifetime cap). A provincial top-up follows the household's province of residence; `province`,
    when given, must be that province. `amount`, when given, must equal the payable amount exactly.
    """
    table = table or current_table(store)
    method = payment_method(method)
    _check_may_pay(actor)
    _check_not_future(on, today)
    person = person_by_citizen_id(store, citizen_id.strip())
    if person is None:
        raise DomainError(Problem(ProblemCode.PAYMENT_PERSON_NOT_FOUND, {"citizen_id": citizen_id}))
    residence = get_household(store, person.household_id).province_code
    if province is not None and province != residence:
        raise DomainError(Problem(ProblemCode.PAYMENT_TOP_UP_NOT_RESIDENT,
                                  {"province": province, "residence": residence}))
    enrolment = active_enrolments(store, [person.person_id], Scheme.VSI).get(person.person_id)
    if enrolment is None:
        problems = check_vsi_age(person.date_of_birth, on=on, min_age=table.in_force(on).vsi_min_age)
        if problems:
            raise DomainError(problems)
    if group is None:
        group = enrolment.support_group if enrolment and enrolment.support_group else SupportGroup.OTHER

    cover = paid_cover(store, [enrolment.enrolment_id])[enrolment.enrolment_id] if enrolment else None
    paid_to = cover.paid_to if cover else None
    if period_from is None and paid_to is not None and paid_to >= on.replace(day=1):
        period_from = paid_to + timedelta(days=1)  # continue right after the months already paid
    # An explicit period that overlaps months already paid is refused when it is recorded.
    supported_before = cover.supported_months if cover else 0
    quote = quote_vsi(
        table,
        on=on,
        monthly_income=monthly_income,
        months=months,
        group=group,
        period_from=period_from,
        supported_months_before=supported_before,
        province=top_up_province(table.in_force(on), residence),
    )
    handed = payable(quote) if amount is None else amount
    problems = check_payment(quote, handed)
    if problems:
        raise DomainError(problems)

    enrolling: list[tuple[str, NewEnrolment]] = []
    if enrolment is None:  # enrolled by this payment, in its transaction
        enrolment_id = new_id()
        enrolling.append(
            (
                enrolment_id,
                NewEnrolment(
                    person.person_id,
                    Scheme.VSI,
                    quote.period_from,
                    support_group=quote.group,
                    monthly_income=monthly_income,
                ),
            )
        )
    else:
        enrolment_id = enrolment.enrolment_id
    payment = vsi_payment(
        quote,
        enrolment_id=enrolment_id,
        household_id=person.household_id,
        residence_province=residence,
        supported_months_before=supported_before,
        payer_name=person.full_name,
        method=method,
        amount_handed=handed,
    )
    recorded = _record(store, table, payment, actor=actor, enrolling=enrolling)
    item = payment.items[0]
    participant = ParticipantAmount(
        person_id=person.person_id,
        full_name=person.full_name,
        citizen_id=person.citizen_id,
        member_rank=None,
        monthly_income=monthly_income,
        period_start=item.period_start,
        period_end=item.period_end,
        gross=item.gross,
        state_support=item.state_support,
        local_support=item.local_support,
        amount=item.amount,
    )
    return _recorded(recorded, payment, (participant,))


def record_family_hi_payment(
    store: Store,
    *,
    household_code: str,
    months: int,
    method: PaymentMethod | str = PaymentMethod.CASH,
    on: date,
    actor: User,
    amount: Vnd | None = None,
    table: PolicyTable | None = None,
    today: date | None = None,
) -> RecordedPayment:
    """Record family HI for every member of the household `household_code`, paid together on `on`.

    Members are ranked on the ladder in declared order; members without a family HI enrolment get
    one, starting when their card does. Each member's card period follows their previous card
    (domain.md §2.5). The head of the household (first member) is the payer. `amount`, when given,
    must equal the household's total exactly.
    """
    table = table or current_table(store)
    method = payment_method(method)
    _check_may_pay(actor)
    _check_not_future(on, today)
    household_id = household_id_by_code(store, household_code)
    if household_id is None:
        raise DomainError(Problem(ProblemCode.PAYMENT_HOUSEHOLD_NOT_FOUND, {"household": household_code}))
    household = get_household(store, household_id)
    quote = quote_family_hi(table, on=on, members=len(household.members), months=months)
    handed = quote.total if amount is None else amount
    problems = check_payment(quote, handed)
    if problems:
        raise DomainError(problems)

    enrolled = active_enrolments(store, [m.person_id for m in household.members], Scheme.FAMILY_HI)
    covers = paid_cover(store, [e.enrolment_id for e in enrolled.values()])
    previous_end = {
        person_id: covers[enrolment.enrolment_id].paid_to for person_id, enrolment in enrolled.items()
    }
    # Members whose cards ended on the same day start on the same day: one computation each.
    cards = {
        end: family_hi_card_validity(table, paid_on=on, months=months, previous_card_end=end)
        for end in {previous_end.get(m.person_id) for m in household.members}
    }
    validity = {m.person_id: cards[previous_end.get(m.person_id)] for m in household.members}
    enrolling = [  # members without a family HI enrolment are enrolled by this payment, in its transaction
        (new_id(), NewEnrolment(m.person_id, Scheme.FAMILY_HI, validity[m.person_id].start))
        for m in household.members
        if m.person_id not in enrolled
    ]
    enrolment_ids = {enrolment.person_id: enrolment_id for enrolment_id, enrolment in enrolling}
    enrolment_ids.update({person_id: e.enrolment_id for person_id, e in enrolled.items()})

    payment = family_hi_payment(
        quote,
        members=[
            HiCover(enrolment_ids[m.person_id], validity[m.person_id].start, validity[m.person_id].end,
                    member_order=m.member_order, previous_card_end=previous_end.get(m.person_id))
            for m in household.members
        ],
        household_id=household_id,
        residence_province=household.province_code,
        payer_name=household.members[0].full_name,
        method=method,
        amount_handed=handed,
    )
    recorded = _record(store, table, payment, actor=actor, enrolling=enrolling)
    participants = tuple(
        ParticipantAmount(
            person_id=member.person_id,
            full_name=member.full_name,
            citizen_id=member.citizen_id,
            member_rank=item.member_rank,
            monthly_income=None,
            period_start=item.period_start,
            period_end=item.period_end,
            gross=item.gross,
            state_support=item.state_support,
            local_support=item.local_support,
            amount=item.amount,
        )
        for member, item in zip(household.members, payment.items, strict=True)
    )
    return _recorded(recorded, payment, participants)


def _recorded(
    recorded: RecordedReceipt, payment: NewPayment, participants: tuple[ParticipantAmount, ...]
) -> RecordedPayment:
    return RecordedPayment(
        receipt_number=recorded.text,
        payment_id=recorded.payment_id,
        scheme=payment.scheme,
        paid_on=payment.paid_on,
        method=payment.method,
        months=payment.items[0].months,
        gross=payment.gross,
        state_support=payment.state_support,
        local_support=payment.local_support,
        payable=payment.amount,
        participants=participants,
    )
