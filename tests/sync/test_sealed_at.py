"""A sealed batch carries `sealed_at` in the wire's one form of time, which the server checks."""

from __future__ import annotations

import json
from pathlib import Path

from sync_helpers import new_collector

from collector_app.wire import parse_wire_time


def test_a_batch_is_sealed_with_utc_time_to_the_second_with_a_z(tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)
    collector.pay(1)
    [batch] = collector.json("seal")["batches"]
    parse_wire_time(batch["sealed_at"])  # ValueError in any other form
    with collector.open() as store, store.read() as connection:
        body = connection.exec_driver_sql("SELECT body FROM batches").scalar_one()
    assert json.loads(body)["sealed_at"] == batch["sealed_at"]
