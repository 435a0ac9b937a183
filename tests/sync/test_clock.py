"""A device whose clock is wrong is told so, and its work still reaches the server once.

The server's clock is the reference (the `Date` header of its answers): a batch sealed ahead of it
is refused whole and nothing of it is kept, so the device seals those records again, dated by the
server's clock, in the same sync. The user is told on the command line (and in the window, by the
status bar) to set the clock right.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sync_helpers import Collector, RunningServer, assert_server_holds_everything_once, new_collector

from collector_app.store import stamps
from collector_app.sync import client


def _clock_ahead_by(delta: timedelta) -> type[datetime]:
    class Ahead(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + delta  # type: ignore[arg-type]

    return Ahead


@pytest.fixture
def clock_an_hour_ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This device's clock (what stamps and the client read) an hour ahead of the real one."""
    ahead = _clock_ahead_by(timedelta(hours=1))
    monkeypatch.setattr(stamps, "datetime", ahead)
    monkeypatch.setattr(client, "datetime", ahead)
    yield


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)


def test_a_batch_sealed_by_a_clock_ahead_is_sealed_again_by_the_servers_clock_and_delivered_once(
    collector: Collector, clock_an_hour_ahead: None
):
    collector.pay(2)

    report = collector.json("sync")

    assert report["refused"] == []  # the refusal was handled: the records went out in a new batch
    [sealed_ahead] = report["sealed"]
    [delivered] = report["delivered"]
    assert delivered["batch_id"] != sealed_ahead["batch_id"] and delivered["accepted"] == 2
    assert -3_700 < report["clock_offset"] < -3_500
    status = assert_server_holds_everything_once(collector)
    # The refused batch needs no one: its records went out again.
    assert status["refused_batches"] == 0 and status["clock_offset"] == pytest.approx(-3_600, abs=100)
    with collector.open() as store, store.read() as connection:
        sealed = dict(connection.exec_driver_sql("SELECT status, sealed_at FROM batches").all())
    later_seal = datetime.strptime(sealed["delivered"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((later_seal - datetime.now(UTC)).total_seconds()) < 120  # the server's time, not the device's


def test_the_user_is_told_in_one_line_to_set_a_clock_that_is_off(collector: Collector, clock_an_hour_ahead: None):
    collector.pay(1)

    synced = collector.run("sync")
    status = collector.run("--lang", "en", "status")

    assert synced.returncode == 0, synced.stderr
    assert "Đồng hồ của máy tính này nhanh 60 phút so với máy chủ" in synced.stdout
    assert "This computer's clock is 60 minutes ahead of the server's: set the date and time right." in status.stdout


def test_a_clock_within_the_tolerance_is_not_mentioned(collector: Collector):
    collector.pay(1)

    synced = collector.run("sync")

    assert synced.returncode == 0 and "Đồng hồ" not in synced.stdout
    assert abs(collector.status()["clock_offset"]) <= 2
