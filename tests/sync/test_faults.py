"""Faults between the device and the real server: lost replies, 5xx, timeouts, kills, restarts, two senders.

After each, the server holds every record exactly once (its `summary` against `collector-app status
--json`) and the device shows every batch delivered. The faults come from `fault_proxy.FaultProxy`
on 127.0.0.1 between `collector-app` and the server: no HTTP is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fault_proxy import (
    DROP_AFTER_REPLY,
    HOLD_AFTER_REPLY,
    HOLD_BEFORE_FORWARD,
    Fault,
    FaultProxy,
    answer,
    delay,
    together,
)
from sync_helpers import Collector, Outcome, RunningServer, assert_server_holds_everything_once, new_collector


def sync_through(collector: Collector, proxy: FaultProxy, *, attempts: int = 4) -> Outcome:
    return collector.run("sync", "--server", proxy.url, "--timeout", "1", "--attempts", str(attempts), "--json")


def faults_seen(proxy: FaultProxy) -> list[tuple[str, int | None]]:
    """(fault, the server's status or None) for each upload that went through the proxy."""
    return [(exchange.fault, exchange.upstream_status) for exchange in proxy.exchanges()]


def test_a_reply_lost_after_the_server_stored_the_batch_is_recovered_by_sending_it_again(
    collector: Collector, proxy: FaultProxy
):
    collector.pay(3)
    proxy.script(DROP_AFTER_REPLY)

    result = sync_through(collector, proxy)

    assert result.returncode == 0, result.stderr
    assert faults_seen(proxy) == [("drop_after_reply", 200), ("pass", 200)]  # stored, then answered again
    status = assert_server_holds_everything_once(collector)
    assert status["batches"] == 1 and status["records"] == 3


def test_answers_500_and_503_are_retried_until_the_batch_is_delivered(collector: Collector, proxy: FaultProxy):
    collector.pay(2)
    proxy.script(answer(500), answer(503))

    result = sync_through(collector, proxy)

    assert result.returncode == 0, result.stderr
    assert faults_seen(proxy) == [("answer", None), ("answer", None), ("pass", 200)]
    assert_server_holds_everything_once(collector)


def test_an_answer_slower_than_the_timeout_is_retried_and_the_batch_stored_once(
    collector: Collector, proxy: FaultProxy
):
    collector.pay(2)
    proxy.script(delay(2.5))  # the client gives up after 1 s; the server has stored the batch by then

    result = sync_through(collector, proxy)

    assert result.returncode == 0, result.stderr
    assert faults_seen(proxy) == [("delay", 200), ("pass", 200)]
    assert_server_holds_everything_once(collector)


def test_408_and_429_are_retried(collector: Collector, proxy: FaultProxy):
    collector.pay(1)
    proxy.script(answer(408), answer(429))

    assert sync_through(collector, proxy).returncode == 0
    assert [fault for fault, _status in faults_seen(proxy)] == ["answer", "answer", "pass"]
    assert_server_holds_everything_once(collector)


@pytest.mark.parametrize("status", [400, 401, 403])
def test_other_4xx_answers_are_never_retried_and_the_work_stays_queued(
    collector: Collector, proxy: FaultProxy, server: RunningServer, status: int
):
    collector.pay(1)
    proxy.script(answer(status))

    result = sync_through(collector, proxy)

    assert result.returncode == 3
    assert len(faults_seen(proxy)) == 1
    assert json.loads(result.stdout)["online"] is True  # it answered, if only to refuse
    assert len(result.stderr.strip().splitlines()) == 1
    assert collector.status()["pending_batches"] == 1
    assert collector.json("sync", "--server", server.url)["delivered"][0]["accepted"] == 1
    assert_server_holds_everything_once(collector)


def test_a_server_that_keeps_failing_leaves_the_work_queued_and_the_device_offline(
    collector: Collector, proxy: FaultProxy, server: RunningServer
):
    collector.pay(2)
    proxy.script(*[answer(503)] * 3)

    result = sync_through(collector, proxy, attempts=3)

    assert result.returncode == 3 and len(result.stderr.strip().splitlines()) == 1
    status = collector.status()
    assert (status["pending_batches"], status["online"], status["last_sync"]) == (1, False, None)
    assert "503" in status["last_error"]
    collector.json("sync", "--server", server.url)
    assert assert_server_holds_everything_once(collector)["online"] is True


def test_a_batch_the_server_refuses_whole_is_set_aside_and_the_next_ones_go(
    collector: Collector, proxy: FaultProxy
):
    collector.pay(1)
    [refused] = collector.json("seal")["batches"]
    collector.pay(1)
    proxy.script(answer(422))  # as the server answers a batch whose header does not match its records

    result = sync_through(collector, proxy)

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [r["batch_id"] for r in report["refused"]] == [refused["batch_id"]]
    assert [d["device_sequence"] for d in report["delivered"]] == [2]
    status = collector.status()
    assert (status["refused_batches"], status["pending_batches"], status["batches"]) == (1, 0, 1)
    assert_server_holds_everything_once(collector)


@pytest.mark.parametrize("fault", [HOLD_BEFORE_FORWARD, HOLD_AFTER_REPLY], ids=["before-server", "after-server"])
def test_a_client_killed_mid_upload_sends_the_same_batch_next_time(
    collector: Collector, proxy: FaultProxy, server: RunningServer, fault: Fault
):
    collector.pay(2)
    [batch] = collector.json("seal")["batches"]
    proxy.script(fault)

    process = collector.popen("sync", "--server", proxy.url, "--json")
    try:
        assert proxy.held.wait(60), "the upload never reached the proxy"
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait(30)
    finally:
        proxy.release()
    report = collector.json("sync", "--server", server.url)

    stored_before = faults_seen(proxy) == [(fault.kind, 200)]
    assert stored_before is (fault is HOLD_AFTER_REPLY)
    assert [d["batch_id"] for d in report["delivered"]] == [batch["batch_id"]]
    status = assert_server_holds_everything_once(collector)
    assert status["batches"] == 1 and status["records"] == 2


def test_the_server_restarting_between_two_syncs_loses_nothing(own_server: RunningServer, tmp_path: Path):
    collector = new_collector(tmp_path / "device", own_server)
    collector.pay(2)
    collector.json("sync")
    collector.pay(2)

    own_server.stop()
    down = collector.run("sync", "--timeout", "1", "--attempts", "2")
    assert down.returncode == 3 and len(down.stderr.strip().splitlines()) == 1
    assert collector.status()["pending_batches"] == 1
    own_server.start()
    report = collector.json("sync")

    assert [d["device_sequence"] for d in report["delivered"]] == [2]
    status = assert_server_holds_everything_once(collector)
    assert status["batches"] == 2 and status["records"] == 4


def test_the_same_batch_sent_by_two_processes_at_once_is_stored_once(collector: Collector, proxy: FaultProxy):
    collector.pay(3)
    [batch] = collector.json("seal")["batches"]
    proxy.script(together(2), together(2))  # both uploads reach the server at the same moment

    processes = [collector.popen("sync", "--server", proxy.url, "--json") for _ in range(2)]
    outputs = [process.communicate(timeout=90) for process in processes]

    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert [d["batch_id"] for d in json.loads(stdout)["delivered"]] == [batch["batch_id"]]
    assert faults_seen(proxy) == [("together", 200), ("together", 200)]
    status = assert_server_holds_everything_once(collector)
    assert status["batches"] == 1 and status["records"] == 3


def test_payments_are_recorded_while_a_sync_waits_on_the_server(collector: Collector, proxy: FaultProxy,
                                                               server: RunningServer):
    collector.pay(2)
    proxy.script(HOLD_AFTER_REPLY)
    process = collector.popen("sync", "--server", proxy.url, "--timeout", "20", "--json")
    try:
        assert proxy.held.wait(60), "the upload never reached the proxy"
        collector.pay(1)  # the sync holds no lock while it waits: this does not wait for it
    finally:
        proxy.release()
    process.communicate(timeout=60)

    assert process.returncode == 0  # the held reply was dropped; the retry got the stored answer
    assert collector.status()["pending_records"] == 1
    collector.json("sync", "--server", server.url)
    status = assert_server_holds_everything_once(collector)
    assert status["records"] == 3
