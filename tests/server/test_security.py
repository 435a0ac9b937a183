"""Security: every call authenticated, devices confined to their own data, roles kept apart, bodies bounded."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from server_helpers import Device, Server, Supervisor, add_supervisor, enrol, family_hi_payment, log_in, new_point

from collector_app.domain.policy import PolicyTable

MIB = 1024 * 1024
LIMIT = 8 * MIB  # the default body limit of `provincial-server serve`

PROTECTED = [
    ("POST", "/batches"),
    ("GET", f"/batches/{uuid.uuid4()}"),
    ("GET", "/changes"),
    ("POST", "/receipts/verify"),
    ("GET", "/review/batches"),
    ("GET", f"/review/batches/{uuid.uuid4()}"),
    ("POST", f"/review/records/{uuid.uuid4()}"),
    ("GET", f"/review/records/{uuid.uuid4()}/history"),
    ("POST", f"/review/batches/{uuid.uuid4()}/approve-rest"),
    ("POST", "/auth/logout"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_call_without_a_token_is_refused_with_401(server: Server, method: str, path: str):
    response = requests.request(method, server.url + path, json={}, timeout=30)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.missing"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["dev_forged", "sup_forged", "something", ""])
def test_a_call_with_an_unknown_token_is_refused_with_401(server: Server, token: str):
    response = requests.get(f"{server.url}/changes", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("auth.invalid", "auth.missing")


def test_a_device_cannot_read_another_devices_batch(server: Server, device: Device, policy_table: PolicyTable):
    batch = device.seal([family_hi_payment(device, policy_table)])
    device.upload(batch)
    for other in (enrol(server, new_point(server)), enrol(server, device.point_code)):
        response = other.get(f"/batches/{batch['batch_id']}")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "auth.other_point"


def test_a_device_cannot_upload_a_batch_in_another_devices_name(server: Server, device: Device,
                                                                policy_table: PolicyTable):
    other = enrol(server, new_point(server))
    batch = device.seal([family_hi_payment(device, policy_table)])
    response = other.upload(batch)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.other_point"
    assert server.count("batches", batch_id=batch["batch_id"]) == 0


def test_a_device_cannot_replay_another_devices_batch_id_to_learn_its_answer(
    server: Server, device: Device, policy_table: PolicyTable
):
    batch = device.seal([family_hi_payment(device, policy_table)])
    device.upload(batch)
    thief = enrol(server, new_point(server))
    copied = thief.seal([])
    copied["batch_id"] = batch["batch_id"]
    response = thief.upload(copied)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path"), [m for m in PROTECTED if "/review/" in m[1] or m[1] == "/auth/logout"])
def test_a_supervisor_endpoint_refuses_a_device_token_with_403(device: Device, method: str, path: str):
    response = requests.request(method, device.server.url + path, json={"decision": "approve"},
                                headers=device.headers, timeout=30)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.wrong_role"


@pytest.mark.parametrize(("method", "path"), [("POST", "/batches"), ("GET", "/changes")])
def test_a_device_endpoint_refuses_a_supervisor_token_with_403(supervisor: Supervisor, method: str, path: str):
    response = requests.request(method, supervisor.server.url + path, json={}, headers=supervisor.headers,
                                timeout=30)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.wrong_role"


def test_a_supervisor_who_logs_out_ends_that_session_only(server: Server):
    username = add_supervisor(server)
    tokens = [log_in(server, username).json()["token"] for _ in range(2)]  # two windows signed in
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
    assert requests.get(f"{server.url}/review/batches?limit=1", headers=headers[0], timeout=30).status_code == 200

    response = requests.post(f"{server.url}/auth/logout", headers=headers[0], timeout=30)
    assert response.status_code == 204 and response.content == b""
    refused = requests.get(f"{server.url}/review/batches?limit=1", headers=headers[0], timeout=30)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "auth.invalid"
    again = requests.post(f"{server.url}/auth/logout", headers=headers[0], timeout=30)
    assert again.status_code == 401
    assert requests.get(f"{server.url}/review/batches?limit=1", headers=headers[1], timeout=30).status_code == 200


def _raw_request(server: Server, head: str, body_parts: list[bytes]) -> tuple[int, dict]:
    """Send a request over a plain socket (as much of the body as given) and read the status and JSON body."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(head.encode("ascii"))
        for part in body_parts:
            connection.sendall(part)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in header.lower():
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    return status, json.loads(body)


def test_a_body_declared_larger_than_the_limit_is_refused_with_413_before_it_is_sent(device: Device):
    head = (f"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {device.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {LIMIT + 1}\r\n\r\n")
    # No byte of the body: the answer must come from the declared length alone (and a server closing
    # on body bytes it never read may reset the connection before its answer is read).
    status, body = _raw_request(device.server, head, [])
    assert status == 413
    assert body["error"]["code"] == "request.too_large"


def test_a_chunked_body_that_grows_past_the_limit_is_refused_with_413(device: Device):
    head = (f"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {device.token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * MIB
    chunks = [f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(LIMIT // MIB + 1)]
    status, body = _raw_request(device.server, head, [*chunks, b"0\r\n\r\n"])
    assert status == 413
    assert body["error"]["code"] == "request.too_large"


def test_a_body_just_under_the_limit_is_read(device: Device):
    filler = "x" * (LIMIT - 1000)
    response = device.post("/receipts/verify", {"payload": filler})
    assert response.status_code == 422  # read and validated, not refused for its size
    assert response.json()["error"]["code"] == "request.invalid"


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/nowhere", 404, "not_found"),
    ("DELETE", "/changes", 405, "request.method_not_allowed"),
])
def test_unknown_paths_and_methods_answer_with_a_json_error(server: Server, method: str, path: str, status: int,
                                                           code: str):
    response = requests.request(method, server.url + path, timeout=30)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_body_that_is_not_json_answers_with_a_json_error(device: Device):
    response = requests.post(f"{device.server.url}/batches", data=b"{not json", headers={
        **device.headers, "Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


def test_text_that_is_not_valid_unicode_is_refused_and_never_fails_the_server(device: Device,
                                                                              policy_table: PolicyTable):
    batch = device.seal([family_hi_payment(device, policy_table)])
    body = json.dumps(batch).replace('"payer_name": "Nguy', '"payer_name": "\\ud800Nguy')
    for path, text in (("/batches", body), ("/receipts/verify", '{"payload": "BL1.\\ud800"}'),
                       ("/receipts/verify", '{"payload": "BL1.X.1.20260101.\\u0000.Y"}')):
        response = requests.post(device.server.url + path, data=text.encode(), timeout=30,
                                 headers={**device.headers, "Content-Type": "application/json"})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["code"] == "request.invalid"


@pytest.mark.parametrize("path", ["/batches", "/receipts/verify", "/devices/enrol", "/auth/login"])
def test_a_body_nested_1000_deep_is_refused_with_422_and_one_32_deep_is_read(device: Device, path: str):
    def post(depth: int) -> requests.Response:
        return requests.post(device.server.url + path, data=b"[" * depth + b"]" * depth, timeout=30,
                             headers={**device.headers, "Content-Type": "application/json"})

    deep = post(1000)
    assert deep.status_code == 422  # was a 500 on /batches
    assert deep.json()["error"] == {"code": "request.invalid",
                                    "message": "body: the JSON is nested more than 32 levels deep"}
    within = post(32)
    assert within.status_code == 422  # read, then refused by the schema: a list is not the body
    assert "nested" not in within.json()["error"]["message"]
