"""How long the server takes to answer progress against plan (`services.progress`), and what keeping the
stored figures costs.

    .venv/bin/python benchmarks/progress.py --backend postgresql --payments 500000

A province of `--points` collection points in 30 communes, with a ledger of `--payments` payments over
2025 and 2026 (family HI for one to four members, voluntary SI for one; about one in 50 voided; people
paying again at their point, so that many renew), written straight into the server's tables, and a
target per point and scheme. Then: the one-time fill of every point's stored figures (`refresh`, what
`serve` runs in the background at its start); one point computed (the SQL and the rule); a worker's read
of the stored figures at its start (before it serves); and for a sample of points, the point, its
commune, the province and the page of points sorted furthest behind (`points_progress`), each asked
first after a restart (the start-up read done), again (cached), and after a batch of 20 payments from
that point (stored into the ledger with the versions raised as the server raises them, timed apart):
asked before the worker's refresher has computed the point again (the figures from before the batch are
answered, dated, and the point handed to the refresher), after it has (its work timed apart), and
without a refresher, as `provincial-server progress` asks (the question computes the point).
Prints p50 and p95 in milliseconds, as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_kit import admin, database, percentile  # noqa: E402

from provincial_server.services import progress  # noqa: E402
from provincial_server.store.db import Database, open_database  # noqa: E402
from provincial_server.store.progress import ProgressData  # noqa: E402
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
BATCH = 20  # payments in a batch, as a point syncs them
PAYMENT_COLUMNS = ("payment_id", "record_id", "batch_id", "device_id", "point_code", "receipt_number", "scheme",
                   "paid_on", "policy_version", "gross", "state_support", "local_support", "amount", "digest",
                   "received_at")
ITEM_COLUMNS = ("payment_id", "position", "person_key", "period_start", "period_end", "months", "supported_months")


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
                insert_tuples(connection, payments, PAYMENT_COLUMNS, rows)
                insert_tuples(connection, payment_items, ITEM_COLUMNS, items)
                insert_tuples(connection, voids, ("void_id", "receipt_number", "batch_id", "device_id", "reason",
                                                  "voided_at", "digest", "received_at"), voided)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
    finally:
        db.dispose()


def timed_once(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def figures(times: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1)}


def a_batch(db: Database, code: str, rng: random.Random, *, payments_count: int = BATCH) -> float:
    """Store a batch of `payments_count` payments from one point straight into the ledger, doing in its
    transaction what the server does for progress when it stores one (services.batches: raise the versions of
    the point and of wherever its people paid); the milliseconds that part took."""
    with db.connect(write=True) as connection, connection.begin():
        device, batch_id = connection.execute(select(devices.c.id, batches.c.batch_id)
                                              .join(batches, batches.c.device_id == devices.c.id)
                                              .where(devices.c.point_code == code).limit(1)).one()
        rows, items = [], []
        for _ in range(payments_count):
            payment_id = str(uuid.uuid4())
            paid_on = date(2026, rng.randrange(1, 13), rng.randrange(1, 29))
            rows.append((payment_id, payment_id, batch_id, device, code, f"{code}M1-26-{uuid.uuid4().hex[:12]}",
                         "vsi", paid_on, "2026.11.1", 330_000, 0, 0, 330_000, "0" * 64, datetime.now(UTC)))
            start = paid_on.replace(day=1)
            items.append((payment_id, 0, f"{code}-{rng.randrange(10_000)}", start, start + timedelta(days=30), 1,
                          None))
        insert_tuples(connection, payments, PAYMENT_COLUMNS, rows)
        insert_tuples(connection, payment_items, ITEM_COLUMNS, items)
        began = time.perf_counter()
        data = ProgressData(connection)
        data.raise_versions(data.points_of_people_paid([row[0] for row in rows]))
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
        codes = [f"P{n:04d}" for n in range(1, options.points + 1)]
        began = time.perf_counter()
        refreshed = progress.refresh(UnitOfWork(db), year=2026)
        refresh_seconds = time.perf_counter() - began
        # One point computed (what a batch costs the next question about it): the SQL and the rule.
        computed = []
        for _n in range(options.samples):
            code = rng.choice(codes)
            with UnitOfWork(db, write=False) as uow:
                computed.append(timed_once(lambda code=code, uow=uow: progress._compute(uow, 2026, [code])))

        class Deferred:
            """The worker's refresher as a question meets it: told which points to compute (timed apart here)."""

            def asked(self, year: int, codes: Sequence[str]) -> None:
                pass

        def questions(code: str, catch_up: object) -> dict[str, Callable[[], object]]:
            commune = f"{10000 + codes.index(code) % 30:05d}"  # the point's own commune
            return {
                "point": lambda: progress.scope_progress(UnitOfWork(db, write=False), year=2026, scope="point",
                                                         code=code, catch_up=catch_up),
                "commune": lambda: progress.scope_progress(UnitOfWork(db, write=False), year=2026,
                                                           scope="commune", code=commune, catch_up=catch_up),
                "province": lambda: progress.scope_progress(UnitOfWork(db, write=False), year=2026,
                                                            scope="province", code=None, catch_up=catch_up),
                "points": lambda: progress.points_progress(UnitOfWork(db, write=False), year=2026, commune_code=None,
                                                           sort="behind", limit=50, offset=0, catch_up=catch_up),
            }

        started: list[float] = []  # a worker's read of every stored figure at its start, before it serves
        for _n in range(max(3, options.samples // 4)):
            progress._cache = progress._Cache()
            started.append(timed_once(lambda: progress.read_stored(UnitOfWork(db, write=False), 2026)))
        times: dict[str, list[float]] = {}
        added: list[float] = []
        refreshed_after: list[float] = []  # the refresher's work after a batch, off the device's request
        for _n in range(options.samples):
            code = rng.choice(codes)
            asked = questions(code, Deferred())
            for kind, call in asked.items():
                # A restarted worker's first questions: its start-up read done (before it serves).
                progress._cache = progress._Cache()
                progress.read_stored(UnitOfWork(db, write=False), 2026)
                times.setdefault(f"{kind}, first after a restart", []).append(timed_once(call))
            for kind, call in asked.items():
                call()  # the restarts above each read the stored figures afresh: asked once, now it is held
                times.setdefault(f"{kind}, cached", []).append(timed_once(call))
            for kind, call in asked.items():
                # A batch from this point, asked about before the worker's refresher has computed it again: the
                # figures from before the batch, dated, the point handed to the refresher...
                added.append(a_batch(db, code, rng))
                times.setdefault(f"{kind}, after a batch, before the refresher", []).append(timed_once(call))
                # ... which computes it (timed apart: off the request), and the same question again.
                refreshed_after.append(timed_once(lambda code=code: progress.figures_of(
                    UnitOfWork(db, write=False), 2026, [code])))
                times.setdefault(f"{kind}, after a batch, refreshed", []).append(timed_once(call))
            for kind, call in questions(code, None).items():
                # Without a refresher (`provincial-server progress`): the question computes the point itself.
                added.append(a_batch(db, code, rng))
                times.setdefault(f"{kind}, after a batch, computed by the question (command line)", []).append(
                    timed_once(call))
        db.dispose()
    results = {"one point computed": figures(computed), "a worker's start-up read of the stored figures":
               figures(started), **{name: figures(values) for name, values in times.items()},
               f"progress's part of storing a batch of {BATCH} payments": figures(added),
               "the refresher's work after a batch (off the request)": figures(refreshed_after)}
    print(json.dumps({"backend": options.backend, "points": options.points, "payments": options.payments,
                      "fill_seconds": round(filled, 1), "refresh_seconds": round(refresh_seconds, 1),
                      "refreshed_points": refreshed, "results": results}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
