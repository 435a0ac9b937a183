"""The money chain travels with each sealed batch: the server's head follows the device's, and a history
rewritten on the device after it was sent (a payment and its entry deleted by hand, the chain still
whole on the device) is refused at the next sync with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from signing import raw_connection
from sqlalchemy import select
from sync_helpers import Collector, RunningServer, assert_server_holds_everything_once, new_collector

from collector_app.store.audit_trail import chain_head, verify_chain
from provincial_server.store.schema import device_chains


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)


def _server_head(collector: Collector) -> tuple[str, int] | None:
    assert collector.server is not None
    with collector.server.engine.connect() as connection:
        row = connection.execute(select(device_chains.c.head, device_chains.c.last_seq)).all()
    heads = {(str(r[0]), int(r[1])) for r in row}
    with collector.open() as store, store.read() as local:
        seq, head = chain_head(local)
    return (head, seq) if (head, seq) in heads else None


def test_the_servers_head_follows_the_devices_chain(collector: Collector):
    numbers = collector.pay(2)
    assert collector.run("sync").returncode == 0
    assert _server_head(collector) is not None
    assert collector.run("void", numbers[1], "--reason", "Thu nhầm người").returncode == 0
    collector.pay(1)
    assert collector.run("sync").returncode == 0

    assert _server_head(collector) is not None
    assert_server_holds_everything_once(collector)
    with collector.open() as store:
        assert verify_chain(store).sound


def test_a_history_rewritten_after_it_was_sent_is_refused_at_the_next_sync(collector: Collector):
    collector.pay(2)
    assert collector.run("sync").returncode == 0
    # With the key, an attacker removes the last payment sent and its log entry: the chain on the
    # device still links, so only the province's copy of its head can tell.
    raw = raw_connection(collector.store_path)
    for name in ("audit_log_no_delete", "payment_items_no_delete", "payments_no_delete", "receipts_no_delete"):
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("PRAGMA foreign_keys = OFF")
    [payment] = raw.execute("SELECT record_id FROM audit_log WHERE chain_seq = 2").fetchone()
    for statement in ("DELETE FROM audit_log WHERE chain_seq = 2", "DELETE FROM payment_items WHERE payment_id = ?",
                      "DELETE FROM receipts WHERE payment_id = ?", "DELETE FROM payments WHERE id = ?"):
        raw.execute(statement, () if "?" not in statement else (payment,))
    raw.close()
    with collector.open() as store:
        assert verify_chain(store).sound  # the device alone cannot tell
    collector.pay(1)  # the next payment takes entry 2 again

    result = collector.run("--lang", "en", "sync")

    assert "batch.chain_broken" in result.stdout and "does not continue" in result.stdout
    assert collector.status()["refused_batches"] == 1
