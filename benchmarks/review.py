"""Supervisors' review at province scale: a province of 300 points with a year of batches (about 500,000 records),
loaded through the server's store layer (not HTTP), then the review API timed over HTTP against the real server.

Prints p50/p95 of the batch list (no filter, province, commune, point, device, state, a month, sorts, deep
pages), a batch opened and a record's history, and the ratio of the list's p95 to a raw-SQL baseline (the
same page and totals in two hand-written statements through the driver). Then the window: the Batches page
paged through N pages against that server while a QTimer heartbeat records the longest gap on the UI
thread. Targets: p95 <= 100 ms on the server, no UI stall over 50 ms. Nothing asserts times; read the figures.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/review.py [--backend postgresql|sqlite] [--records 500000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import requests
from server_kit import Device as KitDevice
from server_kit import Payments, admin, database, percentile, policy_table, running_server
from sqlalchemy import text

from collector_app.admin_units import load_admin_units
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.wire import canonical_json
from provincial_server.clock import utc_now
from provincial_server.services import enrolment
from provincial_server.services.auth import add_supervisor
from provincial_server.store.db import open_database
from provincial_server.store.points import DeviceRow
from provincial_server.store.schema import batch_records, batches, changes, decisions, payments
from provincial_server.store.sql import insert_tuples
from provincial_server.store.unit_of_work import UnitOfWork

PROVINCE = "01"  # Hà Nội: enough communes for 300 points
YEAR_START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
DAYS = 330  # received from early January to the end of November
PASSWORD = "correct horse battery"
CHUNK = 20_000


def load(database_url: str, *, points: int, records: int, seed: int = 12) -> dict[str, object]:
    """Points (each in a commune of the province), one device each, and a year of batches, reviewed as the
    year went: everything before October decided (2 % rejected), October and November partly, the rest new."""
    rng = random.Random(seed)
    communes = load_admin_units().communes_of(PROVINCE)
    db = open_database(database_url)
    table = policy_table()
    maker = Payments(table, seed=seed)
    now = utc_now()
    started = time.perf_counter()
    devices: list[KitDevice] = []
    for number in range(points):
        code = f"P{number + 1:04d}"
        enrolment.add_point(UnitOfWork(db), code, f"Điểm thu {code}", commune_code=communes[number % len(communes)].code,
                            now=now)
        private_key, public_key = generate_device_keys()
        device = KitDevice(url="", device_id=str(uuid.uuid4()), token="", point_code=code, series=f"{code}M1",
                           private_key=private_key)
        with UnitOfWork(db) as uow:
            uow.points.add_device(DeviceRow(device.device_id, code, "M1", device.series, "Máy thu", public_key),
                                  token_hash=hashlib.sha256(device.device_id.encode()).hexdigest(), now=now)
            uow.commit()
        devices.append(device)
    add_supervisor(UnitOfWork(db), "bench", PASSWORD, now=now)
    supervisor_id = 1  # the only one

    per_point = records // points
    batch_rows: list[tuple[object, ...]] = []
    record_rows: list[tuple[object, ...]] = []
    payment_rows: list[tuple[object, ...]] = []
    change_rows: list[tuple[object, ...]] = []
    decision_rows: list[tuple[object, ...]] = []
    change_id = 0
    totals = {"batches": 0, "records": 0, "decisions": 0}

    def flush(final: bool = False) -> None:
        nonlocal batch_rows, record_rows, payment_rows, change_rows, decision_rows
        if not final and len(record_rows) < CHUNK:
            return
        with db.engine.begin() as connection:
            insert_tuples(connection, batches, _BATCH_NAMES, batch_rows)
            insert_tuples(connection, batch_records, _RECORD_NAMES, record_rows)
            insert_tuples(connection, payments, _PAYMENT_NAMES, payment_rows)
            insert_tuples(connection, changes, ("id", "kind", "point_code", "created_at"), change_rows)
            insert_tuples(connection, decisions, _DECISION_NAMES, decision_rows)
        batch_rows, record_rows, payment_rows, change_rows, decision_rows = [], [], [], [], []

    for device in devices:
        sizes: list[int] = []
        while sum(sizes) < per_point:
            sizes.append(min(per_point - sum(sizes), rng.randint(1, 12)))
        for sequence, size in enumerate(sizes, start=1):  # spread over the year, a working day's batch apart
            day = DAYS * (sequence - 1) / len(sizes) + rng.uniform(0, DAYS / len(sizes) / 2)
            received = YEAR_START + timedelta(days=day, minutes=rng.randint(0, 600))
            batch_id = str(uuid.uuid4())
            made = [maker.next(device) for _ in range(size)]
            reviewed_by = datetime(2026, 10, 1, tzinfo=UTC)
            fully = received < reviewed_by
            partly = not fully and received < datetime(2026, 12, 1, tzinfo=UTC) and rng.random() < 0.5
            pending = decided = 0
            for position, record in enumerate(made):
                payload = record["payload"]
                body = canonical_json(payload).decode()
                refused = rng.random() < 0.01
                decide = not refused and (fully or (partly and position % 2 == 0))
                reject = decide and rng.random() < 0.02
                review = None if refused else ("rejected" if reject else "approved") if decide else "pending"
                record_rows.append((batch_id, position, record["record_id"], "payment",
                                    "rejected" if refused else "accepted",
                                    "payment.money_mismatch" if refused else None,
                                    "gross is off by 1000" if refused else None,
                                    hashlib.sha256(body.encode()).hexdigest(), body, None, review))
                if refused:
                    continue
                payment_rows.append((payload["id"], record["record_id"], batch_id, device.device_id, device.point_code,
                                     payload["receipt"]["number"], payload["scheme"],
                                     datetime.fromisoformat(payload["paid_on"]).date(), payload["policy_version"],
                                     payload["gross"], payload["state_support"], payload["local_support"],
                                     payload["amount"], hashlib.sha256(body.encode()).hexdigest(), received))
                if decide:
                    change_id += 1
                    decided += 1
                    at = received + timedelta(days=rng.uniform(0.5, 20))
                    change_rows.append((change_id, "decision", device.point_code, at))
                    decision_rows.append((change_id, record["record_id"], batch_id, "reject" if reject else "approve",
                                          "Sai số tiền" if reject else "", at, supervisor_id))
                else:
                    pending += 1
            accepted = sum(1 for row in record_rows[-size:] if row[4] == "accepted")
            batch_rows.append((batch_id, device.device_id, device.point_code, sequence, received.strftime(
                "%Y-%m-%dT%H:%M:%SZ"), size, sum(r["payload"]["amount"] for r in made), "0" * 64, "0" * 64, None,
                received, "api", accepted, size - accepted, pending, decided, "{}"))
            totals["batches"] += 1
            totals["records"] += size
            totals["decisions"] += decided
            flush()
    flush(final=True)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('changes', 'id'), %s)" % max(1, change_id))
            connection.exec_driver_sql("ANALYZE")
    db.dispose()
    return {**totals, "load_seconds": round(time.perf_counter() - started, 1)}


_BATCH_NAMES = ("batch_id", "device_id", "point_code", "device_sequence", "sealed_at", "record_count", "total_amount",
                "sha256", "content_sha256", "references_batch_id", "received_at", "source", "accepted", "rejected",
                "pending_review", "decided", "answer")
_RECORD_NAMES = ("batch_id", "position", "record_id", "kind", "status", "code", "message", "digest", "payload",
                 "duplicate_of", "review")
_PAYMENT_NAMES = ("payment_id", "record_id", "batch_id", "device_id", "point_code", "receipt_number", "scheme",
                  "paid_on", "policy_version", "gross", "state_support", "local_support", "amount", "digest",
                  "received_at")
_DECISION_NAMES = ("change_id", "record_id", "batch_id", "decision", "reason", "decided_at", "supervisor_id")


def timed(call: Callable[[], requests.Response], times: int) -> list[float]:
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        response = call()
        spent.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return spent


def line(name: str, spent: Sequence[float]) -> str:
    return f"  {name:<34} p50 {percentile(spent, 0.5):7.1f} ms   p95 {percentile(spent, 0.95):7.1f} ms   (n={len(spent)})"


def measure_server(url: str, database_url: str, *, repeat: int) -> dict[str, list[float]]:
    session = requests.Session()
    token = session.post(f"{url}/auth/login", json={"username": "bench", "password": PASSWORD}, timeout=60).json()["token"]
    session.headers["Authorization"] = f"Bearer {token}"
    first = session.get(f"{url}/review/batches", params={"limit": 100}, timeout=60).json()
    total = first["total"]
    some = first["batches"][0]
    communes = load_admin_units().communes_of(PROVINCE)

    def get(path: str, **params: object) -> Callable[[], requests.Response]:
        return lambda: session.get(f"{url}{path}", params=params, timeout=60)

    lists = {
        "list: no filter, first page": get("/review/batches", limit=100),
        "list: province": get("/review/batches", province=PROVINCE, limit=100),
        "list: commune": get("/review/batches", commune=communes[3].code, limit=100),
        "list: point": get("/review/batches", point=some["point_code"], limit=100),
        "list: device (series)": get("/review/batches", device=some["series"], limit=100),
        "list: state new": get("/review/batches", state="new", limit=100),
        "list: state partly": get("/review/batches", state="partly", limit=100),
        "list: a month": get("/review/batches", received_from="2026-06-01", received_to="2026-06-30", limit=100),
        "list: sort total desc": get("/review/batches", sort="total", order="desc", limit=100),
        "list: sort pending desc": get("/review/batches", sort="pending", order="desc", limit=100),
        "list: next page (offset 10,000)": get("/review/batches", offset=10_000, limit=100, totals="false"),
        "list: deep page (offset 20,000)": get("/review/batches", offset=20_000, limit=100),
        "list: last page": get("/review/batches", offset=max(0, total - 100), limit=100),
    }
    found: dict[str, list[float]] = {name: timed(call, repeat) for name, call in lists.items()}
    rng = random.Random(7)
    sample = [session.get(f"{url}/review/batches", params={"offset": rng.randrange(total), "limit": 1},
                          timeout=60).json()["batches"][0]["batch_id"] for _ in range(repeat)]
    found["batch open"] = [spent for batch_id in sample for spent in timed(get(f"/review/batches/{batch_id}"), 1)]
    record_ids = [session.get(f"{url}/review/batches/{batch_id}", timeout=60).json()["records"][0]["record_id"]
                  for batch_id in sample]
    found["record history"] = [spent for record_id in record_ids
                               for spent in timed(get(f"/review/records/{record_id}/history"), 1)]
    found["raw SQL: first page + totals"] = raw_baseline(database_url, repeat)
    return found


def raw_baseline(database_url: str, repeat: int) -> list[float]:
    """The list's work in two hand-written statements on one open connection: the floor the API stands on."""
    db = open_database(database_url)
    page = text("SELECT b.batch_id, b.device_id, b.point_code, b.device_sequence, b.sealed_at, b.received_at, "
                "b.record_count, b.total_amount, b.references_batch_id, b.source, b.accepted, b.rejected, "
                "b.pending_review, b.decided, d.series FROM batches b JOIN devices d ON d.id = b.device_id "
                "ORDER BY b.received_at DESC, b.batch_id DESC LIMIT 100")
    sums = text("SELECT count(*), sum(record_count), sum(total_amount), sum(pending_review) FROM batches")
    spent = []
    try:
        with db.engine.connect() as connection:
            for _ in range(repeat):
                start = time.perf_counter()
                connection.execute(page).all()
                connection.execute(sums).one()
                spent.append((time.perf_counter() - start) * 1000)
    finally:
        db.dispose()
    return spent


def measure_window(server_url: str, pages: int) -> tuple[float, int, float, float]:
    """(longest UI-thread gap in ms, rows loaded, seconds) while the Batches page pages through `pages` pages
    from its first page shown, and the longest gap while it was first shown with that page."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from collector_app.sync.supervisor import log_in
    from collector_app.ui.pages.batches_page import BatchesPage
    from collector_app.ui.supervisor_link import SupervisorLink
    from collector_app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner(None)
    window = QWidget()
    link = SupervisorLink(runner, window, lambda: server_url)
    link.session = log_in(server_url, "bench", PASSWORD)
    page = BatchesPage(link, window)
    page.resize(1200, 650)
    page.show()
    model = page.model

    clock = QElapsedTimer()
    clock.start()
    gaps: list[int] = []
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    # The window shown and its first page in (fonts, layout, the columns fitted once): paging starts there.
    deadline = time.perf_counter() + 60
    heartbeat.start()
    while model.rowCount() == 0 and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.001)
    first_page = max(gaps, default=5) - 5
    gaps.clear()
    started = time.perf_counter()
    deadline = started + 300
    while model.rowCount() < pages * page.page_size and time.perf_counter() < deadline:
        page.table.scrollToBottom()
        app.processEvents()
        time.sleep(0.001)
        if model.total is not None and model.rowCount() >= model.total:
            break
    heartbeat.stop()
    seconds, rows = time.perf_counter() - started, model.rowCount()
    link.sign_out()
    runner.shutdown()
    window.close()
    return float(max(gaps) - 5 if gaps else 0), rows, seconds, float(first_page)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--database-url")
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--window-pages", type=int, default=30)
    args = parser.parse_args(argv)
    with database(args.backend, args.database_url) as url:
        admin(url, "migrate")
        loaded = load(url, points=args.points, records=args.records)
        print(f"{args.backend}: {args.points} points, {loaded['batches']:,} batches, {loaded['records']:,} records, "
              f"{loaded['decisions']:,} decisions, loaded in {loaded['load_seconds']} s (store layer, no HTTP)")
        with running_server(url, workers=1) as server:
            found = measure_server(server.url, url, repeat=args.repeat)
            print("server (HTTP on 127.0.0.1, one worker):")
            for name, spent in found.items():
                print(line(name, spent))
            list_p95 = max(percentile(spent, 0.95) for name, spent in found.items() if name.startswith("list:"))
            raw = percentile(found["raw SQL: first page + totals"], 0.95)
            print(f"  slowest list p95 / raw-SQL p95: {list_p95 / raw:.1f}x ({list_p95:.1f} / {raw:.1f} ms); "
                  f"target: every p95 <= 100 ms")
            gap, rows, seconds, first = measure_window(server.url, args.window_pages)
            print(f"window: paged {rows:,} rows ({rows // 100} pages) in {seconds:.1f} s; longest UI-thread stall "
                  f"while paging {gap:.0f} ms beyond the 5 ms heartbeat (target <= 50 ms); showing the page with "
                  f"its first rows {first:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
