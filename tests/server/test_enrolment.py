"""Enrolling a device: a one-time code from `provincial-server enrolment-code` gives a token once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import requests
from server_helpers import Server, enrol, enrolment_code
from sqlalchemy import update

from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.wire import decode_key, encode_key, sign_enrolment
from provincial_server.store.schema import enrolment_codes


def _enrol_body(code: str, *, device_id: str | None = None, public_key: bytes | None = None,
                device_code: str | None = None, private_key: bytes | None = None) -> dict[str, str]:
    """An enrolment request, signed when `private_key` (the other half of `public_key`) is given."""
    body = {"code": code, "device_id": device_id or str(uuid.uuid4()), "device_name": "Máy thu 1",
            "public_key": encode_key(public_key or generate_device_keys()[1])}
    if device_code:
        body["device_code"] = device_code
    if private_key is not None:
        body["signature"] = sign_enrolment(code=code, device_id=body["device_id"], public_key=decode_key(
            body["public_key"]), private_key=private_key)
    return body


def test_a_one_time_code_enrols_a_device_into_its_point_with_a_token_and_the_servers_key(server: Server, point: str):
    code = enrolment_code(server, point)
    response = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code), timeout=30)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["point_code"] == point
    assert answer["device_code"] == "M1"
    assert answer["series"] == f"{point}M1"
    assert answer["token"].startswith("dev_")
    assert len(decode_key(answer["server_public_key"])) == 32
    changes = requests.get(f"{server.url}/changes", headers={"Authorization": f"Bearer {answer['token']}"}, timeout=30)
    assert changes.status_code == 200


def test_the_same_code_is_refused_the_second_time(server: Server, point: str):
    code = enrolment_code(server, point)
    first = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code), timeout=30)
    second = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code), timeout=30)
    assert first.status_code == 200
    assert second.status_code == 401
    assert second.json()["error"]["code"] == "enrolment.code_invalid"


def test_a_code_is_accepted_as_typed_in_lower_case_and_without_dashes(server: Server, point: str):
    code = enrolment_code(server, point).replace("-", " ").lower()
    response = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code), timeout=30)
    assert response.status_code == 200, response.text


def test_an_expired_code_is_refused(server: Server, point: str):
    code = enrolment_code(server, point)
    server.execute(update(enrolment_codes)
                   .where(enrolment_codes.c.used_at.is_(None), enrolment_codes.c.point_code == point)
                   .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    response = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code), timeout=30)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "enrolment.code_invalid"


def test_devices_of_a_point_get_the_next_free_device_codes_or_keep_their_own(server: Server, point: str):
    assert enrol(server, point).series == f"{point}M1"
    assert enrol(server, point, device_code="K7").series == f"{point}K7"
    assert enrol(server, point).series == f"{point}M2"


def test_a_device_code_already_used_in_the_point_is_refused_and_the_code_stays_usable(server: Server, point: str):
    enrol(server, point, device_code="M5")
    code = enrolment_code(server, point)
    taken = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code, device_code="M5"), timeout=30)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "device.code_taken"
    retry = requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code, device_code="M6"), timeout=30)
    assert retry.status_code == 200


def test_enrolling_again_with_a_new_code_replaces_the_token(server: Server, point: str):
    device = enrol(server, point)
    body = _enrol_body(enrolment_code(server, point), device_id=device.device_id, public_key=device.public_key,
                       private_key=device.private_key)
    again = requests.post(f"{server.url}/devices/enrol", json=body, timeout=30)
    assert again.status_code == 200
    assert again.json()["series"] == device.series
    assert device.get("/changes").status_code == 401  # the old token
    new = requests.get(f"{server.url}/changes", headers={"Authorization": f"Bearer {again.json()['token']}"},
                       timeout=30)
    assert new.status_code == 200


def test_the_same_device_id_with_another_key_is_refused(server: Server, point: str):
    device = enrol(server, point)
    body = _enrol_body(enrolment_code(server, point), device_id=device.device_id)
    response = requests.post(f"{server.url}/devices/enrol", json=body, timeout=30)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "device.conflict"


def test_enrolling_a_known_device_again_without_its_signature_is_refused_and_the_code_stays_usable(
    server: Server, point: str
):
    device = enrol(server, point)
    code = enrolment_code(server, point)
    unsigned = requests.post(f"{server.url}/devices/enrol", timeout=30,
                             json=_enrol_body(code, device_id=device.device_id, public_key=device.public_key))
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "enrolment.proof_invalid"
    assert device.get("/changes").status_code == 200  # its token still works
    assert requests.post(f"{server.url}/devices/enrol", json=_enrol_body(code), timeout=30).status_code == 200


def test_a_device_name_with_control_or_invisible_characters_or_too_long_is_refused_and_the_code_stays_usable(
    server: Server, point: str
):
    code = enrolment_code(server, point)
    for name in ("\x1b[2JLaptop", "Laptop\u202egnp.exe", "Lap\u200btop", "Máy thu\n2", "M" * 101):
        response = requests.post(f"{server.url}/devices/enrol", json={**_enrol_body(code), "device_name": name},
                                 timeout=30)
        assert response.status_code == 422, name
        assert response.json()["error"]["code"] == "request.invalid"
    assert requests.post(f"{server.url}/devices/enrol", json={**_enrol_body(code), "device_name": "M" * 100},
                         timeout=30).status_code == 200
