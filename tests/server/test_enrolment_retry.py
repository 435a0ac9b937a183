"""Asking again for an enrolment whose reply was lost: the device's signature proves it is the same device,
and the repeat is answered only while the code is valid and the first token was never used."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from server_helpers import Server, enrolment_code
from sqlalchemy import update

from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.wire import encode_key, sign_enrolment
from provincial_server.store.schema import enrolment_codes


@dataclass
class Keys:
    """A device that has not enrolled yet: its id and key pair, as `collector-app` makes them."""

    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    pair: tuple[bytes, bytes] = field(default_factory=generate_device_keys)

    def body(self, code: str, *, signed: bool = True, signer: bytes | None = None) -> dict[str, Any]:
        """The enrolment request; signed with its own key, or with `signer` (someone else's key)."""
        private_key, public_key = self.pair
        body = {"code": code, "device_id": self.device_id, "device_name": "Máy thu 2",
                "public_key": encode_key(public_key)}
        if signed:
            body["signature"] = sign_enrolment(code=code, device_id=self.device_id, public_key=public_key,
                                               private_key=signer or private_key)
        return body


def _enrol(server: Server, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}/devices/enrol", json=body, timeout=30)


def _changes(server: Server, token: str) -> requests.Response:
    return requests.get(f"{server.url}/changes", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


REFUSED = (401, "enrolment.code_invalid")


def test_a_signed_request_sent_again_after_a_lost_reply_gets_a_fresh_token_and_the_same_answer(
    server: Server, point: str
):
    device, code = Keys(), enrolment_code(server, point)
    first = _enrol(server, device.body(code))  # its reply "lost": the device never saw this token
    again = _enrol(server, device.body(code))
    assert (first.status_code, again.status_code) == (200, 200), again.text
    lost, kept = first.json(), again.json()
    assert kept["token"] != lost["token"]
    assert {k: v for k, v in kept.items() if k != "token"} == {k: v for k, v in lost.items() if k != "token"}
    assert _error(_changes(server, lost["token"])) == (401, "auth.invalid")  # only one token is valid
    assert _changes(server, kept["token"]).status_code == 200
    assert server.count("devices", id=device.device_id) == 1


def test_the_code_may_be_typed_differently_in_the_repeat(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    assert _enrol(server, device.body(code)).status_code == 200
    assert _enrol(server, device.body(code.replace("-", " ").lower())).status_code == 200


def test_once_the_token_has_been_used_the_code_cannot_be_repeated(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    token = _enrol(server, device.body(code)).json()["token"]
    assert _changes(server, token).status_code == 200
    assert _error(_enrol(server, device.body(code))) == REFUSED
    assert _changes(server, token).status_code == 200  # the device keeps its token


def test_a_repeat_after_the_code_expired_is_refused(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    token = _enrol(server, device.body(code)).json()["token"]
    server.execute(update(enrolment_codes).where(enrolment_codes.c.device_id == device.device_id)
                   .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    assert _error(_enrol(server, device.body(code))) == REFUSED
    assert _changes(server, token).status_code == 200


def test_another_device_or_another_key_cannot_repeat_a_spent_code_even_when_signed(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    token = _enrol(server, device.body(code)).json()["token"]
    impostor = Keys(device_id=device.device_id)  # knows the id (and the code), not the key
    assert _error(_enrol(server, impostor.body(code))) == REFUSED
    assert _error(_enrol(server, Keys().body(code))) == REFUSED
    assert _changes(server, token).status_code == 200  # the device's token was not replaced


def test_a_repeat_without_a_signature_is_refused(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    token = _enrol(server, device.body(code)).json()["token"]
    assert _error(_enrol(server, device.body(code, signed=False))) == REFUSED
    assert _changes(server, token).status_code == 200


def test_an_unsigned_first_enrolment_from_an_older_client_is_accepted_but_never_repeated(
    server: Server, point: str
):
    device, code = Keys(), enrolment_code(server, point)
    first = _enrol(server, device.body(code, signed=False))
    assert first.status_code == 200, first.text
    assert _error(_enrol(server, device.body(code, signed=False))) == REFUSED
    assert _changes(server, first.json()["token"]).status_code == 200


def test_a_wrong_signature_is_refused_without_spending_the_code(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    forged = device.body(code, signer=generate_device_keys()[0])
    assert _error(_enrol(server, forged)) == (401, "enrolment.proof_invalid")
    other_code = device.body(enrolment_code(server, point))  # signed, but for another code
    assert _error(_enrol(server, {**device.body(code), "signature": other_code["signature"]})) == (
        401, "enrolment.proof_invalid")
    assert _enrol(server, device.body(code)).status_code == 200


def test_a_malformed_signature_is_a_422(server: Server, point: str):
    body = {**Keys().body(enrolment_code(server, point)), "signature": "not a signature"}
    assert _error(_enrol(server, body)) == (422, "request.invalid")


def test_a_repeat_keeps_the_device_code_it_asked_for(server: Server, point: str):
    device, code = Keys(), enrolment_code(server, point)
    first = _enrol(server, {**device.body(code), "device_code": "K9"})
    again = _enrol(server, {**device.body(code), "device_code": "K9"})
    assert (first.json()["series"], again.json()["series"]) == (f"{point}K9", f"{point}K9")
    assert _error(_enrol(server, {**device.body(code), "device_code": "K8"})) == REFUSED


def test_the_first_call_with_a_token_is_written_down(server: Server, point: str):
    device = Keys()
    token = _enrol(server, device.body(enrolment_code(server, point))).json()["token"]
    assert server.count("devices", id=device.device_id, token_used_at=None) == 1
    _changes(server, token)
    assert server.count("devices", id=device.device_id, token_used_at=None) == 0
