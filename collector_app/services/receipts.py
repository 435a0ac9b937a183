"""Receipts after the payment: the printable model of a receipt (original or counted copy), and voids."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from collector_app.admin_units import load_admin_units
from collector_app.domain.payments import check_figures
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_codes import ReceiptClaim, encode_payload, verification_text
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.domain.words import amount_in_words
from collector_app.policies import table_of_version
from collector_app.receipts.model import ReceiptDocument, ReceiptParticipant
from collector_app.services.changes import Change, Changes
from collector_app.services.device import acting_user, device_of
from collector_app.store.db import Store
from collector_app.store.payments import (
    ReceiptView,
    VoidRecord,
    get_receipt,
    next_print,
    record_original_print,
    record_print,
    record_reprint,
    record_void,
)
from collector_app.store.payments import receipt_numbers as stored_receipt_numbers
from collector_app.store.outbox import payloads
from collector_app.store.sync_state import sync_state
from collector_app.store.users import User, user_by_id
from collector_app.wire import payment_from_payload


def receipt_document(
    store: Store, receipt_number: str, *, copy: bool, actor: User | None = None
) -> ReceiptDocument:
    """The receipt `receipt_number` ready to render, its QR payload signed with this device's key (inside
    the URL of the province's public verification page, once the server has given its address).

    `copy=True` counts a reprint (by `actor`, default: the device's default user) and marks the
    document with its copy number; the original has copy number 0. A void receipt says so.
    """
    return _document(store, receipt_number, copy=copy, actor=actor)


def document_to_print(store: Store, receipt_number: str) -> ReceiptDocument:
    """The receipt as its next print would be, counting nothing yet: the original the first time it
    is printed, else the next counted copy. The caller counts the print once it went out
    (`count_print`), so a print that failed counts nothing."""
    planned = next_print(store, parse_receipt_number(receipt_number))
    return _document(store, receipt_number, copy=False, planned_copy=planned)


def count_print(store: Store, receipt_number: str, *, actor: User) -> int:
    """Count a print of the receipt that went out: 0 for the original's first, else its copy number."""
    return record_print(store, parse_receipt_number(receipt_number), actor=actor, device=device_of(store))


def original_printed(store: Store, receipt_number: str, *, actor: User | None = None) -> bool:
    """Remember that the original of the receipt went to a printer (the preview of a payment just
    recorded prints it uncounted); the next print, from anywhere, is then a counted copy."""
    return record_original_print(store, parse_receipt_number(receipt_number), actor=actor or acting_user(store),
                                 device=device_of(store))


def _document(
    store: Store, receipt_number: str, *, copy: bool, actor: User | None = None, planned_copy: int = 0
) -> ReceiptDocument:
    number = parse_receipt_number(receipt_number)
    device = device_of(store)
    view = get_receipt(store, number)
    if view is None:
        raise DomainError(Problem(ProblemCode.RECEIPT_NOT_FOUND, {"number": str(number)}))
    if view.device_id != device.device_id:
        # Only the issuing device holds the key that may sign its receipts.
        raise ValueError(f"receipt {number} was issued by another device")
    _check_as_recorded(store, view)
    copy_number = planned_copy
    if copy:
        copy_number = record_reprint(store, number, actor=actor or acting_user(store), device=device)
    address = _address(view)
    participants = tuple(
        ReceiptParticipant(
            full_name=item.full_name,
            date_of_birth=item.date_of_birth,
            citizen_id=item.citizen_id,
            si_code=item.si_code,
            address=address,
            member_rank=item.member_rank,
            monthly_income=item.monthly_income,
            amount=item.amount,
            facility_code=item.facility_code,
            facility_name=item.facility_name,
        )
        for item in view.items
    )
    collector = user_by_id(store, view.collector_id)
    claim = ReceiptClaim(
        receipt_number=str(number), amount=view.amount, issued_on=view.paid_on, device_id=device.series
    )
    return ReceiptDocument(
        organisation=device.organisation,
        collection_point=f"{device.point_name} ({device.point_code})",
        form_number=device.form_number,
        receipt_number=str(number),
        issued_on=view.paid_on,
        payer_name=view.payer_name,
        payer_address=address,
        scheme=view.scheme.value,
        participants=participants,
        period_from=min(item.period_start for item in view.items),
        period_to=max(item.period_end for item in view.items),
        months=view.items[0].months,
        gross=view.gross,
        state_support=view.state_support,
        local_support=view.local_support,
        payable=view.amount,
        amount_in_words=amount_in_words(view.amount),
        method=view.method,
        collector_name=collector.full_name if collector else view.collector_id,
        # A URL of the province's public page when the server gave one, which any phone camera opens.
        qr_payload=verification_text(encode_payload(claim, device.private_key), sync_state(store).public_url),
        copy_number=copy_number,
        voided=view.void is not None,
        void_reason=view.void.reason if view.void else None,
        new_series=number.symbol != device.series,
    )


def _check_as_recorded(store: Store, view: ReceiptView) -> None:
    """Refuse to print (and sign) a receipt whose figures are not the payment as it was recorded.

    The receipt is drawn from the store's payment rows; those must add up, equal the copy of the
    payment kept for the province (the outbox payload, written in the same transaction), and that
    copy must pass the money rule with the policy table that priced it. A byte changed in any of
    them (a damaged disk, a hand-edited file) stops the print: a receipt would vouch for a wrong sum.
    """
    where = _first_difference(store, view)
    if where is not None:
        raise DomainError(Problem(ProblemCode.RECEIPT_RECORD_DAMAGED, {"number": str(view.number), "detail": where}))


def _first_difference(store: Store, view: ReceiptView) -> str | None:
    if view.amount != view.gross - view.state_support - view.local_support:
        return "payments.amount"
    for name in ("gross", "state_support", "local_support", "amount"):
        if getattr(view, name) != sum(getattr(item, name) for item in view.items):
            return f"payment_items.{name}"
    text = payloads(store, [view.payment_id]).get(view.payment_id)
    try:
        recorded: dict[str, Any] = json.loads(text) if text else {}
        kept = [(str(item["enrolment_id"]), item["gross"], item["state_support"], item["local_support"],
                 item["amount"], item["period_start"], item["period_end"]) for item in recorded["items"]]
    except (ValueError, KeyError, TypeError):
        return "outbox.payload"
    if (recorded.get("paid_on"), recorded.get("receipt", {}).get("number")) != (view.paid_on.isoformat(),
                                                                                 str(view.number)):
        return "outbox.payload"
    for name in ("gross", "state_support", "local_support", "amount"):
        if recorded.get(name) != getattr(view, name):
            return f"payments.{name}"
    shown = [(item.enrolment_id, item.gross, item.state_support, item.local_support, item.amount,
              item.period_start.isoformat(), item.period_end.isoformat()) for item in view.items]
    if sorted(shown) != sorted(kept):
        return "payment_items"
    if "residence_province" not in recorded:  # recorded before payments carried their inputs
        return None
    try:
        payment = payment_from_payload(recorded)
    except (ValueError, KeyError, TypeError):
        return "outbox.payload"
    table = table_of_version(store, payment.policy_version)
    if table is None or check_figures(table, payment):
        return "outbox.payload"
    return None


def _address(view: ReceiptView) -> str:
    """The household's address with its commune and province names, as written on a receipt."""
    units = load_admin_units()
    parts = [view.household_address or ""]
    commune = units.commune(view.commune_code) if view.commune_code else None
    province = units.province(view.province_code) if view.province_code else None
    parts += [unit.full_name for unit in (commune, province) if unit is not None]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Voided(VoidRecord):
    """A receipt voided (or its refused void corrected): what changed with it."""

    @property
    def changes(self) -> Changes:
        return frozenset({Change.RECEIPTS, Change.OUTBOX})


def void_receipt(store: Store, receipt_number: str, *, reason: str, actor: User) -> Voided:
    """Void a receipt with a reason; refused for a role that may not void (collaborators)."""
    record = record_void(
        store, parse_receipt_number(receipt_number), reason=reason, actor=actor, device=device_of(store)
    )
    return Voided(**{field.name: getattr(record, field.name) for field in fields(record)})


def receipt_numbers(store: Store) -> list[str]:
    """Every receipt number this store holds, in series order, as canonical text."""
    return [str(number) for number in stored_receipt_numbers(store)]
