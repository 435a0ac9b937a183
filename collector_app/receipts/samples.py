"""Realistic example receipts (a family HI household, a voluntary SI payment) with genuinely signed codes.

For previews, tests and benchmarks: amounts follow the 2,34 M base salary tables of domain.md.
"""

from __future__ import annotations

import calendar
from datetime import date

from collector_app.domain.receipt_codes import ReceiptClaim, encode_payload
from collector_app.domain.words import amount_in_words
from collector_app.receipts.model import ReceiptDocument, ReceiptParticipant

# A fixed key so that sample receipts are reproducible; never a real device's key.
SAMPLE_PRIVATE_KEY = bytes(range(32))
SAMPLE_DEVICE_ID = "HY07M1"
_ADDRESS = "Thôn Đông Hà, xã Nghĩa Trụ, tỉnh Hưng Yên"
_HOUSEHOLD = (
    ("Nguyễn Văn Thắng", date(1978, 4, 12), "033078004512"),
    ("Trần Thị Hồng Nhung", date(1981, 9, 3), "033181007731"),
    ("Nguyễn Thị Thu Hương", date(2004, 1, 25), "033304001928"),
    ("Nguyễn Đức Mạnh", date(2008, 11, 7), "033208012274"),
    ("Nguyễn Thị Ngọc Ánh", date(2012, 6, 18), "033312009045"),
    ("Phạm Thị Lựu", date(1952, 2, 28), "033152000817"),
    ("Nguyễn Hoàng Phúc Khang", date(2019, 12, 1), None),
)
# Family HI per member for 12 months at a 2.340.000 base salary: 4,5 % × base, then 70/60/50/40 %.
_HI_YEAR = (1_263_600, 884_520, 758_160, 631_800, 505_440)


def sign(receipt_number: str, amount: int, issued_on: date) -> str:
    """A QR payload signed with the sample key."""
    return encode_payload(
        ReceiptClaim(receipt_number, amount, issued_on, SAMPLE_DEVICE_ID), SAMPLE_PRIVATE_KEY
    )


def family_hi_receipt(
    members: int = 5, *, number: int = 123, issued_on: date = date(2026, 3, 5)
) -> ReceiptDocument:
    """A household paying 12 months of family HI for its first `members` members (1-7)."""
    participants = tuple(
        ReceiptParticipant(
            full_name=name, date_of_birth=born, citizen_id=citizen_id,
            si_code=None if citizen_id else "3321456789", address=_ADDRESS, member_rank=rank,
            monthly_income=None, amount=_HI_YEAR[min(rank, 5) - 1],
        )
        for rank, (name, born, citizen_id) in enumerate(_HOUSEHOLD[:members], 1)
    )  # fmt: skip
    total = sum(p.amount for p in participants)
    receipt_number = f"HY07M1-{issued_on.year % 100:02d}-{number:07d}"
    return ReceiptDocument(
        organisation="Bảo hiểm xã hội tỉnh Hưng Yên",
        collection_point="Bưu điện xã Nghĩa Trụ (HY07)",
        form_number="C45-BB",
        receipt_number=receipt_number,
        issued_on=issued_on,
        payer_name=participants[0].full_name,
        payer_address=_ADDRESS,
        scheme="family_hi",
        participants=participants,
        period_from=issued_on.replace(day=1),
        period_to=_last_day(issued_on, 11),
        months=12,
        gross=total,
        state_support=0,
        local_support=0,
        payable=total,
        amount_in_words=amount_in_words(total),
        method="cash",
        collector_name="Lê Thị Minh Nguyệt",
        qr_payload=sign(receipt_number, total, issued_on),
    )


def vsi_receipt(
    *, number: int = 124, issued_on: date = date(2026, 3, 5), local_support: int = 0
) -> ReceiptDocument:
    """Six months of voluntary SI on the minimum income 1.500.000: 22 %, 20 % state support."""
    gross, state_support = 6 * 330_000, 6 * 66_000
    payable = gross - state_support - local_support
    receipt_number = f"HY07M1-{issued_on.year % 100:02d}-{number:07d}"
    person = ReceiptParticipant(
        full_name="Đặng Thị Thanh Hằng", date_of_birth=date(1986, 7, 21), citizen_id="033186005523",
        si_code="3319004512", address="Số 14, ngõ 3, phố Chùa Đông, phường Hiến Nam, tỉnh Hưng Yên",
        member_rank=None, monthly_income=1_500_000, amount=payable,
    )  # fmt: skip
    return ReceiptDocument(
        organisation="Bảo hiểm xã hội tỉnh Hưng Yên",
        collection_point="Bưu điện xã Nghĩa Trụ (HY07)",
        form_number="C45-BB",
        receipt_number=receipt_number,
        issued_on=issued_on,
        payer_name=person.full_name,
        payer_address=person.address,
        scheme="vsi",
        participants=(person,),
        period_from=issued_on.replace(day=1),
        period_to=_last_day(issued_on, 5),
        months=6,
        gross=gross,
        state_support=state_support,
        local_support=local_support,
        payable=payable,
        amount_in_words=amount_in_words(payable),
        method="transfer",
        collector_name="Lê Thị Minh Nguyệt",
        qr_payload=sign(receipt_number, payable, issued_on),
    )


def _last_day(start: date, months_later: int) -> date:
    """The last day of the month `months_later` months after `start`'s month."""
    year, month = divmod(start.year * 12 + start.month - 1 + months_later, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])
