"""The checks of one synced record: its fields, its arithmetic, its receipt series, its policy amounts.

Pure: from the record, the sending device, the server's date and a way to find policy tables, a
`Verdict`: rejected with one Problem, or accepted with the ledger entry to write. A payment's figures
are computed again with the device's own rule (`collector_app.domain.payments.check_figures`) from
the table version it names. What needs the database (a record, a receipt number or a person's
earlier payments seen before) is decided afterwards, in `services.batches`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple, NoReturn, TypeVar

from collector_app.domain.backups import is_series_of
from collector_app.domain.closing import DENOMINATIONS, cash_count, check_reason
from collector_app.domain.enrolments import Scheme
from collector_app.domain.facilities import is_facility_code
from collector_app.domain.payments import (
    NewPayment,
    NewPaymentItem,
    PaymentMethod,
    expected_items,
    figure_problems,
)
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_numbers import ReceiptNumber, parse_receipt_number
from collector_app.domain.text import unsafe_characters
from collector_app.wire import RecordKind, TextLimits

MAX_VND = 10**15  # far above any real payment, far below a 64-bit column's limit
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SERIES_TAIL = re.compile(r"-[0-9]{2}-(?!0000000)[0-9]{7}")
"""What follows the series in a receipt number as `format_receipt_number` writes it (numbers from 1)."""
_CENTURY = 2000  # as collector_app.domain.receipt_numbers reads two-digit years
_PROVINCE = re.compile(r"[0-9]{2}")  # a 34-province code of the administrative units, e.g. "01"
DATE_SLACK = timedelta(days=1)
"""How far past the server's own (UTC) date a payment may be dated: devices are in UTC+7."""
_E = TypeVar("_E", bound=StrEnum)
REVIEWED_KINDS = frozenset(RecordKind) - {RecordKind.REPRINT, RecordKind.DAY_CLOSE, RecordKind.HANDOVER,
                                         RecordKind.ROUND, RecordKind.ROUND_VISIT}
"""Kinds a supervisor approves or rejects; a reprint is only counted, a day's closing is listed with the
server's own figure beside it (`/review/days`), a visit round and its visits are handed on to the point's
other devices."""


# The verdict and its entries are NamedTuples, not frozen dataclasses: one is made for each record of
# every batch, and a tuple is several times quicker to make.


class PaymentEntry(NamedTuple):
    payment_id: str
    receipt_number: str
    scheme: str
    paid_on: date
    policy_version: str
    gross: int
    state_support: int
    local_support: int
    amount: int
    household_id: str | None
    residence_province: str | None
    items: tuple[NewPaymentItem, ...]  # with the inputs they were computed from
    person_keys: tuple[str, ...]  # by item: the citizen ID, else the device's person id
    facility_codes: tuple[str | None, ...] = ()  # by item (family HI): the member's initial health-care facility


class VoidEntry(NamedTuple):
    void_id: str
    receipt_number: str
    payment_id: str
    reason: str
    voided_at: str
    corrects: str | None  # the void this one corrects (refused by the server before), if any


class Verdict(NamedTuple):
    """`problem` None means accepted; a payment or void carries the entry for the ledger."""

    problem: Problem | None = None
    payment: PaymentEntry | None = None
    void: VoidEntry | None = None


class Recalculator:
    """One policy table and the one money rule over it, memoised: a batch repeats the same few quotes.

    The figures a payment should carry depend only on its scheme, date, inputs and member count (the
    memo key), so payments with the same inputs share one computation; they are then compared with
    each payment's own figures.
    """

    def __init__(self, table: PolicyTable) -> None:
        self.table = table
        self._expected: dict[Hashable, tuple[NewPaymentItem, ...] | DomainError] = {}

    def problems(self, payment: NewPayment) -> list[Problem]:
        """[] when every figure of `payment` is what the rule gives, else each difference."""
        key = _inputs(payment)
        expected = self._expected.get(key)
        if expected is None:
            try:
                expected = expected_items(self.table, payment)
            except DomainError as error:
                expected = error
            if len(self._expected) > 100_000:  # bounded: a hostile device could send endless inputs
                self._expected.clear()
            self._expected[key] = expected
        if isinstance(expected, DomainError):
            return expected.problems
        return figure_problems(payment, expected, version=self.table.version)


def _inputs(payment: NewPayment) -> Hashable:
    """What the expected figures of `payment` depend on."""
    if payment.scheme is Scheme.VSI:
        return (payment.scheme, payment.paid_on, payment.residence_province, len(payment.items),
                *((i.monthly_income, i.months, i.support_group, i.period_start, i.supported_months_before)
                  for i in payment.items))
    return (payment.scheme, payment.paid_on, payment.items[0].months, len(payment.items),
            tuple(item.previous_card_end for item in payment.items))


PolicyLookup = Callable[[str], Recalculator | None]
"""The calculators of a published policy table version, or None when the server does not have it."""


class _Rejected(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _reject(code: ProblemCode, **params: Any) -> NoReturn:
    raise _Rejected(Problem(code, params))


def check_record(kind: str, payload: Mapping[str, Any], *, device_id: str, series: str,
                 policies: PolicyLookup, today: date) -> Verdict:
    """The verdict on one record sent by device `device_id` whose receipt series is `series`.

    `today` is the server's own date (UTC): no payment may be dated after it (plus `DATE_SLACK`).
    """
    try:
        if kind == RecordKind.PAYMENT:
            return Verdict(payment=_check_payment(payload, device_id=device_id, series=series, policies=policies,
                                                  today=today))
        if kind == RecordKind.VOID:
            return Verdict(void=_check_void(payload, device_id=device_id, series=series))
        if kind == RecordKind.REPRINT:
            _uuid(payload, "id")
            _receipt_number(_text(payload, "receipt_number", max_length=TextLimits.RECEIPT_NUMBER), series)
            _int(payload, "copy_number", minimum=1)
            return Verdict()
        if kind == RecordKind.DAY_CLOSE:
            _check_day_close(payload, device_id=device_id)
            return Verdict()
        if kind == RecordKind.HANDOVER:
            _check_handover(payload, device_id=device_id, series=series)
            return Verdict()
        if kind == RecordKind.ROUND:
            _check_round(payload, device_id=device_id)
            return Verdict()
        if kind == RecordKind.ROUND_VISIT:
            _check_round_visit(payload, device_id=device_id)
            return Verdict()
        if kind in (RecordKind.HOUSEHOLD, RecordKind.PERSON, RecordKind.ENROLMENT, RecordKind.PERSON_CORRECTION):
            _uuid(payload, "id")
            return Verdict()
        _reject(ProblemCode.SYNC_UNKNOWN_KIND, kind=kind)
    except _Rejected as rejected:
        return Verdict(problem=rejected.problem)


# ---- fields -------------------------------------------------------------------------------------


def _get(payload: Mapping[str, Any], name: str, where: str) -> Any:
    value = payload.get(name)
    if value is None:
        _reject(ProblemCode.SYNC_FIELD_MISSING, field=where + name)
    return value


def _int(payload: Mapping[str, Any], name: str, where: str = "", *, minimum: int = 0,
         maximum: int = MAX_VND) -> int:
    value = payload.get(name)
    if value.__class__ is int and minimum <= value <= maximum:  # the usual case, checked first: it runs
        return value  # about twenty times a payment
    if value is None:
        _reject(ProblemCode.SYNC_FIELD_MISSING, field=where + name)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)
    return value


# Each field check tests the usual case first, inline, and returns; only a value it does not accept
# there goes through the general tests, which say what is wrong with it.


def _text(payload: Mapping[str, Any], name: str, where: str = "", *, max_length: int) -> str:
    """A text field: not empty, at most `max_length` characters, no control or invisible characters."""
    value = payload.get(name)
    if value.__class__ is str and len(value) <= max_length and value.isprintable() and value.strip():
        return value  # isprintable: no control, format or separator character, so nothing unsafe
    value = _get(payload, name, where)
    if not isinstance(value, str) or not value.strip():
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)
    if len(value) > max_length:
        _reject(ProblemCode.SYNC_TEXT_TOO_LONG, field=where + name, length=len(value), max_length=max_length)
    if unsafe_characters(value):
        _reject(ProblemCode.SYNC_TEXT_UNSAFE, field=where + name)
    return value



def _uuid(payload: Mapping[str, Any], name: str, where: str = "") -> str:
    value = payload.get(name)
    if value.__class__ is str and UUID.fullmatch(value):
        return value
    value = _get(payload, name, where)
    if not isinstance(value, str) or not UUID.fullmatch(value):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)
    return value


def _date(payload: Mapping[str, Any], name: str, where: str = "") -> date:
    value = payload.get(name)
    if value.__class__ is str and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    value = _text(payload, name, where, max_length=10)
    try:
        return date.fromisoformat(value)
    except ValueError:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)


def _optional_date(payload: Mapping[str, Any], name: str, where: str = "") -> date | None:
    return None if payload.get(name) is None else _date(payload, name, where)


def _optional_int(payload: Mapping[str, Any], name: str, where: str = "", *, minimum: int = 0,
                  maximum: int = MAX_VND) -> int | None:
    return None if payload.get(name) is None else _int(payload, name, where, minimum=minimum, maximum=maximum)


@cache
def _members(choices: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in choices}


def _choice(payload: Mapping[str, Any], name: str, choices: type[_E], where: str = "") -> _E:
    value = payload.get(name)
    if value.__class__ is str:  # a dict look-up rather than the Enum call, twice a payment
        member: _E | None = _members(choices).get(value)
        if member is not None:
            return member
    value = _get(payload, name, where)
    try:
        return choices(value)
    except ValueError:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)


def _mapping(payload: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = payload.get(name)
    if value.__class__ is dict:
        return value
    value = _get(payload, name, "")
    if not isinstance(value, Mapping):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=name)
    return value


def _receipt_number(text: str, series: str) -> ReceiptNumber:
    """`text` read as a receipt number, if it is one (exactly as printed) of this device's series."""
    try:
        number = parse_receipt_number(text)
    except DomainError as error:
        raise _Rejected(error.problems[0]) from None
    if str(number) != text:
        _reject(ProblemCode.RECEIPT_NUMBER_FORMAT, text=text)
    if not is_series_of(number.symbol, series):  # its own series, or one begun after a restore
        _reject(ProblemCode.SYNC_SERIES_NOT_DEVICE, number=text, series=series)
    return number


def _receipt_year(text: str, series: str) -> int:
    """The year of `text`, a receipt number (exactly as printed) of this device's series.

    The usual case, `{series}-{yy}-{7 digits}` that `_receipt_number` would accept, is recognised
    without building a ReceiptNumber; anything else goes through `_receipt_number`.
    """
    if (text.__class__ is str and len(text) == len(series) + 11 and text.startswith(series)
            and _SERIES_TAIL.fullmatch(text, len(series))):
        return _CENTURY + int(text[-10:-8])
    return _receipt_number(text, series).year


def _same_device(payload: Mapping[str, Any], device_id: str) -> None:
    if "device_id" in payload and payload["device_id"] != device_id:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="device_id")


# ---- kinds --------------------------------------------------------------------------------------

_MONEY = ("gross", "state_support", "local_support", "amount")


def _check_net(values: Sequence[int], where: str) -> None:
    """`values` in `_MONEY` order: the amount must be the gross minus both supports."""
    gross, state_support, local_support, amount = values
    expected = gross - state_support - local_support
    if amount != expected:
        _reject(ProblemCode.SYNC_AMOUNT_NOT_NET, field=where + "amount", amount=amount, expected=expected)


def _money(values: Mapping[str, Any], item: int | None = None) -> tuple[int, int, int, int]:
    """The `_MONEY` fields of a payment, or of its item number `item`, each checked as `_int` checks it.

    The usual case, four plain ints in range, is checked in one expression; otherwise `_int` finds
    the first field at fault.
    """
    gross, state, local, amount = (values.get("gross"), values.get("state_support"), values.get("local_support"),
                                   values.get("amount"))
    if (gross.__class__ is int and state.__class__ is int and local.__class__ is int and amount.__class__ is int
            and 0 <= gross <= MAX_VND and 0 <= state <= MAX_VND and 0 <= local <= MAX_VND
            and 0 <= amount <= MAX_VND):
        return gross, state, local, amount
    where = "" if item is None else f"items[{item}]."
    gross, state, local, amount = (_int(values, name, where) for name in _MONEY)
    return gross, state, local, amount


def _check_payment(payload: Mapping[str, Any], *, device_id: str, series: str,
                   policies: PolicyLookup, today: date) -> PaymentEntry:
    payment_id = _uuid(payload, "id")
    scheme = _choice(payload, "scheme", Scheme)
    method = _choice(payload, "method", PaymentMethod)
    paid_on = _date(payload, "paid_on")
    if paid_on > today + DATE_SLACK:
        _reject(ProblemCode.SYNC_PAID_IN_FUTURE, date=paid_on, today=today)
    version = _text(payload, "policy_version", max_length=TextLimits.POLICY_VERSION)
    payer_name = _text(payload, "payer_name", max_length=TextLimits.FULL_NAME)
    household_id = None if payload.get("household_id") is None else _uuid(payload, "household_id")
    province = payload.get("residence_province")
    if province is not None and (province.__class__ is not str or not _PROVINCE.fullmatch(province)):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="residence_province")
    totals = _money(payload)
    receipt = _mapping(payload, "receipt")
    number_text = _text(receipt, "number", "receipt.", max_length=TextLimits.RECEIPT_NUMBER)
    year = _receipt_year(number_text, series)  # which checks that number_text is how it is written
    if year != paid_on.year:
        _reject(ProblemCode.SYNC_RECEIPT_YEAR_MISMATCH, number=number_text, date=paid_on)
    _same_device(payload, device_id)

    items = _get(payload, "items", "")
    # dict first: a plain dict is found without the Mapping ABC's slower check
    if not isinstance(items, list) or not items or not all(isinstance(item, (dict, Mapping)) for item in items):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="items")
    if len(items) > 1000:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="items")
    sum_gross = sum_state = sum_local = sum_amount = 0
    claimed: list[NewPaymentItem] = []
    person_keys: list[str] = []
    facility_codes: list[str | None] = []
    family = scheme is Scheme.FAMILY_HI
    for index, item in enumerate(items):
        gross, state, local, amount = _money(item, index)
        if amount != gross - state - local:
            _check_net((gross, state, local, amount), f"items[{index}].")
        sum_gross += gross
        sum_state += state
        sum_local += local
        sum_amount += amount
        new_item, person_key = _item(item, index, family=family, money=(gross, state, local, amount))
        claimed.append(new_item)
        person_keys.append(person_key)
        facility_codes.append(_facility_code(item, index))
    sums = (sum_gross, sum_state, sum_local, sum_amount)
    if totals != sums:
        for name, total, expected in zip(_MONEY, totals, sums, strict=True):
            if total != expected:
                _reject(ProblemCode.SYNC_TOTAL_MISMATCH, field=name, amount=total, expected=expected)
    _check_net(totals, "")

    calculators = policies(version)
    if calculators is None:
        _reject(ProblemCode.SYNC_POLICY_UNKNOWN, version=version)
    try:
        payment = NewPayment(scheme=scheme, household_id=household_id, payer_name=payer_name, paid_on=paid_on,
                             policy_version=version, method=method, items=tuple(claimed),
                             residence_province=province)
        problems = calculators.problems(payment)
    except (ValueError, OverflowError):  # an enrolment twice in one payment; a date past the calendar's end
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="items")
    if problems:
        raise _Rejected(problems[0])
    return PaymentEntry(
        payment_id=payment_id, receipt_number=number_text, scheme=scheme.value, paid_on=paid_on,
        policy_version=version, gross=totals[0], state_support=totals[1], local_support=totals[2],
        amount=totals[3], household_id=household_id, residence_province=province, items=payment.items,
        person_keys=tuple(person_keys), facility_codes=tuple(facility_codes),
    )


def _item(item: Mapping[str, Any], index: int, *, family: bool, money: tuple[int, int, int, int]
          ) -> tuple[NewPaymentItem, str]:
    """One item's inputs and figures as the rule reads them, and whom it covers (the person key)."""
    where = f"items[{index}]."
    enrolment_id = _uuid(item, "enrolment_id", where)
    person_id = _uuid(item, "person_id", where)
    citizen_id = item.get("citizen_id")
    if citizen_id is not None and (citizen_id.__class__ is not str or not citizen_id.isascii()
                                   or not citizen_id.isdigit() or len(citizen_id) != 12):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + "citizen_id")
    months = item.get("months")
    if not (months.__class__ is int and 1 <= months <= 1200):  # the usual case without a call; else:
        months = _int(item, "months", where, minimum=1, maximum=1200)
    gross, state, local, amount = money
    start, end = _date(item, "period_start", where), _date(item, "period_end", where)
    if family:
        rank = _int(item, "member_rank", where, minimum=1, maximum=1000)
        order = _int(item, "member_order", where, minimum=1, maximum=1000)
        new_item = NewPaymentItem(enrolment_id=enrolment_id, period_start=start, period_end=end, months=months,
                                  gross=gross, state_support=state, local_support=local, member_rank=rank,
                                  member_order=order,
                                  previous_card_end=_optional_date(item, "previous_card_end", where),
                                  monthly_income=_optional_int(item, "monthly_income", where),
                                  supported_months=_optional_int(item, "supported_months", where, maximum=1200))
    else:
        income = _int(item, "monthly_income", where, minimum=1)
        group = _choice(item, "support_group", SupportGroup, where)
        before = _int(item, "supported_months_before", where, maximum=1200)
        supported = _int(item, "supported_months", where, maximum=1200)
        new_item = NewPaymentItem(enrolment_id=enrolment_id, period_start=start, period_end=end, months=months,
                                  gross=gross, state_support=state, local_support=local,
                                  member_rank=_optional_int(item, "member_rank", where, maximum=1000),
                                  monthly_income=income, supported_months=supported, support_group=group,
                                  supported_months_before=before)
    return new_item, citizen_id or person_id


def _facility_code(item: Mapping[str, Any], index: int) -> str | None:
    """The optional `facility_code` of an item (devices before the facility list send none): a code as
    `domain.facilities` writes one. Not checked against the server's list: a device may have registered
    the person for a facility withdrawn since, or before it pulled the list."""
    code = item.get("facility_code")
    if code is None:
        return None
    if code.__class__ is not str or not is_facility_code(code):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=f"items[{index}].facility_code")
    return code


def _check_void(payload: Mapping[str, Any], *, device_id: str, series: str) -> VoidEntry:
    void_id = _uuid(payload, "id")
    number = _receipt_number(_text(payload, "receipt_number", max_length=TextLimits.RECEIPT_NUMBER), series)
    payment_id = _uuid(payload, "payment_id")
    reason = payload.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        _reject(ProblemCode.VOID_REASON_EMPTY)
    reason = _text(payload, "reason", max_length=TextLimits.VOID_REASON)
    voided_at = _text(payload, "voided_at", max_length=40)
    corrects = None if payload.get("corrects") is None else _uuid(payload, "corrects")
    _same_device(payload, device_id)
    return VoidEntry(void_id=void_id, receipt_number=str(number), payment_id=payment_id, reason=reason.strip(),
                     voided_at=voided_at, corrects=corrects)


def _check_day_close(payload: Mapping[str, Any], *, device_id: str) -> None:
    """A day's closing adds up: the count is of real notes and sums to `counted_cash`, the difference is
    counted minus expected, and a difference says why (`domain.closing`, the device's own rules)."""
    _uuid(payload, "id")
    _date(payload, "closed_on")
    for name in ("day_start", "day_end", "closed_at"):
        _text(payload, name, max_length=40)
    _text(payload, "collector", max_length=TextLimits.USERNAME)
    expected, counted = _int(payload, "expected_cash"), _int(payload, "counted_cash")
    difference = _int(payload, "difference", minimum=-MAX_VND)  # negative: cash missing
    _int(payload, "transfers")
    counts = _mapping(payload, "counts")
    try:
        count = cash_count({int(value): int(notes) for value, notes in counts.items()
                            if isinstance(value, str) and value.isdigit() and isinstance(notes, int)
                            and not isinstance(notes, bool)})
    except DomainError as error:
        raise _Rejected(error.problems[0]) from None
    if len(count.notes) != len(DENOMINATIONS) or len(counts) != len(DENOMINATIONS) or count.total != counted:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="counts")
    if difference != counted - expected:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="difference")
    reason = payload.get("reason")
    if not isinstance(reason, str):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="reason")
    problems = check_reason(difference, reason)
    if problems:
        raise _Rejected(problems[0])
    _same_device(payload, device_id)


MAX_HANDOVER_RECEIPTS = 10_000  # a year of a busy collaborator's receipts, far above a real hand-over


def _check_handover(payload: Mapping[str, Any], *, device_id: str, series: str) -> None:
    """A hand-over names this device's receipts and adds up: difference = amount - expected, with a
    reason when it is not 0 (`domain.closing.hand_over`, the device's own rule)."""
    _uuid(payload, "id")
    for name in ("collaborator", "received_by"):
        _text(payload, name, max_length=TextLimits.USERNAME)
    _text(payload, "received_at", max_length=40)
    numbers = payload.get("receipt_numbers")
    if not isinstance(numbers, list) or not 0 < len(numbers) <= MAX_HANDOVER_RECEIPTS \
            or len(set(map(str, numbers))) != len(numbers):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="receipt_numbers")
    for number in numbers:
        if not isinstance(number, str):
            _reject(ProblemCode.SYNC_FIELD_INVALID, field="receipt_numbers")
        _receipt_number(number, series)
    expected, amount = _int(payload, "expected"), _int(payload, "amount")
    if _int(payload, "difference", minimum=-MAX_VND) != amount - expected:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="difference")
    reason = payload.get("reason")
    if not isinstance(reason, str):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="reason")
    problems = check_reason(amount - expected, reason)
    if problems:
        raise _Rejected(problems[0])
    _same_device(payload, device_id)


MAX_ROUND_HOUSEHOLDS = 5_000  # a commune's every household due, far above one collaborator's round
ROUND_OUTCOMES = frozenset({"paid", "not_at_home", "will_pay_later", "refused"})  # domain.rounds.VisitOutcome


def _check_round(payload: Mapping[str, Any], *, device_id: str) -> None:
    """A visit round made by this device: its own (`device_id`), numbered, with households whose members
    carry whole amounts; the server hands it on as it is, to the point's other devices only."""
    _uuid(payload, "id")
    _int(payload, "number", minimum=1, maximum=10**9)
    _date(payload, "made_on")
    for name in ("collaborator", "collaborator_name"):
        _text(payload, name, max_length=TextLimits.FULL_NAME)
    households, people = payload.get("households"), payload.get("people")
    if not isinstance(households, list) or not 0 < len(households) <= MAX_ROUND_HOUSEHOLDS:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="households")
    if not isinstance(people, list) or not all(isinstance(person, Mapping) for person in people):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="people")
    for household in households:
        members = household.get("members") if isinstance(household, Mapping) else None
        if not isinstance(members, list) or not members or not all(isinstance(m, Mapping) for m in members):
            _reject(ProblemCode.SYNC_FIELD_INVALID, field="households")
        _text(household, "address", "households.", max_length=TextLimits.ADDRESS)
        for member in members:
            _text(member, "full_name", "households.members.", max_length=TextLimits.FULL_NAME)
            _int(member, "amount", "households.members.")
            _int(member, "months", "households.members.", minimum=1, maximum=120)
    if payload.get("device_id") != device_id:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="device_id")


def _check_round_visit(payload: Mapping[str, Any], *, device_id: str) -> None:
    _uuid(payload, "id")
    _uuid(payload, "round_id")
    _text(payload, "household_id", max_length=40)
    _text(payload, "visited_by", max_length=TextLimits.USERNAME)
    _text(payload, "visited_at", max_length=40)
    if payload.get("outcome") not in ROUND_OUTCOMES:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="outcome")
    if payload.get("device_id") != device_id:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="device_id")


# ---- what the server holds already --------------------------------------------------------------


class _Cover(NamedTuple):
    period_start: date
    period_end: date
    supported_months: int
    receipt_number: str


class History:
    """What each person has paid for and the state support they have received, as the ledger holds it.

    Built from the ledger's covers of the people in a batch, then kept up to date as the batch's
    records are accepted in order (a payment adds its items, a void takes its receipt's away), so
    that a record is judged against everything before it, whichever device sent that.
    """

    def __init__(self, held: Iterable[tuple[str, str, date, date, int | None, str]], *,
                 again: Collection[str] = ()) -> None:
        """`held`: the ledger's covers of the batch's people; `again`: the people the batch pays for
        more than once, the only ones whose covers the batch itself must add as it goes."""
        self._covers: dict[tuple[str, str], list[_Cover]] = {}
        self._again = again
        for person_key, scheme, start, end, supported, receipt_number in held:
            self._covers.setdefault((person_key, scheme), []).append(_Cover(start, end, supported or 0, receipt_number))

    def problem(self, payment: PaymentEntry, *, point_province: str | None) -> Problem | None:
        """Why `payment` contradicts what is held, or None.

        The device's own history may know more than the server (payments from before it synced, cards
        from a list), so what it says it counted is accepted when it is at least what the server holds:
        supported months used before, the end of the card a new one follows. Months already paid
        (by any device) are never paid again. A top-up is paid only by the point's own province.
        """
        if (payment.local_support and point_province is not None
                and payment.residence_province != point_province):
            return Problem(ProblemCode.SYNC_TOP_UP_OTHER_PROVINCE,
                           {"province": payment.residence_province, "point_province": point_province})
        keys = payment.person_keys
        if len(keys) > 1 and len(set(keys)) != len(keys):  # one person twice: the same months paid twice
            return Problem(ProblemCode.PAYMENT_PERIOD_ALREADY_PAID,
                           {"period_from": payment.items[0].period_start, "paid_to": payment.items[0].period_end})
        covers = self._covers
        for person_key, item in zip(keys, payment.items, strict=True):
            held = covers.get((person_key, payment.scheme))
            if held:  # usually not: most people in a batch have nothing held yet
                problem = self._against(held, item, payment)
                if problem is not None:
                    return problem
        return None

    @staticmethod
    def _against(held: list[_Cover], item: NewPaymentItem, payment: PaymentEntry) -> Problem | None:
        # The payment itself, held already (the same payment again under another record id), is not
        # history: the ledger then finds it a duplicate.
        covers = [cover for cover in held if cover.receipt_number != payment.receipt_number]
        if not covers:
            return None
        overlapping = [c.period_end for c in covers if c.period_start <= item.period_end and c.period_end >= item.period_start]
        if overlapping:
            return Problem(ProblemCode.PAYMENT_PERIOD_ALREADY_PAID,
                           {"period_from": item.period_start, "paid_to": max(overlapping)})
        if item.supported_months_before is not None:
            used = sum(cover.supported_months for cover in covers)
            if item.supported_months_before < used:
                return Problem(ProblemCode.SYNC_SUPPORT_HISTORY_BEHIND,
                               {"months": item.supported_months_before, "held": used})
        if payment.scheme == _FAMILY_HI:
            latest = max(cover.period_end for cover in covers)
            if item.previous_card_end is None or item.previous_card_end < latest:
                return Problem(ProblemCode.SYNC_CARD_HISTORY_BEHIND, {"claimed": item.previous_card_end, "held": latest})
        return None

    def add(self, payment: PaymentEntry) -> None:
        """`payment` accepted: its months count for the batch's later records about the same people."""
        covers, scheme, number, again = self._covers, payment.scheme, payment.receipt_number, self._again
        for person_key, item in zip(payment.person_keys, payment.items, strict=True):
            if person_key in again:
                covers.setdefault((person_key, scheme), []).append(
                    _Cover(item.period_start, item.period_end, item.supported_months or 0, number))

    def void(self, receipt_number: str) -> None:
        for key, covers in self._covers.items():
            self._covers[key] = [cover for cover in covers if cover.receipt_number != receipt_number]


_FAMILY_HI = Scheme.FAMILY_HI.value
