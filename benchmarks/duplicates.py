"""Duplicate-check benchmark: on a store of N people (default 1,000,000), time `possible_duplicates`.

    .venv/bin/python benchmarks/duplicates.py [--people N] [--path FILE] [--queries Q]

Each query is a person as a collector would type them: someone already in the store (same folded
name, or one letter changed, same date of birth), or a new person. Prints p50/p95 in ms, the plan of
the date-of-birth look-up, and the people born on one day (mean and most). Target: p95 <= 5 ms, so
that the check runs as the form is filled in.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from search import PeopleMaker  # noqa: E402  (the same realistic names and dates as the search benchmark)

from collector_app.domain.people import NewPerson  # noqa: E402
from collector_app.services.registration import possible_duplicates  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.person_records import BORN_ON_SQL  # noqa: E402
from collector_app.store.registration import add_households  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file (built when it does not exist)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261210)
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="duplicates-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    build = not args.path.exists()
    store = open_store(args.path)
    if build:
        start = time.perf_counter()
        add_households(store, PeopleMaker(args.seed).households(args.people), actor="benchmark")
        print(f"built {args.people:,} people in {time.perf_counter() - start:.1f} s")
    reader = store.reader()
    total = reader.execute("SELECT count(*) FROM people").fetchone()[0]
    rng = random.Random(args.seed)
    sample = reader.execute(
        "SELECT full_name, date_of_birth, sex FROM people WHERE rowid IN "
        f"(SELECT abs(random()) % (SELECT max(rowid) FROM people) FROM people LIMIT {args.queries})"
    ).fetchall()
    plan = reader.execute("EXPLAIN QUERY PLAN " + BORN_ON_SQL, ("1980-01-01",)).fetchall()
    per_day = reader.execute("SELECT count(*) FROM people GROUP BY date_of_birth").fetchall()
    counts = [row[0] for row in per_day]

    timings: dict[str, list[float]] = {"same name": [], "one letter changed": [], "new person": []}
    for full_name, born, sex in sample:
        letters = list(full_name)
        where = rng.randrange(len(letters))
        letters[where] = "x" if letters[where] != "x" else "y"
        variants = {
            "same name": full_name.upper(),
            "one letter changed": "".join(letters),
            "new person": full_name,
        }
        for kind, name in variants.items():
            day = date.fromisoformat(born)
            if kind == "new person":
                day = date(2024, 2, 29)  # nobody in the built store is born after 2025; few on this day
            person = NewPerson(name, day, sex)
            start = time.perf_counter()
            possible_duplicates(store, person)
            timings[kind].append((time.perf_counter() - start) * 1000)

    print(f"people: {total:,}; born on one day: mean {statistics.mean(counts):.0f}, most {max(counts)}")
    print("plan:", "; ".join(str(row[-1]) for row in plan))
    for kind, values in timings.items():
        values.sort()
        print(f"{kind:20} p50 {values[len(values) // 2]:.3f} ms   p95 {values[int(len(values) * 0.95)]:.3f} ms"
              f"   ({len(values)} queries)")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
