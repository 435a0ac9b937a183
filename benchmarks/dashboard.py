"""The province dashboard's cost on a province-sized server: `GET /dashboard`'s queries (the service, in
process) over 300 points, 1,500 devices and 500,000 payments, with the plan PostgreSQL chooses for each.

    .venv/bin/python benchmarks/dashboard.py                       # PostgreSQL (throw-away cluster)
    .venv/bin/python benchmarks/dashboard.py --backend sqlite
    .venv/bin/python benchmarks/dashboard.py --points 20 --payments 4000   # a demo-sized province

The rows are written straight into the server's tables, shaped as the server stores what it accepted
(a year of batches per device, payments with their items and their records' review, a few voids,
targets), since the dashboard reads only those tables; `fill_province` is also what the dashboard's
screenshots show. Prints p50/p95 of the whole dashboard (every query and the merging), read afresh and
with the worker's cache, and, with `--explain`, PostgreSQL's EXPLAIN ANALYZE of each query. Its money and
progress are the points' stored progress figures (`services.progress`), computed once after the fill.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from collector_app.admin_units import load_admin_units
from provincial_server.services import progress
from provincial_server.services.dashboard import (
    VIETNAM,
    DashboardCache,
    DashboardQuery,
    province_dashboard,
    vietnam_month,
)
from provincial_server.store.db import Database, migrate, open_database
from provincial_server.store.schema import (
    batch_records,
    batches,
    devices,
    payment_items,
    payments,
    points,
    targets,
    voids,
)
from provincial_server.store.unit_of_work import UnitOfWork

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_kit import database  # noqa: E402  (benchmarks/ is not a package)

PROVINCE = "01"  # Hà Nội
VSI_MONTHLY = 264_000  # about what a poor-group participant pays a month at the lowest income
HI_LADDER = (1_263_600, 884_520, 758_160, 631_800)  # a year of family HI for members 1-4
CHUNK = 5_000
PLACES = ("Bưu điện", "UBND", "Điểm thu")


def fill_province(db: Database, *, points_count: int, devices_per_point: int, payments_count: int,
                  now: datetime, seed: int = 1) -> list[str]:
    """A year (to `now`) of a province's collection; the point codes. Some points collect far more than
    others, one device in 25 has been silent for one to four weeks, 1 % of payments are voided."""
    rng = random.Random(seed)
    today = now.astimezone(VIETNAM).date()
    year_start = date(today.year, 1, 1)
    communes = list(load_admin_units().communes_of(PROVINCE))
    rng.shuffle(communes)
    codes = [f"HN{index:03d}" for index in range(1, points_count + 1)]
    weights = [rng.uniform(0.3, 1.6) for _ in codes]
    device_rows: list[dict[str, Any]] = []
    with db.engine.begin() as connection:
        connection.execute(insert(points), [
            {"code": code, "name": f"{PLACES[index % 3]} {communes[index % len(communes)].full_name}",
             "created_at": now, "province_code": PROVINCE, "commune_code": communes[index % len(communes)].code}
            for index, code in enumerate(codes)])
        for code in codes:
            for number in range(1, devices_per_point + 1):
                silent = (len(device_rows) + 1) % 25 == 0
                seen = now - (timedelta(days=rng.uniform(8, 30)) if silent else timedelta(hours=rng.uniform(0, 30)))
                device_rows.append({
                    "id": str(uuid.UUID(int=rng.getrandbits(128))), "point_code": code, "device_code": f"M{number}",
                    "series": f"{code}M{number}", "name": f"Máy {number} {code}", "public_key": b"\0" * 32,
                    "token_hash": hashlib.sha256(f"{code}{number}".encode()).hexdigest(),
                    "enrolled_at": datetime(today.year, 1, 2, tzinfo=UTC), "last_seen_at": seen,
                    "revoked_at": now - timedelta(days=40) if rng.random() < 0.02 else None})
        connection.execute(insert(devices), device_rows)
        # Targets about what a point's share of the collection gives by the year's end, some well above it.
        per_point = payments_count / points_count
        connection.execute(insert(targets), [
            {"year": today.year, "point_code": code, "scheme": scheme, "participants": participants,
             "amount": participants * VSI_MONTHLY * 7 if scheme == "vsi" else None, "updated_at": now}
            for code in codes if rng.random() > 0.05  # a few points have no plan yet
            for scheme, participants in (("vsi", int(per_point * 0.25 * rng.uniform(0.9, 2.2)) + 1),
                                         ("family_hi", int(per_point * 0.55 * 2.4 * rng.uniform(0.9, 1.8)) + 1))])

    # A batch a week per device; payments go to a random device of a weighted point.
    by_point: dict[str, list[dict[str, Any]]] = {}
    for device in device_rows:
        by_point.setdefault(device["point_code"], []).append(device)
    days = (today - year_start).days + 1
    weekly: dict[tuple[str, int], dict[str, Any]] = {}
    payment_rows, item_rows, record_rows, void_rows = [], [], [], []
    chosen_points = rng.choices(codes, weights=weights, k=payments_count)
    for number, code in enumerate(chosen_points):
        paid_on = year_start + timedelta(days=min(days - 1, int(days * rng.random() ** 0.8)))
        # A silent device sent nothing after it fell silent: a later payment is another device's.
        heard = [d for d in by_point[code] if d["last_seen_at"].date() > paid_on + timedelta(days=3)]
        device = rng.choice(heard or by_point[code])
        week = (paid_on - year_start).days // 7
        batch = weekly.get((device["id"], week))
        if batch is None:
            received = datetime.combine(min(today, paid_on + timedelta(days=rng.randint(0, 3))),
                                        datetime.min.time(), VIETNAM) + timedelta(hours=17)
            batch = weekly[(device["id"], week)] = {
                "batch_id": str(uuid.UUID(int=rng.getrandbits(128))), "device_id": device["id"], "point_code": code,
                "device_sequence": week + 1, "sealed_at": received.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "record_count": 0, "total_amount": 0, "sha256": "0" * 64, "content_sha256": "0" * 64,
                "received_at": min(received, now), "source": "api", "accepted": 0,
                "rejected": 1 if rng.random() < 0.08 else 0, "pending_review": 0, "answer": "{}"}
            batch["record_count"] += batch["rejected"]
        recent = (today - paid_on).days < 10
        review = rng.choice(("pending", "pending", "approved")) if recent else (
            "rejected" if rng.random() < 0.005 else "approved")
        payment_id = str(uuid.UUID(int=rng.getrandbits(128)))
        vsi = rng.random() < 0.45
        if vsi:
            months = rng.choice((1, 3, 3, 6, 12))
            start = paid_on.replace(day=1)
            end_month = start.month - 1 + months
            end = date(start.year + end_month // 12, end_month % 12 + 1, 1) - timedelta(days=1)
            members = [(start, end)]
            amount = VSI_MONTHLY * months
        else:
            count = rng.choice((1, 2, 2, 3, 4))
            start = paid_on + timedelta(days=30)
            members = [(start, start + timedelta(days=364))] * count
            amount = sum(HI_LADDER[:count])
        payment_rows.append({
            "payment_id": payment_id, "record_id": payment_id, "batch_id": batch["batch_id"],
            "device_id": device["id"], "point_code": code,
            "receipt_number": f"{device['series']}-{paid_on.year % 100:02d}-{number:07d}",
            "scheme": "vsi" if vsi else "family_hi", "paid_on": paid_on, "policy_version": "2026.11.1",
            "gross": amount, "state_support": 0, "local_support": 0, "amount": amount, "digest": "0" * 64,
            "received_at": batch["received_at"], "household_id": None, "residence_province": PROVINCE})
        item_rows += [{"payment_id": payment_id, "position": position, "person_key": f"{payment_id[:30]}{position}",
                       "period_start": first, "period_end": last, "months": 12, "supported_months": None,
                       "facility_code": None} for position, (first, last) in enumerate(members)]
        record_rows.append({"batch_id": batch["batch_id"], "position": batch["record_count"], "record_id": payment_id,
                            "kind": "payment", "status": "accepted", "code": None, "message": None,
                            "digest": "0" * 64, "payload": None, "duplicate_of": None, "review": review})
        batch["record_count"] += 1
        batch["accepted"] += 1
        batch["total_amount"] += amount
        batch["pending_review"] += review == "pending"
        if rng.random() < 0.01:
            void_rows.append({"void_id": str(uuid.UUID(int=rng.getrandbits(128))),
                              "receipt_number": payment_rows[-1]["receipt_number"], "batch_id": batch["batch_id"],
                              "device_id": device["id"], "reason": "Thu nhầm", "voided_at": batch["sealed_at"],
                              "digest": "0" * 64, "received_at": batch["received_at"]})
    for table, rows in ((batches, list(weekly.values())), (payments, payment_rows), (payment_items, item_rows),
                        (batch_records, record_rows), (voids, void_rows)):
        for start in range(0, len(rows), CHUNK):
            with db.engine.begin() as connection:
                connection.execute(insert(table), rows[start : start + CHUNK])
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return codes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--database-url", help="an empty database (default: a throw-away one)")
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--devices", type=int, default=5, help="per point")
    parser.add_argument("--payments", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="PostgreSQL's plan of each query")
    options = parser.parse_args(argv[1:])
    now = datetime.now(UTC)
    with database(options.backend, options.database_url) as url:
        migrate(url)  # PostgreSQL is migrated once per deploy, before the server opens it
        db = open_database(url)
        started = time.perf_counter()
        fill_province(db, points_count=options.points, devices_per_point=options.devices,
                      payments_count=options.payments, now=now)
        print(f"{options.backend}: {options.points} points, {options.points * options.devices} devices, "
              f"{options.payments:,} payments written in {time.perf_counter() - started:.0f} s")
        year, month = vietnam_month(now)
        started = time.perf_counter()
        progress.refresh(UnitOfWork(db), year=year)  # as `serve` does in the background from its start
        print(f"  every point's progress figures of {year} computed and stored in {time.perf_counter() - started:.0f} s")
        with db.engine.connect() as connection:
            commune = connection.exec_driver_sql("SELECT commune_code FROM points ORDER BY code LIMIT 1").scalar()
        for label, query in (("province, furthest behind first", DashboardQuery(year=year, month=month)),
                             ("one commune", DashboardQuery(year=year, month=month, commune_code=commune)),
                             ("by money, only silent", DashboardQuery(year=year, month=month, sort="this_month",
                                                                     descending=True, silent_only=True))):
            # Read afresh (a batch or a decision came since; the progress figures as a restarted worker reads
            # them: stored, none in its memory), then again from the worker's cache (another order, a page, the
            # same month a minute later).
            for kind, cache in (("afresh", None), ("kept", DashboardCache())):
                times = []
                for _ in range(options.runs):
                    if cache is None:
                        progress._cache = progress._Cache()
                    begun = time.perf_counter()
                    report = province_dashboard(UnitOfWork(db, write=False), query, silent_days=7, now=now,
                                                cache=cache)
                    times.append((time.perf_counter() - begun) * 1000)
                p95 = statistics.quantiles(times, n=20)[-1]
                print(f"  {label}, {kind}: {report.total} points, p50 {statistics.median(times):.0f} ms, "
                      f"p95 {p95:.0f} ms")
        if options.explain and db.engine.dialect.name == "postgresql":
            _explain(db, now)
        db.dispose()
    return 0


def _explain(db: Database, now: datetime) -> None:
    """EXPLAIN ANALYZE of each of the dashboard's queries, as the repository builds them."""
    from provincial_server.store.dashboard import PointFilter

    statements: list[Any] = []
    with db.engine.connect() as connection:
        original = connection.execute

        def capture(statement: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(statement)
            return original(statement, *args, **kwargs)

        connection.execute = capture  # type: ignore[method-assign]
        from provincial_server.store.dashboard import Dashboard

        repository = Dashboard(connection)
        where = PointFilter()
        repository.points(where)
        repository.devices(where)
        repository.review_counts(where)
        repository.rejections(where, received_from=now - timedelta(days=30), received_before=now)
        connection.execute = original  # type: ignore[method-assign]
        for statement in statements:
            compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {compiled}").all()
            print("\n" + str(compiled).splitlines()[0][:100] + " …")
            for line in plan:
                print("   " + line[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
