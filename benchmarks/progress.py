"""How long the server takes to compute progress against plan (`services.progress`), cold and cached.

    .venv/bin/python benchmarks/progress.py --backend postgresql --payments 500000

A province of `--points` collection points in 30 communes, with a ledger of `--payments` payments over
2025 and 2026 (family HI for one to four members, voluntary SI for one; about one in 50 voided; people
paying again at their point, so that many renew), written straight into the server's tables, and a
target per point and scheme. Then, for a sample of points, of communes and for the province:
`scope_progress` with the cache emptied before each call (cold: the SQL and the rule) and again at once
(warm: the stamp only), and the page of points sorted furthest behind (`points_progress`). Prints p50 and
p95 in milliseconds, as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_kit import admin, database, percentile  # noqa: E402

from provincial_server.services import progress  # noqa: E402
from provincial_server.store.db import open_database  # noqa: E402
from provincial_server.store.schema import (  # noqa: E402
    batches,
    devices,
    payment_items,
    payments,
    points,
    targets,
    voids,
)
from provincial_server.store.sql import insert_tuples  # noqa: E402
from sqlalchemy import select  # noqa: E402
from provincial_server.store.unit_of_work import UnitOfWork  # noqa: E402

CHUNK = 20_000


def fill(database_url: str, *, point_count: int, payment_count: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = open_database(database_url)
    try:
        with db.connect(write=True) as connection, connection.begin():
            codes = [f"P{n:04d}" for n in range(1, point_count + 1)]
            insert_tuples(connection, points, ("code", "name", "created_at", "commune_code"),
                          [(code, f"Điểm thu {code}", now, f"{10000 + n % 30:05d}") for n, code in enumerate(codes)])
            device_ids = {code: str(uuid.uuid4()) for code in codes}
            insert_tuples(connection, devices, ("id", "point_code", "device_code", "series", "name", "public_key",
                                                "token_hash", "enrolled_at"),
                          [(device_ids[code], code, "M1", f"{code}M1", "Laptop", bytes(32), uuid.uuid4().hex * 2, now)
                           for code in codes])
            batch_ids = {code: str(uuid.uuid4()) for code in codes}
            insert_tuples(connection, batches, ("batch_id", "device_id", "point_code", "device_sequence", "sealed_at",
                                                "record_count", "total_amount", "sha256", "content_sha256",
                                                "received_at", "source", "accepted", "rejected", "pending_review",
                                                "answer"),
                          [(batch_ids[code], device_ids[code], code, 1, "2026-01-01T00:00:00Z", 0, 0, "0" * 64,
                            "0" * 64, now, "api", 0, 0, 0, "{}") for code in codes])
            insert_tuples(connection, targets, ("year", "point_code", "scheme", "participants", "amount",
                                                "updated_at"),
                          [(year, code, scheme, rng.randrange(100, 600), rng.randrange(10**8, 10**9), now)
                           for year in (2025, 2026) for code in codes for scheme in ("vsi", "family_hi")])
        people_per_point = max(10, payment_count // point_count // 2)
        start = date(2025, 1, 1)
        for first in range(0, payment_count, CHUNK):
            rows, items, voided = [], [], []
            for number in range(first, min(first + CHUNK, payment_count)):
                code = codes[rng.randrange(point_count)]
                paid_on = start + timedelta(days=rng.randrange(700))
                scheme = "family_hi" if rng.random() < 0.7 else "vsi"
                payment_id = str(uuid.uuid4())
                receipt = f"{code}M1-{paid_on.year % 100:02d}-{number:07d}"
                members = rng.randint(1, 4) if scheme == "family_hi" else 1
                months = 12 if scheme == "family_hi" else rng.choice((1, 3, 6, 12))
                amount = members * 900_000 if scheme == "family_hi" else months * 330_000
                rows.append((payment_id, payment_id, batch_ids[code], device_ids[code], code, receipt, scheme,
                             paid_on, "2026.11.1", amount, 0, 0, amount, "0" * 64, now))
                period_start = paid_on.replace(day=1) + timedelta(days=31 if scheme == "family_hi" else 0)
                period_start = period_start.replace(day=1)
                period_end = period_start + timedelta(days=30 * months)
                for position in range(members):
                    person = f"{code}-{rng.randrange(people_per_point)}"
                    items.append((payment_id, position, person, period_start, period_end, months, None))
                if rng.random() < 0.02:
                    voided.append((str(uuid.uuid4()), receipt, batch_ids[code], device_ids[code], "Thu nhầm",
                                   "2026-01-01T00:00:00Z", "0" * 64, now))
            with db.connect(write=True) as connection, connection.begin():
                insert_tuples(connection, payments, ("payment_id", "record_id", "batch_id", "device_id", "point_code",
                                                     "receipt_number", "scheme", "paid_on", "policy_version", "gross",
                                                     "state_support", "local_support", "amount", "digest",
                                                     "received_at"), rows)
                insert_tuples(connection, payment_items, ("payment_id", "position", "person_key", "period_start",
                                                          "period_end", "months", "supported_months"), items)
                insert_tuples(connection, voids, ("void_id", "receipt_number", "batch_id", "device_id", "reason",
                                                  "voided_at", "digest", "received_at"), voided)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
    finally:
        db.dispose()


def timed(call: Callable[[], object], *, cold: bool) -> float:
    if cold:
        progress._cache = progress._Cache()
    else:
        call()  # computed once: the timed call finds it cached
    return timed_once(call)


def timed_once(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--payments", type=int, default=500_000)
    parser.add_argument("--samples", type=int, default=20)
    options = parser.parse_args(argv[1:])
    with database(options.backend, options.database_url, durable=False) as url:
        if options.backend == "postgresql":
            admin(url, "migrate")
        began = time.perf_counter()
        fill(url, point_count=options.points, payment_count=options.payments, seed=1)
        filled = time.perf_counter() - began
        db = open_database(url)
        rng = random.Random(2)
        questions: dict[str, Callable[[], object]] = {}
        for n in range(options.samples):
            code = f"P{rng.randrange(1, options.points + 1):04d}"
            questions[f"point/{n}"] = lambda code=code: progress.scope_progress(
                UnitOfWork(db, write=False), year=2026, scope="point", code=code)
            commune = f"{10000 + rng.randrange(30):05d}"
            questions[f"commune/{n}"] = lambda commune=commune: progress.scope_progress(
                UnitOfWork(db, write=False), year=2026, scope="commune", code=commune)
        for n in range(max(3, options.samples // 4)):
            questions[f"province/{n}"] = lambda: progress.scope_progress(
                UnitOfWork(db, write=False), year=2026, scope="province", code=None)
            questions[f"points/{n}"] = lambda: progress.points_progress(
                UnitOfWork(db, write=False), year=2026, commune_code=None, sort="behind", limit=50, offset=0)
        results: dict[str, dict[str, float]] = {}
        for kind in ("point", "commune", "province", "points"):
            for cold in (True, False):
                times = [timed(call, cold=cold) for name, call in questions.items() if name.split("/")[0] == kind]
                results[f"{kind} {'cold' if cold else 'cached'}"] = {
                    "p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1)}
        # A batch arrives from one point between two questions (what a province sees all day): only that
        # point is computed again.
        after: list[float] = []
        for _n in range(options.samples):
            code = f"P{rng.randrange(1, options.points + 1):04d}"
            with db.connect(write=True) as connection, connection.begin():
                device = connection.scalar(select(devices.c.id).where(devices.c.point_code == code))
                insert_tuples(connection, batches, (
                    "batch_id", "device_id", "point_code", "device_sequence", "sealed_at", "record_count",
                    "total_amount", "sha256", "content_sha256", "received_at", "source", "accepted", "rejected",
                    "pending_review", "answer"), [(str(uuid.uuid4()), device, code, 2, "2026-01-01T00:00:00Z", 0, 0,
                                                   "0" * 64, "0" * 64, datetime.now(UTC), "api", 0, 0, 0, "{}")])
            after.append(timed_once(questions["province/0"]))
        results["province after one point's batch"] = {
            "p50_ms": round(percentile(after, 0.5), 1), "p95_ms": round(percentile(after, 0.95), 1)}
        db.dispose()
    print(json.dumps({"backend": options.backend, "points": options.points, "payments": options.payments,
                      "fill_seconds": round(filled, 1), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
