"""SIGKILL at random moments of a process doing the collector's work; after each kill nothing acknowledged
is lost, nothing is duplicated or half-written, and a final sync leaves the server holding exactly
what the device recorded.

The moments are drawn from a generator seeded with SEED (printed in every failure message, with the
run and the moment); `pytest --reliability-scale N` runs N times as many kills. Every kill is counted with
`tally.fault("sigkill:<work>")` and what the checks found with `tally.found`.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
import tally
from fault_checks import (
    RECEIPT,
    Acknowledged,
    Collector,
    Findings,
    Killed,
    RunningServer,
    backup_problem,
    check_store,
    command,
    final_sync,
    finish,
    kill_after,
    seeded,
    worker,
)

from collector_app.store.backup import BACKUP_FOLDER

SEED = 2026


def kill_worker_repeatedly(kind: str, device: Collector, runs: int, *,
                           within: tuple[float, float] = (0.02, 0.5)) -> Acknowledged:
    """`runs` times: start the `kind` worker, SIGKILL it at a random moment, check the store."""
    rng = seeded(kind, SEED)
    acknowledged = Acknowledged()
    for run in range(runs):
        moment = rng.uniform(*within)
        killed = kill_after(worker(kind, device.data_dir, rng.randrange(1 << 30)), moment)
        assert killed.killed, f"the {kind} worker ended by itself ({killed.returncode}): {killed.stderr}"
        acknowledged.add(killed.acks)
        tally.fault(f"sigkill:{kind_word(kind)}")
        found = check_store(device.store_path, acknowledged)
        if kind == "backup":
            whole_looking_backups(device, found, acknowledged)
        found.assert_none(f"{kind}, seed {SEED}, run {run}, killed after {moment:.3f} s")
    return acknowledged


def kind_word(kind: str) -> str:
    return {"register": "registering", "pay": "paying", "seal": "sealing", "backup": "backup",
            "checkpoint": "wal-checkpoint"}[kind]


def whole_looking_backups(device: Collector, found: Findings, acknowledged: Acknowledged) -> None:
    """A backup under its final name is whole: a killed copy stays a `.partial` file (and its journal)."""
    for path in sorted((device.data_dir / BACKUP_FOLDER).glob(f"*{device.store_path.suffix}")):
        if str(path) in acknowledged.whole_backups:
            continue
        problem = backup_problem(path)
        if problem is None:
            acknowledged.whole_backups.add(str(path))
        found.add("half_written", int(problem is not None), f"{path.name} looks whole and is not: {problem}")


@pytest.mark.parametrize("kind", ["register", "pay", "seal", "backup", "checkpoint"])
def test_a_process_killed_at_a_random_moment_loses_and_half_writes_nothing(
    kind: str, device: Collector, server: RunningServer
):
    acknowledged = kill_worker_repeatedly(kind, device, runs=3 * tally.scale())

    assert acknowledged.receipts or acknowledged.households, "the kills all landed before any work"
    final_sync(device, server)


def test_a_sync_killed_at_a_random_moment_delivers_everything_once_the_next_time(
    device: Collector, server: RunningServer
):
    rng = seeded("sync", SEED)
    acknowledged = Acknowledged()

    def deliver_work() -> None:
        """Payments sealed into a few batches, some left pending: work for the next sync."""
        work = finish(worker("seal", device.data_dir, rng.randrange(1 << 30), count=3))
        assert work.returncode == 0, work.stderr
        acknowledged.add(work.acks)

    # A whole sync, timed: the kills fall within its length on this machine, however loaded. Most of
    # it is starting and signing in; every other kill lands in the last half, the exchange.
    deliver_work()
    started = time.monotonic()
    assert finish(command(device.data_dir, "sync", "--server", server.url)).returncode == 0
    length = time.monotonic() - started
    kills = 0
    for run in range(3 * tally.scale()):
        deliver_work()
        moment = length * (rng.uniform(0.2, 1.05) if run % 2 == 0 else rng.uniform(0.5, 1.05))
        killed = kill_after(command(device.data_dir, "sync", "--server", server.url, "--json"), moment)
        if killed.killed:
            kills += 1
            tally.fault("sigkill:syncing")
        else:
            assert killed.returncode == 0, killed.stderr
        check_store(device.store_path, acknowledged).assert_none(
            f"sync, seed {SEED}, run {run}, killed after {moment:.3f} s")
    assert kills, "every sync finished before its kill"
    final_sync(device, server)


def households(device: Collector) -> int:
    with device.open() as store, store.read() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM households").scalar_one())


def test_an_import_of_20000_rows_killed_at_a_random_moment_writes_all_or_nothing(
    device: Collector, server: RunningServer, household_list: tuple[Path, int], tmp_path: Path
):
    path, expected = household_list
    before = households(device)
    pristine = tmp_path / "pristine"
    shutil.copytree(device.data_dir, pristine)
    # The whole import, timed: the kills fall within its length on this machine, however loaded.
    started = time.monotonic()
    done = finish(command(device.data_dir, "import", "households", str(path)))
    length = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-500:] + done.stderr
    check_store(device.store_path, Acknowledged(imported_households=before + expected),
                import_sizes=(before + expected,)).assert_none("the whole import")

    rng = seeded("import", SEED)
    kills = 0
    for run in range(2 * tally.scale()):  # each run an import's length: two in CI
        # A copy of the device as it was, so that every kill meets the import from the start.
        copy = tmp_path / f"run-{run}"
        shutil.copytree(pristine, copy)
        # Checking the rows takes most of the time; every other kill lands in the last part, the writing.
        moment = length * (rng.uniform(0.1, 1.05) if run % 2 == 0 else rng.uniform(0.6, 1.05))
        killed = kill_after(command(copy, "import", "households", str(path)), moment)
        if killed.killed:
            kills += 1
            tally.fault("sigkill:importing")
        acknowledged = Acknowledged(imported_households=before + expected if killed.returncode == 0 else 0)
        check_store(copy / device.store_path.name, acknowledged, import_sizes=(before, before + expected)
                    ).assert_none(f"import, seed {SEED}, run {run}, killed after {moment:.3f} s")
        copied = replace(device, data_dir=copy)
        if run == 0 and households(copied) == before:  # the import done again after a kill goes through
            again = finish(command(copy, "import", "households", str(path)))
            assert again.returncode == 0, again.stdout[-500:] + again.stderr
            assert households(copied) == before + expected
        shutil.rmtree(copy)
    assert kills, "every import finished before its kill"
    final_sync(device, server)


def test_a_restore_killed_at_a_random_moment_leaves_a_store_that_opens_and_never_reissues_a_number(
    device: Collector, server: RunningServer, tmp_path: Path
):
    """`collector-app restore BACKUP --yes` killed at random moments, each time on a copy of the device.

    After each kill the store opens whole (the replaced file or the backup, never a mix), holds every
    payment of the backup, and the next receipt is none issued before (the series goes on after the
    highest number, or moves to a new one); the original device then syncs everything.
    """
    early = set(acks_of(finish(worker("pay", device.data_dir, 1, count=5))))
    backup = Path(device.json("backup")["path"])
    issued = early | set(acks_of(finish(worker("pay", device.data_dir, 2, count=3))))
    final_sync(device, server)  # the server holds every payment, the later three too
    pristine = tmp_path / "pristine"
    shutil.copytree(device.data_dir, pristine)

    def restore_on_a_copy(name: str) -> Path:
        copy = tmp_path / name
        shutil.copytree(pristine, copy)
        return copy

    # A whole restore, timed: the kills fall within its length on this machine.
    whole = restore_on_a_copy("whole")
    started = time.monotonic()
    done = finish(command(whole, "restore", str(backup), "--yes"))
    length = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr

    rng = seeded("restore", SEED)
    kills = 0
    for run in range(3 * tally.scale()):
        copy = restore_on_a_copy(f"run-{run}")
        moment = length * rng.uniform(0.3, 1.05)
        killed = kill_after(command(copy, "restore", str(backup), "--yes"), moment)
        if killed.killed:
            kills += 1
            tally.fault("sigkill:restore")
        found = check_store(copy / device.store_path.name, Acknowledged(receipts=early))
        paid = finish(command(copy, "pay", "vsi", "--citizen-id", device.head, "--income", "2000000",
                              "--months", "1", "--date", "2026-11-10"))
        assert paid.returncode == 0, paid.stdout + paid.stderr
        [number] = RECEIPT.findall(paid.stdout)[:1]
        found.add("duplicated", int(number in issued), f"receipt {number} issued again after the restore")
        found.assert_none(f"restore, seed {SEED}, run {run}, killed after {moment:.3f} s")
        shutil.rmtree(copy)
    assert kills, "every restore finished before its kill"


def acks_of(outcome: Killed) -> list[str]:
    assert outcome.returncode == 0, outcome.stderr
    return outcome.acks.get("payment", [])
