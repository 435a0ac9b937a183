"""Receipt numbers survive crashes and concurrent writers: no gap, no repeat, nothing half-written.

A child process records payments in a loop and is killed with SIGKILL at a random moment; after
each kill the store is opened again and the series must be exactly 1..N, every receipt with its
payment and outbox row, every payment with exactly one receipt.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from payment_helpers import Paying, prepare, series_state, vsi_payment

from collector_app.store.db import Store
from collector_app.store.payments import record_payment
from signing import open_test_store

CHILD = Path(__file__).with_name("numbering_child.py")
SERIES = ("BD01M1", 2026)


def start_child(store_path: Path, go: Path, count: int = 0, period_offset: int = 0) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(store_path), str(count), str(go), str(period_offset)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "ready", line + child.stderr.read() if child.stderr else line
    return child


def assert_series_whole(store_path: Path) -> int:
    """The series is exactly 1..N and every money row has its partners; returns N."""
    state = series_state(store_path)
    numbers = state.numbers.get(SERIES, [])
    assert numbers == list(range(1, len(numbers) + 1))
    assert state.payments == state.receipts == state.outbox_payments == len(numbers)
    assert state.payments_without_one_receipt == 0
    assert state.receipts_without_payment_outbox == 0
    return len(numbers)


@pytest.fixture
def prepared(store: Store) -> Paying:
    paying = prepare(store)
    store.close()  # the children write; this process only checks, with a fresh connection each time
    return paying


def kill_children_at_random(store_path: Path, tmp_path: Path, runs: int, seed: int) -> list[int]:
    """`runs` times: start a recording child, SIGKILL it after a random delay, check the series."""
    rng = random.Random(seed)
    go = tmp_path / "go"
    go.touch()
    totals = []
    for _ in range(runs):
        child = start_child(store_path, go)
        time.sleep(rng.uniform(0.02, 0.4))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
        assert child.returncode == -signal.SIGKILL
        # Opening the store runs SQLite's recovery of the killed writer's WAL, as the app would.
        with open_test_store(store_path):
            pass
        totals.append(assert_series_whole(store_path))
    return totals


def test_killing_the_recording_process_never_leaves_a_gap_or_a_repeat(
    prepared: Paying, store_path: Path, tmp_path: Path
):
    totals = kill_children_at_random(store_path, tmp_path, runs=4, seed=1)

    assert totals == sorted(totals) and totals[-1] > 0  # the runs did record payments


@pytest.mark.slow
def test_thirty_kills_at_random_points_leave_the_series_whole(
    prepared: Paying, store_path: Path, tmp_path: Path
):
    totals = kill_children_at_random(store_path, tmp_path, runs=30, seed=2026)

    assert totals[-1] > 30


def test_two_processes_recording_at_once_share_the_series_without_a_repeat(
    prepared: Paying, store_path: Path, tmp_path: Path
):
    go = tmp_path / "go"
    # Periods far apart: both children pay for months of their own.
    children = [start_child(store_path, go, count=120, period_offset=offset) for offset in (0, 3000)]
    go.touch()
    results = [child.communicate(timeout=120) for child in children]

    assert [child.returncode for child in children] == [0, 0], [err for _, err in results]
    got = [out.split() for out, _ in results]
    assert len(got[0]) == len(got[1]) == 120
    assert not set(got[0]) & set(got[1])
    assert sorted(got[0] + got[1]) == [f"BD01M1-26-{n:07d}" for n in range(1, 241)]
    assert assert_series_whole(store_path) == 240


def test_the_first_receipt_dated_in_a_new_year_is_number_one(store: Store):
    paying = prepare(store)

    def record(paid_on: date, month: int) -> str:
        return record_payment(
            store, vsi_payment(paying, paid_on, month=month), actor=paying.collector, device=paying.device
        ).text

    assert [record(date(2026, 12, 30), 0), record(date(2026, 12, 31), 1)] == [
        "BD01M1-26-0000001",
        "BD01M1-26-0000002",
    ]
    assert record(date(2027, 1, 1), 1) == "BD01M1-27-0000001"
    assert record(date(2027, 1, 2), 2) == "BD01M1-27-0000002"
    # A late entry for last year continues last year's series.
    assert record(date(2026, 12, 31), 5) == "BD01M1-26-0000003"
