"""Fixtures: a fresh real provincial server per test (restartable), and a collector's store enrolled with it.

Each test gets its own server database, so the server's `summary` counts exactly what this test's
device sent and can be compared with `collector-app status --json`. The server helpers of
tests/server (`server_helpers.py`) are reused, not copied.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import POLICY_FILE, SERVER_EXE, Server, free_port, new_point, summary  # noqa: E402

from collector_app.domain.contributions import quote_vsi  # noqa: E402
from collector_app.domain.enrolments import Scheme  # noqa: E402
from collector_app.domain.payments import NewPayment, NewPaymentItem, PaymentMethod  # noqa: E402
from collector_app.domain.people import NewHousehold, NewPerson, Sex  # noqa: E402
from collector_app.paths import STORE_FILE_NAME  # noqa: E402
from collector_app.policies import current_table  # noqa: E402
from collector_app.services.device import device_of, set_up  # noqa: E402
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment  # noqa: E402
from collector_app.store.db import Store, open_store  # noqa: E402
from collector_app.store.payments import active_enrolments, record_payment  # noqa: E402
from collector_app.store.people import add_households, person_by_citizen_id  # noqa: E402
from collector_app.store.users import User, user_by_id  # noqa: E402
from collector_app.sync.client import SyncClient  # noqa: E402
from collector_app.sync.engine import enrol  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

APP = str(Path(sys.executable).with_name("collector-app"))
HOUSEHOLD = "0112345678"
HEAD, WIFE = "001080012345", "001182012345"


@dataclass
class RunningServer(Server):
    """`provincial-server serve` on a fixed port and database file, which a test may stop and start again."""

    port: int = 0
    log_path: Path = Path()

    def start(self) -> None:
        self.process = _spawn(self.database_url, self.port, self.log_path)
        self.wait_until_up()

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {self.log_path}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _spawn(database_url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(SERVER_EXE), "serve", "--database-url", database_url, "--port", str(port), "--no-access-log",
             "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT,
        )


def start_server(folder: Path, *, publish_policy: bool = True) -> RunningServer:
    """A new server with its own database in `folder`, running; with the shipped policy table published."""
    folder.mkdir(parents=True, exist_ok=True)
    database_file = folder / "server.sqlite3"
    port = free_port()
    database_url = f"sqlite:///{database_file}"
    log_path = folder / "serve.log"
    server = RunningServer(url=f"http://127.0.0.1:{port}/api/v1", database_url=database_url,
                           database_file=database_file, process=_spawn(database_url, port, log_path),
                           port=port, log_path=log_path)
    server.wait_until_up()
    if publish_policy:
        server.admin("publish-policy", str(POLICY_FILE))
    return server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "server")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[FaultProxy]:
    between = FaultProxy(server.port)
    try:
        yield between
    finally:
        between.close()


@dataclass
class Collector:
    """A device's data folder: its store, and `collector-app` run on it as a separate process."""

    data_dir: Path

    @property
    def store_path(self) -> Path:
        return self.data_dir / STORE_FILE_NAME

    def open(self) -> Store:
        return open_store(self.store_path)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([APP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self._environment())

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                              env=self._environment())

    def json(self, *args: str, exit_code: int = 0) -> Any:
        result = self.run(*args, "--json")
        assert result.returncode == exit_code, result.stdout + result.stderr
        return json.loads(result.stdout)

    def status(self) -> dict[str, Any]:
        return self.json("status")

    def pay(self, count: int) -> list[str]:
        """Record `count` payments: family HI for the household, then a month of voluntary SI each month."""
        numbers = []
        with self.open() as store:
            user = _collector(store)
            for index in range(count):
                if index == 0:
                    recorded = record_family_hi_payment(store, household_code=HOUSEHOLD, months=12,
                                                        on=date(2026, 1, 5), actor=user)
                else:
                    recorded = record_vsi_payment(store, citizen_id=HEAD, monthly_income=2_000_000, months=1,
                                                  on=date(2026, index, 10), actor=user)
                numbers.append(recorded.receipt_number)
        return numbers

    def pay_with_a_wrong_gross(self) -> str:
        """A month of voluntary SI (December) priced 1.000 đ above the policy table: the server rejects it.

        Recorded straight into the store (the payment service would refuse it), as a device with a
        stale or broken calculator might have. Needs the head's voluntary SI enrolment (`pay(2)` first).
        """
        with self.open() as store:
            person = person_by_citizen_id(store, HEAD)
            assert person is not None
            enrolment = active_enrolments(store, [person.person_id], Scheme.VSI)[person.person_id]
            quote = quote_vsi(current_table(store), on=date(2026, 12, 10), monthly_income=2_000_000, months=1,
                              group="other")
            item = NewPaymentItem(enrolment.enrolment_id, quote.period_from, quote.period_to, 1,
                                  gross=quote.gross + 1_000, state_support=quote.state_support,
                                  monthly_income=2_000_000, supported_months=quote.supported_months)
            payment = NewPayment(Scheme.VSI, person.household_id, person.full_name, date(2026, 12, 10),
                                 quote.policy_version, PaymentMethod.CASH, (item,))
            return record_payment(store, payment, actor=_collector(store), device=device_of(store)).text

    def _environment(self) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_USER", "COLLECTOR_APP_LANG"}}
        environment["COLLECTOR_APP_DATA_DIR"] = str(self.data_dir)
        return environment


def _collector(store: Store) -> User:
    user = user_by_id(store, device_of(store).default_user_id)
    assert user is not None
    return user


def new_collector(folder: Path, server: Server | None) -> Collector:
    """A device with one household of two, enrolled with `server` (when given) at a new point."""
    collector = Collector(folder)
    with collector.open() as store:
        set_up(store)
        add_households(store, [NewHousehold(HOUSEHOLD, "Số 5, thôn Đông", "00004", "01", (
            NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
            NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
        ))], actor="test")
        if server is not None:
            code = server.admin("enrolment-code", new_point(server)).strip()
            with SyncClient(server.url) as client:
                enrol(store, client, code=code)
    return collector


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)


def assert_server_holds_everything_once(server: Server, collector: Collector) -> dict[str, Any]:
    """The server's figures equal the device's, and the device has nothing left to deliver."""
    figures = summary(server)
    status = collector.status()
    assert status["pending_records"] == 0
    assert status["pending_batches"] == 0
    assert {key: figures[key] for key in ("batches", "records", "payments_total")} == {
        key: status[key] for key in ("batches", "records", "payments_total")
    }
    assert figures["payments"] == status["payments"]
    assert figures["duplicate_records"] == 0
    return status
