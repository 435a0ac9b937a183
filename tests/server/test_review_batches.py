"""Supervisors' review at province scale: the batch list's filters, totals, paging and sorting, a batch's records
as a supervisor checks them, each record's history, approving the rest, superseding a decision, the append-only
audit trail of decisions, and points placed in a commune."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from server_helpers import (
    Device,
    Server,
    Supervisor,
    enrol,
    family_hi_payment,
    new_point,
    void_record,
    vsi_payment,
)
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, generate_device_keys, signature_of
from collector_app.domain.receipt_numbers import format_receipt_number
from provincial_server import cli
from provincial_server.store.schema import decisions, points

VIETNAM = timezone(timedelta(hours=7))
CA_MAU = "96"
BAC_LIEU, VINH_TRACH = "31825", "31834"  # communes of Cà Mau
CAI_KHE = "31120"  # a commune of Cần Thơ
_placed = iter(range(1, 1000))


def placed_point(server: Server, commune: str) -> str:
    code = f"C{next(_placed):04d}"
    server.admin("add-point", code, f"Điểm thu {code}", "--commune", commune)
    return code


def upload(device: Device, table: PolicyTable, payments: int, *, rejected: int = 0) -> dict[str, Any]:
    records = [vsi_payment(device, table, months=(1, 3, 6)[n % 3]) for n in range(payments)]
    for _ in range(rejected):  # numbered for another year than its date: the server refuses it
        records.append(family_hi_payment(device, table, receipt_number=format_receipt_number(device.series, 2025, 9)))
    batch = device.seal(records)
    response = device.upload(batch)
    assert response.status_code == 200, response.text
    return batch


def listed(supervisor: Supervisor, **params: Any) -> dict[str, Any]:
    response = supervisor.get("/review/batches", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(answer: dict[str, Any]) -> list[str]:
    return [batch["batch_id"] for batch in answer["batches"]]


def test_add_point_with_a_commune_takes_its_province_and_refuses_an_unknown_commune_in_one_line(
    server: Server, capsys: pytest.CaptureFixture[str]
):
    code = placed_point(server, BAC_LIEU)
    with server.engine.connect() as connection:
        row = connection.execute(select(points.c.province_code, points.c.commune_code)
                                 .where(points.c.code == code)).one()
    assert tuple(row) == (CA_MAU, BAC_LIEU)
    assert "already exists" in server.admin("add-point", code, f"Điểm thu {code}", "--commune", BAC_LIEU)

    capsys.readouterr()
    for commune, province in (("99999", None), ("31825", "01"), ("Bạc Liêu", None)):
        extra = ["--province", province] if province else []
        status = cli.main(["add-point", "CX01", "Điểm thu", "--database-url", server.database_url,
                           "--commune", commune, *extra])
        error = capsys.readouterr().err
        assert status == 1
        assert error.count("\n") == 1 and error.startswith("provincial-server: error: ")
        assert "Traceback" not in error
    assert server.count("points", code="CX01") == 0


def test_the_list_filters_by_province_commune_point_device_date_and_state_with_totals_of_the_whole_filter(
    server: Server, supervisor: Supervisor, policy_table: PolicyTable
):
    first, second = placed_point(server, BAC_LIEU), placed_point(server, VINH_TRACH)
    elsewhere = placed_point(server, CAI_KHE)
    a, b = enrol(server, first), enrol(server, first)
    c = enrol(server, second)
    batches_a = [upload(a, policy_table, 2, rejected=1), upload(a, policy_table, 3), upload(a, policy_table, 1)]
    batches_b = [upload(b, policy_table, 2)]
    batches_c = [upload(c, policy_table, 4)]
    upload(enrol(server, elsewhere), policy_table, 2)
    province = batches_a + batches_b + batches_c

    whole = listed(supervisor, province=CA_MAU)
    assert sorted(ids(whole)) == sorted(batch["batch_id"] for batch in province)
    assert whole["total"] == 5
    assert whole["totals"] == {"records": sum(batch["record_count"] for batch in province),
                               "amount": sum(batch["total_amount"] for batch in province),
                               "pending": 2 + 3 + 1 + 2 + 4}
    assert {batch["state"] for batch in whole["batches"]} == {"new"}

    assert sorted(ids(listed(supervisor, commune=VINH_TRACH))) == [batches_c[0]["batch_id"]]
    assert sorted(ids(listed(supervisor, province=CA_MAU, point=first))) == sorted(
        batch["batch_id"] for batch in batches_a + batches_b)
    by_device = listed(supervisor, device=a.device_id)
    assert ids(by_device) == [batch["batch_id"] for batch in reversed(batches_a)]  # newest first
    assert by_device["total"] == 3
    assert ids(listed(supervisor, device=a.series)) == ids(by_device)  # a device by its receipt series too
    assert {batch["series"] for batch in by_device["batches"]} == {a.series}

    # One record decided: partly; the rest approved: reviewed; the others stay new.
    partly, reviewed = batches_a[1], batches_a[2]
    assert supervisor.post(f"/review/records/{partly['records'][0]['record_id']}",
                           {"decision": "reject", "reason": "Sai số tiền"}).status_code == 200
    assert supervisor.post(f"/review/batches/{reviewed['batch_id']}/approve-rest", {}).json()["approved"] == 1
    assert ids(listed(supervisor, device=a.device_id, state="partly")) == [partly["batch_id"]]
    assert ids(listed(supervisor, device=a.device_id, state="reviewed")) == [reviewed["batch_id"]]
    assert ids(listed(supervisor, device=a.device_id, state="new")) == [batches_a[0]["batch_id"]]
    # The older two-way filter still works: pending is new or partly.
    assert sorted(ids(listed(supervisor, device=a.device_id, status="pending"))) == sorted(
        [batches_a[0]["batch_id"], partly["batch_id"]])
    assert listed(supervisor, province=CA_MAU, state="new")["totals"]["pending"] == 2 + 2 + 4

    today = datetime.now(VIETNAM).date()
    assert listed(supervisor, province=CA_MAU, received_from=today.isoformat(),
                  received_to=today.isoformat())["total"] == 5
    assert listed(supervisor, province=CA_MAU, received_to=(today - timedelta(days=1)).isoformat())["total"] == 0
    assert listed(supervisor, province=CA_MAU, received_from=(today + timedelta(days=1)).isoformat())["total"] == 0
    backwards = supervisor.get("/review/batches", params={"received_from": today.isoformat(),
                                                          "received_to": (today - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 422
    for bad in ({"province": "1"}, {"commune": "abc"}, {"state": "pending"}, {"sort": "name"}, {"device": "x-1"}):
        assert supervisor.get("/review/batches", params=bad).status_code == 422


def test_pages_of_the_list_follow_each_sort_and_add_up_to_the_whole_filter(
    server: Server, supervisor: Supervisor, policy_table: PolicyTable
):
    point = new_point(server)
    devices = [enrol(server, point), enrol(server, point)]
    made = [upload(devices[n % 2], policy_table, 1 + n % 4) for n in range(7)]
    supervisor.post(f"/review/batches/{made[3]['batch_id']}/approve-rest", {})
    by_id = {batch["batch_id"]: batch for batch in made}
    expected_pending = {batch["batch_id"]: (0 if batch is made[3] else batch["record_count"]) for batch in made}

    keys = {
        "total": lambda batch_id: by_id[batch_id]["total_amount"],
        "pending": lambda batch_id: expected_pending[batch_id],
    }
    for sort in ("received_at", "point", "total", "pending"):
        for order in ("asc", "desc"):
            whole = listed(supervisor, point=point, sort=sort, order=order, limit=500)
            assert whole["total"] == 7
            paged: list[str] = []
            for offset in range(0, 8, 3):
                page = listed(supervisor, point=point, sort=sort, order=order, limit=3, offset=offset,
                              totals="true" if offset == 0 else "false")
                if offset == 0:
                    assert page["total"] == 7 and page["totals"] == whole["totals"]
                else:
                    assert page["total"] is None and page["totals"] is None
                paged += ids(page)
            assert paged == ids(whole)
            if sort in keys:
                values = [keys[sort](batch_id) for batch_id in paged]
                assert values == sorted(values, reverse=order == "desc")
    received = [batch["received_at"] for batch in listed(supervisor, point=point, order="asc")["batches"]]
    assert received == sorted(received)


def test_a_batch_shows_each_record_as_a_supervisor_checks_it(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    good = vsi_payment(device, policy_table, citizen_id="001075004321", months=3)
    wrong_year = family_hi_payment(device, policy_table, receipt_number=format_receipt_number(device.series, 2025, 9))
    batch = device.seal([good, wrong_year])
    device.upload(batch)
    supervisor.post(f"/review/records/{good['record_id']}", {"decision": "reject", "reason": "Sai người"})

    detail = supervisor.get(f"/review/batches/{batch['batch_id']}").json()
    assert detail["state"] == "reviewed" and detail["decided"] == 1
    first, second = detail["records"]
    payload = good["payload"]
    assert (first["receipt_number"], first["person"], first["citizen_id"], first["scheme"]) == (
        payload["receipt"]["number"], "Nguyễn Thị Hằng", "********4321", "vsi")
    assert (first["period_start"], first["period_end"]) == (payload["items"][0]["period_start"],
                                                            payload["items"][0]["period_end"])
    assert (first["gross"], first["support"], first["amount"]) == (
        payload["gross"], payload["state_support"] + payload["local_support"], payload["amount"])
    assert first["amount"] > 0 and first["paid_on"] == payload["paid_on"]
    assert (first["status"], first["code"], first["receipt_check"], first["review"]) == (
        "accepted", None, "valid", "rejected")
    assert first["decision"]["reason"] == "Sai người" and first["decision"]["decision"] == "reject"
    assert first["decision"]["supervisor"].startswith("supervisor")
    assert "001075004321" not in str(detail)
    assert first["payload"]["items"][0]["citizen_id"] == "********4321"
    assert (second["status"], second["code"], second["review"], second["decision"]) == (
        "rejected", "sync.receipt_year_mismatch", None, None)
    assert second["receipt_check"] == "receipt_code.year_mismatch"
    assert first["signature"] == "valid"  # the figures the device signed, with its enrolled key


def test_the_qr_signature_of_each_payment_is_checked_with_the_devices_key(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    normal = vsi_payment(device, policy_table)
    unsigned = vsi_payment(device, policy_table)  # as from a device before the signature travelled
    del unsigned["payload"]["receipt"]["signature"]
    other_key = vsi_payment(device, policy_table)  # signed by a key that is not the device's
    other_claim = ReceiptClaim(other_key["payload"]["receipt"]["number"], other_key["payload"]["amount"],
                               date.fromisoformat(other_key["payload"]["paid_on"]), device.series)
    other_key["payload"]["receipt"]["signature"] = signature_of(other_claim, generate_device_keys()[0])
    moved = vsi_payment(device, policy_table)  # the device's signature of another amount
    moved_claim = ReceiptClaim(moved["payload"]["receipt"]["number"], moved["payload"]["amount"] + 1_000,
                               date.fromisoformat(moved["payload"]["paid_on"]), device.series)
    moved["payload"]["receipt"]["signature"] = signature_of(moved_claim, device.private_key)
    garbled = vsi_payment(device, policy_table)
    garbled["payload"]["receipt"]["signature"] = "not a signature"
    void = void_record(device, normal)
    batch = device.seal([normal, unsigned, other_key, moved, garbled, void])
    assert device.upload(batch).status_code == 200

    records = supervisor.get(f"/review/batches/{batch['batch_id']}").json()["records"]
    assert [(r["kind"], r["signature"]) for r in records] == [
        ("payment", "valid"), ("payment", "absent"), ("payment", "invalid"), ("payment", "invalid"),
        ("payment", "invalid"), ("void", None)]
    assert [r["status"] for r in records] == ["accepted"] * 6  # the signature is the review's, not the intake's


def test_a_records_history_lists_every_delivery_and_every_decision_oldest_first(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    record = vsi_payment(device, policy_table)
    first_batch = device.seal([record])
    device.upload(first_batch)
    again = device.seal([record])  # sent again, e.g. after a restore: kept once, a duplicate delivery
    device.upload(again)
    supervisor.post(f"/review/records/{record['record_id']}", {"decision": "approve"})
    supervisor.post(f"/review/records/{record['record_id']}", {"decision": "reject", "reason": "Trùng biên lai"})

    history = supervisor.get(f"/review/records/{record['record_id']}/history").json()
    events = history["events"]
    assert [(e["kind"], e["batch_id"]) for e in events] == [
        ("delivery", first_batch["batch_id"]), ("delivery", again["batch_id"]),
        ("decision", first_batch["batch_id"]), ("decision", first_batch["batch_id"])]
    assert events[0]["status"] == "accepted" and events[0]["device_id"] == device.device_id
    assert events[1]["duplicate_of"] == first_batch["batch_id"]
    approve, reject = events[2], events[3]
    assert (approve["decision"], approve["reason"], approve["supersedes"]) == ("approve", "", None)
    assert (reject["decision"], reject["reason"], reject["supersedes"]) == ("reject", "Trùng biên lai",
                                                                          approve["change_id"])
    assert reject["supervisor"] == approve["supervisor"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    unknown = supervisor.get("/review/records/00000000-0000-4000-8000-000000000000/history")
    assert unknown.status_code == 404


def test_a_second_decision_supersedes_the_first_only_with_a_reason_and_the_first_stays_as_it_was(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    record = vsi_payment(device, policy_table)
    device.upload(device.seal([record]))
    path = f"/review/records/{record['record_id']}"
    assert supervisor.post(path, {"decision": "approve"}).status_code == 200
    refused = supervisor.post(path, {"decision": "reject", "reason": " "})
    assert refused.status_code == 422
    again = supervisor.post(path, {"decision": "approve"})  # a repeat (lost reply): answered, not appended
    assert again.status_code == 200
    assert server.count("decisions", record_id=record["record_id"]) == 1
    assert supervisor.post(path, {"decision": "reject", "reason": "Thiếu giấy tờ"}).status_code == 200
    unexplained = supervisor.post(path, {"decision": "approve"})
    assert unexplained.status_code == 422 and "must say why" in unexplained.json()["error"]["message"]
    with server.engine.connect() as connection:
        rows = connection.execute(select(decisions.c.decision, decisions.c.reason, decisions.c.supersedes)
                                  .where(decisions.c.record_id == record["record_id"])
                                  .order_by(decisions.c.change_id)).all()
    assert [(row[0], row[1]) for row in rows] == [("approve", ""), ("reject", "Thiếu giấy tờ")]
    assert rows[0][2] is None and rows[1][2] is not None


def test_approve_rest_approves_every_pending_record_once_and_the_device_hears_of_each(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    batch = upload(device, policy_table, 4, rejected=1)
    records = [record["record_id"] for record in batch["records"]]
    cursor = device.get("/changes").json()["cursor"]
    supervisor.post(f"/review/records/{records[1]}", {"decision": "reject", "reason": "Sai số tiền"})

    path = f"/review/batches/{batch['batch_id']}/approve-rest"
    answer = supervisor.post(path, {})
    assert answer.status_code == 200 and answer.json() == {"batch_id": batch["batch_id"], "approved": 3}
    assert supervisor.post(path, {}).json()["approved"] == 0  # idempotent
    detail = supervisor.get(f"/review/batches/{batch['batch_id']}").json()
    assert (detail["state"], detail["pending_review"], detail["decided"]) == ("reviewed", 0, 4)
    assert [r["review"] for r in detail["records"]] == ["approved", "rejected", "approved", "approved", None]

    changes = device.get("/changes", params={"since": cursor}).json()
    assert [(d["record_id"], d["decision"]) for d in changes["decisions"]] == [
        (records[1], "reject"), (records[0], "approve"), (records[2], "approve"), (records[3], "approve")]
    assert supervisor.post("/review/batches/00000000-0000-4000-8000-000000000000/approve-rest", {}
                           ).status_code == 404
    assert device.post(path, {}).status_code == 403


def test_the_database_refuses_to_update_or_delete_a_decision(
    server: Server, device: Device, supervisor: Supervisor, policy_table: PolicyTable
):
    record = vsi_payment(device, policy_table)
    device.upload(device.seal([record]))
    supervisor.post(f"/review/records/{record['record_id']}", {"decision": "reject", "reason": "Sai người"})
    mine = decisions.c.record_id == record["record_id"]
    for statement in (update(decisions).where(mine).values(reason="không có gì"), delete(decisions).where(mine)):
        with pytest.raises(DBAPIError, match="append-only"), contextlib.redirect_stderr(io.StringIO()):
            server.execute(statement)
    with server.engine.connect() as connection:
        assert connection.execute(select(decisions.c.reason).where(mine)).scalars().all() == ["Sai người"]


def test_received_dates_are_days_in_vietnam():
    from provincial_server.services.review import BatchFilter

    query = BatchFilter(received_from=datetime(2026, 3, 5).date(), received_to=datetime(2026, 3, 5).date()).query()
    assert query.received_from == datetime(2026, 3, 4, 17, tzinfo=UTC)
    assert query.received_before == datetime(2026, 3, 5, 17, tzinfo=UTC)
