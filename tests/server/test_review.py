"""Supervisors: login with expiring tokens, review of batches, and decisions flowing back to devices."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from server_helpers import (
    Device,
    Server,
    Supervisor,
    add_supervisor,
    enrol,
    family_hi_payment,
    log_in,
    new_point,
    vsi_payment,
)
from sqlalchemy import update

from collector_app.domain.policy import PolicyTable
from provincial_server.store.schema import sessions


def test_a_supervisor_logs_in_with_the_password_and_gets_a_token_that_expires(server: Server):
    username = add_supervisor(server)
    response = log_in(server, username)
    assert response.status_code == 200
    answer = response.json()
    assert answer["token"].startswith("sup_")
    expires_at = datetime.strptime(answer["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires_at > datetime.now(UTC) + timedelta(hours=7)


def test_a_wrong_password_or_unknown_user_is_refused_with_401(server: Server):
    username = add_supervisor(server)
    for name, password in ((username, "not the password"), ("nobody", "correct horse battery")):
        response = log_in(server, name, password)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "auth.invalid"


def test_an_expired_session_token_is_refused_with_401(server: Server):
    token = log_in(server, add_supervisor(server)).json()["token"]
    assert Supervisor(server, token).get("/review/batches").status_code == 200
    server.execute(update(sessions).where(sessions.c.token_hash == hashlib.sha256(token.encode()).hexdigest())
                   .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    response = Supervisor(server, token).get("/review/batches")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.invalid"


def _upload_mixed_batch(device: Device, table: PolicyTable) -> tuple[dict, list[str]]:
    good = [family_hi_payment(device, table), vsi_payment(device, table)]
    bad = family_hi_payment(device, table)
    bad["payload"]["scheme"] = "pension"
    batch = device.seal([*good, bad])
    assert device.upload(batch).status_code == 200
    return batch, [record["record_id"] for record in [*good, bad]]


def test_a_supervisor_sees_a_points_batches_pending_until_every_accepted_record_is_decided(
    device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    batch, (first, second, rejected) = _upload_mixed_batch(device, policy_table)
    [listed] = supervisor.get("/review/batches", params={"point": device.point_code}).json()["batches"]
    assert (listed["batch_id"], listed["status"], listed["accepted"], listed["rejected"], listed["pending_review"]) == (
        batch["batch_id"], "pending", 2, 1, 2)

    detail = supervisor.get(f"/review/batches/{batch['batch_id']}").json()
    assert [(r["record_id"], r["status"], r["review"]) for r in detail["records"]] == [
        (first, "accepted", "pending"), (second, "accepted", "pending"), (rejected, "rejected", None)]
    assert detail["records"][0]["payload"]["receipt"]["number"].startswith(device.series)
    assert detail["records"][2]["code"] == "sync.field_invalid"

    assert supervisor.post(f"/review/records/{first}", {"decision": "approve"}).status_code == 200
    reject = supervisor.post(f"/review/records/{second}", {"decision": "reject", "reason": "Sai thu nhập"})
    assert reject.status_code == 200
    assert reject.json()["reason"] == "Sai thu nhập"
    reviewed = supervisor.get("/review/batches", params={"point": device.point_code, "status": "reviewed"}).json()
    assert [b["batch_id"] for b in reviewed["batches"]] == [batch["batch_id"]]
    pending = supervisor.get("/review/batches", params={"point": device.point_code, "status": "pending"}).json()
    assert pending["batches"] == []


def test_rejecting_without_a_reason_is_refused(device: Device, supervisor: Supervisor, policy_table: PolicyTable):
    _, (first, *_) = _upload_mixed_batch(device, policy_table)
    response = supervisor.post(f"/review/records/{first}", {"decision": "reject", "reason": " "})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


def test_a_reason_with_control_or_invisible_characters_is_refused(device: Device, supervisor: Supervisor,
                                                                   policy_table: PolicyTable):
    _, (first, *_) = _upload_mixed_batch(device, policy_table)
    for reason in ("\x1b[31mSai số tiền", "Sai\u202e số tiền", "Sai\u200b số tiền"):
        response = supervisor.post(f"/review/records/{first}", {"decision": "reject", "reason": reason})
        assert response.status_code == 422
        assert "control or invisible characters" in response.json()["error"]["message"]
    assert supervisor.post(f"/review/records/{first}", {"decision": "reject", "reason": "Sai số tiền"}
                           ).status_code == 200


def test_a_record_the_server_rejected_cannot_be_decided_and_an_unknown_one_is_404(
    device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    _, (*_, rejected) = _upload_mixed_batch(device, policy_table)
    response = supervisor.post(f"/review/records/{rejected}", {"decision": "approve"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "review.not_reviewable"
    assert supervisor.post(f"/review/records/{uuid.uuid4()}", {"decision": "approve"}).status_code == 404


def test_decisions_reach_the_devices_of_their_point_through_the_since_cursor(
    server: Server, supervisor: Supervisor, policy_table: PolicyTable
):
    point = new_point(server)
    device, colleague = enrol(server, point), enrol(server, point)
    elsewhere = enrol(server, new_point(server))
    _, (first, second, _) = _upload_mixed_batch(device, policy_table)
    _upload_mixed_batch(elsewhere, policy_table)

    start = device.get("/changes").json()
    assert [table["version"] for table in start["policy_tables"]] == ["2026.11.1"]
    assert start["reference"]["series"] == device.series
    assert start["decisions"] == []
    cursor = start["cursor"]

    supervisor.post(f"/review/records/{first}", {"decision": "approve"})
    supervisor.post(f"/review/records/{second}", {"decision": "reject", "reason": "Thiếu giấy tờ"})
    changes = device.get("/changes", params={"since": cursor}).json()
    assert [(d["record_id"], d["decision"], d["reason"]) for d in changes["decisions"]] == [
        (first, "approve", ""), (second, "reject", "Thiếu giấy tờ")]
    assert changes["policy_tables"] == []
    assert int(changes["cursor"]) > int(cursor)
    assert colleague.get("/changes", params={"since": cursor}).json()["decisions"] == changes["decisions"]
    assert elsewhere.get("/changes", params={"since": cursor}).json()["decisions"] == []

    nothing_new = device.get("/changes", params={"since": changes["cursor"]}).json()
    assert (nothing_new["decisions"], nothing_new["cursor"]) == ([], changes["cursor"])

    supervisor.post(f"/review/records/{second}", {"decision": "approve", "reason": "Đã bổ sung"})
    latest = device.get("/changes", params={"since": changes["cursor"]}).json()
    assert [(d["record_id"], d["decision"]) for d in latest["decisions"]] == [(second, "approve")]


def test_the_changes_come_in_pages_when_there_are_many(server: Server, supervisor: Supervisor,
                                                      policy_table: PolicyTable):
    device = enrol(server, new_point(server))
    records = [family_hi_payment(device, policy_table) for _ in range(5)]
    device.upload(device.seal(records))
    cursor = device.get("/changes").json()["cursor"]
    for record in records:
        supervisor.post(f"/review/records/{record['record_id']}", {"decision": "approve"})
    seen: list[str] = []
    pages = 0
    while True:
        page = device.get("/changes", params={"since": cursor, "limit": 2}).json()
        seen += [d["record_id"] for d in page["decisions"]]
        cursor, pages = page["cursor"], pages + 1
        if not page["more"]:
            break
    assert seen == [record["record_id"] for record in records]
    assert pages == 3
