"""Backups and restore on real store files: what a backup holds, rotation, the second folder, and the
rule that matters most: a restore never reissues a receipt number and never loses a payment silently."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from payment_helpers import Paying, prepare, reopen, series_state, vsi_payment

from collector_app.domain.backups import Rotation
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services import backups
from collector_app.store.backup import BackupKind, backup_store, list_backups
from collector_app.store.db import Store, open_store
from collector_app.store.device import this_device
from collector_app.store.payments import receipt_numbers, record_payment
from collector_app.store.restore import Delivery

ON = date(2026, 3, 2)


@pytest.fixture
def store(plain_store: Store) -> Store:
    return plain_store


def pay(store: Store, paying: Paying, month: int) -> str:
    device = this_device(store)
    assert device is not None
    return str(record_payment(store, vsi_payment(paying, ON, month=month), actor=paying.collector,
                              device=device).number)


def numbers_in(path: Path) -> set[str]:
    return {f"{series}-{year % 100:02d}-{number:07d}" for (series, year), numbers in series_state(path).numbers.items()
            for number in numbers}


def corrupt(path: Path) -> None:
    """Noise over the whole file: it cannot be opened at all."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    size = path.stat().st_size
    path.write_bytes(bytes((index * 7919 + 13) % 251 for index in range(size)))


# ---- what a backup holds ------------------------------------------------------------------------


def test_a_backup_says_what_it_holds_without_being_restored(store: Store, paying: Paying):
    pay(store, paying, 0)
    pay(store, paying, 1)
    done = backups.back_up(store)

    [found] = backups.list_store_backups(store.path)
    assert found.path == done.path and found.manifest is not None
    assert (found.manifest.households, found.manifest.people, found.manifest.payments) == (1, 2, 2)
    assert found.manifest.highest == {("BD01M1", 2026): 2}
    assert found.manifest.kind == "manual"
    assert found.size == done.path.stat().st_size > 0
    assert not list(done.path.parent.glob("*.partial")) and not list(done.path.parent.glob("*-wal"))
    assert oct(done.path.stat().st_mode & 0o777) == oct(0o600)


def test_backups_go_through_the_stores_connector(store_path: Path):
    opened: list[Path] = []

    def connector(path: Path) -> sqlite3.Connection:
        opened.append(path)
        return sqlite3.connect(path, check_same_thread=False)

    with open_store(store_path, connector=connector) as store:
        prepare(store)
        opened.clear()
        done = backups.back_up(store)
        backups.list_store_backups(store.path, connector=store.connector)
    assert store_path in opened  # the source, read through the connector
    assert any(path.name.startswith(done.path.name) for path in opened)  # the copy, written through it
    assert done.path in opened  # and read back through it when listed


def test_rotation_keeps_seven_daily_four_weekly_and_twelve_monthly(store: Store, paying: Paying):
    start = datetime(2025, 1, 1, 10, tzinfo=UTC)
    for day in range(0, 400, 1):
        backup_store(store.path, kind=BackupKind.DAILY, now=start + timedelta(days=day))
    folder = store.path.parent / "backups"
    assert len(list(folder.iterdir())) == 400
    done = backups.back_up(store, kind=BackupKind.DAILY, now=start + timedelta(days=400))
    left = sorted(backup.created_at for backup in list_backups(folder, "collector", ".sqlite3"))
    days = {moment.date() for moment in left}
    newest = (start + timedelta(days=400)).date()
    assert {newest - timedelta(days=n) for n in range(7)} <= days
    assert len({moment.isocalendar()[:2] for moment in left}) >= 4
    assert len({(moment.year, moment.month) for moment in left}) == 12
    assert len(left) <= 7 + 4 + 12 and len(done.rotated) == 401 - len(left)


def test_rotation_counts_are_settings_and_only_the_days_end_backups_are_rotated(store: Store, paying: Paying):
    backups.change_backup_settings(store, actor=paying.collector, rotation=Rotation(daily=2, weekly=1, monthly=1))
    start = datetime(2026, 1, 1, 10, tzinfo=UTC)
    backup_store(store.path, kind=BackupKind.BEFORE_RESTORE, now=start)
    backups.back_up(store, now=start + timedelta(hours=1))
    backups.back_up(store, now=start + timedelta(hours=2))
    for day in range(1, 10):
        backups.back_up(store, kind=BackupKind.DAILY, now=start + timedelta(days=day))
    kinds = [backup.manifest.kind for backup in backups.list_store_backups(store.path) if backup.manifest]
    assert kinds.count("before-restore") == 1
    assert kinds.count("manual") == 2
    assert kinds.count("daily") == 2
    with pytest.raises(DomainError) as refused:
        backups.change_backup_settings(store, actor=paying.collector, rotation=Rotation(daily=0))
    assert refused.value.problems[0].code is ProblemCode.BACKUP_SETTING_OUT_OF_RANGE


def test_a_missing_second_folder_is_said_and_never_fails_the_backup(store: Store, paying: Paying, tmp_path: Path):
    stick = tmp_path / "usb"
    backups.change_backup_settings(store, actor=paying.collector, second_folder=stick)
    done = backups.back_up(store)
    assert done.path.exists() and done.copied_to is None
    assert done.copy_problem is not None and str(stick) in done.copy_problem

    stick.mkdir()
    done = backups.back_up(store)
    assert done.copied_to == stick / done.path.name and done.copy_problem is None
    assert done.copied_to.read_bytes() == done.path.read_bytes()


def test_the_second_folder_gets_the_keyring_so_an_encrypted_backup_opens_from_the_stick_alone(tmp_path: Path):
    from signing import PASSWORD, USERNAME, open_test_store

    from collector_app.services import unlocking
    from collector_app.store.cipher import cipher_connector, is_plain_file
    from collector_app.store.keyring import keyring_path

    stick = tmp_path / "usb"
    stick.mkdir()
    with open_test_store(tmp_path / "laptop" / "collector.sqlite3") as store:
        paying = prepare(store)
        receipt = pay(store, paying, 0)
        backups.change_backup_settings(store, actor=paying.collector, second_folder=stick)
        done = backups.back_up(store)
    assert done.copied_to is not None and not is_plain_file(done.copied_to)
    assert keyring_path(stick / "collector.sqlite3").is_file()  # the laptop is gone: the stick is enough

    lifted = stick / "collector.sqlite3"
    done.copied_to.rename(lifted)
    key = unlocking.unlock(lifted, USERNAME, PASSWORD)
    with open_store(lifted, connector=cipher_connector(key)) as restored:
        assert receipt in {str(number) for number in receipt_numbers(restored)}


def test_the_day_backup_is_owed_after_a_day_that_recorded_something(store: Store, paying: Paying):
    pay(store, paying, 0)  # recorded now
    now = datetime.now(UTC)
    assert not backups.day_backup_due_now(store, now=now)  # the same day: not yet
    assert backups.closing_backup_due_now(store)  # closing the window: yes
    tomorrow = now + timedelta(days=1)
    assert backups.day_backup_due_now(store, now=tomorrow)
    done = backups.back_up_if_due(store, now=tomorrow)
    assert done is not None and done.path.name.endswith("-daily.sqlite3")
    assert not backups.day_backup_due_now(store, now=tomorrow)  # once a day
    assert backups.back_up_if_due(store, now=tomorrow) is None


# ---- restore: numbering never repeats --------------------------------------------------------------


def test_restore_after_more_payments_continues_after_the_replaced_files_numbers(store_path: Path):
    with open_store(store_path) as store:
        paying = prepare(store)
        pay(store, paying, 0)
        old = backups.back_up(store).path
        issued = {pay(store, paying, month) for month in (1, 2, 3)}
        collector = paying.collector
    plan = backups.plan_restore(store_path, old)
    assert [p.receipt_number for p in plan.lacking] == sorted(issued)
    assert {p.delivery for p in plan.lacking} == {Delivery.NOT_SENT}
    before_restore = numbers_in(store_path)

    done = backups.restore(store_path, old, actor=collector)

    assert not done.numbering.new_series and done.numbering.floors[("BD01M1", 2026)] == 4
    assert done.before is not None and numbers_in(done.before) == before_restore  # kept, all of it
    with open_store(store_path) as store:
        paying = reopen(store)
        assert len(receipt_numbers(store)) == 1
        again = pay(store, paying, 1)
    assert again == "BD01M1-26-0000005"
    assert again not in before_restore


def test_restore_over_a_corrupted_file_without_the_server_moves_to_a_new_series(store_path: Path):
    with open_store(store_path) as store:
        paying = prepare(store)
        pay(store, paying, 0)
        old = backups.back_up(store).path
        issued = {pay(store, paying, month) for month in (1, 2, 3)}
        collector = paying.collector
    corrupt(store_path)
    plan = backups.plan_restore(store_path, old)
    assert not plan.current_readable and plan.lacking == ()

    done = backups.restore(store_path, old, actor=collector)

    assert done.numbering.new_series and done.series == "BD01M1R1"
    assert done.before is not None and done.before.exists()  # the damaged file, kept byte for byte
    with open_store(store_path) as store:
        paying = reopen(store)
        device = this_device(store)
        assert device is not None and device.series == "BD01M1" and device.receipt_series == "BD01M1R1"
        next_numbers = {pay(store, paying, month) for month in (1, 2)}
    assert next_numbers == {"BD01M1R1-26-0000001", "BD01M1R1-26-0000002"}
    assert not next_numbers & issued



def test_restore_over_a_corrupted_file_moves_to_a_new_series_even_when_the_server_answers(store_path: Path):
    # A receipt printed after the backup but never sent is known only to the unreadable file: the
    # server's numbers cannot rule out printing its number again.
    with open_store(store_path) as store:
        paying = prepare(store)
        pay(store, paying, 0)
        old = backups.back_up(store).path
        issued = {pay(store, paying, month) for month in (1, 2, 3)}
        collector = paying.collector
    corrupt(store_path)

    def server() -> dict[tuple[str, int], int]:  # the server holds the first three only
        return {("BD01M1", 2026): 3}

    done = backups.restore(store_path, old, actor=collector, server_highest=server)

    assert done.numbering.new_series and done.series == "BD01M1R1" and "server" in done.numbering.sources
    with open_store(store_path) as store:
        paying = reopen(store)
        again = pay(store, paying, 1)
    assert again == "BD01M1R1-26-0000001" and again not in issued


def test_a_server_that_cannot_be_asked_counts_as_unknown(store_path: Path):
    with open_store(store_path) as store:
        paying = prepare(store)
        old = backups.back_up(store).path
        pay(store, paying, 0)
        collector = paying.collector
    corrupt(store_path)

    def offline() -> None:
        raise ConnectionError("no network")

    done = backups.restore(store_path, old, actor=collector, server_highest=offline)
    assert done.numbering.new_series


def test_two_blind_restores_never_reuse_a_restart_series(store_path: Path):
    with open_store(store_path) as store:
        paying = prepare(store)
        old = backups.back_up(store).path
        first = pay(store, paying, 0)
        collector = paying.collector
    corrupt(store_path)
    backups.restore(store_path, old, actor=collector)
    with open_store(store_path) as store:
        paying = reopen(store)
        second = pay(store, paying, 0)
        backups.back_up(store)  # the day's backup holds the R1 number
    corrupt(store_path)
    done = backups.restore(store_path, old, actor=collector)
    with open_store(store_path) as store:
        paying = reopen(store)
        third = pay(store, paying, 0)
    assert done.series == "BD01M1R2"
    assert len({first, second, third}) == 3, (first, second, third)


def test_a_damaged_backup_is_refused_and_nothing_changes(store_path: Path):
    with open_store(store_path) as store:
        paying = prepare(store)
        pay(store, paying, 0)
        old = backups.back_up(store).path
        collector = paying.collector
    corrupt(old)
    before = store_path.read_bytes()
    with pytest.raises(DomainError) as refused:
        backups.restore(store_path, old, actor=collector)
    assert refused.value.problems[0].code in {ProblemCode.BACKUP_UNREADABLE, ProblemCode.BACKUP_DAMAGED}
    assert store_path.read_bytes() == before
    with pytest.raises(DomainError) as missing:
        backups.restore(store_path, old.with_name("nothing.sqlite3"), actor=collector)
    assert missing.value.problems[0].code is ProblemCode.BACKUP_NOT_FOUND


def test_the_newest_good_backup_is_named_when_the_store_fails(store_path: Path):
    with open_store(store_path) as store:
        prepare(store)
        good = backups.back_up(store, now=datetime(2026, 3, 1, tzinfo=UTC)).path
        bad = backups.back_up(store, now=datetime(2026, 3, 2, tzinfo=UTC)).path
    corrupt(bad)
    found = backups.newest_good_backup(store_path)
    assert found is not None and found.path == good
    assert str(good) in backups.restore_hint(store_path)
    assert "collector-app restore" in backups.restore_hint(store_path)


def test_after_a_restore_batches_continue_after_the_replaced_files_sequence(store_path: Path):
    from collector_app.store.batches import list_batches, seal_pending

    with open_store(store_path) as store:
        paying = prepare(store)
        old = backups.back_up(store).path
        pay(store, paying, 0)
        seal_pending(store, device_id=paying.device.device_id, actor="test")
        pay(store, paying, 1)
        seal_pending(store, device_id=paying.device.device_id, actor="test")
        sealed = [batch.device_sequence for batch in list_batches(store)]
        collector = paying.collector
    assert sorted(sealed) == [1, 2]
    plan = backups.plan_restore(store_path, old)
    assert {item.delivery for item in plan.lacking} == {Delivery.SEALED}  # sent, not yet confirmed

    backups.restore(store_path, old, actor=collector)

    with open_store(store_path) as store:
        paying = reopen(store)
        pay(store, paying, 2)
        [batch] = seal_pending(store, device_id=paying.device.device_id, actor="test")
    assert batch.device_sequence == 3  # never a sequence the server may already hold


def test_a_restore_forks_the_money_chain_with_a_restored_entry_that_verifies(store_path: Path):
    import json

    from collector_app.store.audit_trail import chain_head, verify_chain

    with open_store(store_path) as store:
        paying = prepare(store)
        pay(store, paying, 0)
        old = backups.back_up(store).path
        with store.read() as connection:
            backup_head = chain_head(connection)
        pay(store, paying, 1)
        with store.read() as connection:
            replaced_head = chain_head(connection)
        collector = paying.collector
    backups.restore(store_path, old, actor=collector)
    with open_store(store_path) as store:
        with store.read() as connection:
            seq, prev, content, by = connection.exec_driver_sql(
                "SELECT chain_seq, prev_hash, content, created_by FROM audit_log WHERE kind = 'restored'").one()
        assert verify_chain(store).sound  # the fork is an entry of the chain, not a break in it
    restored = json.loads(content)
    assert (seq, prev) == (backup_head[0] + 1, backup_head[1])
    assert (restored["backup_seq"], restored["backup_head"]) == backup_head
    assert (restored["replaced_seq"], restored["replaced_head"]) == replaced_head
    assert restored["by"] == "restore" and by == collector.user_id

    corrupt(store_path)  # over a file that cannot be read: its head is unknown, and said so
    backups.restore(store_path, old, actor=collector)
    with open_store(store_path) as store:
        with store.read() as connection:
            [content] = connection.exec_driver_sql("SELECT content FROM audit_log WHERE kind = 'restored'").one()
        assert verify_chain(store).sound
    assert json.loads(content)["replaced_head"] is None
