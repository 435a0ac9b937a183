"""A restore over an unreadable data file, asking the real server (on 127.0.0.1) what this device
issued: numbering continues after the server's numbers in the device's own series. Needs part D's
`services.recovery` (the server call); skipped without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from signing import raw_connection
from sync_helpers import Collector

from collector_app.services.backups import back_up

pytest.importorskip("collector_app.services.recovery")


def _unreadable(path: Path) -> None:
    connection = raw_connection(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    path.write_bytes(bytes((index * 7919 + 13) % 251 for index in range(path.stat().st_size)))


def test_a_restore_over_an_unreadable_file_moves_to_a_new_series_the_server_accepts(collector: Collector):
    first = collector.pay(2)
    collector.json("sync")
    with collector.open() as store:
        backup = back_up(store).path
    later = collector.pay(2)
    collector.json("sync")  # the server holds all four
    _unreadable(collector.store_path)

    done = collector.json("restore", str(backup), "--yes", "--json")

    assert done["new_series"] and "server" in done["sources"]
    collector.json("recover-from-server")  # the payments the backup lacked come back
    [again] = collector.pay(1)
    assert again not in first + later
    assert again.split("-")[0].endswith("R1") and int(again[-7:]) == 1
    synced = collector.json("sync")
    assert synced["rejected"] == []
