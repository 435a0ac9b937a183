"""Copies of the store file taken with SQLite's online backup API (safe while the store is open).

Every copy is read and written through the store's `Connector` (`store.db`), so a store encrypted by
its connector gives encrypted backups with no further change. Each copy describes itself: a
`backup_manifest` row in its own `meta` table says when and why it was made and what it holds
(counts, the highest receipt number of each series and year), so `backups` lists them without
restoring any. Rotation keeps 7 daily, 4 weekly and 12 monthly day's-end copies by default
(`domain.backups`); copies the user asked for, or made before a migration or a restore (which may
hold payments the restored one lacks), are never rotated away.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from collector_app.domain.backups import DEFAULT_ROTATION, Rotation, SeriesYear, kept_by_rotation
from collector_app.store.cipher import ERRORS, OPERATIONAL_ERRORS, Connector, connect_plain, fsync_file
from collector_app.store.private_files import create_private_file, private_folder

log = logging.getLogger(__name__)

# What reading a file that is no (readable) backup raises: the driver's errors, a manifest that is no JSON.
_UNREADABLE: tuple[type[Exception], ...] = (*ERRORS, ValueError, KeyError, TypeError, OSError)

BACKUP_FOLDER = "backups"
MANIFEST_KEY = "backup_manifest"
PARTIAL_SUFFIX = ".partial"
PAGES_PER_STEP = 2048  # 8 MiB of 4 KiB pages between two reports of progress

class BackupKind(StrEnum):
    MANUAL = "manual"  # `collector-app backup`, or "Back up now"
    DAILY = "daily"  # the day's end: first start or sign-in of a new day, or closing the window
    BEFORE_MIGRATION = "before-migration"
    BEFORE_RESTORE = "before-restore"  # the file a restore replaces: never rotated away


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written into the backup itself."""

    created_at: datetime
    kind: str
    households: int | None
    people: int | None
    payments: int | None
    highest: dict[SeriesYear, int] = field(default_factory=dict)
    schema: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "created_at": self.created_at.isoformat(),
            "kind": self.kind,
            "households": self.households,
            "people": self.people,
            "payments": self.payments,
            "highest_receipts": [
                {"series": series, "year": year, "number": number}
                for (series, year), number in sorted(self.highest.items())
            ],
            "schema": self.schema,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            created_at=datetime.fromisoformat(data["created_at"]),
            kind=str(data.get("kind", "")),
            households=data.get("households"),
            people=data.get("people"),
            payments=data.get("payments"),
            highest={(str(row["series"]), int(row["year"])): int(row["number"])
                     for row in data.get("highest_receipts", [])},
            schema=data.get("schema"),
        )


@dataclass(frozen=True)
class BackupFile:
    """A backup found in a folder: its manifest, or why it could not be read (`problem`)."""

    path: Path
    size: int
    manifest: Manifest | None
    problem: str | None = None

    @property
    def created_at(self) -> datetime:
        if self.manifest is not None:
            return self.manifest.created_at
        return datetime.fromtimestamp(self.path.stat().st_mtime if self.path.exists() else 0, UTC)

    @property
    def readable(self) -> bool:
        return self.manifest is not None


def backup_store(
    path: Path,
    *,
    connector: Connector = connect_plain,
    kind: BackupKind = BackupKind.BEFORE_MIGRATION,
    folder: Path | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Copy the store at `path` into `folder` (default `backups/` beside it), named by the UTC time;
    return the copy's path.

    The online backup API copies a consistent snapshot, including what is still in the WAL, even
    while other connections use the store. The copy is written under a temporary name and renamed
    when complete (its manifest inside), so a crash never leaves a half-written backup that looks
    whole. The folder and the copy are the user's alone, as the store is (`private_files`).
    `progress(pages done, pages in all)` is called as the copy goes (in steps of `PAGES_PER_STEP`).
    """
    folder = folder or path.parent / BACKUP_FOLDER
    private_folder(folder)
    created = now or datetime.now(UTC)
    stamp = created.strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}-{kind.value}{path.suffix}"
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    partial.unlink(missing_ok=True)
    try:
        create_private_file(partial)  # SQLite writes into it and keeps its mode
        source = connector(path)
        try:
            source.execute("PRAGMA query_only=ON")
            copy = connector(partial)
            try:
                if progress is None:
                    source.backup(copy)
                else:
                    source.backup(copy, pages=PAGES_PER_STEP,
                                  progress=lambda _status, left, total: progress(total - left, total))
                _write_manifest(copy, created, kind)
            finally:
                copy.close()
        finally:
            source.close()
        fsync_file(partial)
        partial.replace(target)
    except BaseException:
        remove_with_journals(partial)
        raise
    return target


def _write_manifest(copy: sqlite3.Connection, created: datetime, kind: BackupKind) -> None:
    manifest = Manifest(
        created_at=created,
        kind=kind.value,
        households=_count(copy, "households"),
        people=_count(copy, "people"),
        payments=_count(copy, "payments"),
        highest=highest_receipts(copy),
        schema=_scalar(copy, "SELECT version_num FROM alembic_version"),
    )
    # The copy keeps the store's journal mode (WAL): checkpointed and closed below, it is one file.
    copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                 (MANIFEST_KEY, json.dumps(manifest.as_json(), ensure_ascii=False)))
    copy.commit()
    copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside a backup: one self-contained file


def highest_receipts(connection: sqlite3.Connection) -> dict[SeriesYear, int]:
    """{(series, year): highest number} of the receipts in the file (empty on a file without receipts)."""
    try:
        rows = connection.execute("SELECT series, year, max(number) FROM receipts GROUP BY series, year").fetchall()
    except OPERATIONAL_ERRORS:  # a schema from before receipts
        return {}
    return {(str(series), int(year)): int(number) for series, year, number in rows}


def _count(connection: sqlite3.Connection, table: str) -> int | None:
    value = _scalar(connection, f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
    return None if value is None else int(value)


def _scalar(connection: sqlite3.Connection, sql: str) -> Any:
    try:
        row = connection.execute(sql).fetchone()
    except OPERATIONAL_ERRORS:
        return None
    return None if row is None else row[0]


def read_manifest(path: Path, *, connector: Connector = connect_plain) -> Manifest:
    """The manifest inside the backup at `path`, read without changing it; raises sqlite3.Error (or
    ValueError) when the file is not a readable backup."""
    connection = connector(path)
    try:
        connection.execute("PRAGMA query_only=ON")
        row = connection.execute("SELECT value FROM meta WHERE key = ?", (MANIFEST_KEY,)).fetchone()
        if row is None:  # a copy from before manifests (an older pre-migration backup): work it out
            return Manifest(
                created_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
                kind=BackupKind.BEFORE_MIGRATION.value,
                households=_count(connection, "households"),
                people=_count(connection, "people"),
                payments=_count(connection, "payments"),
                highest=highest_receipts(connection),
                schema=_scalar(connection, "SELECT version_num FROM alembic_version"),
            )
        return Manifest.from_json(json.loads(row[0]))
    finally:
        connection.close()


def check_backup(path: Path, *, connector: Connector = connect_plain) -> tuple[str, ...]:
    """`PRAGMA quick_check` of the backup at `path`: () when sound; raises sqlite3.Error if unreadable."""
    connection = connector(path)
    try:
        connection.execute("PRAGMA query_only=ON")
        rows = [str(row[0]) for row in connection.execute("PRAGMA quick_check(10)")]
    finally:
        connection.close()
    return tuple(row for row in rows if row != "ok")


def backup_files(folder: Path, stem: str, suffix: str) -> list[Path]:
    """The complete backups in `folder` of a store named `stem` + `suffix` (no half-written ones)."""
    if not folder.is_dir():
        return []
    return sorted(
        (file for file in folder.iterdir()
         if file.is_file() and file.name.startswith(f"{stem}-") and file.name.endswith(suffix)),
        reverse=True,
    )


def list_backups(folder: Path, stem: str, suffix: str, *, connector: Connector = connect_plain) -> list[BackupFile]:
    """Every backup in `folder`, newest first, each with its manifest or why it cannot be read."""
    found: list[BackupFile] = []
    for file in backup_files(folder, stem, suffix):
        try:
            size = file.stat().st_size
        except OSError:
            continue
        try:
            found.append(BackupFile(file, size, read_manifest(file, connector=connector)))
        except _UNREADABLE as error:
            found.append(BackupFile(file, size, None, problem=str(error)))
    found.sort(key=lambda backup: backup.created_at, reverse=True)
    return found


def rotate(backups: list[BackupFile], rotation: Rotation = DEFAULT_ROTATION) -> list[Path]:
    """Delete the backups rotation does not keep; return the deleted paths.

    Only the automatic day's-end backups take part: one the user asked for, one before a migration
    and one before a restore are kept until the user deletes them, as is a file that cannot be read
    (it is not this function's to judge what a damaged copy may still hold).
    """
    candidates = [backup for backup in backups
                  if backup.manifest is not None and backup.manifest.kind == BackupKind.DAILY.value]
    keep = kept_by_rotation([backup.created_at for backup in candidates], rotation)
    deleted: list[Path] = []
    for index, backup in enumerate(candidates):
        if index in keep:
            continue
        try:
            backup.path.unlink()
        except OSError as error:
            log.warning("backup %s could not be deleted by rotation: %s", backup.path, error)
            continue
        deleted.append(backup.path)
    return deleted


def copy_to_folder(backup: Path, folder: Path) -> Path:
    """Copy a finished backup into a second folder (a USB stick): written under a temporary name and
    renamed, so the stick never holds a half copy that looks whole. Raises OSError on failure."""
    if not folder.is_dir():
        raise FileNotFoundError(2, "folder not found", str(folder))
    target = folder / backup.name
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        shutil.copyfile(backup, partial)
        fsync_file(partial)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def remove_with_journals(path: Path) -> None:
    """Delete a file SQLite wrote and its journals (a partial copy), ignoring what is already gone."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        except OSError:
            pass
