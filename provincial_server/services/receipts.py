"""Checking a receipt's QR code: the enrolling device's signature, and what the server holds for it.

A revoked device's receipts stay valid up to the day it was revoked (they were issued while it was
trusted), and after it when their payment reached the server; others dated later are not vouched
for: whoever has the device could still sign receipts with its key.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import SEPARATOR, verify_payload
from collector_app.wire import ErrorCode
from provincial_server.clock import iso
from provincial_server.services.auth import Caller, DeviceCaller
from provincial_server.services.errors import Forbidden
from provincial_server.store.unit_of_work import UnitOfWork

_DEVICE_FIELD = 4  # BL1.<number>.<amount>.<yyyymmdd>.<device>.<signature>


@dataclass(frozen=True)
class Verification:
    valid: bool
    code: str | None = None
    receipt_number: str | None = None
    amount: int | None = None
    issued_on: str | None = None
    device_id: str | None = None
    series: str | None = None
    point_code: str | None = None
    recorded: bool = False
    voided: bool = False
    device_revoked_at: str | None = None


def verify_receipt(uow: UnitOfWork, text: str, *, caller: Caller) -> Verification:
    """Whether the QR text `text` was signed by the device it names, and whether its payment arrived.

    A device may check only receipts of its own point (Forbidden otherwise); a supervisor any. The
    QR code carries a date, not a time: a receipt of a revoked device dated the day of revocation
    is still taken as issued before it.
    """
    parts = text.strip().split(SEPARATOR)
    if len(parts) != 6:
        return Verification(valid=False, code=ProblemCode.RECEIPT_CODE_MALFORMED.value)
    with uow:
        device = uow.points.device_by_series(parts[_DEVICE_FIELD])
        if device is None:
            return Verification(valid=False, code=ProblemCode.RECEIPT_CODE_UNKNOWN_DEVICE.value)
        if isinstance(caller, DeviceCaller) and caller.device.point_code != device.point_code:
            raise Forbidden(ErrorCode.AUTH_OTHER_POINT, "a device may check only receipts of its own point")
        revoked_at = None if device.revoked_at is None else iso(device.revoked_at)
        try:
            claim = verify_payload(text, device.public_key)
        except DomainError as error:
            return Verification(valid=False, code=str(error.problems[0].code), device_id=device.device_id,
                                series=device.series, point_code=device.point_code, device_revoked_at=revoked_at)
        state = uow.ledger.receipt(claim.receipt_number)
    recorded = state is not None and state.amount == claim.amount
    vouched = recorded or device.revoked_at is None or claim.issued_on <= device.revoked_at.date()
    return Verification(
        valid=vouched, code=None if vouched else ProblemCode.RECEIPT_CODE_DEVICE_REVOKED.value,
        receipt_number=claim.receipt_number, amount=claim.amount, issued_on=claim.issued_on.isoformat(),
        device_id=device.device_id, series=device.series, point_code=device.point_code,
        recorded=recorded, voided=state is not None and state.voided, device_revoked_at=revoked_at,
    )
