"""Verifying a receipt's QR code against the enrolled device's key and what the server holds."""

from __future__ import annotations

from datetime import date

from server_helpers import (
    PAID_ON,
    Device,
    Server,
    Supervisor,
    enrol,
    family_hi_payment,
    new_point,
    void_record,
)

from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, encode_payload


def _qr(device: Device, number: str, amount: int, issued_on: date = PAID_ON) -> str:
    return encode_payload(ReceiptClaim(number, amount, issued_on, device.series), device.private_key)


def test_a_signed_receipt_of_a_recorded_payment_verifies_and_shows_it_recorded(
    device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    number, amount = payment["payload"]["receipt"]["number"], payment["payload"]["amount"]
    before = device.post("/receipts/verify", {"payload": _qr(device, number, amount)}).json()
    assert (before["valid"], before["recorded"]) == (True, False)
    device.upload(device.seal([payment]))
    after = device.post("/receipts/verify", {"payload": _qr(device, number, amount) + "\n"}).json()
    assert after == {
        "valid": True, "code": None, "receipt_number": number, "amount": amount, "issued_on": "2026-03-05",
        "device_id": device.device_id, "series": device.series, "point_code": device.point_code,
        "recorded": True, "voided": False, "device_revoked_at": None,
    }


def test_a_receipt_whose_void_was_received_shows_voided(device: Device, policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    number, amount = payment["payload"]["receipt"]["number"], payment["payload"]["amount"]
    device.upload(device.seal([payment, void_record(device, payment)]))
    answer = device.post("/receipts/verify", {"payload": _qr(device, number, amount)}).json()
    assert (answer["valid"], answer["recorded"], answer["voided"]) == (True, True, True)


def test_an_altered_receipt_code_is_not_valid(device: Device, supervisor: Supervisor):
    payload = _qr(device, device.next_receipt(), 1_263_600)
    tampered = payload.replace(".1263600.", ".1863600.")
    answer = supervisor.post("/receipts/verify", {"payload": tampered}).json()
    assert (answer["valid"], answer["code"], answer["recorded"]) == (False, "receipt_code.bad_signature", False)


def test_a_code_naming_no_enrolled_device_or_no_code_at_all_is_not_valid(supervisor: Supervisor, device: Device):
    stranger = _qr(device, device.next_receipt(), 100).replace(f".{device.series}.", ".ZZ99M9.")
    assert supervisor.post("/receipts/verify", {"payload": stranger}).json()["code"] == "receipt_code.unknown_device"
    assert supervisor.post("/receipts/verify", {"payload": "hello"}).json()["code"] == "receipt_code.malformed"


def test_a_device_may_not_check_another_points_receipts_but_a_supervisor_may(
    server: Server, device: Device, supervisor: Supervisor
):
    other = enrol(server, new_point(server))
    payload = _qr(device, device.next_receipt(), 500_000)
    response = other.post("/receipts/verify", {"payload": payload})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.other_point"
    assert supervisor.post("/receipts/verify", {"payload": payload}).json()["valid"] is True
