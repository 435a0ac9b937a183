"""Bounded runs of the server benchmarks: devices upload and pull at once, and nothing is lost or stored twice.

`benchmarks/load.py` at full size is 300 devices on PostgreSQL with four workers; here 30 devices
with two batches each, on both databases (PostgreSQL with two workers), checked for errors and for
the server's summary being exactly what the devices sent. `benchmarks/sync.py` runs with a few
hundred payments. Timing figures are printed by the benchmarks, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from server_helpers import fresh_database_url

LOAD = Path(__file__).resolve().parents[2] / "benchmarks" / "load.py"
DEVICES, BATCHES, RECORDS = 30, 2, 5


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_devices_uploading_and_pulling_at_once_lose_and_duplicate_nothing(backend: str, request: pytest.FixtureRequest,
                                                                          tmp_path: Path):
    url = fresh_database_url(request, backend, tmp_path)
    result = subprocess.run(
        [sys.executable, str(LOAD), "--devices", str(DEVICES), "--batches", str(BATCHES), "--records", str(RECORDS),
         "--workers", "1" if backend == "sqlite" else "2", "--backend", backend, "--database-url", url, "--json"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["errors"] == 0, figures["error_examples"]
    # Each device: an upload and a pull per batch, then its last batch again.
    assert figures["requests"] == DEVICES * (2 * BATCHES + 1)
    sent = figures["sent"]
    assert (sent["batches"], sent["records"], sent["duplicate_records"]) == (DEVICES * BATCHES,
                                                                             DEVICES * BATCHES * RECORDS, 0)
    assert figures["held"] == sent


SYNC = LOAD.with_name("sync.py")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_sync_benchmark_stores_every_payment_it_uploads_once(backend: str, request: pytest.FixtureRequest,
                                                                 tmp_path: Path):
    url = fresh_database_url(request, backend, tmp_path)
    result = subprocess.run(
        [sys.executable, str(SYNC), "--records", "200", "--batch-size", "50", "--rounds", "2", "--backend", backend,
         "--database-url", url],
        capture_output=True, text=True, timeout=600, check=False,
    )
    # Exit status 1 only says a speed target was missed, which a run this small proves nothing about.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "records/s" in result.stdout and "server memory from round 1 to round 2" in result.stdout
    # 100 warm-up payments and two rounds of 200, as the server's summary counts them.
    assert f"summary: {100 + 2 * 200:,} payments" in result.stdout, result.stdout
