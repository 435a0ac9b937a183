"""Taking a payment: voluntary SI for one person, family HI for a whole household, with a receipt.

Each scheme has one planning function (`prepare_vsi_payment`, `prepare_family_hi_payment`: look-ups,
then the pure `plan_*` that quotes with the policy table in force on the payment date and builds the
payment) which the window's live quote and the recording both use; recording then checks the amount
handed over against the plan, applies the one money rule the provincial server
applies too (`domain.payments.check_figures`), and records payment, receipt number and outbox row
in one transaction. Everything is checked before anything is written; no payment is dated after today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from types import MappingProxyType

from collector_app.domain.applied_rules import AppliedRule, family_hi_rules, vsi_rules
from collector_app.domain.contributions import (
    FamilyHiQuote,
    VsiQuote,
    family_hi_card_validity,
    quote_family_hi,
    quote_vsi,
)
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.identity import check_vsi_age
from collector_app.domain.money import Vnd
from collector_app.domain.payments import (
    Action,
    HiCover,
    NewPayment,
    NewPaymentItem,
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
    EnrolmentRow,
    RecordedReceipt,
    active_enrolments,
    paid_cover,
    paid_periods,
    record_payment,
    supported_months_after,
)
from collector_app.store.people import (
    HouseholdView,
    MemberRow,
    PersonRow,
    get_household,
    get_person,
    household_id_by_code,
    person_by_citizen_id,
)
from collector_app.store.rounds import CarriedCover, carried_covers
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


# ---- voluntary SI -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VsiPayer:
    """Everything the store knows that a voluntary SI payment by one person depends on, looked up once."""

    person: PersonRow
    residence_province: str
    enrolment: EnrolmentRow | None
    paid_to: date | None  # the last day already paid for, if any
    supported_months_before: int
    paid_periods: tuple[tuple[date, date], ...]
    # Without an enrolment here: the support group a round carried for the person (None: none carried).
    carried_group: str | None = None


@dataclass(frozen=True)
class VsiPaymentPlan:
    """A voluntary SI payment ready to record: every figure, the enrolment it creates, the rules applied.

    What the payment form shows is this plan; recording the same inputs makes the same plan again.
    """

    payer: VsiPayer
    quote: VsiQuote
    payment: NewPayment
    enrolling: tuple[tuple[str, NewEnrolment], ...]
    rules: tuple[AppliedRule, ...]
    income_floor: Vnd  # the day's floor and ceiling of the chosen income
    income_ceiling: Vnd

    @property
    def payable(self) -> Vnd:
        return self.payment.amount


def load_vsi_payer(
    store: Store, *, person_id: str | None = None, citizen_id: str | None = None
) -> VsiPayer:
    """Look up the person (by id or citizen ID), their household's province, active voluntary SI
    enrolment and the months they have paid: the few indexed reads a payment needs."""
    if person_id is not None:
        try:
            person: PersonRow | None = get_person(store, person_id)
        except KeyError:
            person = None
    else:
        person = person_by_citizen_id(store, (citizen_id or "").strip())
    if person is None:
        raise DomainError(Problem(ProblemCode.PAYMENT_PERSON_NOT_FOUND,
                                  {"citizen_id": citizen_id if citizen_id is not None else person_id}))
    residence = get_household(store, person.household_id).province_code
    enrolment = active_enrolments(store, [person.person_id], Scheme.VSI).get(person.person_id)
    carried = carried_covers(store, [person.person_id], Scheme.VSI.value).get(person.person_id)
    if enrolment is None:
        payer = VsiPayer(person, residence, None, None, 0, ())
    else:
        cover = paid_cover(store, [enrolment.enrolment_id])[enrolment.enrolment_id]
        payer = VsiPayer(person, residence, enrolment, cover.paid_to, cover.supported_months,
                         paid_periods(store, enrolment.enrolment_id))
    return payer if carried is None else _with_carried(store, payer, carried)


def _with_carried(store: Store, payer: VsiPayer, carried: CarriedCover) -> VsiPayer:
    """The payer as a round another device made knows them, with what this device took since: a collaborator's
    laptop holds none of the payments before the round, and the server refuses a renewal that counts less
    support or an earlier end than its ledger holds."""
    taken_since = (0 if payer.enrolment is None else
                   supported_months_after(store, payer.enrolment.enrolment_id, carried.ends_on))
    supported = max(payer.supported_months_before, (carried.supported_months or 0) + taken_since)
    paid_to = carried.ends_on if payer.paid_to is None else max(payer.paid_to, carried.ends_on)
    return replace(payer, paid_to=paid_to, supported_months_before=supported,
                   carried_group=carried.support_group if payer.enrolment is None else None)


def plan_vsi_payment(
    payer: VsiPayer,
    table: PolicyTable,
    *,
    monthly_income: Vnd,
    months: int,
    on: date,
    group: SupportGroup | str | None = None,
    period_from: date | None = None,
    province: str | None = None,
    method: PaymentMethod | str = PaymentMethod.CASH,
) -> VsiPaymentPlan:
    """The voluntary SI payment of `payer` for these inputs, or DomainError saying why it cannot be paid.

    Pure (no store): the form calls it on every keystroke with the payer it looked up once. `group`
    defaults to the enrolment's support group. The period starts at `period_from`, or after the last
    month already paid, or in the payment month; a period overlapping months already paid is refused.
    State support counts the months already supported (lifetime cap). A provincial top-up follows the
    household's province of residence; `province`, when given, must be that province.
    """
    method = payment_method(method)
    residence = payer.residence_province
    if province is not None and province != residence:
        raise DomainError(Problem(ProblemCode.PAYMENT_TOP_UP_NOT_RESIDENT,
                                  {"province": province, "residence": residence}))
    policy = table.in_force(on)
    enrolment = payer.enrolment
    if enrolment is None:
        problems = check_vsi_age(payer.person.date_of_birth, on=on, min_age=policy.vsi_min_age)
        if problems:
            raise DomainError(problems)
    if group is None:
        group = (enrolment.support_group if enrolment and enrolment.support_group else
                 payer.carried_group or SupportGroup.OTHER)
    paid_to = payer.paid_to
    if period_from is None and paid_to is not None and paid_to >= on.replace(day=1):
        period_from = paid_to + timedelta(days=1)  # continue right after the months already paid
    quote = quote_vsi(
        table,
        on=on,
        monthly_income=monthly_income,
        months=months,
        group=group,
        period_from=period_from,
        supported_months_before=payer.supported_months_before,
        province=top_up_province(policy, residence),
    )
    overlapping = [end for start, end in payer.paid_periods
                   if start <= quote.period_to and end >= quote.period_from]
    if overlapping:  # the store refuses it too, in the payment's transaction; say so before the money
        raise DomainError(Problem(ProblemCode.PAYMENT_PERIOD_ALREADY_PAID,
                                  {"period_from": quote.period_from, "paid_to": max(overlapping)}))
    enrolling: tuple[tuple[str, NewEnrolment], ...] = ()
    if enrolment is None:  # enrolled by this payment, in its transaction
        enrolment_id = new_id()
        enrolling = ((enrolment_id, NewEnrolment(payer.person.person_id, Scheme.VSI, quote.period_from,
                                                 support_group=quote.group, monthly_income=monthly_income)),)
    else:
        enrolment_id = enrolment.enrolment_id
    payment = vsi_payment(
        quote,
        enrolment_id=enrolment_id,
        household_id=payer.person.household_id,
        residence_province=residence,
        supported_months_before=payer.supported_months_before,
        payer_name=payer.person.full_name,
        method=method,
        amount_handed=payable(quote),
    )
    rules = vsi_rules(policy, quote, supported_before=payer.supported_months_before, paid_to=paid_to,
                      enrols=enrolment is None)
    return VsiPaymentPlan(payer, quote, payment, enrolling, rules,
                          policy.vsi_income_floor, policy.vsi_income_ceiling)


def prepare_vsi_payment(
    store: Store,
    *,
    person_id: str | None = None,
    citizen_id: str | None = None,
    monthly_income: Vnd,
    months: int,
    on: date,
    group: SupportGroup | str | None = None,
    period_from: date | None = None,
    province: str | None = None,
    method: PaymentMethod | str = PaymentMethod.CASH,
    table: PolicyTable | None = None,
) -> VsiPaymentPlan:
    """Look the person up and plan their voluntary SI payment: what the form shows and what is recorded."""
    table = table or current_table(store)
    payer = load_vsi_payer(store, person_id=person_id, citizen_id=citizen_id)
    return plan_vsi_payment(payer, table, monthly_income=monthly_income, months=months, on=on, group=group,
                            period_from=period_from, province=province, method=method)


def record_vsi_payment(
    store: Store,
    *,
    citizen_id: str | None = None,
    person_id: str | None = None,
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
    """Record a voluntary SI payment by the person with `citizen_id` (or `person_id`), paid on `on`
    (not after `today`): the plan of `prepare_vsi_payment`, then the amount check, then the store.

    `amount`, when given, must equal the payable amount exactly.
    """
    table = table or current_table(store)
    method = payment_method(method)
    _check_may_pay(actor)
    _check_not_future(on, today)
    plan = prepare_vsi_payment(
        store, person_id=person_id, citizen_id=citizen_id, monthly_income=monthly_income, months=months,
        on=on, group=group, period_from=period_from, province=province, method=method, table=table,
    )
    _check_amount(plan.quote, amount)
    recorded = _record(store, table, plan.payment, actor=actor, enrolling=list(plan.enrolling))
    person = plan.payer.person
    participant = _participant(plan.payment.items[0], person.person_id, person.full_name, person.citizen_id,
                               monthly_income=monthly_income)
    return _recorded(recorded, plan.payment, (participant,))


def _check_amount(quote: VsiQuote | FamilyHiQuote, amount: Vnd | None) -> None:
    """`amount`, when given, must be exactly what the quote asks for."""
    if amount is None:
        return
    problems = check_payment(quote, amount)
    if problems:
        raise DomainError(problems)


# ---- family HI ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiHousehold:
    """A household and each member's current family HI enrolment and card end, looked up once."""

    household: HouseholdView
    enrolments: Mapping[str, EnrolmentRow]  # by person id
    previous_card_end: Mapping[str, date | None]  # by person id: the end of the card paid last


@dataclass(frozen=True)
class HiMemberPlan:
    """One member on the ladder: rank, amount and the card this payment buys."""

    member: MemberRow
    rank: int
    share: Fraction
    amount: Vnd
    card_start: date
    card_end: date
    waited: bool  # the card starts after the waiting period (first time, or after a lapse)


@dataclass(frozen=True)
class HiPaymentPlan:
    """A family HI payment ready to record, member by member, with the rules that applied."""

    household: HiHousehold
    quote: FamilyHiQuote
    payment: NewPayment
    enrolling: tuple[tuple[str, NewEnrolment], ...]
    members: tuple[HiMemberPlan, ...]
    rules: tuple[AppliedRule, ...]

    @property
    def payable(self) -> Vnd:
        return self.payment.amount


def load_hi_household(
    store: Store, *, household_id: str | None = None, household_code: str | None = None
) -> HiHousehold:
    """Look up the household (by id or VSS household code), its members' enrolments and last cards."""
    if household_id is None:
        household_id = household_id_by_code(store, household_code or "")
    try:
        household = get_household(store, household_id) if household_id is not None else None
    except KeyError:
        household = None
    if household is None:
        raise DomainError(Problem(ProblemCode.PAYMENT_HOUSEHOLD_NOT_FOUND,
                                  {"household": household_code if household_code is not None else household_id}))
    members = [m.person_id for m in household.members]
    enrolled = active_enrolments(store, members, Scheme.FAMILY_HI)
    covers = paid_cover(store, [e.enrolment_id for e in enrolled.values()])
    previous_end: dict[str, date | None] = {person_id: covers[e.enrolment_id].paid_to
                                            for person_id, e in enrolled.items()}
    # A card a round another device made carried (a collaborator's laptop holds none of the cards before it).
    for person_id, carried in carried_covers(store, members, Scheme.FAMILY_HI.value).items():
        held = previous_end.get(person_id)
        previous_end[person_id] = carried.ends_on if held is None else max(held, carried.ends_on)
    return HiHousehold(household, MappingProxyType(dict(enrolled)), MappingProxyType(previous_end))


def plan_family_hi_payment(
    household: HiHousehold,
    table: PolicyTable,
    *,
    months: int,
    on: date,
    method: PaymentMethod | str = PaymentMethod.CASH,
) -> HiPaymentPlan:
    """Family HI for every member of `household`, paid together on `on`; pure (no store).

    Members are ranked on the ladder in declared order; members without a family HI enrolment get
    one, starting when their card does. Each member's card follows their previous card (domain.md
    §2.5). The head of the household (first member) is the payer.
    """
    method = payment_method(method)
    view = household.household
    quote = quote_family_hi(table, on=on, members=len(view.members), months=months)
    previous_end = household.previous_card_end
    # Members whose cards ended on the same day start on the same day: one computation each.
    cards = {
        end: family_hi_card_validity(table, paid_on=on, months=months, previous_card_end=end)
        for end in {previous_end.get(m.person_id) for m in view.members}
    }
    validity = {m.person_id: cards[previous_end.get(m.person_id)] for m in view.members}
    enrolling = tuple(  # members without a family HI enrolment are enrolled by this payment
        (new_id(), NewEnrolment(m.person_id, Scheme.FAMILY_HI, validity[m.person_id].start))
        for m in view.members
        if m.person_id not in household.enrolments
    )
    enrolment_ids = {enrolment.person_id: enrolment_id for enrolment_id, enrolment in enrolling}
    enrolment_ids.update({person_id: e.enrolment_id for person_id, e in household.enrolments.items()})
    payment = family_hi_payment(
        quote,
        members=[
            HiCover(enrolment_ids[m.person_id], validity[m.person_id].start, validity[m.person_id].end,
                    member_order=m.member_order, previous_card_end=previous_end.get(m.person_id))
            for m in view.members
        ],
        household_id=view.household_id,
        residence_province=view.province_code,
        payer_name=view.members[0].full_name,
        method=method,
        amount_handed=quote.total,
    )
    members = tuple(
        HiMemberPlan(member, item.member_rank or ranked.order, ranked.share, item.amount,
                     item.period_start, item.period_end, validity[member.person_id].waited)
        for member, ranked, item in zip(view.members, quote.members, payment.items, strict=True)
    )
    policy = table.in_force(on)
    waiting = sum(1 for m in members if m.waited)
    rules = family_hi_rules(policy, quote, waiting=waiting, continuing=len(members) - waiting,
                            wait_days=policy.hi_card_rules.wait_days)
    return HiPaymentPlan(household, quote, payment, enrolling, members, rules)


def prepare_family_hi_payment(
    store: Store,
    *,
    household_id: str | None = None,
    household_code: str | None = None,
    months: int,
    on: date,
    method: PaymentMethod | str = PaymentMethod.CASH,
    table: PolicyTable | None = None,
) -> HiPaymentPlan:
    """Look the household up and plan its family HI payment: what the form shows and what is recorded."""
    table = table or current_table(store)
    household = load_hi_household(store, household_id=household_id, household_code=household_code)
    return plan_family_hi_payment(household, table, months=months, on=on, method=method)


def record_family_hi_payment(
    store: Store,
    *,
    household_code: str | None = None,
    household_id: str | None = None,
    months: int,
    method: PaymentMethod | str = PaymentMethod.CASH,
    on: date,
    actor: User,
    amount: Vnd | None = None,
    table: PolicyTable | None = None,
    today: date | None = None,
) -> RecordedPayment:
    """Record family HI for every member of the household `household_code` (or `household_id`), paid
    together on `on`: the plan of `prepare_family_hi_payment`, the amount check, then the store.

    `amount`, when given, must equal the household's total exactly.
    """
    table = table or current_table(store)
    method = payment_method(method)
    _check_may_pay(actor)
    _check_not_future(on, today)
    plan = prepare_family_hi_payment(store, household_id=household_id, household_code=household_code,
                                     months=months, on=on, method=method, table=table)
    _check_amount(plan.quote, amount)
    recorded = _record(store, table, plan.payment, actor=actor, enrolling=list(plan.enrolling))
    participants = tuple(
        _participant(item, member.member.person_id, member.member.full_name, member.member.citizen_id)
        for member, item in zip(plan.members, plan.payment.items, strict=True)
    )
    return _recorded(recorded, plan.payment, participants)


def _participant(item: NewPaymentItem, person_id: str, full_name: str, citizen_id: str | None, *,
                 monthly_income: Vnd | None = None) -> ParticipantAmount:
    """One participant's share as recorded: the item's period and figures, and who it is."""
    return ParticipantAmount(
        person_id=person_id,
        full_name=full_name,
        citizen_id=citizen_id,
        member_rank=item.member_rank,
        monthly_income=monthly_income,
        period_start=item.period_start,
        period_end=item.period_end,
        gross=item.gross,
        state_support=item.state_support,
        local_support=item.local_support,
        amount=item.amount,
    )


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
