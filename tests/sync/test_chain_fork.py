"""The money chain across a restore and a recovery, against the real server on 127.0.0.1 (SQLite and
PostgreSQL): a restore forks the device's chain with a "restored" entry, the server accepts the new
branch only from such an entry and records the fork, keeping every entry it held; the payments the
backup lacked come back once, each logged, and `audit verify` finds the store sound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recovery_helpers import user_of
from server_helpers import summary
from sqlalchemy import select
from sync_helpers import Collector, RunningServer

from collector_app.services.backups import back_up
from collector_app.services.device import device_of
from collector_app.store.audit_trail import verify_chain
from provincial_server.store.schema import chain_forks, device_chains


def _device_from_store(collector: Collector) -> str:
    with collector.open() as store:
        return device_of(store).device_id


def _forks(server: RunningServer, device_id: str) -> list[Any]:
    with server.engine.connect() as connection:
        return list(connection.execute(select(chain_forks).where(chain_forks.c.device_id == device_id)))


def _server_head(server: RunningServer, device_id: str) -> str | None:
    with server.engine.connect() as connection:
        return connection.scalar(select(device_chains.c.head).where(device_chains.c.device_id == device_id))


def _sync(collector: Collector) -> dict[str, Any]:
    """`sync --json`, whatever the server judged of the records (a rejected record exits non-zero)."""
    outcome = collector.run("sync", "--json")
    return dict(json.loads(outcome.stdout))


def _verified(collector: Collector) -> dict[str, Any]:
    report = collector.json("audit", "verify")
    assert report["sound"], report
    return dict(report)


def _numbers(collector: Collector) -> list[str]:
    with collector.open() as store:
        with store.read() as connection:
            return sorted(str(row[0]) for row in connection.exec_driver_sql(
                "SELECT series || '-' || substr(year, 3, 2) || '-' || printf('%07d', number) FROM receipts"))


def test_a_restore_while_offline_forks_the_chain_and_the_lost_payments_come_back_once(
        server: RunningServer, collector: Collector):
    collector.pay(2)
    assert collector.json("sync")["refused"] == []
    with collector.open() as store:
        backup = back_up(store).path
    lost = collector.pay(2)
    assert collector.json("sync")["refused"] == []  # the server holds all four
    device_id = _device_from_store(collector)
    entries_held = server.count("chain_entries", device_id=device_id)
    server.stop()
    try:
        done = collector.json("restore", str(backup), "--yes")  # offline: the server cannot be asked
        assert "server" not in done["sources"]
        offline = collector.pay(2)  # recorded after the restore, before any recovery
    finally:
        server.start()
    assert not set(offline) & set(lost)  # numbering went on after the replaced file's numbers
    _verified(collector)  # the restored entry continues the backup's head
    with collector.open() as store:
        with store.read() as connection:
            seq, content, by = connection.exec_driver_sql(
                "SELECT chain_seq, content, created_by FROM audit_log WHERE kind = 'restored'").one()
    restored = json.loads(content)
    assert (seq, restored["backup_seq"], restored["replaced_seq"], restored["backup"]) == (3, 2, 4, backup.name)
    assert by == user_of(collector).user_id

    synced = _sync(collector)

    # The chain is accepted (the records are judged as ever: the restored store paid the same household
    # without the payments it lost, so the server may reject them on their own merits).
    assert synced["refused"] == []
    assert sum(d["accepted"] + d["rejected"] for d in synced["delivered"]) == 2
    [fork] = _forks(server, device_id)
    assert fork.from_seq == 2 and fork.replaced_seq == 4  # back to the backup's head; the head it left
    assert server.count("chain_entries", device_id=device_id) == entries_held + 3  # restored + two: none dropped
    [shown] = json.loads(server.admin("chain-forks", "--device", device_id, "--json"))  # for supervisors
    assert (shown["from_seq"], shown["replaced_seq"], shown["restored_entry"]["kind"]) == (2, 4, "restored")
    held = summary(server)

    report = collector.json("recover-from-server")

    assert (report["payments"], report["refused"]) == (2, [])
    assert set(lost) <= set(_numbers(collector))
    verified = _verified(collector)
    with collector.open() as store:
        assert verify_chain(store).sound
        with store.read() as connection:
            kinds = [str(row[0]) for row in connection.exec_driver_sql(
                "SELECT kind FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq")]
    assert kinds == ["payment"] * 2 + ["restored"] + ["payment"] * 2 + ["recovered"] * 2
    assert verified["entries"] == 7

    again = collector.json("recover-from-server")  # twice: nothing written or logged twice
    assert (again["payments"], again["voids"], again["reprints"]) == (0, 0, 0)
    assert _verified(collector)["entries"] == 7
    # The recovered entries go to the server with the next batch, continuing the branch it accepted.
    [later] = collector.pay(1)
    synced = _sync(collector)
    assert synced["refused"] == [] and sum(d["accepted"] + d["rejected"] for d in synced["delivered"]) == 1
    assert len(_forks(server, device_id)) == 1
    after = summary(server)
    assert after != held and later in _numbers(collector)
    with collector.open() as store:
        assert _server_head(server, device_id) == verify_chain(store).head
    assert server.count("chain_entries", device_id=device_id) == entries_held + 3 + 3


def test_payments_recovered_into_an_empty_chain_adopt_the_servers_entries(
        server: RunningServer, collector: Collector, tmp_path: Path):
    import shutil

    older = tmp_path / "older"
    older.mkdir()
    for path in collector.store_path.parent.glob(collector.store_path.name + "*"):
        if path.is_file():
            shutil.copy2(path, older / path.name)
    collector.pay(2)
    assert collector.json("sync")["refused"] == []
    device_id = _device_from_store(collector)
    for path in collector.store_path.parent.glob(collector.store_path.name + "*"):
        if path.is_file():
            path.unlink()
    for path in older.iterdir():  # put back by hand: no restored entry, the chain is where the server's began
        shutil.copy2(path, collector.store_path.parent / path.name)

    report = collector.json("recover-from-server")

    assert report["payments"] == 2
    with collector.open() as store:
        verdict = verify_chain(store)
    assert verdict.sound and verdict.entries == 2
    assert verdict.head == _server_head(server, device_id)  # the server's own entries, adopted as they are
    [_] = collector.pay(1)
    synced = collector.json("sync")
    assert synced["refused"] == [] and sum(d["accepted"] for d in synced["delivered"]) == 1
    assert _forks(server, device_id) == []
