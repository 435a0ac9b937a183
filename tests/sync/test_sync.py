"""Syncing with the real provincial server on 127.0.0.1: enrol, seal, deliver, answers, reviews, policy, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from server_helpers import POLICY_FILE, Supervisor, add_supervisor, log_in
from sync_helpers import (
    Collector,
    RunningServer,
    assert_server_holds_everything_once,
    new_collector,
)

from collector_app.policies import current_table
from collector_app.store.cipher import DBAPI
from collector_app.store.outbox import record_state
from collector_app.wire import canonical_json
from signing import raw_connection


def supervisor_of(server: RunningServer) -> Supervisor:
    response = log_in(server, add_supervisor(server))
    assert response.status_code == 200, response.text
    return Supervisor(server=server, token=response.json()["token"])


def test_sync_seals_what_is_pending_delivers_it_and_the_figures_match_the_servers(
    server: RunningServer, collector: Collector
):
    collector.pay(3)

    report = collector.json("sync")

    [sealed] = report["sealed"]
    assert sealed["record_count"] == 3 and sealed["device_sequence"] == 1
    assert report["delivered"] == [{"batch_id": sealed["batch_id"], "device_sequence": 1, "accepted": 3,
                                    "rejected": 0, "replayed": False}]
    status = assert_server_holds_everything_once(collector)
    assert status["batches"] == 1 and status["records"] == 3
    assert status["payments_total"] == sealed["total_amount"] > 0
    assert status["online"] is True and status["last_sync"] is not None
    assert collector.json("sync")["delivered"] == []  # nothing more to send


def test_seal_prints_the_batch_and_the_store_keeps_it_exactly_as_sealed(collector: Collector):
    collector.pay(2)

    [batch] = collector.json("seal")["batches"]

    assert collector.json("seal")["batches"] == []  # nothing left to seal
    with collector.open() as store, store.read() as connection:
        body = connection.exec_driver_sql("SELECT body FROM batches").scalar_one()
    sealed = json.loads(body)
    assert body == canonical_json(sealed).decode("utf-8")
    assert {key: sealed[key] for key in ("batch_id", "device_sequence", "record_count", "total_amount", "sha256")} \
        == {key: batch[key] for key in ("batch_id", "device_sequence", "record_count", "total_amount", "sha256")}
    assert [record["kind"] for record in sealed["records"]] == ["payment", "payment"]
    connection = raw_connection(collector.store_path)
    for statement in ("UPDATE batches SET body = '{}'", "DELETE FROM batches",
                      "UPDATE outbox SET payload = '{}'", "DELETE FROM outbox"):
        with pytest.raises(DBAPI.IntegrityError, match="immutable"):  # SQLCipher's driver
            connection.execute(statement)
    connection.close()


def test_sync_before_enrolment_says_how_to_enrol_in_one_line_and_keeps_the_work(tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)
    collector.pay(1)

    result = collector.run("--lang", "en", "sync")

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "collector-app enrol --server URL --code CODE" in result.stderr
    assert collector.status()["pending_batches"] == 1  # sealed, waiting for a server


def test_a_rejected_record_is_quarantined_with_its_reason_and_the_rest_is_delivered(
    server: RunningServer, collector: Collector
):
    collector.pay(2)
    wrong = collector.pay_with_a_wrong_gross()

    result = collector.run("sync", "--json")

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    [rejected] = report["rejected"]
    assert rejected["code"] == "payment.money_mismatch" and rejected["kind"] == "payment"
    assert report["delivered"][0]["accepted"] == 2
    status = assert_server_holds_everything_once(collector)
    assert [(r["record_id"], r["code"]) for r in status["quarantined"]] == [(rejected["record_id"], rejected["code"])]
    params = status["quarantined"][0]["params"]
    assert params["amount"] == params["expected"] + 1_000 and status["quarantined"][0]["message"]
    assert wrong.startswith(status["series"])

    text = collector.run("--lang", "en", "status").stdout
    assert (f"Rejected payment {rejected['record_id']}: The total contribution (participant 1) "
            "is 441.000 đ, but policy table") in text

    # The quarantined record holds nothing back: later work goes out, and that sync is clean.
    collector.pay(1)
    assert collector.json("sync")["delivered"][0]["accepted"] == 1
    status = assert_server_holds_everything_once(collector)
    assert len(status["quarantined"]) == 1 and status["batches"] == 2


def test_a_fixed_record_goes_out_in_a_new_batch_that_references_the_rejected_one(
    own_server_without_policy: RunningServer, tmp_path: Path
):
    server = own_server_without_policy
    collector = new_collector(tmp_path / "device", server)
    collector.pay(2)
    first = collector.json("sync", exit_code=1)
    assert {r["code"] for r in first["rejected"]} == {"sync.policy_unknown"}
    assert [r["record_id"] for r in collector.status()["quarantined"]] == [r["record_id"] for r in first["rejected"]]

    server.admin("publish-policy", str(POLICY_FILE))  # the cause is fixed on the server's side
    queued = collector.json("resend", "--all")["queued"]
    second = collector.json("sync")

    assert {q["record_id"] for q in queued} == {r["record_id"] for r in first["rejected"]}
    [batch] = second["sealed"]
    old_batch = first["sealed"][0]["batch_id"]
    assert batch["references_batch_id"] == old_batch and batch["device_sequence"] == 2
    assert second["delivered"][0]["accepted"] == 2
    status = assert_server_holds_everything_once(collector)
    assert status["quarantined"] == []
    assert status["batches"] == 2 and status["records"] == 4 and status["payments"] == 2
    detail = supervisor_of(server).get(f"/review/batches/{batch['batch_id']}").json()
    assert detail["references_batch_id"] == old_batch


def test_only_quarantined_records_can_be_sent_again(collector: Collector):
    collector.pay(1)
    collector.json("sync")

    result = collector.run("resend", "0190a1b2-0000-7000-8000-000000000000")

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_supervisors_decisions_reach_the_device_on_its_next_sync(server: RunningServer, collector: Collector):
    collector.pay(2)
    report = collector.json("sync")
    with collector.open() as store, store.read() as connection:
        approved, refused = connection.exec_driver_sql("SELECT record_id FROM outbox ORDER BY created_at").scalars()
    supervisor = supervisor_of(server)
    for record_id, body in ((approved, {"decision": "approve"}),
                            (refused, {"decision": "reject", "reason": "Sai họ tên người tham gia"})):
        response = supervisor.post(f"/review/records/{record_id}", body)
        assert response.status_code == 200, response.text

    again = collector.json("sync")

    assert report["delivered"] and again["reviews"] == 2
    [rejection] = collector.status()["review_rejected"]
    assert (rejection["record_id"], rejection["reason"]) == (refused, "Sai họ tên người tham gia")
    with collector.open() as store:
        assert record_state(store, approved).state == "approved"
        assert record_state(store, refused).state == "review_rejected"
    assert collector.json("sync")["reviews"] == 0  # the cursor moved past them


def test_a_policy_table_published_later_is_pulled_and_prices_the_next_payments(
    own_server: RunningServer, tmp_path: Path
):
    server = own_server
    collector = new_collector(tmp_path / "device", server)
    newer = tmp_path / "policy-2026.12.1.toml"
    newer.write_text(POLICY_FILE.read_text(encoding="utf-8").replace('version = "2026.11.1"', 'version = "2026.12.1"'),
                     encoding="utf-8")
    server.admin("publish-policy", str(newer))

    report = collector.json("sync")

    assert report["new_policy_versions"] == ["2026.11.1", "2026.12.1"]
    assert collector.status()["policy_version"] == "2026.12.1"
    quoted = collector.json("quote", "vsi", "--income", "2000000", "--months", "1", "--date", "2026-03-10")
    assert quoted["policy_version"] == "2026.12.1"  # a quote prices exactly as the payment will
    paid = collector.json("pay", "vsi", "--citizen-id", collector.head, "--income", "2000000", "--months", "1",
                          "--date", "2026-03-10")
    with collector.open() as store, store.read() as connection:
        payload = json.loads(connection.exec_driver_sql("SELECT payload FROM outbox").scalar_one())
    assert payload["policy_version"] == "2026.12.1" and payload["receipt"]["number"] == paid["receipt_number"]
    assert collector.json("sync")["delivered"][0]["accepted"] == 1  # the server prices it with the same table
    assert_server_holds_everything_once(collector)


def test_a_pulled_table_that_fails_validation_is_never_used(collector: Collector):
    from collector_app.store.sync_state import apply_pulled

    with collector.open() as store:
        shipped = current_table(store)
        apply_pulled(store, cursor="1", reviews=[], reference=None,
                     policy_tables=[("2099.1.1", json.dumps({"format": 1, "version": "2099.1.1"}))])
        assert current_table(store) == shipped


def test_batches_go_by_usb_stick_to_the_server_and_the_answers_come_back(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    stick = tmp_path / "usb"
    collector.pay(2)

    files = collector.json("export-batches", str(stick))["files"]
    imported = json.loads(server.admin("import-batches", str(stick), "--json"))
    answers = collector.json("import-answers", str(stick))

    [exported] = files
    assert [(i["status"], i["accepted"]) for i in imported] == [("received", 2)]
    assert answers["delivered"] == [{"batch_id": exported["batch_id"], "device_sequence": 1, "accepted": 2,
                                     "rejected": 0, "replayed": False}]
    assert_server_holds_everything_once(collector)
    assert collector.json("import-answers", str(stick))["delivered"][0]["replayed"] is True

    # Or the next online sync fetches the answer of a batch the server took from the stick.
    collector.pay(1)
    collector.json("export-batches", str(stick))
    server.admin("import-batches", str(stick))
    report = collector.json("sync")
    assert [d["accepted"] for d in report["delivered"]] == [1]
    status = assert_server_holds_everything_once(collector)
    assert status["batches"] == 2


def test_an_answer_file_the_server_did_not_sign_is_skipped(server: RunningServer, collector: Collector,
                                                           tmp_path: Path):
    stick = tmp_path / "usb"
    collector.pay(1)
    collector.json("export-batches", str(stick))
    server.admin("import-batches", str(stick))
    [answer_file] = stick.glob("*.answer.json")
    document = json.loads(answer_file.read_text(encoding="utf-8"))
    document["answer"]["results"][0]["status"] = "rejected"
    answer_file.write_text(json.dumps(document), encoding="utf-8")

    result = collector.json("import-answers", str(stick), exit_code=1)

    assert result["delivered"] == [] and len(result["skipped"]) == 1
    assert collector.status()["pending_batches"] == 1


def test_a_device_that_issued_receipts_keeps_its_series_when_enrolled(server: RunningServer, tmp_path: Path):
    collector = new_collector(tmp_path / "device", server, enrolled=False)  # point BD01, device M1
    [receipt] = collector.pay(1)
    server.admin("add-point", "BD01", "Điểm Bưu điện - Văn hóa xã Đông Anh")

    enrolled = collector.json("enrol", "--server", server.url, "--code",
                              server.admin("enrolment-code", "BD01").strip())

    assert enrolled["series"] == "BD01M1" and receipt.startswith("BD01M1-")
    assert collector.json("sync")["delivered"][0]["accepted"] == 1
    assert_server_holds_everything_once(collector)


def test_a_device_that_issued_receipts_is_not_enrolled_at_another_point(server: RunningServer, tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)
    collector.pay(1)
    server.admin("add-point", "BD02", "Điểm thu khác")

    result = collector.run("--lang", "en", "enrol", "--server", server.url, "--code",
                           server.admin("enrolment-code", "BD02").strip())

    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "BD01M1" in result.stderr and "BD02M1" in result.stderr
    assert collector.status()["enrolled"] is False


def test_status_before_anything_was_synced(tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)
    collector.pay(2)

    status = collector.status()

    assert status["enrolled"] is False and status["online"] is None and status["last_sync"] is None
    assert (status["pending_records"], status["pending_batches"], status["batches"]) == (2, 0, 0)
    text = collector.run("--lang", "en", "status")
    assert text.returncode == 0 and "2 records to seal" in text.stdout
