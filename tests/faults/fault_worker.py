"""Child process of the fault suite: does one kind of work on a device's store until killed (or COUNT times).

Usage: fault_worker.py KIND DATA_DIR SEED [COUNT] — KIND is register, pay, seal, backup or checkpoint;
COUNT 0 (the default) means "until killed". It prints "ready" once the store is open, then one line
"ack WHAT VALUE" right after each piece of work is committed (flushed at once): what the parent may
hold the store to after a kill. A failure (a full disk) ends it with one line "failed: ..." on stderr
and exit status 1, as the application would report it; a traceback would be a bug of the worker.

- register: households of three (head, wife, child) through the registration service, one
  transaction each with their outbox records: "ack household CODE".
- pay: a month of voluntary SI for the device's people in turn, through the payment service: "ack
  payment RECEIPT".
- seal: pays as above, and every few payments seals what is pending into a batch: "ack payment
  RECEIPT", "ack batch ID RECORDS".
- backup: a thread pays while the main thread copies the store with `store.backup.backup_store`
  over and over: "ack payment RECEIPT", "ack backup PATH".
- checkpoint: a thread pays while the main thread runs `PRAGMA wal_checkpoint(TRUNCATE)` on the
  store over and over (on a connection of its own, as SQLite's automatic checkpoint is): "ack payment
  RECEIPT", "ack checkpoint N".
"""

from __future__ import annotations

import random
import sys
import threading
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the test user's keyring

from signing import open_test_store  # noqa: E402

from collector_app.domain.people import NewPerson, Sex  # noqa: E402
from collector_app.paths import STORE_FILE_NAME  # noqa: E402
from collector_app.services.device import device_of  # noqa: E402
from collector_app.services.payments import record_vsi_payment  # noqa: E402
from collector_app.services.registration import HouseholdDraft, register_household  # noqa: E402
from collector_app.store.backup import BackupKind, backup_store  # noqa: E402
from collector_app.store.db import Store  # noqa: E402
from collector_app.store.users import User, user_by_id  # noqa: E402

PAID_ON = date(2026, 11, 10)
PAYER_PREFIX = "001080"  # the device's payers: the men born in 1980 (`fault_checks.new_device`)
REGISTERED_PREFIX = "88"  # household codes the register worker gives


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def collector_of(store: Store) -> User:
    user = user_by_id(store, device_of(store).default_user_id)
    assert user is not None
    return user


def payers(store: Store) -> list[str]:
    with store.read() as connection:
        return [row[0] for row in connection.exec_driver_sql(
            f"SELECT citizen_id FROM people WHERE citizen_id LIKE '{PAYER_PREFIX}%' ORDER BY citizen_id")]


class Payer:
    """Pays a month of voluntary SI for each payer in turn; each payment continues their months."""

    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store, self.user, self.people = store, collector_of(store), payers(store)
        self.next = rng.randrange(len(self.people))

    def pay(self) -> str:
        citizen_id = self.people[self.next % len(self.people)]
        self.next += 1
        recorded = record_vsi_payment(self.store, citizen_id=citizen_id, monthly_income=2_000_000, months=1,
                                      on=PAID_ON, actor=self.user)
        say(f"ack payment {recorded.receipt_number}")
        return recorded.receipt_number


def citizen_id(born: date, sex: Sex, serial: str) -> str:
    """Hà Nội (001), the century-and-sex digit, the year of birth, then six digits of the device's own."""
    century = (born.year // 100 - 19) * 2 + (1 if sex is Sex.FEMALE else 0)
    return f"001{century}{born.year % 100:02d}{serial}"


def register(store: Store, count: int) -> None:
    """Households of three, each member born on a day of their own (no possible duplicate to confirm)."""
    user = collector_of(store)
    serial = max(payers(store))[6:9]  # this device's own three digits (`fault_checks.new_device`)
    with store.read() as connection:
        done = int(connection.exec_driver_sql(
            f"SELECT count(*) FROM households WHERE household_code LIKE '{REGISTERED_PREFIX}%'").scalar_one())
    i = 0
    while count == 0 or i < count:
        n = done + i
        code = f"{REGISTERED_PREFIX}{serial}{n:05d}"
        # Heads born 1950-1979 (never 1980, the payers' year), every n a day of its own.
        year, month, day = 1950 + (n + n // 1000) % 30, 1 + n // 30 % 12, 1 + n // 360 % 28
        born = [date(year, month, day), date(year + 2, month, day), date(year + 40, month, day)]
        own = f"{serial}{n % 1000:03d}"
        members = [
            NewPerson("Nguyễn Văn Nam", born[0], Sex.MALE, citizen_id(born[0], Sex.MALE, own)),
            NewPerson("Trần Thị Lan", born[1], Sex.FEMALE, citizen_id(born[1], Sex.FEMALE, own)),
            NewPerson("Nguyễn Văn An", born[2], Sex.MALE, citizen_id(born[2], Sex.MALE, own)),
        ]
        draft = HouseholdDraft("01", "00004", f"Số {n}, thôn Bắc", code)
        register_household(store, actor=user, household=draft,
                           members=members, on=PAID_ON)
        say(f"ack household {code}")
        i += 1


def seal_while_paying(store: Store, rng: random.Random, count: int) -> None:
    from collector_app.sync.engine import seal

    payer = Payer(store, rng)
    i = 0
    while count == 0 or i < count:
        for _ in range(rng.randint(1, 4)):
            payer.pay()
        for batch in seal(store, actor=payer.user.user_id):
            say(f"ack batch {batch.batch_id} {batch.record_count}")
        i += 1


def in_the_background(store: Store, rng: random.Random, stop: threading.Event,
                      failed: list[BaseException]) -> threading.Thread:
    payer = Payer(store, rng)

    def run() -> None:
        try:
            while not stop.is_set():
                payer.pay()
        except BaseException as exc:  # a full disk: the main thread reports it
            failed.append(exc)
            stop.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def copy_while_paying(store: Store, path: Path, rng: random.Random, count: int, operation: str) -> None:
    stop, failed = threading.Event(), []  # type: ignore[var-annotated]
    paying = in_the_background(store, rng, stop, failed)
    i = 0
    try:
        while (count == 0 or i < count) and not stop.is_set():
            if operation == "backup":
                say(f"ack backup {backup_store(path, connector=store.connector, kind=BackupKind.MANUAL)}")
            else:
                # This thread's own connection, not the paying thread's: as SQLite's automatic checkpoint.
                busy, _log, _moved = store.reader().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                say(f"ack checkpoint {i} {busy}")
            i += 1
    finally:
        stop.set()
        paying.join()  # the store is closed after this returns: never under a payment being recorded
    if failed:
        raise failed[0]


def main() -> int:
    kind, data_dir, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    rng = random.Random(seed)
    path = data_dir / STORE_FILE_NAME
    try:
        store = open_test_store(path)
        say("ready")
        try:
            if kind == "register":
                register(store, count)
            elif kind == "pay":
                payer = Payer(store, rng)
                i = 0
                while count == 0 or i < count:
                    payer.pay()
                    i += 1
            elif kind == "seal":
                seal_while_paying(store, rng, count)
            elif kind in ("backup", "checkpoint"):
                copy_while_paying(store, path, rng, count, kind)
            else:
                raise SystemExit(f"unknown kind {kind}")
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - one line, as the app reports it
        sys.stderr.write(f"failed: {type(exc).__name__}: {exc}\n".replace("\n", " ").rstrip() + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
