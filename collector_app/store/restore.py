"""Putting a backup in place of the store file, with the receipt numbering it must continue.

What the file level needs: what the current file holds that the backup lacks (payments, with how far
each got towards the server), the highest receipt numbers of a file, and the swap itself. The copy
of the backup is prepared beside the store under a temporary name, its numbering floors written into
its `meta` (so no moment exists in which the restored file could reissue a number), synced to disk,
and only then renamed over the store: a crash at any point leaves either the old file or the
restored one with its floors, never a mix (the old file's WAL is removed first, so it can never be
applied to the restored file).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from collector_app.domain.backups import SeriesYear
from collector_app.store.backup import MANIFEST_KEY, highest_receipts, remove_with_journals
from collector_app.store.cipher import ERRORS, Connector, fsync_file
from collector_app.store.private_files import create_private_file
from collector_app.store.receipts_numbering import floor_key

RESTORING_SUFFIX = ".restoring"


class Delivery(StrEnum):
    """How far a payment got towards the server, as the outbox and its batch say."""

    NOT_SENT = "not_sent"  # waiting in the outbox, not sealed
    SEALED = "sealed"  # sealed into a batch; the server has not answered (it may or may not hold it)
    ON_SERVER = "on_server"  # the server accepted it
    REJECTED = "rejected"  # the server answered and rejected it (it holds the refusal, not the payment)


@dataclass(frozen=True)
class LackedPayment:
    """A payment the current file holds and the backup does not."""

    payment_id: str
    receipt_number: str
    paid_on: str
    payer_name: str
    amount: int  # VND
    voided: bool
    delivery: Delivery


_PAYMENTS = """
SELECT p.id, r.series, r.year, r.number, p.paid_on, p.payer_name, p.amount, v.id IS NOT NULL,
       o.batch_id, o.result, b.status
FROM payments AS p
JOIN receipts AS r ON r.payment_id = p.id
LEFT JOIN voids AS v ON v.receipt_id = r.id
LEFT JOIN outbox AS o ON o.id = (
    SELECT o2.id FROM outbox AS o2 WHERE o2.kind = 'payment' AND o2.record_id = p.id
    ORDER BY (o2.result = 'accepted') DESC, o2.created_at DESC LIMIT 1)
LEFT JOIN batches AS b ON b.id = o.batch_id
ORDER BY r.series, r.year, r.number
"""


def _read_only(path: Path, connector: Connector) -> sqlite3.Connection:
    connection = connector(path)
    connection.execute("PRAGMA query_only=ON")
    return connection


def payments_lacking(current: Path, backup: Path, *, connector: Connector) -> list[LackedPayment]:
    """The payments in `current` that `backup` does not hold, in receipt order; raises sqlite3.Error
    when either file cannot be read."""
    from collector_app.domain.receipt_numbers import format_receipt_number

    source = _read_only(backup, connector)
    try:
        held = {str(row[0]) for row in source.execute("SELECT id FROM payments")}
    finally:
        source.close()
    connection = _read_only(current, connector)
    try:
        rows = connection.execute(_PAYMENTS).fetchall()
    finally:
        connection.close()
    lacking: list[LackedPayment] = []
    for payment_id, series, year, number, paid_on, payer, amount, voided, batch_id, result, status in rows:
        if payment_id in held:
            continue
        if result == "accepted":
            delivery = Delivery.ON_SERVER
        elif result == "rejected":
            delivery = Delivery.REJECTED
        elif batch_id is not None and status is not None:
            delivery = Delivery.SEALED
        else:
            delivery = Delivery.NOT_SENT
        lacking.append(LackedPayment(str(payment_id), format_receipt_number(series, int(year), int(number)),
                                     str(paid_on), str(payer), int(amount), bool(voided), delivery))
    return lacking


def highest_in_file(path: Path, *, connector: Connector) -> dict[SeriesYear, int] | None:
    """The highest receipt numbers in the file at `path` and the floors it keeps; None when it cannot
    be read (missing, damaged, another key)."""
    if not path.exists():
        return None
    try:
        connection = _read_only(path, connector)
        try:
            connection.execute("SELECT count(*) FROM receipts").fetchone()  # raises on a file it cannot read
            highest = highest_receipts(connection)
            for key, value in connection.execute(
                "SELECT key, value FROM meta WHERE key LIKE 'receipt\\_floor:%' ESCAPE '\\'"
            ):
                series, year = str(key).split(":")[1:3]
                number = int(value)
                if number > highest.get((series, int(year)), 0):
                    highest[(series, int(year))] = number
            check = [str(row[0]) for row in connection.execute("PRAGMA quick_check(receipts)")]
        finally:
            connection.close()
    except ERRORS + (ValueError, OSError):
        return None
    if check != ["ok"]:  # the receipts table itself is damaged: what it says cannot be trusted
        return None
    return highest


def batch_sequence_in(path: Path, *, connector: Connector) -> int | None:
    """The highest batch sequence the file at `path` sealed (or keeps as a floor); None when unreadable."""
    from collector_app.store.batches import BATCH_SEQUENCE_FLOOR

    try:
        connection = _read_only(path, connector)
        try:
            sealed = connection.execute("SELECT coalesce(max(device_sequence), 0) FROM batches").fetchone()[0]
            floor = connection.execute("SELECT value FROM meta WHERE key = ?", (BATCH_SEQUENCE_FLOOR,)).fetchone()
        finally:
            connection.close()
        return max(int(sealed), int(floor[0]) if floor is not None else 0)
    except ERRORS + (ValueError, OSError):
        return None


def series_restarts_in(path: Path, *, connector: Connector) -> int | None:
    """The restart count the file at `path` keeps (0 if none); None when it cannot be read."""
    from collector_app.store.device import SERIES_RESTARTS

    try:
        connection = _read_only(path, connector)
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (SERIES_RESTARTS,)).fetchone()
        finally:
            connection.close()
    except ERRORS + (OSError,):
        return None
    try:
        return int(row[0]) if row is not None else 0
    except ValueError:
        return None


@dataclass(frozen=True)
class RestoreMark:
    """The "restored" chain entry a restore appends to the copy (`store.audit.append_restored`)."""

    replaced: tuple[int, str] | None  # the replaced file's chain head, when it could be read
    backup_name: str
    by_user: str  # user id
    at: str  # UTC ISO 8601, as the store stamps


def chain_head_in(path: Path, *, connector: Connector) -> tuple[int, str] | None:
    """The chain head (sequence number, hash) of the store at `path`; None when it cannot be read."""
    from collector_app.store.audit import head_on

    try:
        connection = _read_only(path, connector)
        try:
            return head_on(connection)
        finally:
            connection.close()
    except ERRORS + (OSError, ValueError):
        return None


def put_in_place(backup: Path, path: Path, *, connector: Connector, floors: Mapping[SeriesYear, int],
                 series_restarts: int | None, batch_sequence: int | None = None,
                 mark: RestoreMark | None = None) -> None:
    """Replace the store at `path` with a copy of `backup` whose numbering continues after `floors`
    (and in restart series `series_restarts` when given), its chain forked by a "restored" entry
    (`mark`). Every connection to `path` must be closed."""
    partial = path.with_name(path.name + RESTORING_SUFFIX)
    remove_with_journals(partial)
    try:
        create_private_file(partial)
        source = _read_only(backup, connector)
        try:
            copy = connector(partial)
            try:
                source.backup(copy)  # through the connector: an encrypted backup stays encrypted
                _write_floors(copy, floors, series_restarts, batch_sequence, mark)
            finally:
                copy.close()
        finally:
            source.close()
        fsync_file(partial)
        _checkpoint(path, connector)  # the old file whole without its WAL, should a crash come next
        for suffix in ("-wal", "-shm", "-journal"):  # never let the old file's WAL meet the new file
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        partial.replace(path)
        _fsync_folder(path.parent)
    except BaseException:
        remove_with_journals(partial)
        raise


def _write_floors(copy: sqlite3.Connection, floors: Mapping[SeriesYear, int], series_restarts: int | None,
                  batch_sequence: int | None, mark: RestoreMark | None = None) -> None:
    from collector_app.store.batches import BATCH_SEQUENCE_FLOOR
    from collector_app.store.device import SERIES_RESTARTS

    copy.isolation_level = None
    copy.execute("BEGIN IMMEDIATE")
    for (series, year), number in floors.items():
        key = floor_key(series, year)
        copy.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
            "CAST(max(CAST(meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
            (key, str(number)),
        )
    if batch_sequence:
        copy.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
            "CAST(max(CAST(meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
            (BATCH_SEQUENCE_FLOOR, str(batch_sequence)),
        )
    if series_restarts is not None:
        copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SERIES_RESTARTS, str(series_restarts)))
    copy.execute("DELETE FROM meta WHERE key = ?", (MANIFEST_KEY,))
    # A backup from before the audit log (migration 0010) has no chain to fork: the upgrade at the next
    # start writes its chain from the money rows, and no restored entry is made.
    has_log = copy.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").fetchone()
    if mark is not None and has_log is not None:
        from collector_app.store.audit import append_restored

        device = copy.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
        append_restored(copy, replaced=mark.replaced, backup_name=mark.backup_name, by="restore",
                        created_at=mark.at, created_by=mark.by_user, device_id=None if device is None else device[0])
    copy.execute("COMMIT")
    copy.execute("PRAGMA journal_mode=DELETE")  # one file to rename; the store turns WAL on when opened


def _checkpoint(path: Path, connector: Connector) -> None:
    """Move what the old file's WAL holds into it, when it can be read (it was backed up before anyway)."""
    if not path.with_name(path.name + "-wal").exists():
        return
    try:
        connection = connector(path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    except ERRORS:
        pass


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
