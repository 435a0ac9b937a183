"""Enrolment survives a lost reply, and a revoked device is told so in one line: `collector-app` against the
real server, with the faults of `fault_proxy.FaultProxy` in between (no HTTP is mocked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fault_proxy import DROP_AFTER_REPLY, FaultProxy, delay
from server_helpers import new_point
from sync_helpers import Collector, RunningServer, assert_server_holds_everything_once, new_collector

ENROL = "/api/v1/devices/enrol"


def _enrolment_code(server: RunningServer) -> str:
    return server.admin("enrolment-code", new_point(server)).strip()


def _enrol_faults(proxy: FaultProxy) -> list[tuple[str, int | None]]:
    return [(exchange.fault, exchange.upstream_status) for exchange in proxy.exchanges(path=ENROL)]


def _devices(server: RunningServer, device_id: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(server.admin("list-devices", "--json"))
    return [row for row in rows if row["device_id"] == device_id]


@pytest.fixture
def newcomer(tmp_path: Path, server: RunningServer) -> Collector:
    """A device with people to collect from, not enrolled yet."""
    return new_collector(tmp_path / "device", server, enrolled=False)


def test_an_enrolment_whose_reply_was_lost_is_asked_again_and_the_device_then_syncs(
    newcomer: Collector, proxy: FaultProxy, server: RunningServer
):
    proxy.script(DROP_AFTER_REPLY, DROP_AFTER_REPLY, path=ENROL)

    result = newcomer.run("enrol", "--server", proxy.url, "--code", _enrolment_code(server), "--json")

    assert result.returncode == 0, result.stderr
    assert _enrol_faults(proxy) == [("drop_after_reply", 200), ("drop_after_reply", 200), ("pass", 200)]
    enrolled = json.loads(result.stdout)
    assert len(_devices(server, enrolled["device_id"])) == 1
    newcomer.pay(2)
    assert newcomer.json("sync", "--server", server.url)["delivered"][0]["accepted"] == 2
    assert_server_holds_everything_once(newcomer)
    assert _devices(server, enrolled["device_id"])[0]["last_seen_at"] is not None


def test_an_enrolment_answered_after_the_timeout_is_asked_again(
    newcomer: Collector, proxy: FaultProxy, server: RunningServer
):
    proxy.script(delay(2.5), path=ENROL)  # the client gives up after 1 s; the server has enrolled it by then

    result = newcomer.run("enrol", "--server", proxy.url, "--code", _enrolment_code(server), "--timeout", "1")

    assert result.returncode == 0, result.stderr
    assert _enrol_faults(proxy) == [("delay", 200), ("pass", 200)]
    newcomer.pay(1)
    newcomer.json("sync", "--server", server.url)
    assert_server_holds_everything_once(newcomer)


def test_enrol_run_again_with_the_same_code_after_every_reply_was_lost_succeeds(
    newcomer: Collector, proxy: FaultProxy, server: RunningServer
):
    code = _enrolment_code(server)
    proxy.script(*[DROP_AFTER_REPLY] * 5, path=ENROL)  # every try of the first run

    failed = newcomer.run("enrol", "--server", proxy.url, "--code", code)
    assert failed.returncode == 3 and len(failed.stderr.strip().splitlines()) == 1
    assert newcomer.status()["enrolled"] is False

    again = newcomer.run("enrol", "--server", server.url, "--code", code, "--json")
    assert again.returncode == 0, again.stderr
    newcomer.pay(1)
    newcomer.json("sync")
    assert_server_holds_everything_once(newcomer)


@pytest.mark.parametrize(("language", "words"), [("en", "has been revoked"), ("vi", "đã thu hồi")])
def test_a_revoked_device_is_told_so_in_one_line_without_retries_and_keeps_its_work_queued(
    collector: Collector, proxy: FaultProxy, server: RunningServer, language: str, words: str
):
    collector.pay(1)
    server.admin("revoke-device", collector.status()["series"])

    result = collector.run("--lang", language, "sync", "--server", proxy.url, "--timeout", "1")

    assert result.returncode == 3
    [line] = result.stderr.strip().splitlines()
    assert words in line
    assert len(proxy.exchanges()) == 1  # 401 is final: not retried
    status = collector.status()
    assert (status["pending_batches"], status["online"]) == (1, True)
    assert words in status["last_error"]
