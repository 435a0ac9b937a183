"""Helpers for the server tests: the running server, enrolled devices, supervisors and wire records."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from pg_cluster import TemporaryCluster
from sqlalchemy import Engine, Executable, create_engine, func, select
from sqlalchemy.pool import NullPool

from collector_app.domain import payments as domain_payments
from collector_app.domain.contributions import family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.payments import HiCover, NewPayment, PaymentMethod, top_up_province
from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, generate_device_keys, signature_of
from collector_app.domain.receipt_numbers import format_receipt_number
from collector_app.paths import resource_path
from collector_app.wire import (
    ReceiptPayload,
    SealedBatch,
    WireRecord,
    encode_key,
    payment_payload,
    seal_batch,
    sign_enrolment,
)
from provincial_server import cli
from provincial_server.store.db import normalise_url
from provincial_server.store.schema import metadata

POLICY_FILE = resource_path("policy/policy-2026.11.1.toml")
PAID_ON = date(2026, 3, 5)
SUPERVISOR_PASSWORD = "correct horse battery"
SERVER_EXE = Path(sys.executable).with_name("provincial-server")


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """`provincial-server ARGS` in this process, `stdin` as its standard input: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main(list(args))
            except SystemExit as exit_:
                status = int(exit_.code or 0)
    finally:
        sys.stdin = saved
    return status, out.getvalue(), err.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT/api/v1
    database_url: str
    backend: str  # "sqlite" or "postgresql"
    process: subprocess.Popen[bytes]
    _engine: Engine | None = None

    def admin(self, *args: str) -> str:
        """Run an admin command on the server's database; its standard output (exit status must be 0)."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cli.main([args[0], "--database-url", self.database_url, *args[1:]])
        assert status == 0, out.getvalue()
        return out.getvalue()

    @property
    def engine(self) -> Engine:
        """An engine on the server's database (either backend), to look at what was stored."""
        if self._engine is None:
            self._engine = create_engine(normalise_url(self.database_url), poolclass=NullPool)
        return self._engine

    def count(self, table: str, **equal: Any) -> int:
        """Rows of `table` whose columns have the given values, e.g. `count("payments", batch_id=...)`."""
        columns = metadata.tables[table].c
        query = select(func.count()).select_from(metadata.tables[table]).where(
            *(columns[name] == value for name, value in equal.items()))
        with self.engine.connect() as connection:
            return int(connection.scalar(query) or 0)

    def execute(self, statement: Executable) -> None:
        """Change the server's database behind its back (to age a code or a session)."""
        with self.engine.begin() as connection:
            connection.execute(statement)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def fresh_database_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    """An empty database of `backend`: a new SQLite file in `folder`, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'server.sqlite3'}"
    cluster: TemporaryCluster = request.getfixturevalue("postgresql_cluster")
    return cluster.new_database("server")


# ---- points, devices, supervisors ---------------------------------------------------------------

_points = iter(range(1, 10_000))


def new_point(server: Server) -> str:
    """A new collection point, e.g. "T0007"."""
    code = f"T{next(_points):04d}"
    server.admin("add-point", code, f"Điểm thu thử {code}")
    return code


@dataclass
class Device:
    server: Server
    device_id: str
    token: str
    point_code: str
    series: str
    private_key: bytes
    public_key: bytes
    server_public_key: str
    sequence: int = 0
    receipts: int = 0
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.server.url + path, headers=self.headers, timeout=30, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.session.post(self.server.url + path, json=body, headers=self.headers, timeout=30, **kwargs)

    def next_receipt(self, year: int = PAID_ON.year) -> str:
        self.receipts += 1
        return format_receipt_number(self.series, year, self.receipts)

    def seal(self, records: list[WireRecord], *, references: str | None = None) -> SealedBatch:
        self.sequence += 1
        return seal_batch(batch_id=str(uuid.uuid4()), device_id=self.device_id, device_sequence=self.sequence,
                          sealed_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), records=records,
                          references_batch_id=references)

    def upload(self, batch: SealedBatch) -> requests.Response:
        return self.post("/batches", batch)


def enrolment_code(server: Server, point_code: str) -> str:
    return server.admin("enrolment-code", point_code).strip()


def enrol(server: Server, point_code: str, *, device_code: str | None = None, signed: bool = True) -> Device:
    """A new device enrolled into the point; its request signed with its key as collector-app signs it
    (unless not `signed`: a client from before the signature)."""
    private_key, public_key = generate_device_keys()
    device_id = str(uuid.uuid4())
    code = enrolment_code(server, point_code)
    body: dict[str, Any] = {"code": code, "device_id": device_id, "device_name": "Laptop điểm thu",
                            "public_key": encode_key(public_key)}
    if device_code is not None:
        body["device_code"] = device_code
    if signed:
        body["signature"] = sign_enrolment(code=code, device_id=device_id, public_key=public_key,
                                           private_key=private_key)
    response = requests.post(f"{server.url}/devices/enrol", json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer = response.json()
    return Device(server=server, device_id=device_id, token=answer["token"], point_code=answer["point_code"],
                  series=answer["series"], private_key=private_key, public_key=public_key,
                  server_public_key=answer["server_public_key"])


@dataclass
class Supervisor:
    server: Server
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.server.url + path, headers=self.headers, timeout=30, **kwargs)

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(self.server.url + path, json=body, headers=self.headers, timeout=30)

    def settled(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """A progress or dashboard answer once it counts every batch received: the first answer after a batch may
        hold the figures computed before it (`as_of` set) while the server computes them again."""
        return settled(lambda: self.get(path, params=params), key="progress_as_of" if path == "/dashboard" else "as_of")


def settled(ask: Any, *, key: str = "as_of", seconds: float = 60.0) -> dict[str, Any]:
    """The JSON of `ask()` once its progress figures count every batch the server holds (`key` null)."""
    deadline = time.monotonic() + seconds
    while True:
        response = ask()
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        if answer[key] is None:
            return answer
        assert time.monotonic() < deadline, f"the figures were not computed again within {seconds} s"
        time.sleep(0.05)


_supervisors = iter(range(1, 10_000))


def add_supervisor(server: Server, password: str = SUPERVISOR_PASSWORD) -> str:
    username = f"supervisor{next(_supervisors)}"
    stdin = sys.stdin
    sys.stdin = io.StringIO(password + "\n")
    try:
        server.admin("add-supervisor", username, "--password-stdin")
    finally:
        sys.stdin = stdin
    return username


def log_in(server: Server, username: str, password: str = SUPERVISOR_PASSWORD) -> requests.Response:
    return requests.post(f"{server.url}/auth/login", json={"username": username, "password": password}, timeout=30)


# ---- records ------------------------------------------------------------------------------------


def family_hi_payment(device: Device, table: PolicyTable, *, members: int = 2, months: int = 12,
                      paid_on: date = PAID_ON, receipt_number: str | None = None,
                      citizen_ids: list[str | None] | None = None, previous_card_end: date | None = None,
                      residence_province: str | None = None) -> WireRecord:
    """A family HI payment as the device records it: members in order, each card from the previous one."""
    quote = quote_family_hi(table, on=paid_on, members=members, months=months)
    card = family_hi_card_validity(table, paid_on=paid_on, months=months, previous_card_end=previous_card_end)
    payment = domain_payments.family_hi_payment(
        quote, members=[HiCover(str(uuid.uuid4()), card.start, card.end, member_order=order,
                                previous_card_end=previous_card_end) for order in range(1, members + 1)],
        household_id=str(uuid.uuid4()), residence_province=residence_province, payer_name="Nguyễn Thị Hằng",
        method=PaymentMethod.CASH, amount_handed=quote.total)
    return payment_record(device, payment, receipt_number=receipt_number, citizen_ids=citizen_ids)


def vsi_payment(device: Device, table: PolicyTable, *, monthly_income: int = 2_000_000, months: int = 1,
                paid_on: date = PAID_ON, group: str = "poor", citizen_id: str | None = None,
                supported_months_before: int = 0, residence_province: str | None = None,
                receipt_number: str | None = None, period_from: date | None = None) -> WireRecord:
    """A voluntary SI payment as the device records it, for a new person unless `citizen_id` is given."""
    quote = quote_vsi(table, on=paid_on, monthly_income=monthly_income, months=months, group=group,
                      period_from=period_from,
                      supported_months_before=supported_months_before,
                      province=top_up_province(table.in_force(paid_on), residence_province))
    payment = domain_payments.vsi_payment(
        quote, enrolment_id=str(uuid.uuid4()), household_id=str(uuid.uuid4()),
        residence_province=residence_province, supported_months_before=supported_months_before,
        payer_name="Nguyễn Thị Hằng", method=PaymentMethod.CASH, amount_handed=quote.payable)
    return payment_record(device, payment, receipt_number=receipt_number, citizen_ids=[citizen_id])


def payment_record(device: Device, payment: NewPayment, *, receipt_number: str | None = None,
                   citizen_ids: list[str | None] | None = None) -> WireRecord:
    """`payment` as collector_app.store.payments writes it into the outbox (`wire.payment_payload`)."""
    payment_id = str(uuid.uuid4())
    number = receipt_number or device.next_receipt(payment.paid_on.year)
    sequence = int(number[-7:]) if number[-7:].isdigit() else 1
    receipt = ReceiptPayload(id=str(uuid.uuid4()), number=number, series=device.series, year=payment.paid_on.year,
                             sequence=sequence, issued_at=f"{payment.paid_on.isoformat()}T08:00:00.000000+00:00")
    try:  # the receipt QR code's signature, as a device sends it
        receipt["signature"] = signature_of(ReceiptClaim(number, payment.amount, payment.paid_on, device.series),
                                            device.private_key)
    except ValueError:  # a number no QR code can carry (hostile-input tests): sent unsigned, as by older devices
        pass
    citizen_ids = citizen_ids or [None] * len(payment.items)
    payload = payment_payload(payment, payment_id=payment_id, receipt=receipt,
                              item_ids=[str(uuid.uuid4()) for _ in payment.items],
                              people=[(str(uuid.uuid4()), citizen) for citizen in citizen_ids],
                              collector="collector", device_id=device.device_id)
    return WireRecord(record_id=payment_id, kind="payment", payload=dict(payload))


def void_record(device: Device, payment: WireRecord | str, reason: str = "Thu nhầm người", *,
                corrects: str | None = None) -> WireRecord:
    """A void of `payment` (or of a bare receipt number, for a payment the server never saw)."""
    void_id = str(uuid.uuid4())
    if isinstance(payment, str):
        receipt_number, payment_id = payment, str(uuid.uuid4())
    else:
        receipt_number, payment_id = payment["payload"]["receipt"]["number"], payment["record_id"]
    return WireRecord(record_id=void_id, kind="void", payload={
        "id": void_id, "receipt_id": str(uuid.uuid4()), "payment_id": payment_id,
        "receipt_number": receipt_number, "reason": reason, "voided_by": "collector",
        "voided_at": "2026-03-05T09:00:00.000000+00:00", "device_id": device.device_id, "corrects": corrects,
    })


def results_by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["record_id"]: result for result in answer["results"]}


def summary(server: Server) -> dict[str, Any]:
    return json.loads(server.admin("summary", "--json"))
