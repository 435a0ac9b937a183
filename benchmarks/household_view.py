"""Household view benchmark: what opening a household costs (members, their cover today, its payments).

    .venv/bin/collector-app demo --people 1000000        # ~1.9 GB, into COLLECTOR_APP_DATA_DIR
    .venv/bin/python benchmarks/household_view.py --store PATH [--households N]

Prints p50/p95/max of `services.coverage.household_view` over N households chosen at random (the read the
window's household view runs on the database thread), first cold (each household read for the first
time), then warm (the same households again). Target: well under 50 ms, so that it could even run on the
UI thread; the window runs it through the task runner all the same.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path

from collector_app.services.coverage import household_view
from collector_app.store.db import open_store


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()

    store = open_store(args.store)
    try:
        reader = store.reader()
        count = reader.execute("SELECT max(rowid) FROM households").fetchone()[0]
        rng = random.Random(args.seed)
        ids: list[str] = []
        while len(ids) < args.households:
            row = reader.execute("SELECT id FROM households WHERE rowid = ?", (rng.randint(1, count),)).fetchone()
            if row is not None:
                ids.append(row[0])
        today = date.today()
        print(f"households: {count:,} in the store; {len(ids)} opened")
        for label in ("cold", "warm"):
            times, members, payments = [], 0, 0
            for household_id in ids:
                started = time.perf_counter()
                view = household_view(store, household_id, today=today)
                times.append((time.perf_counter() - started) * 1000)
                members += len(view.members)
                payments += len(view.payments)
            print(f"  {label}: p50 {statistics.median(times):.2f} ms  p95 {_percentile(times, 0.95):.2f} ms  "
                  f"max {max(times):.2f} ms  ({members / len(ids):.1f} members, "
                  f"{payments / len(ids):.1f} payments a household)")
    finally:
        store.close()


if __name__ == "__main__":
    main()
