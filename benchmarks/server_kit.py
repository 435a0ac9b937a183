"""What the server benchmarks (`sync.py`, `load.py`) share: a database, a running server, devices, payments.

A database is an SQLite file in a temporary folder or a database in a throw-away PostgreSQL cluster
(`tests/pg_cluster.py`), unless a URL is given. The server is `provincial-server serve` in a
subprocess on 127.0.0.1; its memory is the RSS of its whole process tree (the workers too).
Payments are built as `collector_app.store.payments` puts them in the outbox (time-ordered UUIDv7
ids from `collector_app.store.stamps.new_id`, amounts from the calculators), so that the server
accepts every one.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from collector_app.domain.contributions import family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.payments import HiCover, NewPayment, PaymentMethod, family_hi_payment, vsi_payment
from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, generate_device_keys, signature_of
from collector_app.domain.receipt_numbers import format_receipt_number
from collector_app.paths import resource_path
from collector_app.store.stamps import new_id
from collector_app.wire import ReceiptPayload, SealedBatch, WireRecord, encode_key, payment_payload, seal_batch
from provincial_server.clock import utc_now
from provincial_server.services import enrolment
from provincial_server.store.db import open_database
from provincial_server.store.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pg_cluster import TemporaryCluster  # tests/ is not a package: on the path above

SERVER_EXE = Path(sys.executable).with_name("provincial-server")
POLICY_FILE = resource_path("policy/policy-2026.11.1.toml")
PAID_ON = date(2026, 3, 5)
METHODS = (PaymentMethod.CASH, PaymentMethod.CASH, PaymentMethod.TRANSFER)
PAYER_NAMES = ("Nguyễn Thị Hằng", "Trần Văn Đức", "Lê Thị Thu Hương", "Phạm Quốc Việt", "Đặng Thị Ánh")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def database(backend: str, url: str | None = None, *, durable: bool = True) -> Iterator[str]:
    """An empty database URL: `url` as given, else a new SQLite file or a throw-away PostgreSQL cluster.

    `durable`: PostgreSQL keeps fsync and synchronous commits on, like a real deploy (SQLite's
    server always writes with synchronous=FULL).
    """
    if url is not None:
        yield url
    elif backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="server-bench-") as folder:
            yield f"sqlite:///{folder}/server.sqlite3"
    else:
        with TemporaryCluster(durable=durable) as cluster:
            yield cluster.new_database("bench")


def admin(database_url: str, *args: str) -> str:
    result = subprocess.run([str(SERVER_EXE), args[0], "--database-url", database_url, *args[1:]],
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"provincial-server {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def summary(database_url: str) -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(admin(database_url, "summary", "--json"))
    return figures


@dataclass
class ServerProcess:
    url: str  # http://127.0.0.1:PORT/api/v1
    process: subprocess.Popen[bytes]
    log: Path

    def rss_bytes(self) -> int:
        """Resident memory of the server and its worker processes."""
        return sum(_rss(pid) for pid in _tree(self.process.pid))

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its live worker processes."""
        return sum(_cpu(pid) for pid in _tree(self.process.pid))


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for child_list in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in child_list.read_text().split():
                pids += _tree(int(child))
    return pids


def _cpu(pid: int) -> float:
    try:
        # Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def running_server(database_url: str, *, workers: int = 1, pool_size: int = 5) -> Iterator[ServerProcess]:
    """`provincial-server migrate` then `serve` on a free port; stopped at the end."""
    admin(database_url, "migrate")
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="serve-", suffix=".log", delete=False) as log_file:
        log = Path(log_file.name)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(SERVER_EXE), "serve", "--database-url", database_url, "--port", str(port), "--workers",
             str(workers), "--pool-size", str(pool_size), "--no-access-log", "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    server = ServerProcess(url=f"http://127.0.0.1:{port}/api/v1", process=process, log=log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def _wait_until_up(server: ServerProcess) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{server.url}/openapi.json", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start: {server.log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)


# ---- points and devices -------------------------------------------------------------------------


def add_points(database_url: str, count: int, *, prefix: str = "P") -> list[tuple[str, str]]:
    """`count` collection points, each with a one-time enrolment code: [(point_code, code)]."""
    database = open_database(database_url)
    try:
        made = []
        for index in range(1, count + 1):
            point = f"{prefix}{index:04d}"
            enrolment.add_point(UnitOfWork(database), point, f"Điểm thu {point}", now=utc_now())
            code = enrolment.new_enrolment_code(UnitOfWork(database), point, now=utc_now(),
                                                lifetime=timedelta(hours=1))
            made.append((point, code.code))
        return made
    finally:
        database.dispose()


@dataclass
class Device:
    url: str
    device_id: str
    token: str
    point_code: str
    series: str
    sequence: int = 0
    receipts: int = 0
    private_key: bytes | None = field(default=None, repr=False)  # signs the receipts' QR codes, as a device does
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def seal(self, records: Sequence[WireRecord]) -> SealedBatch:
        self.sequence += 1
        return seal_batch(batch_id=new_id(), device_id=self.device_id, device_sequence=self.sequence,
                          sealed_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), records=records)


def enrol(url: str, code: str, session: requests.Session | None = None) -> Device:
    private_key, public_key = generate_device_keys()
    device_id = new_id()
    session = session or requests.Session()
    response = session.post(f"{url}/devices/enrol", timeout=60, json={
        "code": code, "device_id": device_id, "device_name": "Máy thu thử tải", "public_key": encode_key(public_key),
    })
    response.raise_for_status()
    answer = response.json()
    return Device(url=url, device_id=device_id, token=answer["token"], point_code=answer["point_code"],
                  series=answer["series"], session=session, private_key=private_key)


# ---- payments -----------------------------------------------------------------------------------


def policy_table() -> PolicyTable:
    return PolicyTable.from_toml(POLICY_FILE.read_text(encoding="utf-8"))


class Payments:
    """Realistic payments: three in four family HI for 1-5 members, the rest voluntary SI; quotes memoised."""

    def __init__(self, table: PolicyTable, seed: int = 2026) -> None:
        self.table = table
        self.random = random.Random(seed)
        self._family: dict[tuple[int, int], Any] = {}
        self._vsi: dict[tuple[int, int], Any] = {}
        self._citizens = 0  # distinct citizen IDs: a person is paid for once

    def next(self, device: Device) -> WireRecord:
        if self.random.random() < 0.75:
            return self._family_hi(device, members=self.random.randint(1, 5), months=self.random.choice((3, 6, 12)))
        return self._vsi_payment(device, income=self.random.choice((1_500_000, 2_000_000, 3_500_000)),
                                 months=self.random.choice((1, 3, 6)))

    def _family_hi(self, device: Device, *, members: int, months: int) -> WireRecord:
        key = (members, months)
        if key not in self._family:
            quote = quote_family_hi(self.table, on=PAID_ON, members=members, months=months)
            card = family_hi_card_validity(self.table, paid_on=PAID_ON, months=months, previous_card_end=None)
            self._family[key] = (quote, card)
        quote, card = self._family[key]
        payment = family_hi_payment(
            quote, members=[HiCover(new_id(), card.start, card.end, member_order=order, previous_card_end=None)
                            for order in range(1, members + 1)],
            household_id=new_id(), residence_province=None, payer_name=self.random.choice(PAYER_NAMES),
            method=self.random.choice(METHODS), amount_handed=quote.total)
        return self._payment(device, payment)

    def _vsi_payment(self, device: Device, *, income: int, months: int) -> WireRecord:
        key = (income, months)
        if key not in self._vsi:
            self._vsi[key] = quote_vsi(self.table, on=PAID_ON, monthly_income=income, months=months, group="poor",
                                       supported_months_before=0)
        quote = self._vsi[key]
        payment = vsi_payment(quote, enrolment_id=new_id(), household_id=new_id(), residence_province=None,
                              supported_months_before=0, payer_name=self.random.choice(PAYER_NAMES),
                              method=self.random.choice(METHODS), amount_handed=quote.payable)
        return self._payment(device, payment)

    def _payment(self, device: Device, payment: NewPayment) -> WireRecord:
        """`payment` as the device's store writes it into the outbox, each person with a citizen ID of their own."""
        payment_id = new_id()
        device.receipts += 1
        number = format_receipt_number(device.series, PAID_ON.year, device.receipts)
        receipt = ReceiptPayload(id=new_id(), number=number, series=device.series, year=PAID_ON.year,
                                 sequence=device.receipts, issued_at=f"{PAID_ON.isoformat()}T08:00:00.000000+00:00")
        if device.private_key is not None:
            receipt["signature"] = signature_of(ReceiptClaim(number, payment.amount, PAID_ON, device.series),
                                                device.private_key)
        people = []
        for _ in payment.items:
            self._citizens += 1
            people.append((new_id(), f"0010{self._citizens:08d}"))
        payload = payment_payload(payment, payment_id=payment_id, receipt=receipt,
                                  item_ids=[new_id() for _ in payment.items], people=people,
                                  collector="Nguyễn Văn Thu", device_id=device.device_id)
        return WireRecord(record_id=payment_id, kind="payment", payload=dict(payload))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (nearest rank) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]
