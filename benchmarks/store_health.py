"""Store health benchmark: what checking the file costs on a big store, whole and before each write.

    .venv/bin/collector-app demo --people 300000        # ~550 MB, into COLLECTOR_APP_DATA_DIR
    .venv/bin/python benchmarks/store_health.py --store PATH [--runs N]

Prints, on the store at PATH: the whole-file check as the app runs it (`PRAGMA quick_check` on a
fresh connection) beside `integrity_check`; `quick_check` of the money tables (the check before a
write once something else changed the file) beside other choices; and `Store.begin()` of an empty
write, p50/p95, when nothing else changed the file (the usual case) and when something did, beside
SQLAlchemy's bare `engine.begin()`. The file is only read: the write transactions are empty.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from collector_app.store.db import connect_for_check, open_store
from collector_app.store.schema import APPEND_ONLY_TABLES


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _line(name: str, times: list[float]) -> None:
    print(f"  {name:58} {statistics.median(times):9.1f} {_percentile(times, 0.95):9.1f}")


def _pragmas(path: Path, *pragmas: str) -> Callable[[], None]:
    def run() -> None:
        connection = connect_for_check(path)
        try:
            for pragma in pragmas:
                rows = connection.execute(pragma).fetchall()
                assert rows == [("ok",)], rows
        finally:
            connection.close()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    path: Path = args.store
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    counts = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("people", "payments")}
    connection.close()
    print(f"{path}: {path.stat().st_size / 1e6:.0f} MB, {counts['people']:,} people, {counts['payments']:,} payments")

    print(f"\nwhole file, ms (fresh connection each run){'p50':>19} {'p95':>9}")
    with open_store(path) as store:
        first = _timed(store.check_health, 1)[0]
    label = "the app's check, first in this process (quick_check)"
    print(f"  {label:58} {first:9.1f}")
    _line("PRAGMA quick_check", _timed(_pragmas(path, "PRAGMA quick_check"), 3))
    _line("PRAGMA integrity_check", _timed(_pragmas(path, "PRAGMA integrity_check"), 1))

    print("\nmoney tables, ms: the check before a write when the file changed")
    money = [f"PRAGMA quick_check({table})" for table in APPEND_ONLY_TABLES]
    _line("quick_check of " + ", ".join(APPEND_ONLY_TABLES), _timed(_pragmas(path, *money), args.runs))
    _line("  the same plus outbox", _timed(_pragmas(path, *money, "PRAGMA quick_check(outbox)"), args.runs))
    _line("  payments, receipts, voids, reprints only", _timed(_pragmas(path, *(
        f"PRAGMA quick_check({t})" for t in ("payments", "receipts", "voids", "reprints"))), args.runs))
    _line("integrity_check of the money tables", _timed(_pragmas(path, *(
        f"PRAGMA integrity_check({t})" for t in APPEND_ONLY_TABLES)), 3))

    print("\nan empty write transaction, ms")
    with open_store(path) as store:
        store.check_health()

        def bare() -> None:
            with store.engine.begin():
                pass

        def checked() -> None:
            with store.begin():
                pass

        def changed_elsewhere() -> None:
            os.utime(path)  # as another program's write would: the fingerprint no longer matches
            with store.begin():
                pass

        checked()
        _line("bare engine.begin()", _timed(bare, args.runs))
        _line("Store.begin(), file unchanged since this process wrote", _timed(checked, args.runs))
        _line("Store.begin(), file changed by something else", _timed(changed_elsewhere, args.runs))
        assert store.health.last_check is not None and store.health.last_check.scope == "money"


if __name__ == "__main__":
    main()
