"""Uploading sealed batches: idempotent by batch id, checked as a whole, answered record by record."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from typing import Any

import requests
from server_helpers import (
    Device,
    Server,
    enrol,
    family_hi_payment,
    results_by_id,
    void_record,
    vsi_payment,
)

from collector_app.domain.policy import PolicyTable
from collector_app.wire import WireRecord, batch_digest, seal_batch


def test_a_batch_of_valid_records_is_received_and_every_record_accepted(device: Device, policy_table: PolicyTable):
    records = [family_hi_payment(device, policy_table), vsi_payment(device, policy_table),
               family_hi_payment(device, policy_table, members=5, months=6)]
    batch = device.seal(records)
    response = device.upload(batch)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["batch_id"] == batch["batch_id"]
    assert answer["status"] == "received"
    assert [(r["record_id"], r["status"], r["code"]) for r in answer["results"]] == [
        (record["record_id"], "accepted", None) for record in records
    ]


def test_sending_the_same_batch_again_stores_it_once_and_answers_byte_for_byte_the_same(
    server: Server, device: Device, policy_table: PolicyTable
):
    batch = device.seal([family_hi_payment(device, policy_table), family_hi_payment(device, policy_table)])
    first = device.upload(batch)
    again = device.upload(batch)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert device.get(f"/batches/{batch['batch_id']}").content == first.content
    assert server.count("batches", batch_id=batch["batch_id"]) == 1
    assert server.count("batch_records", batch_id=batch["batch_id"]) == 2
    assert server.count("payments", batch_id=batch["batch_id"]) == 2


def test_the_same_batch_id_with_other_content_is_refused_with_409(device: Device, policy_table: PolicyTable):
    batch = device.seal([family_hi_payment(device, policy_table)])
    assert device.upload(batch).status_code == 200
    changed = seal_batch(batch_id=batch["batch_id"], device_id=device.device_id, device_sequence=batch["device_sequence"],
                         sealed_at=batch["sealed_at"], records=[family_hi_payment(device, policy_table)])
    response = device.upload(changed)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "batch.conflict"


def test_the_same_batch_sent_from_two_connections_at_once_is_stored_once(
    server: Server, device: Device, policy_table: PolicyTable
):
    batch = device.seal([family_hi_payment(device, policy_table) for _ in range(50)])
    answers: list[requests.Response] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        answers.append(requests.post(f"{server.url}/batches", json=batch, headers=device.headers, timeout=60))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert server.count("payments", batch_id=batch["batch_id"]) == 50


def _tampered(batch: dict[str, Any], **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(batch)
    copied.update(changes)
    return copied


def test_a_batch_whose_count_total_or_digest_does_not_match_its_records_is_refused_with_422(
    server: Server, device: Device, policy_table: PolicyTable
):
    batch = device.seal([family_hi_payment(device, policy_table), family_hi_payment(device, policy_table)])
    wrong_count = _tampered(batch, record_count=3)
    wrong_total = _tampered(batch, total_amount=batch["total_amount"] + 1000)
    wrong_digest = _tampered(batch, sha256="0" * 64)
    altered_record = copy.deepcopy(batch)
    altered_record["records"][0]["payload"]["payer_name"] = "Someone else"
    for bad in (wrong_count, wrong_total, wrong_digest, altered_record):
        response = device.upload(bad)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "batch.integrity"
    assert server.count("batches", batch_id=batch["batch_id"]) == 0
    assert device.upload(batch).status_code == 200  # nothing was kept of the refused attempts


def test_a_bad_record_is_rejected_with_its_code_while_the_others_are_accepted(
    server: Server, device: Device, policy_table: PolicyTable
):
    good_before = family_hi_payment(device, policy_table)
    not_net = family_hi_payment(device, policy_table)
    not_net["payload"]["amount"] -= 1000
    not_net["payload"]["items"][0]["amount"] -= 1000
    good_after = vsi_payment(device, policy_table)
    batch = device.seal([good_before, not_net, good_after])
    answer = device.upload(batch).json()
    results = results_by_id(answer)
    assert results[good_before["record_id"]]["status"] == "accepted"
    assert results[good_after["record_id"]]["status"] == "accepted"
    rejected = results[not_net["record_id"]]
    assert rejected["status"] == "rejected"
    assert rejected["code"] == "sync.amount_not_net"
    assert rejected["params"]["field"] == "items[0].amount"
    assert "gross minus support" in rejected["message"]
    assert server.count("payments", payment_id=not_net["record_id"]) == 0
    assert server.count("payments", batch_id=batch["batch_id"]) == 2


def _single_result(device: Device, record: WireRecord) -> dict[str, Any]:
    response = device.upload(device.seal([record]))
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    return result


def test_a_gross_that_the_policy_table_does_not_give_is_rejected(device: Device, policy_table: PolicyTable):
    record = family_hi_payment(device, policy_table, members=2)
    for field_owner in (record["payload"]["items"][1], record["payload"]):
        field_owner["gross"] += 1
        field_owner["amount"] += 1
    result = _single_result(device, record)
    assert (result["status"], result["code"]) == ("rejected", "payment.money_mismatch")
    assert result["params"]["field"] == "items[1].gross"
    assert result["params"]["version"] == "2026.11.1"


def test_a_payment_computed_with_an_unpublished_policy_version_is_rejected(device: Device, policy_table: PolicyTable):
    record = family_hi_payment(device, policy_table)
    record["payload"]["policy_version"] = "2099.1.1"
    result = _single_result(device, record)
    assert (result["status"], result["code"]) == ("rejected", "sync.policy_unknown")


def test_a_payment_the_calculators_refuse_is_rejected_with_the_calculators_code(
    device: Device, policy_table: PolicyTable
):
    record = family_hi_payment(device, policy_table, months=12)
    for item in record["payload"]["items"]:
        item["months"] = 7  # family HI is paid for 3, 6 or 12 months
    result = _single_result(device, record)
    assert (result["status"], result["code"]) == ("rejected", "hi.months_not_allowed")


def test_a_receipt_number_of_another_series_or_year_is_rejected(server: Server, device: Device,
                                                                policy_table: PolicyTable):
    other = enrol(server, device.point_code)
    foreign = family_hi_payment(device, policy_table, receipt_number=other.next_receipt())
    assert _single_result(device, foreign)["code"] == "sync.series_not_device"
    wrong_year = family_hi_payment(device, policy_table, receipt_number=device.next_receipt(2025))
    assert _single_result(device, wrong_year)["code"] == "sync.receipt_year_mismatch"
    lower_case = family_hi_payment(device, policy_table, receipt_number=device.next_receipt().lower())
    assert _single_result(device, lower_case)["code"] == "receipt.number_format"


def test_a_record_missing_a_field_or_of_an_unknown_kind_is_rejected(device: Device, policy_table: PolicyTable):
    missing = family_hi_payment(device, policy_table)
    del missing["payload"]["paid_on"]
    unknown: WireRecord = {"record_id": str(uuid.uuid4()), "kind": "loan", "payload": {"id": str(uuid.uuid4())}}
    results = results_by_id(device.upload(device.seal([missing, unknown])).json())
    assert (results[missing["record_id"]]["code"], results[missing["record_id"]]["params"]) == (
        "sync.field_missing", {"field": "paid_on"})
    assert results[unknown["record_id"]]["code"] == "sync.unknown_kind"


def test_the_same_payment_in_two_batches_is_stored_once_and_accepted_as_a_duplicate(
    server: Server, device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    first = device.seal([payment])
    # The device lost the reply, sealed the record again with a new one, and sent the new batch.
    resealed = device.seal([payment, vsi_payment(device, policy_table)])
    assert device.upload(first).json()["results"][0]["status"] == "accepted"
    answer = results_by_id(device.upload(resealed).json())
    again = answer[payment["record_id"]]
    assert (again["status"], again["code"], again["params"]) == (
        "accepted", "sync.record_duplicate", {"batch_id": first["batch_id"]})
    assert server.count("payments", payment_id=payment["record_id"]) == 1
    assert server.count("payments", batch_id=resealed["batch_id"]) == 1


def test_the_same_payment_under_another_record_id_is_still_stored_once(
    server: Server, device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    device.upload(device.seal([payment]))
    same_payment: WireRecord = {**payment, "record_id": str(uuid.uuid4())}
    result = _single_result(device, same_payment)
    assert (result["status"], result["code"]) == ("accepted", "sync.record_duplicate")
    assert server.count("payments", payment_id=payment["record_id"]) == 1


def test_a_record_id_sent_again_with_other_content_is_rejected_as_a_conflict(
    device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    device.upload(device.seal([payment]))
    changed = copy.deepcopy(payment)
    changed["payload"]["payer_name"] = "Trần Văn Bình"
    result = _single_result(device, changed)
    assert (result["status"], result["code"]) == ("rejected", "sync.record_conflict")


def test_a_receipt_number_used_by_another_payment_is_rejected(device: Device, policy_table: PolicyTable):
    first = family_hi_payment(device, policy_table)
    device.upload(device.seal([first]))
    reused = family_hi_payment(device, policy_table, receipt_number=first["payload"]["receipt"]["number"])
    result = _single_result(device, reused)
    assert (result["status"], result["code"], result["params"]) == (
        "rejected", "sync.receipt_taken", {"number": first["payload"]["receipt"]["number"]})


def test_a_record_twice_in_one_batch_is_answered_twice_and_the_second_rejected(device: Device,
                                                                               policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    answer = device.upload(device.seal([payment, payment])).json()
    assert [(r["status"], r["code"]) for r in answer["results"]] == [
        ("accepted", None), ("rejected", "sync.duplicate_in_batch")]


def test_a_rejected_record_corrected_in_a_later_batch_that_references_it_is_accepted(
    device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    broken = copy.deepcopy(payment)
    broken["payload"]["method"] = "cheque"
    first = device.seal([broken])
    assert _single_result(device, broken)["code"] == "sync.field_invalid"
    correction = device.seal([payment], references=first["batch_id"])
    assert correction["references_batch_id"] == first["batch_id"]
    assert device.upload(correction).json()["results"][0] == {
        "record_id": payment["record_id"], "status": "accepted", "code": None, "message": None, "params": {}}


def test_a_void_is_accepted_once_per_receipt(device: Device, policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    void = void_record(device, payment)
    second_void = void_record(device, payment, reason="Lần hai")
    results = results_by_id(device.upload(device.seal([payment, void, second_void])).json())
    assert results[void["record_id"]]["status"] == "accepted"
    assert (results[second_void["record_id"]]["status"], results[second_void["record_id"]]["code"]) == (
        "rejected", "receipt.already_void")


def test_a_void_without_a_reason_is_rejected(device: Device, policy_table: PolicyTable):
    result = _single_result(device, void_record(device, device.next_receipt(), reason="  "))
    assert (result["status"], result["code"]) == ("rejected", "receipt.void_reason_empty")


def test_an_empty_batch_is_received_with_no_results(device: Device):
    batch = device.seal([])
    assert batch["sha256"] == batch_digest([])
    response = device.upload(batch)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_answer_of_an_unknown_batch_is_404(device: Device):
    response = device.get(f"/batches/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_batch_that_does_not_follow_the_schema_is_refused_with_422(device: Device, policy_table: PolicyTable):
    batch = dict(device.seal([family_hi_payment(device, policy_table)]))
    for bad in ({**batch, "device_sequence": "7"}, {**batch, "extra": 1}, {**batch, "batch_id": "not-a-uuid"}):
        response = device.upload(bad)  # type: ignore[arg-type]
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "request.invalid"
    assert device.upload({**batch, "device_sequence": "7"}).json()["error"]["message"].startswith(  # type: ignore[arg-type]
        "body.device_sequence: ")


def test_a_payload_holding_floats_is_digested_the_way_the_device_digests_it(device: Device, policy_table: PolicyTable):
    # Money is int, but a payload may carry other numbers (here a position): the server must hash
    # them exactly as the device's canonical JSON does, or the batch would look tampered with.
    payment = family_hi_payment(device, policy_table)
    payment["payload"]["position"] = [10.762622, 106.660172, 1e16, 2.5e-7, -0.0]
    batch = device.seal([payment])
    first = device.upload(batch)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["accepted"]
    assert device.upload(batch).content == first.content


def test_nan_or_infinity_in_a_payload_is_refused_with_422(device: Device, policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    payment["payload"]["position"] = 0
    batch = device.seal([payment])
    for constant in ("NaN", "Infinity", "-Infinity"):
        body = json.dumps(batch).replace('"position": 0', f'"position": {constant}')
        response = device.session.post(f"{device.server.url}/batches", data=body.encode(), timeout=30,
                                       headers={**device.headers, "Content-Type": "application/json"})
        assert response.status_code == 422, (constant, response.text)
        assert response.json()["error"]["code"] == "request.invalid"
    assert device.server.count("batches", batch_id=batch["batch_id"]) == 0


def test_a_body_not_sent_as_json_is_refused_with_422(device: Device, policy_table: PolicyTable):
    body = json.dumps(device.seal([family_hi_payment(device, policy_table)])).encode()
    for content_type in ("text/plain", None):
        headers = {**device.headers, **({"Content-Type": content_type} if content_type else {})}
        response = device.session.post(f"{device.server.url}/batches", data=body, headers=headers, timeout=30)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "request.invalid"
