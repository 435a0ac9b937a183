"""Checking a receipt's QR code: the enrolling device's signature, and what the server holds for it.

A code vouches only for what is true: its receipt number is of the signing device's series and of
the year of its date, its date is not days ahead, and when the server holds that receipt, the code's
amount and date are the ones held. The answer tells no more than the code claims: what the server
holds (recorded, voided) only when the code matches it, nothing of a device whose signature fails.

A revoked device's receipts stay valid up to the day it was revoked (they were issued while it was
trusted), and after it when their payment reached the server; others dated later are not vouched
for: whoever has the device could still sign receipts with its key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from collector_app.domain.backups import is_series_of
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import SEPARATOR, ReceiptClaim, payload_of, verify_payload
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.wire import ErrorCode
from provincial_server.clock import iso
from provincial_server.services.auth import Caller, DeviceCaller
from provincial_server.services.errors import Forbidden
from provincial_server.store.ledger import ReceiptState
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

_DEVICE_FIELD = 4  # BL1.<number>.<amount>.<yyyymmdd>.<device>.<signature>
# A device a time zone ahead of the server may date a receipt the server's tomorrow, no later.
_AHEAD = timedelta(days=1)


@dataclass(frozen=True)
class Verification:
    valid: bool
    code: str | None = None
    receipt_number: str | None = None  # with amount, issued_on: what the code claims, once its signature checks
    amount: int | None = None
    issued_on: str | None = None
    device_id: str | None = None  # the signing device, once its signature checks
    series: str | None = None
    point_code: str | None = None
    recorded: bool = False  # the server holds this receipt with the code's amount and date
    voided: bool = False  # ... and a void of it
    device_revoked_at: str | None = None


def verify_receipt(uow: UnitOfWork, text: str, *, caller: Caller | None, now: datetime) -> Verification:
    """Whether the QR text `text` (the bare payload or a verification URL) was signed by the device it
    names, and whether its payment arrived as claimed.

    A device may check only receipts of its own point (Forbidden otherwise, for the signing device;
    a receipt number of another series is not valid, whoever signed it); a supervisor, and the public
    page (`caller` None, `services.public_check`), any. The QR code
    carries a date, not a time: a receipt of a revoked device dated the day of revocation is still
    taken as issued before it.
    """
    parts = payload_of(text).split(SEPARATOR)
    if len(parts) != 6:
        return Verification(valid=False, code=ProblemCode.RECEIPT_CODE_MALFORMED.value)
    with uow:
        device = uow.points.device_by_series(parts[_DEVICE_FIELD])
        if device is None:
            return Verification(valid=False, code=ProblemCode.RECEIPT_CODE_UNKNOWN_DEVICE.value)
        if isinstance(caller, DeviceCaller) and caller.device.point_code != device.point_code:
            raise Forbidden(ErrorCode.AUTH_OTHER_POINT, "a device may check only receipts of its own point")
        try:
            claim = verify_payload(text, device.public_key)
        except DomainError as error:  # not signed by that device: nothing in it, or about it, is vouched for
            return Verification(valid=False, code=str(error.problems[0].code))
        problem, state = _judge(claim, device, today=now.date(), held=uow.ledger.receipt)
    recorded = problem is None and state is not None
    revoked_at = device.revoked_at
    return Verification(
        valid=problem is None, code=None if problem is None else problem.value,
        receipt_number=claim.receipt_number, amount=claim.amount, issued_on=claim.issued_on.isoformat(),
        device_id=device.device_id, series=device.series, point_code=device.point_code,
        recorded=recorded, voided=recorded and state is not None and state.voided,
        device_revoked_at=None if revoked_at is None else iso(revoked_at),
    )


def check_claims(uow: UnitOfWork, claims: Sequence[ReceiptClaim], device: DeviceRow, *, today: date
                 ) -> list[ProblemCode | None]:
    """Whether a receipt QR code making each claim, signed with `device`'s key, would verify (None) or why not:
    the checks of `verify_receipt` after the signature's, inside the caller's `uow`, the payments held
    read at once.

    Supervisors see it beside each record they review: the wire carries the receipt's figures, which
    the device signs, not the signature itself.
    """
    held = uow.ledger.receipts([claim.receipt_number for claim in claims])
    return [_judge(claim, device, today=today, held=held.get)[0] for claim in claims]


def _judge(claim: ReceiptClaim, device: DeviceRow, *, today: date, held: Callable[[str], ReceiptState | None]
           ) -> tuple[ProblemCode | None, ReceiptState | None]:
    """Why a claim signed by `device` is not vouched for (None if it is), and the payment held under its number."""
    problem = _not_the_devices(claim, device, today=today)
    # Looked up only for a number of the signing device's own series: never another point's.
    state = None if problem is not None else held(claim.receipt_number)
    if problem is None and state is not None:
        problem = _not_as_held(claim, device, state)
    recorded = problem is None and state is not None
    revoked_at = device.revoked_at
    if problem is None and not recorded and revoked_at is not None and claim.issued_on > revoked_at.date():
        problem = ProblemCode.RECEIPT_CODE_DEVICE_REVOKED
    return problem, state


def _not_the_devices(claim: ReceiptClaim, device: DeviceRow, *, today: date) -> ProblemCode | None:
    """Why a signed claim cannot be a receipt `device` issued, whatever the server holds; None if it can be."""
    try:
        number = parse_receipt_number(claim.receipt_number)
    except DomainError:
        return ProblemCode.RECEIPT_CODE_MALFORMED
    if str(number) != claim.receipt_number or not is_series_of(number.symbol, device.series):
        return ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE
    if number.year != claim.issued_on.year:  # a device numbers each year's receipts apart
        return ProblemCode.RECEIPT_CODE_YEAR_MISMATCH
    if claim.issued_on > today + _AHEAD:
        return ProblemCode.RECEIPT_CODE_DATED_IN_FUTURE
    return None


def _not_as_held(claim: ReceiptClaim, device: DeviceRow, state: ReceiptState) -> ProblemCode | None:
    """Why the claim differs from the payment the server holds under its number; None if it does not."""
    if state.device_id != device.device_id or state.point_code != device.point_code:
        return ProblemCode.RECEIPT_CODE_SERIES_NOT_DEVICE  # delivered by another device: not this one's receipt
    if state.amount != claim.amount:
        return ProblemCode.RECEIPT_CODE_AMOUNT_MISMATCH
    if state.paid_on != claim.issued_on:
        return ProblemCode.RECEIPT_CODE_DATE_MISMATCH
    return None
