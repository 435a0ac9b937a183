"""Verifying a receipt's QR code against the enrolled device's key and what the server holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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


# ---- a receipt code vouches only for what the server holds (issue 9, item 4) --------------------


def _held(device: Device, table: PolicyTable, *, voided: bool = False) -> tuple[str, int]:
    """A payment the server holds (and its void, if `voided`): its receipt number and amount."""
    payment = family_hi_payment(device, table)
    number, amount = payment["payload"]["receipt"]["number"], payment["payload"]["amount"]
    records = [payment, void_record(device, number)] if voided else [payment]
    assert device.upload(device.seal(records)).status_code == 200
    return number, amount


_TOLD_NOTHING = {"recorded": False, "voided": False}


def test_a_code_signed_for_ten_times_the_amount_the_server_holds_is_not_valid(
    device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    number, amount = _held(device, policy_table)
    for caller in (device, supervisor):
        answer = caller.post("/receipts/verify", {"payload": _qr(device, number, amount * 10)}).json()
        assert (answer["valid"], answer["code"]) == (False, "receipt_code.amount_mismatch")
        assert {name: answer[name] for name in _TOLD_NOTHING} == _TOLD_NOTHING
        assert answer["amount"] == amount * 10  # what the code claims, never what the server holds


def test_a_code_dated_otherwise_than_the_payment_the_server_holds_is_not_valid(
    device: Device, policy_table: PolicyTable
):
    number, amount = _held(device, policy_table)
    answer = device.post("/receipts/verify", {"payload": _qr(device, number, amount, date(2026, 3, 6))}).json()
    assert (answer["valid"], answer["code"], answer["issued_on"]) == (False, "receipt_code.date_mismatch", "2026-03-06")
    assert {name: answer[name] for name in _TOLD_NOTHING} == _TOLD_NOTHING


def test_a_code_that_lies_about_a_voided_receipt_does_not_learn_that_it_was_voided(
    device: Device, policy_table: PolicyTable
):
    number, amount = _held(device, policy_table, voided=True)
    answer = device.post("/receipts/verify", {"payload": _qr(device, number, amount + 1)}).json()
    assert (answer["valid"], answer["code"], answer["recorded"], answer["voided"]) == (
        False, "receipt_code.amount_mismatch", False, False)


def test_a_code_signed_for_another_points_receipt_number_is_not_valid_and_tells_nothing_of_it(
    server: Server, device: Device, policy_table: PolicyTable
):
    other = enrol(server, new_point(server))
    held, amount = _held(other, policy_table, voided=True)  # BD02M1-26-0000001: held, and voided
    unknown = other.next_receipt()  # a number point B never used
    answers = [device.post("/receipts/verify", {"payload": _qr(device, number, amount)}).json()
               for number in (held, unknown)]
    for answer in answers:
        assert (answer["valid"], answer["code"]) == (False, "receipt_code.series_not_device")
        assert {name: answer[name] for name in _TOLD_NOTHING} == _TOLD_NOTHING
    # held and voided, or never issued: the device learns the same about point B's number
    assert {**answers[0], "receipt_number": None} == {**answers[1], "receipt_number": None}


def test_a_code_signed_for_another_device_of_the_same_point_is_not_valid_even_for_a_supervisor(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    sibling = enrol(server, device.point_code)
    number, amount = _held(sibling, policy_table)
    answer = supervisor.post("/receipts/verify", {"payload": _qr(device, number, amount)}).json()
    assert (answer["valid"], answer["code"], answer["recorded"]) == (False, "receipt_code.series_not_device", False)
    honest = supervisor.post("/receipts/verify", {"payload": _qr(sibling, number, amount)}).json()
    assert (honest["valid"], honest["code"], honest["recorded"]) == (True, None, True)


def test_a_code_whose_number_is_of_another_year_than_its_date_is_not_valid(device: Device):
    number = device.next_receipt(2025)
    answer = device.post("/receipts/verify", {"payload": _qr(device, number, 500_000, date(2026, 1, 2))}).json()
    assert (answer["valid"], answer["code"]) == (False, "receipt_code.year_mismatch")


def test_a_code_dated_days_ahead_of_the_servers_date_is_not_valid(device: Device):
    ahead = datetime.now(UTC).date() + timedelta(days=3)
    answer = device.post("/receipts/verify", {"payload": _qr(device, device.next_receipt(ahead.year), 500_000,
                                                             ahead)}).json()
    assert (answer["valid"], answer["code"]) == (False, "receipt_code.dated_in_future")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # a time zone ahead of the server's: still possible
    answer = device.post("/receipts/verify", {"payload": _qr(device, device.next_receipt(tomorrow.year), 500_000,
                                                             tomorrow)}).json()
    assert (answer["valid"], answer["code"]) == (True, None)


def test_a_code_whose_signature_does_not_check_tells_nothing_of_the_device_it_names(
    device: Device, supervisor: Supervisor
):
    forged = _qr(device, device.next_receipt(), 500_000).replace(".500000.", ".900000.")
    for caller in (device, supervisor):
        answer = caller.post("/receipts/verify", {"payload": forged}).json()
        assert answer == {"valid": False, "code": "receipt_code.bad_signature", "receipt_number": None,
                          "amount": None, "issued_on": None, "device_id": None, "series": None,
                          "point_code": None, "recorded": False, "voided": False, "device_revoked_at": None}


def test_a_supervisor_verifies_an_honest_receipt_of_any_point(
    server: Server, supervisor: Supervisor, policy_table: PolicyTable
):
    other = enrol(server, new_point(server))
    number, amount = _held(other, policy_table)
    answer = supervisor.post("/receipts/verify", {"payload": _qr(other, number, amount)}).json()
    assert (answer["valid"], answer["code"], answer["recorded"], answer["point_code"]) == (
        True, None, True, other.point_code)
