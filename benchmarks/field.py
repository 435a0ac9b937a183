"""Due list benchmark: who must pay again, on a store of N people (default 1,000,000).

    .venv/bin/python benchmarks/field.py [--people N] [--path FILE] [--runs R]

Builds (or reuses, with --path) the store of benchmarks/today.py: about 30 % of people in voluntary
SI (1-6 payments each), 60 % with family HI cards, two years of payments, 1 % of receipts voided.
Opening it upgrades it to the newest migration (0019 copies what the due list reads into
`enrolment_cover`, for every enrolment): that time is printed too.

Then times (p50 and p95 of R runs, ms) what the Due page reads before it shows (`services.due.due_report`:
the whole list's counts by state, people, households and amount, and its first 200 households), for
30 days with every state, with each state alone, and for a village's words; the whole list as
`collector-app due --json` prints it (every entry, streamed); the Today page's count of people due
against the way it was counted before 0016 (by `payment_items.period_end` and a NOT EXISTS for a later
period). Every figure is checked against the entries of the whole list.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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

from collector_app.cli.common import _print_json_streaming  # noqa: E402
from collector_app.cli.due import _due_json, _entry_json  # noqa: E402
from collector_app.domain.renewal import DueState, lookback_start  # noqa: E402
from collector_app.services.due import DueReport, due_list, due_report, iter_households, more_households  # noqa: E402
from collector_app.store.db import Store, open_store  # noqa: E402
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
_WINDOW = "SELECT count(*) FROM enrolment_cover WHERE paid_through BETWEEN ? AND ? AND status = 'active'"


def _time(function: Callable[[], object], runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], result


def _whole_json(store: Store) -> int:
    """`collector-app due --json`: the figures, then every entry printed as read (here to nowhere)."""
    report = due_report(store, on=TODAY, households=0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _print_json_streaming(_due_json(report), "entries",
                              (_entry_json(e) for h in iter_households(store, report) for e in h.entries))
    return len(out.getvalue())


def _checked(store: Store, village: str) -> None:
    """The first screen's figures are the whole list's: equal to its entries summed."""
    for state, search in ((None, ""), *((state, "") for state in DueState), (None, village)):
        whole, first = (due_list(store, on=TODAY, state=state, search=search),
                        due_report(store, on=TODAY, state=state, search=search))
        entries = whole.entries
        assert first.amount == whole.amount == sum(e.amount for e in entries)
        assert first.people == len({e.person_id for e in entries})
        assert first.household_count == len(whole.households)
        assert first.households == whole.households[:len(first.households)]
        for each in DueState:
            assert first.count(each) == sum(1 for e in entries if e.state is each)
    print("  figures checked against the whole list's entries: equal", flush=True)


def measure(path: Path, runs: int, village: str) -> None:
    store = open_store(path)
    raw = sqlite3.connect(path)
    soon = (TODAY + timedelta(days=30)).isoformat()
    first = due_report(store, on=TODAY)
    print(f"\nseen on {TODAY:%d/%m/%Y}: cover ending {lookback_start(TODAY)} .. {soon}; {runs} runs each")
    checks: list[tuple[str, Callable[[], object], int]] = [
        ("Due page: figures + first screen", lambda: due_report(store, on=TODAY), runs),
        *[(f"  the same, {state.value} only", lambda state=state: due_report(store, on=TODAY, state=state), runs)
          for state in DueState],
        (f"  the same, village \"{village}\"", lambda: due_report(store, on=TODAY, search=village), runs),
        ("  its next 200 households", lambda: more_households(store, first), runs),
        # How fast this machine reads: the covers of the window counted on a bare connection.
        ("bare sqlite3: count the window's covers", lambda: raw.execute(_WINDOW, (lookback_start(TODAY).isoformat(),
                                                                                 soon)).fetchone()[0], runs),
        ("due --json, the whole list", lambda: _whole_json(store), 3),
        # The Today page's figure: people whose cover ends in the next 30 days, read from enrolment_cover.
        ("Today's count of people due in 30 d", lambda: count_due(store, first=TODAY, last=TODAY + timedelta(days=30)),
         runs),
        ("the same before 0016 (raw SQL)", lambda: raw.execute(_BEFORE.replace("count(*)", "count(DISTINCT e.person_id)"),
                                                            (TODAY.isoformat(), soon)).fetchone()[0], runs),
        ("their first 200 (Today's dialog)",
         lambda: len(list_due(store, first=TODAY, last=TODAY + timedelta(days=30), limit=200)), runs),
    ]
    for name, function, times in checks:
        median, p95, result = _time(function, times)
        if isinstance(result, DueReport):
            shown = (f"{sum(result.counts.values()):,} renewals, {result.people:,} people, "
                     f"{result.household_count:,} households, {result.amount:,} VND")
        elif isinstance(result, tuple):
            shown = f"{len(result)} households"
        else:
            shown = f"{result:,}" + (" characters" if name.startswith("due --json") else "")
        print(f"  {name:36} p50 {median:8.1f} ms   p95 {p95:8.1f} ms   ({shown})", flush=True)
    _checked(store, village)
    raw.close()
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file (built when it does not exist)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--village", default="thon dong", help="the words of the village search")
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
    measure(args.path, args.runs, args.village)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
