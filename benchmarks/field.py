"""Due list benchmark: who must pay again, on a store of N people (default 1,000,000).

    .venv/bin/python benchmarks/field.py [--people N] [--path FILE] [--runs R]

Builds (or reuses, with --path) the store of benchmarks/today.py: about 30 % of people in voluntary
SI (1-6 payments each), 60 % with family HI cards, two years of payments, 1 % of receipts voided.
Opening it upgrades it to migration 0016, whose triggers' table (`enrolment_cover`) is filled once
for every enrolment: that time is printed too.

Then times (median and max of R runs, ms) the due list as `collector-app due` and the Due page read
it (`services.due.due_list`: the rows, their state and the amount of each under the policy of its due
date, grouped by village and household), for 30 days with every state and with each state alone,
against two raw-SQL baselines: reading the same rows from `enrolment_cover`, and finding each
enrolment's latest standing period the way the due list did before 0016 (by `payment_items.period_end`
and a NOT EXISTS for a later period).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from today import TODAY, build  # noqa: E402 - the Today benchmark's store

from collector_app.domain.renewal import DueState, lookback_start  # noqa: E402
from collector_app.services.due import due_list  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.due import count_due, list_due  # noqa: E402

# Before 0016: the latest standing period of each enrolment ending in the window, found by period_end.
_BEFORE = """
SELECT count(*) FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
JOIN enrolments AS e ON e.id = i.enrolment_id
WHERE i.period_end BETWEEN ? AND ? AND e.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM voids AS v WHERE v.receipt_id = r.id)
  AND NOT EXISTS (
      SELECT 1 FROM payment_items AS later
      JOIN receipts AS lr ON lr.payment_id = later.payment_id
      WHERE later.enrolment_id = i.enrolment_id AND later.period_end > i.period_end
        AND NOT EXISTS (SELECT 1 FROM voids AS lv WHERE lv.receipt_id = lr.id))
"""
# The same rows as the due list reads, with no pricing and no grouping.
_RAW = """
SELECT pe.id, pe.full_name, pe.citizen_id, pe.phone, h.id, h.address, e.scheme, e.monthly_income, i.months,
       i.member_rank, c.paid_through
FROM enrolment_cover AS c
JOIN enrolments AS e ON e.id = c.enrolment_id
JOIN people AS pe ON pe.id = e.person_id
JOIN households AS h ON h.id = pe.household_id
JOIN payment_items AS i ON i.id = c.item_id
WHERE c.paid_through BETWEEN ? AND ? AND e.status = 'active'
"""


def _time(function: Callable[[], object], runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def measure(path: Path, runs: int) -> None:
    store = open_store(path)
    first, last = lookback_start(TODAY).isoformat(), (TODAY + timedelta(days=30)).isoformat()
    raw = sqlite3.connect(path)
    soon = (TODAY + timedelta(days=30)).isoformat()
    checks: list[tuple[str, Callable[[], object]]] = [
        ("due list, 30 days, every state", lambda: due_list(store, on=TODAY)),
        *[(f"due list, 30 days, {state.value}", lambda state=state: due_list(store, on=TODAY, state=state))
          for state in DueState],
        ("raw SQL: the same rows", lambda: len(raw.execute(_RAW, (first, last)).fetchall())),
        ("raw SQL before 0016 (count only)", lambda: raw.execute(_BEFORE, (first, last)).fetchone()[0]),
        # The Today page's figure: people whose cover ends in the next 30 days, now read from enrolment_cover.
        ("Today's count of people due in 30 d", lambda: count_due(store, first=TODAY, last=TODAY + timedelta(days=30))),
        ("the same before 0016 (raw SQL)", lambda: raw.execute(_BEFORE.replace("count(*)", "count(DISTINCT e.person_id)"),
                                                            (TODAY.isoformat(), soon)).fetchone()[0]),
        ("their first 200 (Today's dialog)",
         lambda: len(list_due(store, first=TODAY, last=TODAY + timedelta(days=30), limit=200))),
    ]
    print(f"\nseen on {TODAY:%d/%m/%Y}: cover ending {first} .. {last}")
    for name, function in checks:
        median, worst, result = _time(function, runs)
        shown = result if isinstance(result, int) else (
            f"{len(result.entries):,} renewals, {len(result.households):,} households, "  # type: ignore[attr-defined]
            f"{result.amount:,} VND")  # type: ignore[attr-defined]
        print(f"  {name:34} median {median:8.1f} ms   max {worst:8.1f} ms   ({shown})", flush=True)
    raw.close()
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file (built when it does not exist)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="field-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    if not args.path.exists():
        build(args.path, args.people, args.seed)
    start = time.perf_counter()
    open_store(args.path).close()  # upgraded to head: 0016 fills enrolment_cover once
    print(f"opened and upgraded in {time.perf_counter() - start:.1f} s", flush=True)
    db = sqlite3.connect(args.path, isolation_level=None)
    db.execute("ANALYZE")
    db.close()
    measure(args.path, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
