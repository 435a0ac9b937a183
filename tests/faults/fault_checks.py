"""The fault suite's devices, its way of killing a process at a random moment, and the checks after a fault.

A device (`new_device`) is a collector's store enrolled with the real provincial server on 127.0.0.1
(the sync tests' `new_collector`), with 40 payers of its own: men born in 1980 whose citizen IDs
carry the device's three-digit serial, so that devices of one server never pay for the same person.

After every fault `check_store` opens the store as the application does (SQLite recovers a killed
writer's WAL) and counts what is wrong:
- lost: work the process acknowledged ("ack ..." lines of `fault_worker.py`, a command's exit 0)
  that is not in the store;
- duplicated: a receipt number or an outbox record twice;
- half-written: a household with fewer members than it was registered with, or without its outbox
  records; a payment without exactly one receipt and its outbox record; a gap in a receipt series; a
  batch whose records are not all there; an import that wrote some of its households and not the rest;
  a money record without its chained entry in the audit log (`audit_trail.verify_chain`).
The counts go to `tally.found` and the test asserts they are all 0; `final_sync` then delivers
everything and checks that the server holds exactly what the device recorded, once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import tally

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from sync_helpers import (  # noqa: E402
    APP,
    Collector,
    RunningServer,
    assert_server_holds_everything_once,
    new_collector,
)

from signing import open_test_store, store_key  # noqa: E402

from collector_app.domain.people import NewHousehold, NewPerson, Sex  # noqa: E402
from collector_app.store.audit_trail import verify_chain  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.registration import add_households  # noqa: E402

WORKER = Path(__file__).with_name("fault_worker.py")
RECEIPT = re.compile(r"\b[A-Z0-9]+-\d{2}-\d{7}\b")  # a receipt number as printed
PAYERS = 40
MEMBERS_REGISTERED = 3  # the register worker's households: head, wife, child
REGISTERED_PREFIX = "88"
_SERIALS = itertools.count(700)
"""Three digits of each device's payers' citizen IDs: far above the sync tests' (which count from 1)."""


def new_device(folder: Path, server: RunningServer) -> Collector:
    """A collector enrolled with `server`, with its household of two and `PAYERS` payers of one."""
    serial = next(_SERIALS)
    assert serial < 1000, "more devices than the citizen IDs have room for"
    collector = new_collector(folder, server)
    with open_test_store(collector.store_path) as store:
        add_households(store, [
            NewHousehold(f"09{serial:03d}{i:05d}", f"Số {i}, thôn Nam", "00004", "01",
                         (NewPerson(f"Phạm Văn Số {i}", date(1980, 1 + i % 12, 1 + i // 12), Sex.MALE,
                                    f"001080{serial:03d}{i:03d}"),))
            for i in range(PAYERS)
        ], actor="test")
    return collector


# ---- killing at random ----------------------------------------------------------------------------


def environment(data_dir: Path) -> dict[str, str]:
    """The test's environment (the test user signs in) with the device's data folder."""
    env = {k: v for k, v in os.environ.items() if k != "COLLECTOR_APP_LANG"}
    env["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return env


@dataclass
class Killed:
    """What a killed (or finished) process said: its "ack" lines by kind, its exit status, its stderr."""

    returncode: int
    acks: dict[str, list[str]]
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def parse_acks(stdout: str) -> dict[str, list[str]]:
    acks: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        if line.startswith("ack "):
            _ack, kind, value = line.split(" ", 2)
            acks.setdefault(kind, []).append(value)
    return acks


def worker(kind: str, data_dir: Path, seed: int, count: int = 0, *,
           ready: bool = True) -> subprocess.Popen[str]:
    """`fault_worker.py KIND` on the device, once it said "ready" (its store open) unless not `ready`
    (on a full disk even opening the store may be refused)."""
    child = subprocess.Popen([sys.executable, str(WORKER), kind, str(data_dir), str(seed), str(count)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=environment(data_dir))
    assert child.stdout is not None
    if not ready:
        return child
    line = child.stdout.readline()
    if line.strip() != "ready":
        rest = child.communicate(timeout=60)
        raise AssertionError(f"the worker did not start: {line}{rest[0]}{rest[1]}")
    return child


def command(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """`collector-app ARGS` as a process of its own, signed in as the test user."""
    return subprocess.Popen([APP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment(data_dir))


def kill_after(process: subprocess.Popen[str], seconds: float) -> Killed:
    """SIGKILL `process` after `seconds` (unless it ended before): no clean-up of any kind."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=60)
    return Killed(process.returncode, parse_acks(stdout), stdout, stderr)


def finish(process: subprocess.Popen[str], timeout: float = 300) -> Killed:
    stdout, stderr = process.communicate(timeout=timeout)
    return Killed(process.returncode, parse_acks(stdout), stdout, stderr)


def seeded(name: str, seed: int) -> random.Random:
    """The random moments of one test; the seed is in the test's id and its failure message."""
    return random.Random(f"{name}/{seed}")


# ---- the checks -----------------------------------------------------------------------------------


@dataclass
class Findings:
    lost: int = 0
    duplicated: int = 0
    half_written: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, count: int, note: str) -> None:
        if count:
            setattr(self, what, getattr(self, what) + count)
            self.notes.append(f"{what.replace('_', '-')} {count}: {note}")

    def assert_none(self, context: str) -> None:
        """Counts what was found (`tally.found`), then fails with every note unless nothing was wrong."""
        tally.found(lost=self.lost, duplicated=self.duplicated, half_written=self.half_written)
        assert not self.notes, f"{context}: " + "; ".join(self.notes)


@dataclass
class Acknowledged:
    """Everything acknowledged so far on one device, over all its faults."""

    households: set[str] = field(default_factory=set)
    receipts: set[str] = field(default_factory=set)
    batches: dict[str, int] = field(default_factory=dict)
    backups: set[str] = field(default_factory=set)
    imported_households: int = 0
    whole_backups: set[str] = field(default_factory=set)  # checked whole once: not again

    def add(self, acks: dict[str, list[str]]) -> None:
        self.households.update(acks.get("household", []))
        self.receipts.update(acks.get("payment", []))
        self.backups.update(acks.get("backup", []))
        for value in acks.get("batch", []):
            batch_id, records = value.split()
            self.batches[batch_id] = int(records)


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A DB-API connection to the store at `path`, opened as the application opens it (`open_store`,
    its connector): the one place the checks open a store, so that they hold for an encrypted one."""
    store = open_test_store(path)
    try:
        yield store.reader()
    finally:
        store.close()


@contextmanager
def reading_a_copy(path: Path) -> Iterator[sqlite3.Connection]:
    """`reading` a copy of the file at `path` (a backup), leaving the file itself untouched."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        store = open_store(copy, key=store_key(path))  # a backup opens with its store's key
        try:
            yield store.reader()
        finally:
            store.close()


def opens(path: Path) -> None:
    """The store opens as the application opens it (recovering a killed writer's WAL), and is sound."""
    with reading(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{path} is damaged"


def check_store(path: Path, acknowledged: Acknowledged, *, import_sizes: tuple[int, ...] = ()) -> Findings:
    """Open the store and count what was lost, duplicated or half-written (see the module's docstring).

    `import_sizes`: the numbers of households the store may hold whole (before and after an import);
    any other number is an import half done.
    """
    opens(path)
    found = Findings()
    with reading(path) as connection:
        def rows(sql: str, *args: object) -> list[tuple[Any, ...]]:
            return connection.execute(sql, args).fetchall()

        def one(sql: str, *args: object) -> int:
            return int(rows(sql, *args)[0][0])

        # Receipts: each series 1..N, no number twice, every acknowledged one there.
        series: dict[tuple[str, int], list[int]] = {}
        numbered = rows("SELECT series, year, number FROM receipts ORDER BY series, year, number")
        for name, year, number in numbered:
            series.setdefault((name, year), []).append(number)
        for (name, year), numbers in series.items():
            repeats = sum(count - 1 for count in Counter(numbers).values())
            found.add("duplicated", repeats, f"receipt numbers repeated in {name}-{year}")
            missing = set(range(1, max(numbers) + 1)) - set(numbers)
            found.add("half_written", len(missing), f"gap in {name}-{year}: {sorted(missing)[:5]}")
        texts = {f"{name}-{year % 100:02d}-{number:07d}"
                 for name, year, number in rows("SELECT series, year, number FROM receipts")}
        lost = acknowledged.receipts - texts
        found.add("lost", len(lost), f"acknowledged receipts not in the store: {sorted(lost)[:5]}")

        # Payments: exactly one receipt each, and their outbox record carrying that receipt.
        found.add("half_written", one(
            "SELECT count(*) FROM payments p "
            "WHERE (SELECT count(*) FROM receipts r WHERE r.payment_id = p.id) <> 1"),
            "payments without exactly one receipt")
        found.add("half_written", one(
            "SELECT count(*) FROM payments p WHERE NOT EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.kind = 'payment' AND o.record_id = p.id)"),
            "payments without their outbox record")
        in_outbox = {json.loads(payload)["receipt"]["number"]
                     for (payload,) in rows("SELECT payload FROM outbox WHERE kind = 'payment'")}
        found.add("half_written", len(in_outbox ^ texts), "receipts and outbox payment records differ")

        # Outbox: every record once (a resend is a record of its own, pointing at the one it fixes).
        found.add("duplicated", one(
            "SELECT count(*) FROM (SELECT kind, record_id FROM outbox WHERE resend_of IS NULL "
            "GROUP BY kind, record_id HAVING count(*) > 1)"), "outbox records twice")

        # Households: every one has members; the registered ones all three, each with its outbox record.
        found.add("half_written", one(
            "SELECT count(*) FROM households h "
            "WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.household_id = h.id)"),
            "households without members")
        registered = rows(
            "SELECT h.household_code, (SELECT count(*) FROM people p WHERE p.household_id = h.id), "
            "(SELECT count(*) FROM outbox o WHERE o.kind = 'household' AND o.record_id = h.id), "
            "(SELECT count(*) FROM outbox o JOIN people p ON o.kind = 'person' AND o.record_id = p.id "
            " WHERE p.household_id = h.id) FROM households h WHERE h.household_code LIKE ?",
            f"{REGISTERED_PREFIX}%")
        partial = [code for code, members, own, theirs in registered
                   if (members, own, theirs) != (MEMBERS_REGISTERED, 1, MEMBERS_REGISTERED)]
        found.add("half_written", len(partial), f"registered households not whole: {partial[:5]}")
        lost = acknowledged.households - {code for code, *_rest in registered}
        found.add("lost", len(lost), f"acknowledged households not in the store: {sorted(lost)[:5]}")

        # Batches: each holds the records it was sealed with; acknowledged ones are there.
        batches = dict(rows("SELECT id, record_count FROM batches"))
        holding = dict(rows(
            "SELECT batch_id, count(*) FROM outbox WHERE batch_id IS NOT NULL GROUP BY batch_id"))
        uneven = [batch_id for batch_id, count in batches.items() if holding.get(batch_id, 0) != count]
        found.add("half_written", len(uneven) + len(set(holding) - set(batches)), "batches not whole")
        lost = [batch_id for batch_id, count in acknowledged.batches.items()
                if batches.get(batch_id) != count]
        found.add("lost", len(lost), f"acknowledged batches not in the store: {lost[:5]}")

        if import_sizes:
            households = one("SELECT count(*) FROM households")
            found.add("half_written", int(households not in import_sizes),
                      f"{households} households: an import half done (whole: {import_sizes})")
            found.add("lost", int(households < acknowledged.imported_households),
                      "an acknowledged import is not in the store")

    # The money log: every payment, void and reprint has its chained entry, written with it.
    with open_test_store(path) as store:
        breaks = verify_chain(store).breaks
    found.add("half_written", len(breaks), f"audit chain breaks: {breaks[:3]}")

    # Backups: every one acknowledged is there, and whole (checked once: a backup is never written again).
    for backup in sorted(acknowledged.backups):
        problem = "missing" if not Path(backup).exists() else (
            None if backup in acknowledged.whole_backups else backup_problem(Path(backup)))
        if problem is None:
            acknowledged.whole_backups.add(backup)
        found.add("lost", int(problem is not None), f"backup {backup}: {problem}")
    return found


def backup_problem(path: Path) -> str | None:
    """None when `path` is a whole store (integrity_check ok, with its payments table); else why not."""
    if not path.exists():
        return "missing"
    try:
        with reading_a_copy(path) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            connection.execute("SELECT count(*) FROM payments").fetchone()
    except Exception as exc:  # noqa: BLE001 - whatever refuses the file (SQLite, the store) says why
        return f"{type(exc).__name__}: {exc}"
    return None if verdict == "ok" else str(verdict)


def final_sync(collector: Collector, server: RunningServer) -> dict[str, Any]:
    """Deliver everything (a sync to completion), then the server holds exactly what the device recorded."""
    result = collector.run("sync", "--server", server.url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    status = assert_server_holds_everything_once(collector)
    return status


# ---- a household list to import -----------------------------------------------------------------

IMPORT_ROWS = 20_000


def write_household_list(path: Path, rows: int = IMPORT_ROWS) -> int:
    """A CSV of exactly `rows` valid rows (demo people, households of 1 to 7, as
    benchmarks/import_households.py writes them); returns how many households it holds."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from dataclasses import replace

    from import_households import ON, rows_of, unique_ids, write_csv

    from collector_app.demo import demo_communes, generate_households

    households = unique_ids(generate_households(random.Random(11), people=rows + rows // 10, on=ON,
                                                communes=demo_communes(1)))
    kept, total = [], 0
    for household in households:
        if total == rows:
            break
        members = household.members[: rows - total]
        kept.append(replace(household, members=members))
        total += len(members)
    assert total == rows
    write_csv(path, rows_of(kept))
    return len(kept)


def payer_ids(collector: Collector) -> list[str]:
    """The citizen IDs of the device's payers (`new_device`)."""
    with collector.open() as store, store.read() as connection:
        return [row[0] for row in connection.exec_driver_sql(
            "SELECT citizen_id FROM people WHERE citizen_id LIKE '001080%' ORDER BY citizen_id")]


def one_line_failure(killed: Killed) -> str:
    """A command that failed said why in one line on stderr (exit 1), never with a traceback."""
    assert "Traceback" not in killed.stdout + killed.stderr, killed.stderr
    lines = [line for line in killed.stderr.splitlines() if line.strip()]
    assert killed.returncode == 1 and len(lines) == 1, (killed.returncode, killed.stderr)
    assert "lỗi ngoài dự kiến" not in lines[0], lines[0]  # "an unexpected error": a bug, not the disk
    return lines[0]
