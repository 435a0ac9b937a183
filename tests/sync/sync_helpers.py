"""Helpers of the sync tests: the real provincial server (restartable), and collectors' stores enrolled with it.

The server runs on SQLite (a file, one worker) or on PostgreSQL (a database of the throw-away
cluster of `tests/pg_cluster.py`, migrated once, two workers): `start_server(..., database_url=...)`.
Every collector is a new device: what the server gained since the device was made is compared with
`collector-app status --json`. `collector-app` runs in this process (`Collector.json`,
`Collector.run`: the same `cli.main`, faster) or as a real process (`Collector.popen`) where a test
kills it or runs two at once. The server helpers of tests/server (`server_helpers.py`) are reused,
not copied.
"""

from __future__ import annotations

import contextlib
import itertools
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from server_helpers import POLICY_FILE, SERVER_EXE, Server, free_port, fresh_database_url, new_point, summary

from collector_app import cli, i18n
from collector_app.domain.contributions import quote_vsi
from collector_app.domain.enrolments import Scheme
from collector_app.domain.payments import PaymentMethod, top_up_province, vsi_payment
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.policies import current_table
from collector_app.services.device import device_of, set_up
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.store.db import Store
from signing import give_first_user, open_test_store
from collector_app.store.payments import active_enrolments, record_payment
from collector_app.store.people import get_household, person_by_citizen_id
from collector_app.store.registration import add_households
from collector_app.store.users import User, user_by_id
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import enrol
from provincial_server.store.db import migrate

APP = str(Path(sys.executable).with_name("collector-app"))
HOUSEHOLD = "0112345678"
_PEOPLE = itertools.count(1)
"""Each collector's household has citizen IDs of its own: the server counts a citizen's payments across
devices, so two collectors of one test module (one server) must not pay for the same person."""
COMPARED = ("batches", "records", "payments", "payments_total")
"""Figures of the server's `summary` that must equal the device's `status` (once all is delivered)."""
BACKENDS = ("sqlite", "postgresql")
WORKERS = {"sqlite": 1, "postgresql": 2}
"""As tests/server runs them: PostgreSQL with several workers, as a province deploys it."""


# ---- the server ---------------------------------------------------------------------------------


@dataclass
class RunningServer(Server):
    """`provincial-server serve` on a fixed port and database, which a test may stop and start again."""

    port: int = 0
    log_path: Path = Path()
    options: tuple[str, ...] = ()  # more `serve` options, for the next start

    def start(self) -> None:
        self.process = _spawn(self.database_url, self.port, self.log_path, WORKERS[self.backend], self.options)
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
        self.dispose()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _spawn(database_url: str, port: int, log_path: Path, workers: int,
           options: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(SERVER_EXE), "serve", "--database-url", database_url, "--port", str(port), "--no-access-log",
             "--log-level", "warning", "--workers", str(workers), *options],
            stdout=log, stderr=subprocess.STDOUT,
        )


def start_server(folder: Path, *, publish_policy: bool = True, database_url: str | None = None) -> RunningServer:
    """A new server, running, with the shipped policy table (unless not `publish_policy`).

    Its database is a new SQLite file in `folder`, or `database_url` (an empty PostgreSQL database,
    from `fresh_database_url`): migrated here, once, as a deploy does before the workers start.
    """
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database_url = database_url or f"sqlite:///{folder / 'server.sqlite3'}"
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    log_path = folder / "serve.log"
    if backend == "postgresql":
        migrate(database_url)  # what `provincial-server migrate` does, without starting another Python
    server = RunningServer(url=f"http://127.0.0.1:{port}/api/v1", database_url=database_url, backend=backend,
                           process=_spawn(database_url, port, log_path, WORKERS[backend]), port=port,
                           log_path=log_path)
    try:
        server.wait_until_up()
        if publish_policy:
            server.admin("publish-policy", str(POLICY_FILE))
    except BaseException:
        server.stop()
        raise
    return server


def start_server_on(request: pytest.FixtureRequest, backend: str, folder: Path, *,
                    publish_policy: bool = True) -> RunningServer:
    """`start_server` on a new database of `backend` ("sqlite", or "postgresql": a database of the
    session's throw-away cluster, skipped or failed as `tests/pg_cluster.py` says when it is missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    return start_server(folder, publish_policy=publish_policy,
                        database_url=fresh_database_url(request, backend, folder))


# ---- collectors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Collector:
    """A device's data folder, enrolled with `server` (if any) since `baseline` was the server's summary."""

    data_dir: Path
    server: Server | None = None
    baseline: dict[str, Any] = field(default_factory=dict)
    paid: int = 0  # payments recorded by `pay` so far
    head: str = ""  # the citizen IDs of the household's head and wife, unique to this collector
    wife: str = ""

    @property
    def store_path(self) -> Path:
        return self.data_dir / STORE_FILE_NAME

    def open(self) -> Store:
        return open_test_store(self.store_path)

    def run(self, *args: str) -> Outcome:
        """`collector-app ARGS` in this process (the same `cli.main` as the command)."""
        out, err = io.StringIO(), io.StringIO()
        saved = os.environ.get("COLLECTOR_APP_DATA_DIR"), i18n.language()
        os.environ["COLLECTOR_APP_DATA_DIR"] = str(self.data_dir)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = cli.main(list(args))
                except SystemExit as exit_:  # argparse refusing an argument, as the command would exit
                    code = exit_.code if isinstance(exit_.code, int) else 2
        finally:
            if saved[0] is None:
                del os.environ["COLLECTOR_APP_DATA_DIR"]
            else:
                os.environ["COLLECTOR_APP_DATA_DIR"] = saved[0]
            i18n.set_language(saved[1])
        return Outcome(code, out.getvalue(), err.getvalue())

    def json(self, *args: str, exit_code: int = 0) -> Any:
        result = self.run(*args, "--json")
        assert result.returncode == exit_code, result.stdout + result.stderr
        return json.loads(result.stdout)

    def status(self) -> dict[str, Any]:
        return self.json("status")

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """`collector-app ARGS` as a process of its own."""
        return subprocess.Popen([APP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self._environment())

    def process(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                              env=self._environment())

    def pay(self, count: int) -> list[str]:
        """Record `count` more payments: family HI for the household first, then voluntary SI a month at a time."""
        numbers = []
        with self.open() as store:
            user = _collector(store)
            for index in range(self.paid, self.paid + count):
                if index == 0:
                    recorded = record_family_hi_payment(store, household_code=HOUSEHOLD, months=12,
                                                        on=date(2026, 1, 5), actor=user)
                else:
                    recorded = record_vsi_payment(store, citizen_id=self.head, monthly_income=2_000_000, months=1,
                                                  on=date(2026, index, 10), actor=user)
                numbers.append(recorded.receipt_number)
                self.paid += 1
        return numbers

    def pay_with_a_wrong_gross(self) -> str:
        """A month of voluntary SI (November) priced 1.000 đ above the policy table: the server rejects it.

        Recorded straight into the store (the payment service would refuse it), as a device with a
        broken calculator might have. Needs the head's voluntary SI enrolment (`pay(2)` first).
        """
        on = date(2026, 11, 10)
        with self.open() as store:
            person = person_by_citizen_id(store, self.head)
            assert person is not None
            enrolment = active_enrolments(store, [person.person_id], Scheme.VSI)[person.person_id]
            table = current_table(store)
            residence = get_household(store, person.household_id).province_code
            quote = quote_vsi(table, on=on, monthly_income=2_000_000, months=1, group="other",
                              supported_months_before=0,
                              province=top_up_province(table.in_force(on), residence))
            right = vsi_payment(quote, enrolment_id=enrolment.enrolment_id, household_id=person.household_id,
                                residence_province=residence, supported_months_before=0,
                                payer_name=person.full_name, method=PaymentMethod.CASH, amount_handed=quote.payable)
            payment = replace(right, items=(replace(right.items[0], gross=quote.gross + 1_000),))
            return record_payment(store, payment, actor=_collector(store), device=device_of(store)).text

    def _environment(self) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
        environment["COLLECTOR_APP_DATA_DIR"] = str(self.data_dir)
        return environment


def _collector(store: Store) -> User:
    user = user_by_id(store, device_of(store).default_user_id)
    assert user is not None
    return user


def new_collector(folder: Path, server: Server | None, *, enrolled: bool = True) -> Collector:
    """A device with one household of two, enrolled with `server` at a new point (unless not `enrolled`)."""
    serial = next(_PEOPLE)
    collector = Collector(folder, server, summary(server) if server is not None else {},
                          head=f"001080{serial:06d}", wife=f"001182{serial:06d}")
    with collector.open() as store:
        set_up(store)
        give_first_user(store)
        add_households(store, [NewHousehold(HOUSEHOLD, "Số 5, thôn Đông", "00004", "01", (
            NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, collector.head),
            NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, collector.wife),
        ))], actor="test")
        if server is not None and enrolled:
            code = server.admin("enrolment-code", new_point(server)).strip()
            with SyncClient(server.url) as client:
                enrol(store, client, code=code)
    return collector


def assert_server_holds_everything_once(collector: Collector) -> dict[str, Any]:
    """What the server gained since the device was made equals the device's figures, and the device
    has nothing left to deliver: every record is on the server exactly once."""
    assert collector.server is not None
    figures = summary(collector.server)
    status = collector.status()
    assert (status["pending_records"], status["pending_batches"]) == (0, 0)
    gained = {key: figures[key] - collector.baseline.get(key, 0) for key in (*COMPARED, "duplicate_records")}
    assert gained == {**{key: status[key] for key in COMPARED}, "duplicate_records": 0}
    return status
