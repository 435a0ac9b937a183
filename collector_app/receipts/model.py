"""The receipt as plain data: what one printed receipt shows, already decided, not yet formatted.

Built from the store by the payments code; drawn by `receipts.render` in any layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReceiptParticipant:
    full_name: str
    date_of_birth: date
    citizen_id: str | None
    si_code: str | None
    address: str
    member_rank: int | None  # family HI: 1st, 2nd... member (ladder position)
    monthly_income: int | None  # voluntary SI: chosen income
    amount: int  # what this participant's share came to
    # Family HI: the initial health-care facility (nơi đăng ký KCB ban đầu) the card was paid with,
    # and its name when the device's list holds it.
    facility_code: str | None = None
    facility_name: str | None = None


@dataclass(frozen=True)
class ReceiptDocument:
    organisation: str  # e.g. "Bảo hiểm xã hội tỉnh ..." / the collection service organisation
    collection_point: str  # point name and code
    form_number: str  # ký hiệu mẫu, a setting (e.g. "C45-BB" placeholder from settings)
    receipt_number: str  # canonical text, e.g. "BD01M1-26-0000123"
    issued_on: date
    payer_name: str
    payer_address: str
    scheme: str  # "vsi" | "family_hi"
    participants: tuple[ReceiptParticipant, ...]
    period_from: date
    period_to: date
    months: int
    gross: int
    state_support: int
    local_support: int
    payable: int
    amount_in_words: str  # domain.words.amount_in_words(payable)
    method: str  # "cash" | "transfer"
    collector_name: str
    # The QR code's text: the signed payload (domain.receipt_codes.encode_payload), inside the public
    # verification URL when the device knows it (domain.receipt_codes.verification_text).
    qr_payload: str
    copy_number: int = 0  # 0 = original; n >= 1 = the n-th reprint: printed as a copy
    voided: bool = False
    void_reason: str | None = None
    # Numbered in a new series begun after a restore (domain.backups.restart_symbol): printed so.
    new_series: bool = False
