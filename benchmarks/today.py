"""Today page benchmark: the day's figures and the people due soon, on a store of N people (default 1,000,000).

    .venv/bin/python benchmarks/today.py [--people N] [--path FILE] [--runs R]

Builds (or reuses, with --path to an existing file) a store of N people (realistic names, as
benchmarks/search.py) with enrolments and paid periods: about 30 % in voluntary SI (1-6 payments
each), 60 % with a family HI card (1-3 years), a payment a day for each of 5 collectors over two
years, 1 % of receipts voided. Money rows are written in bulk with SQL, as a device would have
recorded them over years; the figures are not priced (the queries read dates, users and amounts).

Then times, through the store API and the service (median and max of R runs, ms): the count of
people due in the next 30 days, the first page of their list, and the whole day summary of one
collector; each with the indexes of migration 0008 dropped and again with them. Measured (2 cores,
shared): the list 3.4 s -> 40 ms with the index; the count 3.3 s -> 1.6-1.9 s (it checks each of the
63,000 periods ending in the window), which is why the window reads the day beside the database lane.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import PeopleMaker  # noqa: E402 - the search benchmark's realistic people

from collector_app.domain.contributions import add_months  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.registration import add_households  # noqa: E402

USERS = [f"user-{n}" for n in range(5)]
TODAY = date(2026, 11, 23)
INDEXES = {  # migration 0008
    "ix_payments_paid_on_created_by": "CREATE INDEX ix_payments_paid_on_created_by ON payments (paid_on, created_by)",
    "ix_payment_items_period_end": "CREATE INDEX ix_payment_items_period_end ON payment_items (period_end)",
}


def build(path: Path, people: int, seed: int) -> None:
    store = open_store(path)
    start = time.perf_counter()
    add_households(store, PeopleMaker(seed).households(people), actor="benchmark")
    store.close()
    print(f"people: {people:,} added in {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    counter = iter(range(1, 10**9))
    numbers: dict[int, int] = {}
    enrolments, payments, items, receipts = [], [], [], []
    stamp = "2026-01-01T00:00:00.000000+00:00"

    def pay(enrolment_id: str, household_id: str, scheme: str, start: date, months: int, amount: int) -> None:
        n = next(counter)
        paid_on = start - timedelta(days=rng.randrange(0, 20))
        payment_id, item_id, receipt_id = f"p{n}", f"i{n}", f"r{n}"
        user = rng.choice(USERS)
        payments.append((payment_id, household_id, "Người nộp", scheme, paid_on.isoformat(), "bench", amount,
                         0, 0, amount, "cash" if rng.random() < 0.8 else "transfer", stamp, user, "device"))
        end = add_months(start, months) - timedelta(days=1)
        items.append((item_id, payment_id, enrolment_id, start.isoformat(), end.isoformat(), months, amount,
                      amount, stamp, user, "device"))
        year = paid_on.year
        numbers[year] = numbers.get(year, 0) + 1
        receipts.append((receipt_id, payment_id, "BD01M1", year, numbers[year], stamp, stamp, user, "device"))

    rows = db.execute("SELECT id, household_id, member_order FROM people")
    for person_id, household_id, order in rows:
        if rng.random() < 0.3:
            enrolment_id = f"e{next(counter)}"
            enrolments.append((enrolment_id, person_id, "vsi", "other", 2_000_000, "2024-01-01", stamp, stamp, "b"))
            month = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))
            month = month.replace(day=1)
            for _ in range(rng.randint(1, 6)):
                months = rng.choice((1, 3, 6, 12))
                pay(enrolment_id, household_id, "vsi", month, months, 440_000 * months)
                month = add_months(month, months)
        if rng.random() < 0.6:
            enrolment_id = f"e{next(counter)}"
            enrolments.append((enrolment_id, person_id, "family_hi", None, None, "2024-01-01", stamp, stamp, "b"))
            card = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))
            for _ in range(rng.randint(1, 3)):
                pay(enrolment_id, household_id, "family_hi", card, 12, 1_366_200 if order == 1 else 546_480)
                card = add_months(card, 12)
        if len(items) > 50_000:
            _flush(db, enrolments, payments, items, receipts)
    _flush(db, enrolments, payments, items, receipts)
    db.execute("COMMIT")
    db.execute("BEGIN")
    db.execute("INSERT INTO voids (id, receipt_id, reason, created_at, created_by, device_id) "
               "SELECT 'v' || rowid, id, 'Ghi sai', created_at, created_by, 'device' FROM receipts WHERE rowid % 100 = 0")
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("enrolments", "payments", "payment_items", "voids")}
    print(f"money written in {time.perf_counter() - start:.1f} s: {counts}", flush=True)
    db.close()


def _flush(db: sqlite3.Connection, enrolments: list, payments: list, items: list, receipts: list) -> None:
    db.executemany("INSERT INTO enrolments (id, person_id, scheme, support_group, monthly_income, start_date, "
                   "created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", enrolments)
    db.executemany("INSERT INTO payments (id, household_id, payer_name, scheme, paid_on, policy_version, gross, "
                   "state_support, local_support, amount, method, created_at, created_by, device_id) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", payments)
    db.executemany("INSERT INTO payment_items (id, payment_id, enrolment_id, period_start, period_end, months, "
                   "gross, amount, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   items)
    db.executemany("INSERT INTO receipts (id, payment_id, series, year, number, issued_at, created_at, "
                   "created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", receipts)
    for rows in (enrolments, payments, items, receipts):
        rows.clear()


def _time(function: Callable[[], object], runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def measure(path: Path, runs: int, label: str) -> None:
    from collector_app.domain.due import due_window
    from collector_app.services.today import day_summary
    from collector_app.store.due import count_due, list_due

    store = open_store(path)
    first, last = due_window(TODAY)
    checks: list[tuple[str, Callable[[], object]]] = [
        ("people due in 30 days (count)", lambda: count_due(store, first=first, last=last)),
        ("their list, first 200", lambda: len(list_due(store, first=first, last=last, limit=200))),
        ("day summary of a collector", lambda: day_summary(store, user_id=USERS[0], on=TODAY, zone=UTC)),
    ]
    print(f"\n{label}")
    for name, function in checks:
        median, worst, result = _time(function, runs)
        shown = result if isinstance(result, int) else f"{result.payments.count} payments, due {result.due_soon}"  # type: ignore[attr-defined]
        print(f"  {name:34} median {median:8.1f} ms   max {worst:8.1f} ms   ({shown})")
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file (built when it does not exist)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="today-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    if not args.path.exists():
        build(args.path, args.people, args.seed)
    if args.build_only:
        return 0
    open_store(args.path).close()  # upgraded to head (0008's indexes made) before the bare connection drops them
    db = sqlite3.connect(args.path, isolation_level=None)
    for name in INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.execute("ANALYZE")
    db.close()
    measure(args.path, args.runs, "without the indexes of migration 0008")
    db = sqlite3.connect(args.path, isolation_level=None)
    for sql in INDEXES.values():
        db.execute(sql)
    db.execute("ANALYZE")
    db.close()
    measure(args.path, args.runs, "with them")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
