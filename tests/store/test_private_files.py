"""The store file, its WAL, shared memory and backups are the user's alone (0600), and so are the data
and backups folders (0700); an older store is made so when opened; a shared folder is left alone."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from old_stores import store_at_revision
from payment_helpers import prepare, vsi_payment

from collector_app.store.backup import BACKUP_FOLDER
from collector_app.store.db import open_store
from collector_app.store.payments import record_payment

pytestmark = pytest.mark.skipif(
    os.name != "posix", reason="on Windows the data folder is in the user's profile, private already"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_its_wal_and_its_folder_are_private_after_a_payment(tmp_path: Path):
    path = tmp_path / "data" / "collector.sqlite3"
    with open_store(path) as store:
        paying = prepare(store)
        record_payment(store, vsi_payment(paying, date(2026, 3, 5)), actor=paying.collector, device=paying.device)
        files = {suffix: mode(path.with_name(path.name + suffix)) for suffix in ("", "-wal", "-shm")}

    assert files == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
    assert mode(path.parent) == 0o700


def test_an_older_store_left_readable_by_others_is_made_private_when_opened(tmp_path: Path):
    folder = tmp_path / "data"
    path = folder / "collector.sqlite3"
    open_store(path).close()
    backups = folder / BACKUP_FOLDER
    backups.mkdir()
    old_backup = backups / "collector-20260101T000000000000Z.sqlite3"
    old_backup.write_bytes(path.read_bytes())
    for item, loose in ((path, 0o644), (old_backup, 0o644), (backups, 0o755), (folder, 0o755)):
        os.chmod(item, loose)

    open_store(path).close()

    assert (mode(path), mode(old_backup), mode(backups), mode(folder)) == (0o600, 0o600, 0o700, 0o700)


def test_the_backup_taken_before_an_upgrade_is_private(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "old.sqlite3"
    store_at_revision(path, "0002")
    os.chmod(path, 0o644)

    open_store(path).close()

    [backup] = (folder / BACKUP_FOLDER).iterdir()
    assert sqlite3.connect(backup).execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    assert (mode(backup), mode(folder / BACKUP_FOLDER), mode(path)) == (0o600, 0o700, 0o600)


def test_a_shared_folder_with_the_sticky_bit_keeps_its_mode_while_the_store_in_it_is_private(tmp_path: Path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: COLLECTOR_APP_DATA_DIR may point to such a folder

    open_store(shared / "collector.sqlite3").close()

    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert mode(shared / "collector.sqlite3") == 0o600
