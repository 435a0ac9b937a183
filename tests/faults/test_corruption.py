"""A corrupted store file and a corrupted backup: found, said in one line, and nothing recorded is lost
from what the store's copies hold.

The damage is what a bad sector or another program does (`tests/store_damage.py`): noise over the
page in the middle of the file, or one flipped byte in a leaf page of a money or people table. The
store then refuses every write in one Vietnamese line (exit 1) and is left as it was; the newest
backup is whole and holds every payment recorded before it; what was synced is on the server.
A damaged backup is told apart from a whole one, and the older whole backup still holds its payments.
Each damage is counted with `tally.fault("corrupt:store")` or `tally.fault("corrupt:backup")`.

The refusal names the newest good backup and the command that restores it, and `collector-app
restore` refuses a damaged backup in one line, changing nothing.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import tally
from signing import open_test_store
from fault_checks import (
    Acknowledged,
    Collector,
    RunningServer,
    backup_problem,
    check_store,
    command,
    final_sync,
    finish,
    new_device,
    one_line_failure,
    reading_a_copy,
    worker,
)
from server_helpers import summary
from store_damage import flip_byte_in_table_page, overwrite_middle_with_noise

from collector_app.store.backup import BACKUP_FOLDER, backup_store

DAMAGED_VI = "bị hỏng"
TABLES = ("payments", "receipts", "outbox", "people")


def damages() -> list[str]:
    """Noise in the middle, and a flipped byte in each money and people table (CI: `payments` only)."""
    tables = TABLES if tally.scale() > 1 else TABLES[:1]
    return ["noise-in-the-middle", *(f"flipped-byte-in-{table}" for table in tables)]


def damage(path: Path, how: str) -> None:
    if how == "noise-in-the-middle":
        overwrite_middle_with_noise(path)
    else:
        flip_byte_in_table_page(path, how.removeprefix("flipped-byte-in-"))


def receipts_in(path: Path) -> set[str]:
    with reading_a_copy(path) as connection:
        return {f"{series}-{year % 100:02d}-{number:07d}"
                for series, year, number in connection.execute("SELECT series, year, number FROM receipts")}


def pay(device: Collector, count: int, seed: int) -> list[str]:
    paid = finish(worker("pay", device.data_dir, seed, count=count))
    assert paid.returncode == 0, paid.stderr
    return paid.acks["payment"]


def _backup(store_path: Path) -> Path:
    """A backup of the device's store, encrypted with its key as the app makes it."""
    with open_test_store(store_path) as store:
        return backup_store(store_path, connector=store.connector)


@pytest.fixture(scope="module")
def paid_once(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Collector, set[str]]:
    """Six payments synced, four more, a backup: made once, copied by each test (`paid_and_backed_up`)."""
    device = new_device(tmp_path_factory.mktemp("paid") / "device", server)
    pay(device, 6, 1)
    assert device.run("sync", "--server", server.url).returncode == 0
    receipts = set(pay(device, 4, 2))
    backup = _backup(device.store_path)
    return device, receipts | receipts_in(backup)


@pytest.fixture
def paid_and_backed_up(paid_once: tuple[Collector, set[str]], tmp_path: Path
                       ) -> tuple[Collector, Path, set[str]]:
    """A copy of `paid_once`: the device, its backup and the backed-up receipts."""
    original, receipts = paid_once
    device = replace(original, data_dir=tmp_path / "device")
    shutil.copytree(original.data_dir, device.data_dir)
    [backup] = (device.data_dir / BACKUP_FOLDER).glob(f"*{device.store_path.suffix}")
    return device, backup, receipts


@pytest.mark.parametrize("how", damages())
def test_a_corrupted_store_refuses_writes_in_one_line_and_its_backup_and_the_server_hold_what_was_recorded(
    how: str, paid_and_backed_up: tuple[Collector, Path, set[str]], server: RunningServer
):
    device, backup, backed_up = paid_and_backed_up
    damage(device.store_path, how)
    tally.fault("corrupt:store")
    before = device.store_path.read_bytes()

    # The household's head pays (reading the payers would take the damaged store).
    refused = finish(command(device.data_dir, "pay", "vsi", "--citizen-id", device.head,
                             "--income", "2000000",
                             "--months", "1", "--date", "2026-11-10"))

    line = one_line_failure(refused)
    assert DAMAGED_VI in line and str(device.store_path) in line
    assert device.store_path.read_bytes() == before  # refused, and left as it was for support
    assert backup_problem(backup) is None
    found = check_store(backup, Acknowledged(receipts=backed_up))
    found.assert_none(f"the backup of a store damaged by {how}")
    # The server holds the six synced before the damage (its figures since the device was made).
    assert summary(server)["payments"] - device.baseline.get("payments", 0) == 6


def test_the_refusal_on_a_corrupted_store_names_the_newest_good_backup_and_how_to_restore_it(
    paid_and_backed_up: tuple[Collector, Path, set[str]]
):
    device, backup, _receipts = paid_and_backed_up
    damage(device.store_path, "noise-in-the-middle")

    refused = finish(command(device.data_dir, "pay", "vsi", "--citizen-id", device.head,
                             "--income", "2000000", "--months", "1", "--date", "2026-11-10"))

    line = one_line_failure(refused)
    assert backup.name in line and "collector-app restore" in line, line


def test_a_corrupted_backup_is_told_apart_and_the_older_backup_still_holds_its_payments(
    device: Collector, server: RunningServer
):
    older_receipts = set(pay(device, 4, 3))
    older = _backup(device.store_path)
    newer_receipts = older_receipts | set(pay(device, 3, 4))
    newer = _backup(device.store_path)
    for how in damages():
        damaged = newer.with_name(f"{how}-{newer.name}")
        damaged.write_bytes(newer.read_bytes())
        damage(damaged, how)
        tally.fault("corrupt:backup")
        assert backup_problem(damaged) is not None, f"a backup damaged by {how} passes for whole"
        damaged.unlink()

    assert backup_problem(older) is None and backup_problem(newer) is None
    check_store(older, Acknowledged(receipts=older_receipts)).assert_none("the older backup")
    check_store(newer, Acknowledged(receipts=newer_receipts)).assert_none("the newer backup")
    final_sync(device, server)


def test_restoring_a_corrupted_backup_is_refused_in_one_line_and_changes_nothing(
    device: Collector, server: RunningServer
):
    """`collector-app restore FILE --yes` of a damaged backup."""
    receipts = set(pay(device, 3, 5))
    backup = _backup(device.store_path)
    damage(backup, "noise-in-the-middle")
    before = device.store_path.read_bytes()

    refused = finish(command(device.data_dir, "restore", str(backup), "--yes"))

    tally.fault("corrupt:backup")
    one_line_failure(refused)
    assert device.store_path.read_bytes() == before
    check_store(device.store_path, Acknowledged(receipts=receipts)).assert_none(
        "the store after a refused restore")
    final_sync(device, server)
