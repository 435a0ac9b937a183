"""Official lists benchmark: a month's D05-TS and D03-TS lists to XLSX (target <= 2 s) on a store of N
people (default 1,000,000) with a year of payments.

    .venv/bin/python benchmarks/field_lists.py [--people N] [--path FILE] [--runs R] [--pdf]

Builds (or reuses, with --path to an existing file) a store of N people (realistic names, as
benchmarks/search.py) and a year of payments (12/2025 - 11/2026) written in bulk with SQL: each month
about 2,000 voluntary SI payments (one participant each) and 800 family HI payments of whole
households, so a month's two lists hold about 5,000 rows; 1 % of receipts voided.

Then times, for November 2026 (median and max of R runs, ms): the rows from the store
(`store.official_lists.list_rows`) against a raw baseline (the same SELECT through sqlite3, tuples
only), and the whole list to XLSX (`services.official_lists`: make + save) against a raw baseline
(openpyxl write-only, the same values with no number formats, heading or totals); with --pdf, the PDF.
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
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import PeopleMaker  # noqa: E402 - the search benchmark's realistic people

from collector_app.domain.contributions import add_months  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.registration import add_households  # noqa: E402

FIRST_MONTH = date(2025, 12, 1)
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
VSI_A_MONTH, HI_A_MONTH = 2_000, 800
STAMP = "2026-01-01T00:00:00.000000+00:00"


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
    households = [row[0] for row in db.execute("SELECT id FROM households")]
    counter = iter(range(1, 10**9))
    numbers: dict[int, int] = {}
    rows: dict[str, list[tuple[object, ...]]] = {"enrolments": [], "payments": [], "payment_items": [], "receipts": []}

    def receipt(payment_id: str, paid_on: date) -> None:
        numbers[paid_on.year] = numbers.get(paid_on.year, 0) + 1
        rows["receipts"].append((f"r{payment_id}", payment_id, "BD01M1", paid_on.year, numbers[paid_on.year],
                                 STAMP, STAMP, "bench", "device"))

    for index in range(12):
        month = add_months(FIRST_MONTH, index)
        days = (add_months(month, 1) - month).days
        for household_id in rng.sample(households, VSI_A_MONTH):
            [(person_id,)] = db.execute("SELECT id FROM people WHERE household_id = ? AND member_order = 1",
                                        (household_id,)).fetchall()
            enrolment_id, payment_id, n = f"e{next(counter)}", f"p{next(counter)}", next(counter)
            paid_on = month + timedelta(days=rng.randrange(days))
            months = rng.choice((1, 3, 6, 12))
            gross, state, local = 330_000 * months, 66_000 * months, 0
            rows["enrolments"].append((enrolment_id, person_id, "vsi", "other", 1_500_000, "2025-01-01", STAMP,
                                       STAMP, "bench"))
            rows["payments"].append((payment_id, household_id, "Người nộp", "vsi", paid_on.isoformat(), "bench",
                                     gross, state, local, gross - state - local, "cash", STAMP, "bench", "device"))
            end = add_months(month, months) - timedelta(days=1)
            rows["payment_items"].append((f"i{n}", payment_id, enrolment_id, month.isoformat(), end.isoformat(),
                                          months, None, 1_500_000, gross, state, local, gross - state - local, STAMP,
                                          "bench", "device"))
            receipt(payment_id, paid_on)
        for household_id in rng.sample(households, HI_A_MONTH):
            payment_id = f"p{next(counter)}"
            paid_on = month + timedelta(days=rng.randrange(days))
            members = db.execute("SELECT id, member_order FROM people WHERE household_id = ? ORDER BY member_order",
                                 (household_id,)).fetchall()
            total = 0
            for person_id, order in members:
                enrolment_id, n = f"e{next(counter)}", next(counter)
                amount = 1_366_200 if order == 1 else 546_480
                total += amount
                rows["enrolments"].append((enrolment_id, person_id, "family_hi", None, None, "2025-01-01", STAMP,
                                           STAMP, "bench"))
                end = add_months(paid_on, 12) - timedelta(days=1)
                rows["payment_items"].append((f"i{n}", payment_id, enrolment_id, paid_on.isoformat(),
                                              end.isoformat(), 12, order, None, amount, 0, 0, amount, STAMP,
                                              "bench", "device"))
            rows["payments"].append((payment_id, household_id, "Người nộp", "family_hi", paid_on.isoformat(),
                                     "bench", total, 0, 0, total, "cash", STAMP, "bench", "device"))
            receipt(payment_id, paid_on)
    _flush(db, rows)
    db.execute("INSERT INTO voids (id, receipt_id, reason, created_at, created_by, device_id) "
               "SELECT 'v' || rowid, id, 'Ghi sai', created_at, created_by, 'device' FROM receipts WHERE rowid % 100 = 0")
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("enrolments", "payments", "payment_items", "voids")}
    print(f"a year of money written in {time.perf_counter() - start:.1f} s: {counts}", flush=True)
    db.close()


def _flush(db: sqlite3.Connection, rows: dict[str, list[tuple[object, ...]]]) -> None:
    db.executemany("INSERT INTO enrolments (id, person_id, scheme, support_group, monthly_income, start_date, "
                   "created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["enrolments"])
    db.executemany("INSERT INTO payments (id, household_id, payer_name, scheme, paid_on, policy_version, gross, "
                   "state_support, local_support, amount, method, created_at, created_by, device_id) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["payments"])
    db.executemany("INSERT INTO payment_items (id, payment_id, enrolment_id, period_start, period_end, months, "
                   "member_rank, monthly_income, gross, state_support, local_support, amount, created_at, "
                   "created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   rows["payment_items"])
    db.executemany("INSERT INTO receipts (id, payment_id, series, year, number, issued_at, created_at, "
                   "created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["receipts"])


def _time(function: Callable[[], object], runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def _raw_rows(path: Path, scheme: str) -> list[tuple[object, ...]]:
    from collector_app.store.official_lists import _ROWS_SQL

    db = sqlite3.connect(path)
    try:
        return db.execute(_ROWS_SQL, (MONTH[0].isoformat(), MONTH[1].isoformat(), scheme)).fetchall()
    finally:
        db.close()


def _raw_xlsx(rows: list[tuple[object, ...]], out: Path) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("raw")
    for row in rows:
        sheet.append(list(row))
    workbook.save(out)
    return len(rows)


def measure(path: Path, runs: int, pdf: bool) -> None:
    from collector_app.domain.official_lists import ListForm
    from collector_app.services.official_lists import make_list, save_list
    from collector_app.store.official_lists import list_rows
    from collector_app.store.users import User
    from collector_app.domain.payments import Role

    store = open_store(path)
    actor = User("bench", "bench", "Nguyễn Thị Thu", Role.COLLECTOR, True)
    folder = Path(tempfile.mkdtemp(prefix="lists-out-"))
    print(f"\na month's lists, {MONTH[0]:%m/%Y} (median / max of {runs} runs)")
    for form in ListForm:
        scheme = form.scheme.value

        def whole(suffix: str, form: ListForm = form) -> int:
            made = make_list(store, form, since=MONTH[0], until=MONTH[1], made_on=MONTH[1], actor=actor)
            save_list(made, folder / f"{form.value}{suffix}")
            return len(made.rows)

        checks: list[tuple[str, Callable[[], object]]] = [
            ("rows from the store", lambda: len(list_rows(store, scheme=scheme, since=MONTH[0], until=MONTH[1]))),
            ("  raw baseline: sqlite3 tuples", lambda: len(_raw_rows(path, scheme))),
            ("list to XLSX (make + save)", lambda: whole(".xlsx")),
            ("  raw baseline: tuples to XLSX", lambda: _raw_xlsx(_raw_rows(path, scheme), folder / "raw.xlsx")),
        ]
        if pdf:
            checks.append(("list to PDF (make + save)", lambda: whole(".pdf")))
        print(f"{form.code}")
        for name, function in checks:
            median, worst, result = _time(function, runs)
            print(f"  {name:34} median {median:8.1f} ms   max {worst:8.1f} ms   ({result} rows)", flush=True)
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file (built when it does not exist)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--pdf", action="store_true", help="time the PDF too")
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="lists-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    if not args.path.exists():
        build(args.path, args.people, args.seed)
    measure(args.path, args.runs, args.pdf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
