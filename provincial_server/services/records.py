"""The checks of one synced record: its fields, its arithmetic, its receipt series, its policy amounts.

Pure: from the record, the sending device and a way to find policy tables, a `Verdict`: rejected with
one Problem, or accepted with the ledger entry to write. What needs the database (a record or a
receipt number seen before) is decided afterwards, in `services.batches`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple, NoReturn, TypeVar

from collector_app.domain.contributions import quote_family_hi, quote_vsi
from collector_app.domain.enrolments import Scheme
from collector_app.domain.payments import PaymentMethod
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_numbers import ReceiptNumber, parse_receipt_number
from collector_app.wire import RecordKind

MAX_VND = 10**15  # far above any real payment, far below a 64-bit column's limit
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SERIES_TAIL = re.compile(r"-[0-9]{2}-(?!0000000)[0-9]{7}")
"""What follows the series in a receipt number as `format_receipt_number` writes it (numbers from 1)."""
_CENTURY = 2000  # as collector_app.domain.receipt_numbers reads two-digit years
_E = TypeVar("_E", bound=StrEnum)
REVIEWED_KINDS = frozenset(RecordKind) - {RecordKind.REPRINT}
"""Kinds a supervisor approves or rejects; a reprint is only counted."""


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


class VoidEntry(NamedTuple):
    void_id: str
    receipt_number: str
    reason: str
    voided_at: str


class Verdict(NamedTuple):
    """`problem` None means accepted; a payment or void carries the entry for the ledger."""

    problem: Problem | None = None
    payment: PaymentEntry | None = None
    void: VoidEntry | None = None


class Recalculator:
    """One policy table's calculators, memoised: a batch repeats the same few quotes many times."""

    def __init__(self, table: PolicyTable) -> None:
        self.table = table
        self._hi: dict[tuple[date, int, int], int] = {}
        self._vsi: dict[tuple[date, int, int, date], int] = {}

    def family_hi_gross(self, *, on: date, rank: int, months: int) -> int:
        """What the member at `rank` on the family ladder pays for `months` (DomainError if not allowed)."""
        key = (on, rank, months)
        if key not in self._hi:
            self._hi[key] = quote_family_hi(self.table, on=on, members=rank, months=months).members[-1].amount
        return self._hi[key]

    def vsi_gross(self, *, on: date, monthly_income: int, months: int, period_start: date) -> int:
        """Voluntary SI gross for `months` at `monthly_income` (support groups do not change gross)."""
        key = (on, monthly_income, months, period_start)
        if key not in self._vsi:
            self._vsi[key] = quote_vsi(self.table, on=on, monthly_income=monthly_income, months=months,
                                       group=SupportGroup.OTHER, period_from=period_start).gross
        return self._vsi[key]


PolicyLookup = Callable[[str], Recalculator | None]
"""The calculators of a published policy table version, or None when the server does not have it."""


class _Rejected(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _reject(code: ProblemCode, **params: Any) -> NoReturn:
    raise _Rejected(Problem(code, params))


def check_record(kind: str, payload: Mapping[str, Any], *, device_id: str, series: str,
                 policies: PolicyLookup) -> Verdict:
    """The verdict on one record sent by device `device_id` whose receipt series is `series`."""
    try:
        if kind == RecordKind.PAYMENT:
            return Verdict(payment=_check_payment(payload, device_id=device_id, series=series, policies=policies))
        if kind == RecordKind.VOID:
            return Verdict(void=_check_void(payload, device_id=device_id, series=series))
        if kind == RecordKind.REPRINT:
            _uuid(payload, "id")
            _receipt_number(_text(payload, "receipt_number"), series)
            _int(payload, "copy_number", minimum=1)
            return Verdict()
        if kind in (RecordKind.HOUSEHOLD, RecordKind.PERSON, RecordKind.ENROLMENT):
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


def _text(payload: Mapping[str, Any], name: str, where: str = "", *, max_length: int = 200) -> str:
    value = payload.get(name)
    if value.__class__ is str and len(value) <= max_length and value.strip() and "\x00" not in value:
        return value
    value = _get(payload, name, where)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length or "\x00" in value:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)
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
    value = _text(payload, name, where, max_length=10)
    try:
        return date.fromisoformat(value)
    except ValueError:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + name)


@cache
def _members(choices: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in choices}


def _choice(payload: Mapping[str, Any], name: str, choices: type[_E]) -> _E:
    value = payload.get(name)
    if value.__class__ is str:  # a dict look-up rather than the Enum call, twice a payment
        member: _E | None = _members(choices).get(value)
        if member is not None:
            return member
    value = _get(payload, name, "")
    try:
        return choices(value)
    except ValueError:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=name)


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
    if number.symbol != series:
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
                   policies: PolicyLookup) -> PaymentEntry:
    payment_id = _uuid(payload, "id")
    scheme = _choice(payload, "scheme", Scheme)
    _choice(payload, "method", PaymentMethod)
    paid_on = _date(payload, "paid_on")
    version = _text(payload, "policy_version", max_length=32)
    totals = _money(payload)
    receipt = _mapping(payload, "receipt")
    number_text = _text(receipt, "number", "receipt.")
    year = _receipt_year(number_text, series)  # which checks that number_text is how it is written
    if year != paid_on.year:
        _reject(ProblemCode.SYNC_RECEIPT_YEAR_MISMATCH, number=number_text, date=paid_on)
    _same_device(payload, device_id)

    items = _get(payload, "items", "")
    # dict first: a plain dict is found without the Mapping ABC's slower check
    if not isinstance(items, list) or not items or not all(isinstance(item, (dict, Mapping)) for item in items):
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="items")
    sum_gross = sum_state = sum_local = sum_amount = 0
    for index, item in enumerate(items):
        gross, state, local, amount = _money(item, index)
        if amount != gross - state - local:
            _check_net((gross, state, local, amount), f"items[{index}].")
        sum_gross += gross
        sum_state += state
        sum_local += local
        sum_amount += amount
    sums = (sum_gross, sum_state, sum_local, sum_amount)
    if totals != sums:
        for name, total, expected in zip(_MONEY, totals, sums, strict=True):
            if total != expected:
                _reject(ProblemCode.SYNC_TOTAL_MISMATCH, field=name, amount=total, expected=expected)
    _check_net(totals, "")

    calculators = policies(version)
    if calculators is None:
        _reject(ProblemCode.SYNC_POLICY_UNKNOWN, version=version)
    family = scheme is Scheme.FAMILY_HI
    for index, item in enumerate(items):
        _check_gross(item, index, family=family, paid_on=paid_on, version=version, calculators=calculators)
    return PaymentEntry(
        payment_id=payment_id, receipt_number=number_text, scheme=scheme.value, paid_on=paid_on,
        policy_version=version, gross=totals[0], state_support=totals[1], local_support=totals[2],
        amount=totals[3],
    )


def _check_gross(item: Mapping[str, Any], index: int, *, family: bool, paid_on: date, version: str,
                 calculators: Recalculator) -> None:
    """The item's gross, computed again with the table the device says it used, on the payment date."""
    where = f"items[{index}]."
    months = item.get("months")
    if not (months.__class__ is int and 1 <= months <= 1200):  # the usual case without a call; else:
        months = _int(item, "months", where, minimum=1, maximum=1200)
    try:
        if family:
            rank = item.get("member_rank")
            if not (rank.__class__ is int and 1 <= rank <= 1000):
                rank = _int(item, "member_rank", where, minimum=1, maximum=1000)
            expected = calculators.family_hi_gross(on=paid_on, rank=rank, months=months)
        else:
            income = _int(item, "monthly_income", where, minimum=1)
            start = _date(item, "period_start", where)
            expected = calculators.vsi_gross(on=paid_on, monthly_income=income, months=months, period_start=start)
    except DomainError as error:
        raise _Rejected(error.problems[0]) from None
    except ValueError:  # a period that runs past the calendar (year 10000)
        _reject(ProblemCode.SYNC_FIELD_INVALID, field=where + "period_start")
    if item["gross"] != expected:
        _reject(ProblemCode.SYNC_GROSS_MISMATCH, field=where + "gross", amount=item["gross"], expected=expected,
                version=version)


def _check_void(payload: Mapping[str, Any], *, device_id: str, series: str) -> VoidEntry:
    void_id = _uuid(payload, "id")
    number = _receipt_number(_text(payload, "receipt_number"), series)
    reason = payload.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        _reject(ProblemCode.VOID_REASON_EMPTY)
    if len(reason) > 2000 or "\x00" in reason:
        _reject(ProblemCode.SYNC_FIELD_INVALID, field="reason")
    voided_at = _text(payload, "voided_at", max_length=40)
    _same_device(payload, device_id)
    return VoidEntry(void_id=void_id, receipt_number=str(number), reason=reason.strip(), voided_at=voided_at)
