"""Revoking a device (`provincial-server revoke-device`), listing devices, and when a device was last seen."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from server_helpers import (
    PAID_ON,
    SERVER_EXE,
    Device,
    Server,
    Supervisor,
    enrol,
    enrolment_code,
    family_hi_payment,
    new_point,
    summary,
)
from sqlalchemy import select, update

from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, encode_payload
from collector_app.wire import batch_file, batch_file_name, encode_key, sign_enrolment
from provincial_server import cli
from provincial_server.store.schema import devices


def _list(server: Server, *args: str) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = json.loads(server.admin("list-devices", "--json", *args))
    return rows


def _row(server: Server, device: Device) -> dict[str, str | None]:
    return next(row for row in _list(server, "--point", device.point_code) if row["device_id"] == device.device_id)


def _qr(device: Device, number: str, amount: int, issued_on: date) -> str:
    return encode_payload(ReceiptClaim(number, amount, issued_on, device.series), device.private_key)


def _revoke_at(server: Server, device: Device, moment: datetime) -> None:
    server.execute(update(devices).where(devices.c.id == device.device_id).values(revoked_at=moment))


def test_a_revoked_devices_token_is_refused_on_every_call_with_device_revoked(
    server: Server, device: Device, policy_table: PolicyTable
):
    batch = device.seal([family_hi_payment(device, policy_table)])
    assert device.upload(batch).status_code == 200
    printed = server.admin("revoke-device", device.series)
    assert printed.startswith(f"device {device.series} ") and "revoked" in printed
    calls = [device.get("/changes"), device.get(f"/batches/{batch['batch_id']}"),
             device.upload(device.seal([family_hi_payment(device, policy_table)])),
             device.post("/receipts/verify", {"payload": "BL1.X"})]
    for response in calls:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "device.revoked"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_what_a_revoked_device_delivered_stays_and_can_still_be_reviewed(
    server: Server, device: Device, policy_table: PolicyTable, supervisor: Supervisor
):
    batch = device.seal([family_hi_payment(device, policy_table)])
    device.upload(batch)
    before = summary(server)
    server.admin("revoke-device", device.device_id)
    assert summary(server) == before
    detail = supervisor.get(f"/review/batches/{batch['batch_id']}")
    assert detail.status_code == 200
    record_id = batch["records"][0]["record_id"]
    decision = supervisor.post(f"/review/records/{record_id}", {"decision": "approve", "reason": ""})
    assert decision.status_code == 200


def test_revoking_again_says_so_and_an_unknown_device_is_a_one_line_error(
    server: Server, device: Device, capsys: pytest.CaptureFixture[str]
):
    server.admin("revoke-device", device.series.lower())
    revoked_at = _row(server, device)["revoked_at"]
    assert server.admin("revoke-device", device.series) == (
        f"device {device.series} ({device.device_id}) was already revoked at {revoked_at}\n")
    assert _row(server, device)["revoked_at"] == revoked_at
    for unknown in ("ZZ99M9", str(uuid.uuid4())):
        assert cli.main(["revoke-device", unknown, "--database-url", server.database_url]) == 1
        error = capsys.readouterr().err
        assert error.startswith("provincial-server: error: no device is enrolled as") and error.count("\n") == 1


def test_list_devices_shows_each_devices_point_name_and_times(server: Server):
    point = new_point(server)
    first, second = enrol(server, point), enrol(server, point)
    first.get("/changes")
    server.admin("revoke-device", second.series)
    rows = _list(server, "--point", point)
    assert [(r["series"], r["point_code"], r["device_code"], r["name"]) for r in rows] == [
        (first.series, point, "M1", "Laptop điểm thu"), (second.series, point, "M2", "Laptop điểm thu")]
    assert [r["device_id"] for r in rows] == [first.device_id, second.device_id]
    assert all(r["enrolled_at"] for r in rows)
    assert (rows[0]["last_seen_at"] is not None, rows[0]["revoked_at"]) == (True, None)
    assert (rows[1]["last_seen_at"], rows[1]["revoked_at"] is not None) == (None, True)
    table = server.admin("list-devices", "--point", point).splitlines()
    assert table[0].split()[:3] == ["device", "point", "name"]
    assert [line.split()[0] for line in table[1:]] == [first.series, second.series]
    assert {row["point_code"] for row in _list(server)} >= {point}


def test_last_seen_is_written_at_most_once_a_minute(server: Server, device: Device):
    def last_seen() -> datetime | None:
        with server.engine.connect() as connection:
            return connection.scalar(select(devices.c.last_seen_at).where(devices.c.id == device.device_id))

    device.get("/changes")
    seen = last_seen()
    assert seen is not None
    device.get("/changes")
    assert last_seen() == seen  # within the minute: no write
    earlier = seen - timedelta(minutes=2)
    server.execute(update(devices).where(devices.c.id == device.device_id).values(last_seen_at=earlier))
    device.get("/changes")
    assert last_seen() not in (earlier, None)


def test_a_revoked_device_cannot_enrol_again_and_the_code_stays_usable(server: Server, device: Device):
    server.admin("revoke-device", device.series)
    code = enrolment_code(server, device.point_code)
    body = {"code": code, "device_id": device.device_id, "device_name": "Laptop điểm thu",
            "public_key": encode_key(device.public_key),
            "signature": sign_enrolment(code=code, device_id=device.device_id, public_key=device.public_key,
                                        private_key=device.private_key)}
    response = requests.post(f"{server.url}/devices/enrol", json=body, timeout=30)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "device.revoked"
    other = {**body, "device_id": str(uuid.uuid4())}
    other.pop("signature")
    assert requests.post(f"{server.url}/devices/enrol", json=other, timeout=30).status_code == 200


def test_receipts_of_a_revoked_device_verify_up_to_the_day_it_was_revoked(
    server: Server, device: Device, policy_table: PolicyTable, supervisor: Supervisor
):
    day_after = PAID_ON + timedelta(days=1)
    delivered = family_hi_payment(device, policy_table, paid_on=day_after)
    device.upload(device.seal([delivered]))
    _revoke_at(server, device, datetime(PAID_ON.year, PAID_ON.month, PAID_ON.day, 10, tzinfo=UTC))

    def verify(number: str, amount: int, issued_on: date) -> dict[str, object]:
        answer: dict[str, object] = supervisor.post("/receipts/verify", {"payload": _qr(device, number, amount,
                                                                                         issued_on)}).json()
        return answer

    before = verify(device.next_receipt(), 500_000, PAID_ON)
    assert (before["valid"], before["code"], before["device_revoked_at"]) == (True, None, "2026-03-05T10:00:00Z")
    after = verify(device.next_receipt(), 500_000, day_after)
    assert (after["valid"], after["code"], after["recorded"]) == (False, "receipt_code.device_revoked", False)
    number, amount = delivered["payload"]["receipt"]["number"], delivered["payload"]["amount"]
    received = verify(number, amount, day_after)  # its payment reached the server before the revocation
    assert (received["valid"], received["recorded"]) == (True, True)


def test_batch_files_of_a_revoked_device_are_refused(server: Server, device: Device, policy_table: PolicyTable,
                                                     tmp_path: Path):
    batch = device.seal([family_hi_payment(device, policy_table)])
    (tmp_path / batch_file_name(batch["batch_id"])).write_text(json.dumps(batch_file(batch, device.private_key)),
                                                               encoding="utf-8")
    server.admin("revoke-device", device.series)
    result = subprocess.run([str(SERVER_EXE), "import-batches", str(tmp_path), "--json", "--database-url",
                             server.database_url], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert [(o["status"], o["code"]) for o in json.loads(result.stdout)] == [("refused", "device.revoked")]
    assert server.count("batches", batch_id=batch["batch_id"]) == 0
