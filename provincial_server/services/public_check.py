"""What the public verification page (`GET /v/<payload>`) tells whoever scanned a receipt's QR code.

The rule is `services.receipts.verify_receipt`, the one the devices' and supervisors' checks use;
this adds only the verdict a citizen reads and what the page may show: the receipt's number, date
and amount, the point's name, and the payer's initials once the province holds the payment (no
more personal data). A voided receipt is not valid. A revoked device's receipts dated up to the day
it was revoked stay valid (issued while it was trusted), later ones only once their payment arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from provincial_server.services.receipts import verify_receipt
from provincial_server.store.unit_of_work import UnitOfWork

VOIDED = "voided"  # the reason of a receipt the province holds as voided (not a ProblemCode: the code is good)


class Verdict(StrEnum):
    VALID = "valid"  # signed by its device, and the province holds the payment as the code claims
    NOT_RECEIVED = "valid-not-received"  # signed by its device; the payment has not reached the province yet
    INVALID = "invalid"


@dataclass(frozen=True)
class PublicCheck:
    verdict: Verdict
    reason: str | None = None  # INVALID: a receipt_code.* problem code, or VOIDED
    # Once the device's signature checks: what the code claims.
    receipt_number: str | None = None
    issued_on: date | None = None
    amount: int | None = None
    point_name: str | None = None
    payer_initials: str | None = None  # VALID only: the province holds the payer's name


def check_receipt(uow: UnitOfWork, payload: str, *, now: datetime) -> PublicCheck:
    """The verdict on the QR text `payload` (bare, or a verification URL) for the public page."""
    found = verify_receipt(uow, payload, caller=None, now=now)
    if found.receipt_number is None or found.issued_on is None or found.amount is None:
        return PublicCheck(Verdict.INVALID, reason=found.code)  # nothing in it is vouched for
    number, issued_on = found.receipt_number, date.fromisoformat(found.issued_on)
    if not found.valid or found.voided:
        return PublicCheck(Verdict.INVALID, reason=found.code if not found.valid else VOIDED,
                           receipt_number=number, issued_on=issued_on)
    with uow:
        point = uow.points.get(found.point_code) if found.point_code else None
        payer = uow.ledger.payer_name(found.receipt_number) if found.recorded else None
    return PublicCheck(
        Verdict.VALID if found.recorded else Verdict.NOT_RECEIVED, receipt_number=number, issued_on=issued_on,
        amount=found.amount, point_name=None if point is None else point.name,
        payer_initials=None if payer is None else initials(payer),
    )


def initials(full_name: str) -> str:
    """"Nguyễn Thị Bình" -> "N.T.B.": the first letter of each word, upper-case, each followed by a dot."""
    return "".join(f"{word[0].upper()}." for word in full_name.split())
