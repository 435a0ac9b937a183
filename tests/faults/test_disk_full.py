"""The disk filling up during the collector's work: the work is refused (a command in one line, in
Vietnamese), nothing acknowledged before is lost, nothing is half-written, and once there is room the
same work goes through and a sync leaves the server holding exactly what the device recorded.

The device's data folder is on a small tmpfs (or a loop-mounted ext2 image) that the test fills
with a file, leaving a few bytes to a few hundred kilobytes free; where neither can be mounted
(not root, not Linux) the tests skip, saying so. Each fill is counted with
`tally.fault("disk-full:<work>")`; `--reliability-scale N` tries N times as many room sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tally
from fault_checks import (
    RECEIPT,
    Acknowledged,
    Collector,
    Killed,
    RunningServer,
    check_store,
    command,
    final_sync,
    finish,
    new_device,
    one_line_failure,
    payer_ids,
    seeded,
    worker,
)
from small_disk import SmallDisk, small_disk_in

from collector_app.store.backup import BACKUP_FOLDER

DISK_BYTES = 96 * 1024 * 1024  # the device, a 20,000-row import and its WAL fit, with room to fill
FULL_VI = "đầy"  # "… đã đầy": the store's disk is full
SEED = 11


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk_in(tmp_path / "disk", DISK_BYTES, tmpfs_or_loop_only=True) as small:
        yield small


@pytest.fixture
def device_on_disk(disk: SmallDisk, server: RunningServer) -> Collector:
    return new_device(disk.folder / "device", server)


def room_sizes(kind: str) -> list[int]:
    """No room at all, then room for some of the work: seeded sizes in the kind's range (more with the
    scale)."""
    rng = seeded(f"disk-full:{kind}", SEED)
    low, high = ROOM.get(kind, (64 * 1024, 1024 * 1024))
    return [0] + [rng.randrange(low, high) for _ in range(2 * tally.scale() - 1)]


ROOM = { "backup": (512 * 1024, 3 * 1024 * 1024)}
"""Room that lets some of the work through: a payment writes a few pages; a backup copies the whole store."""


Work = Callable[[Collector, int], Killed]
PAYERS_OF: dict[Path, list[str]] = {}


def pay_until_refused(device: Collector, attempt: int, most: int = 4) -> Killed:
    """`collector-app pay vsi` for payer after payer, until one is refused (at most `most`); the outcome
    is the last command's, with the receipts of every payment that went through."""
    payers = PAYERS_OF[device.data_dir]  # read before the disk was filled
    receipts: list[str] = []
    outcome = Killed(0, {}, "", "")
    for i in range(most):
        payer = payers[(attempt * most + i) % len(payers)]
        outcome = finish(command(device.data_dir, "pay", "vsi", "--citizen-id", payer, "--income", "2000000",
                                 "--months", "1", "--date", "2026-11-10"))
        if outcome.returncode != 0:
            break
        found = RECEIPT.findall(outcome.stdout)
        assert found, outcome.stdout
        receipts.append(found[0])
    outcome.acks = {"payment": receipts}
    return outcome


def worker_until_refused(kind: str) -> Work:
    def work(device: Collector, attempt: int) -> Killed:
        # It runs until the disk stops it.
        return finish(worker(kind, device.data_dir, attempt, ready=False), timeout=120)
    return work


def pay_by_command_then_by_worker(device: Collector, attempt: int) -> Killed:
    """The command line first (its refusal in one line), then the payment service until the disk is full."""
    if attempt == 0:
        return pay_until_refused(device, attempt, most=1)
    return worker_until_refused("pay")(device, attempt)


WORKS: dict[str, Work] = {
    "registering": worker_until_refused("register"),
    "paying": pay_by_command_then_by_worker,
    "backup": worker_until_refused("backup"),
    "wal-checkpoint": worker_until_refused("checkpoint"),
}


def fill_and_check(disk: SmallDisk, device: Collector, kind: str, work: Work,
                   acknowledged: Acknowledged) -> tuple[int, int]:
    """For each room size: fill the disk, do the work, make room, check; returns how many times the work
    was refused, and how many of those after some of it went through (the disk filling up midway)."""
    refused = midway = 0
    for attempt, leave in enumerate(room_sizes(kind)):
        disk.fill(leave)
        try:
            outcome = work(device, attempt)
        finally:
            disk.make_room()
        tally.fault(f"disk-full:{kind}")
        acknowledged.add(outcome.acks)
        if outcome.returncode != 0:
            refused += 1
            # A backup refused is refused midway: the copy is the work.
            midway += any(outcome.acks.values()) or kind == "backup"
            if outcome.stderr.startswith("failed:"):  # the worker: the store's own error, no traceback
                assert "Traceback" not in outcome.stderr, outcome.stderr
            else:  # a command
                assert FULL_VI in one_line_failure(outcome)
        found = check_store(device.store_path, acknowledged)
        partial = sorted(path.name for path in (device.data_dir / BACKUP_FOLDER).glob("*.partial*"))
        found.add("half_written", len(partial), f"a refused backup left its partial copy: {partial}")
        found.assert_none(f"{kind}, {leave} bytes left, seed {SEED}")
    return refused, midway


@pytest.mark.parametrize("kind", list(WORKS))
def test_a_full_disk_refuses_the_work_and_loses_or_half_writes_nothing(
    kind: str, disk: SmallDisk, device_on_disk: Collector, server: RunningServer
):
    work = WORKS[kind]
    acknowledged = Acknowledged()
    PAYERS_OF[device_on_disk.data_dir] = payer_ids(device_on_disk)

    refused, midway = fill_and_check(disk, device_on_disk, kind, work, acknowledged)

    assert refused and midway, f"the disk never filled up in the middle of the work ({refused} refusals)"
    again = pay_until_refused(device_on_disk, 9, most=1) if kind == "paying" else finish(worker(
        {"registering": "register", "backup": "backup", "wal-checkpoint": "checkpoint"}[kind],
        device_on_disk.data_dir, 99, count=3))
    assert again.returncode == 0, again.stderr  # with room again, the same work goes through
    acknowledged.add(again.acks)
    check_store(device_on_disk.store_path, acknowledged).assert_none(f"{kind} with room again")
    final_sync(device_on_disk, server)


@pytest.mark.parametrize("kind", ["sealing", "syncing"])
def test_a_full_disk_during_sealing_or_syncing_refuses_in_one_line_and_the_next_sync_delivers_everything(
    kind: str, disk: SmallDisk, device_on_disk: Collector, server: RunningServer
):
    acknowledged = Acknowledged()
    refused = 0
    arguments = ["seal"] if kind == "sealing" else ["sync", "--server", server.url]
    for attempt, leave in enumerate(room_sizes(kind)):
        paid = finish(worker("seal" if attempt % 2 else "pay", device_on_disk.data_dir, attempt, count=3))
        assert paid.returncode == 0, paid.stderr
        acknowledged.add(paid.acks)
        disk.fill(leave)
        try:
            outcome = finish(command(device_on_disk.data_dir, *arguments))
        finally:
            disk.make_room()
        tally.fault(f"disk-full:{kind}")
        if outcome.returncode != 0:
            refused += 1
            assert FULL_VI in one_line_failure(outcome)
        check_store(device_on_disk.store_path, acknowledged).assert_none(
            f"{kind}, {leave} bytes left, seed {SEED}")

    assert refused, "the disk never filled up"
    final_sync(device_on_disk, server)


def test_a_full_disk_during_a_20000_row_import_writes_none_of_it_and_the_import_goes_through_with_room(
    disk: SmallDisk, device_on_disk: Collector, server: RunningServer, household_list: tuple[Path, int]
):
    path, expected = household_list  # beside the disk, not on it
    with device_on_disk.open() as store, store.read() as connection:
        before = int(connection.exec_driver_sql("SELECT count(*) FROM households").scalar_one())
    acknowledged = Acknowledged()
    rng = seeded("disk-full:importing", SEED)
    # The import writes about 12 MB: any room below that stops it, at a point that depends on the room.
    leaves = [1024 * 1024] + [rng.randrange(256 * 1024, 8 * 1024 * 1024) for _ in range(tally.scale() - 1)]
    for leave in leaves:
        disk.fill(leave)
        try:
            outcome = finish(command(device_on_disk.data_dir, "import", "households", str(path)))
        finally:
            disk.make_room()
        tally.fault("disk-full:importing")
        assert FULL_VI in one_line_failure(outcome)
        check_store(device_on_disk.store_path, acknowledged, import_sizes=(before,)).assert_none(
            f"import, {leave} bytes left")

    done = finish(command(device_on_disk.data_dir, "import", "households", str(path)))
    assert done.returncode == 0, done.stderr
    acknowledged.imported_households = before + expected
    check_store(device_on_disk.store_path, acknowledged, import_sizes=(before + expected,)).assert_none(
        "the import with room again")
    final_sync(device_on_disk, server)
