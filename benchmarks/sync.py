"""Sync benchmark: 10,000 payments sealed and uploaded by one device to a local server, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/sync.py [--records N] [--batch-size N] [--rounds N]
                                        [--backend sqlite|postgresql|both] [--database-url URL]

For each backend: a fresh database (SQLite file; PostgreSQL: a throw-away cluster with fsync and
synchronous commits on, like a deploy), `provincial-server serve` with one worker on 127.0.0.1, one
enrolled device. Each round seals N new payments into batches (`collector_app.wire.seal_batch`,
timed apart: that is the device's work) and posts them one after the other, as a device syncing.
Printed: records/s end to end (posting and the server's answers), beside posting the same bytes with
the same requests loop to a trivial endpoint (stdlib http.server that reads the body and answers
200) and their ratio; the server's memory (RSS) after each round, which must not trend upwards.
At the end `provincial-server summary` must hold every payment once with the right total.
Targets: >= 10,000 records/s on SQLite, >= 5,000 on PostgreSQL. Exit status: 0 when both are met,
1 when a target is missed, 2 when anything was lost, duplicated or refused.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import requests
from server_kit import (
    POLICY_FILE,
    Device,
    Payments,
    add_points,
    admin,
    database,
    enrol,
    free_port,
    policy_table,
    running_server,
)
from server_kit import summary as server_summary

from collector_app.wire import SealedBatch

BARE_SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn
    disable_nagle_algorithm = True  # as uvicorn (asyncio): no 40 ms wait for a delayed ACK

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"status":"received"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


class Failed(Exception):
    """The server lost, duplicated or refused what was sent: exit status 2."""


@dataclass
class Round:
    records: int
    seal_seconds: float
    post_seconds: float
    server_cpu_seconds: float
    rss_after: int
    bodies: list[bytes]

    @property
    def records_per_second(self) -> float:
        return self.records / self.post_seconds


def seal_round(device: Device, payments: Payments, records: int, batch_size: int) -> tuple[list[SealedBatch], float]:
    built = [payments.next(device) for _ in range(records)]
    start = time.perf_counter()
    batches = [device.seal(built[i : i + batch_size]) for i in range(0, records, batch_size)]
    return batches, time.perf_counter() - start


def encode(batches: Sequence[SealedBatch]) -> list[bytes]:
    return [json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for batch in batches]


def post_all(session: requests.Session, url: str, bodies: Sequence[bytes], headers: dict[str, str]
             ) -> tuple[float, list[requests.Response]]:
    responses = []
    start = time.perf_counter()
    for body in bodies:
        responses.append(session.post(url, data=body, headers=headers, timeout=300))
    return time.perf_counter() - start, responses


def check_answers(batches: Sequence[SealedBatch], responses: Sequence[requests.Response]) -> None:
    for batch, response in zip(batches, responses, strict=True):
        if response.status_code != 200:
            raise Failed(f"batch {batch['batch_id']}: HTTP {response.status_code}: {response.text[:300]}")
        rejected = [r for r in response.json()["results"] if r["status"] != "accepted"]
        if rejected:
            raise Failed(f"batch {batch['batch_id']}: {len(rejected)} rejected, e.g. {rejected[0]}")


def bench_backend(backend: str, args: argparse.Namespace) -> tuple[list[Round], dict[str, int]]:
    with database(backend, args.database_url) as url, running_server(url) as server:
        admin(url, "publish-policy", str(POLICY_FILE))
        [(_, code)] = add_points(url, 1, prefix="BM")
        device = enrol(server.url, code)
        payments = Payments(policy_table())
        headers = device.headers
        # Warm-up (not counted): the first requests load the policy table and fill the caches.
        warm, _ = seal_round(device, payments, 100, 50)
        check_answers(warm, post_all(device.session, f"{server.url}/batches", encode(warm), headers)[1])
        sent_total = sum(batch["total_amount"] for batch in warm)
        sent_payments = 100
        rounds = []
        for _ in range(args.rounds):
            batches, seal_seconds = seal_round(device, payments, args.records, args.batch_size)
            bodies = encode(batches)
            cpu_before = server.cpu_seconds()
            seconds, responses = post_all(device.session, f"{server.url}/batches", bodies, headers)
            cpu = server.cpu_seconds() - cpu_before
            check_answers(batches, responses)
            rounds.append(Round(args.records, seal_seconds, seconds, cpu, server.rss_bytes(), bodies))
            sent_total += sum(batch["total_amount"] for batch in batches)
            sent_payments += args.records
        figures = server_summary(url)
    if (figures["payments"], figures["payments_total"]) != (sent_payments, sent_total):
        raise Failed(f"{backend}: the server holds {figures['payments']} payments totalling "
                         f"{figures['payments_total']}, but {sent_payments} totalling {sent_total} were sent")
    return rounds, figures


def bare_seconds(bodies: Sequence[bytes]) -> float:
    """Posting `bodies` with the same loop to a stdlib http.server that only reads them."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(port)])
    try:
        url = f"http://127.0.0.1:{port}/batches"
        session = requests.Session()
        deadline = time.monotonic() + 30
        while True:
            try:
                session.post(url, data=b"{}", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        headers = {"Authorization": "Bearer x", "Content-Type": "application/json"}
        post_all(session, url, bodies[:2], headers)  # warm-up
        return min(post_all(session, url, bodies, headers)[0] for _ in range(3))
    finally:
        process.terminate()
        process.wait()


def report(backend: str, rounds: Sequence[Round], bare: float, target: int) -> bool:
    mib = 1024 * 1024
    size = sum(len(body) for body in rounds[0].bodies)
    print(f"\n{backend}: {len(rounds)} rounds of {rounds[0].records:,} payments "
          f"({len(rounds[0].bodies)} batches, {size / mib:.1f} MiB of JSON a round)")
    for number, r in enumerate(rounds, 1):
        print(f"  round {number}: {r.records_per_second:8,.0f} records/s (posting {r.post_seconds:.2f} s, server CPU "
              f"{r.server_cpu_seconds:.2f} s; sealing on the device {r.seal_seconds:.2f} s, not counted); "
              f"server RSS {r.rss_after / mib:.0f} MiB")
    median = statistics.median(r.records_per_second for r in rounds)
    bare_rate = rounds[0].records / bare
    print(f"  median {median:,.0f} records/s; the same bytes to a bare http.server: {bare_rate:,.0f} records/s "
          f"({bare:.2f} s); ratio {bare_rate / median:.1f}x")
    growth = (rounds[-1].rss_after - rounds[0].rss_after) / mib
    print(f"  server memory from round 1 to round {len(rounds)}: {growth:+.1f} MiB")
    met = median >= target
    print(f"  target >= {target:,} records/s: {'met' if met else 'NOT MET'}")
    return met


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000, help="payments per round")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--database-url", help="an empty database to use instead of a new one (one backend)")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    targets = {"sqlite": 10_000, "postgresql": 5_000}
    met = True
    for backend in backends:
        try:
            rounds, figures = bench_backend(backend, args)
        except Failed as error:
            print(f"{backend}: FAILED: {error}", file=sys.stderr)
            return 2
        bare = bare_seconds(rounds[0].bodies)
        met = report(backend, rounds, bare, targets[backend]) and met
        print(f"  summary: {figures['payments']:,} payments, {figures['payments_total']:,} VND, each once")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
