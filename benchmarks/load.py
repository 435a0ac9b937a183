"""Province-scale load: many devices (one per collection point) upload and pull at once from one server.

    .venv/bin/python benchmarks/load.py [--devices 300] [--batches 3] [--records 20] [--workers 4]
                                        [--backend postgresql|sqlite] [--database-url URL] [--json]

Sets up a fresh database (PostgreSQL: a throw-away cluster with fsync on, like a deploy; or SQLite)
and `provincial-server serve --workers N` on 127.0.0.1, adds one collection point per device with a
one-time code (through the server's services, as `add-point` and `enrolment-code` do) and enrols
every device over HTTP. Then all devices start together, each from its own thread: for each of its
batches it uploads the batch and pulls its changes (`GET /changes?since=`), and at the end it sends
its last batch once more, as after a lost reply. Printed: throughput (requests/s, records/s),
latency p50/p95/p99 per kind of request, and errors; then `provincial-server summary` must hold
exactly what was sent: every batch and payment once, the right total. Exit status 1 otherwise.
Bounded: only 127.0.0.1, a fixed number of requests, timeouts on every call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from server_kit import (
    POLICY_FILE,
    Device,
    Payments,
    add_points,
    admin,
    database,
    enrol,
    percentile,
    policy_table,
    running_server,
    summary,
)

TIMEOUT = 120  # seconds, for any one request


@dataclass
class Call:
    kind: str  # "upload", "changes", "replay"
    seconds: float
    error: str | None = None


@dataclass
class DeviceRun:
    device: Device
    bodies: list[bytes]
    answers: list[bytes] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)


def _timed(calls: list[Call], kind: str, send: Any) -> requests.Response | None:
    start = time.perf_counter()
    try:
        response: requests.Response = send()
    except requests.RequestException as error:
        calls.append(Call(kind, time.perf_counter() - start, f"{type(error).__name__}: {error}"))
        return None
    calls.append(Call(kind, time.perf_counter() - start,
                      None if response.status_code == 200 else f"HTTP {response.status_code}"))
    return response if response.status_code == 200 else None


def run_device(run: DeviceRun, start: threading.Barrier) -> None:
    device = run.device
    url = device.url
    cursor = ""
    start.wait()
    for body in run.bodies:
        answer = _timed(run.calls, "upload", lambda body=body: device.session.post(
            f"{url}/batches", data=body, headers=device.headers, timeout=TIMEOUT))
        if answer is not None:
            run.answers.append(answer.content)
            rejected = [r for r in answer.json()["results"] if r["status"] != "accepted"]
            if rejected:
                run.calls[-1].error = f"{len(rejected)} records rejected: {rejected[0]['code']}"
        pulled = _timed(run.calls, "changes", lambda since=cursor: device.session.get(
            f"{url}/changes", params={"since": since}, headers=device.headers, timeout=TIMEOUT))
        if pulled is not None:
            cursor = pulled.json()["cursor"]
    again = _timed(run.calls, "replay", lambda: device.session.post(
        f"{url}/batches", data=run.bodies[-1], headers=device.headers, timeout=TIMEOUT))
    if again is not None and run.answers and again.content != run.answers[-1]:
        run.calls[-1].error = "the replay was answered differently"


def load(args: argparse.Namespace) -> dict[str, Any]:
    with database(args.backend, args.database_url) as url, \
            running_server(url, workers=args.workers, pool_size=args.pool_size) as server:
        admin(url, "publish-policy", str(POLICY_FILE))
        setup = time.perf_counter()
        codes = add_points(url, args.devices)
        setup_seconds = time.perf_counter() - setup
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=min(args.devices, 32)) as pool:
            devices = list(pool.map(lambda code: enrol(server.url, code[1]), codes))
        enrol_seconds = time.perf_counter() - start
        for device in devices:
            # The server closes connections idle for 5 s (uvicorn's keep-alive), as it will have
            # while the batches are sealed: each device connects anew, as after a pause in the field.
            device.session.close()
        payments = Payments(policy_table())
        sent_total = 0
        runs = []
        for device in devices:
            batches = [device.seal([payments.next(device) for _ in range(args.records)]) for _ in range(args.batches)]
            sent_total += sum(batch["total_amount"] for batch in batches)
            runs.append(DeviceRun(device, [json.dumps(b, ensure_ascii=False).encode("utf-8") for b in batches]))
        barrier = threading.Barrier(len(runs) + 1)
        threads = [threading.Thread(target=run_device, args=(run, barrier), daemon=True) for run in runs]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        cpu_before = server.cpu_seconds()
        for thread in threads:
            thread.join(timeout=TIMEOUT * (2 * args.batches + 1))
        seconds = time.perf_counter() - start
        server_cpu = server.cpu_seconds() - cpu_before
        rss = server.rss_bytes()
        stuck = sum(thread.is_alive() for thread in threads)
        figures = summary(url)
    calls = [call for run in runs for call in run.calls]
    sent_batches = args.devices * args.batches
    sent_records = sent_batches * args.records
    expected = {"batches": sent_batches, "records": sent_records, "payments": sent_records,
                "payments_total": sent_total, "duplicate_records": 0}
    held = {name: figures[name] for name in expected}
    return {
        "backend": args.backend, "workers": args.workers, "devices": args.devices, "batches_per_device": args.batches,
        "records_per_batch": args.records, "setup_seconds": round(setup_seconds, 2),
        "enrol_seconds": round(enrol_seconds, 2), "seconds": round(seconds, 3), "server_cpu_seconds": round(server_cpu, 2),
        "server_rss_mib": round(rss / 2**20), "requests": len(calls),
        "requests_per_second": round(len(calls) / seconds, 1),
        "records_per_second": round(sent_records / seconds, 1),
        "latency_ms": {kind: _latencies([c.seconds for c in calls if c.kind == kind])
                       for kind in ("upload", "changes", "replay")},
        "errors": sum(1 for call in calls if call.error) + stuck,
        "error_examples": sorted({call.error for call in calls if call.error})[:5],
        "sent": expected, "held": held, "exact": held == expected and stuck == 0,
    }


def _latencies(values: Sequence[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 0.50) * 1000, 1), "p95": round(percentile(values, 0.95) * 1000, 1),
            "p99": round(percentile(values, 0.99) * 1000, 1),
            "mean": round(statistics.fmean(values) * 1000, 1) if values else 0.0}


def report(result: dict[str, Any]) -> None:
    print(f"{result['devices']} devices x {result['batches_per_device']} batches of {result['records_per_batch']} "
          f"payments, {result['backend']} with {result['workers']} worker(s)")
    print(f"  set-up: {result['devices']} points and codes in {result['setup_seconds']} s; "
          f"enrolment over HTTP in {result['enrol_seconds']} s")
    print(f"  {result['requests']} requests in {result['seconds']} s: {result['requests_per_second']:,} requests/s, "
          f"{result['records_per_second']:,} records/s; server CPU {result['server_cpu_seconds']} s, "
          f"RSS {result['server_rss_mib']} MiB")
    for kind, figures in result["latency_ms"].items():
        print(f"  {kind:8s} p50 {figures['p50']:7.1f} ms   p95 {figures['p95']:7.1f} ms   p99 {figures['p99']:7.1f} ms")
    print(f"  errors: {result['errors']}" + (f" ({'; '.join(result['error_examples'])})" if result["errors"] else ""))
    verdict = "exactly what was sent" if result["exact"] else f"NOT what was sent: {result['sent']}"
    print(f"  server holds {result['held']}: {verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--batches", type=int, default=3, help="batches each device uploads")
    parser.add_argument("--records", type=int, default=20, help="payments in each batch")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--pool-size", type=int, default=5, help="database connections per worker")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--database-url", help="an empty database to use instead of a new one")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = load(args)
    if args.json:
        print(json.dumps(result))
    else:
        report(result)
    return 0 if result["exact"] and result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
