"""Backups and restore as the window and the command line use them.

- `back_up`: a copy now (the button, `collector-app backup`, the day's end), rotated, and copied to
  the second folder when one is set (a USB stick; if it is missing the backup still succeeds and says so).
- The day's end, for an app that may never be closed: the first start or sign-in of a day backs up
  the previous day if anything was recorded then (`day_backup_due`), and closing the window backs up
  when anything was recorded since the last backup (`closing_backup_due`).
- `plan_restore` lists what the backup lacks (payments recorded after it, and how far each got
  towards the server); `restore` backs up the current file first, then puts the backup in place
  with receipt numbering continuing after every number known to have been issued
  (`domain.backups.numbering_after_restore`): in the backup, every other backup, the replaced file
  and, given `server_highest`, the server's records for this device (`services.recovery`). Without
  the replaced file the device continues in a new series: what it printed after the backup and never
  sent is known to no one.
- `newest_good_backup`: what a store that fails to open or fails its check names.
- `start_check`: the window's check at every start (the file, then the audit chain), with the backup
  to restore named when either fails.

Batches: the restored file continues its batch sequence after the highest the replaced file sealed
(when it can be read). The server keys batches by their id, so a sequence sealed again after a
restore over an unreadable file is not refused.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from collector_app.domain.backups import (
    DEFAULT_ROTATION,
    ROTATION_LIMIT,
    Numbering,
    Rotation,
    SeriesYear,
    closing_backup_due,
    day_backup_due,
    numbering_after_restore,
)
from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.services.audit import AuditVerdict, verify_audit
from collector_app.store.backup import BackupFile as BackupFile  # what the Settings page lists
from collector_app.store.backup import (
    BACKUP_FOLDER,
    BackupKind,
    backup_store,
    check_backup,
    copy_to_folder,
    list_backups,
    read_manifest,
    rotate,
)
from collector_app.store.cipher import ERRORS, Connector
from collector_app.store.configuring import save_settings
from collector_app.store.db import Store, connect_sqlite3
from collector_app.store.health import HealthReport
from collector_app.store.keyring import keyring_path
from collector_app.store.private_files import create_private_file, private_folder
from collector_app.store.restore import (
    LackedPayment,
    RestoreMark,
    batch_sequence_in,
    chain_head_in,
    highest_in_file,
    payments_lacking,
    put_in_place,
    series_restarts_in,
)
from collector_app.store.settings import stored_settings
from collector_app.store.stamps import utc_now
from collector_app.store.users import User

log = logging.getLogger(__name__)

ServerHighest = Callable[[], Mapping[SeriesYear, int] | None]
"""The server's highest receipt number of this device per (series, year), or None when it cannot be
asked (offline, not enrolled). Part D's server call plugs in here; raising counts as None."""

# keys of the `settings` table
SECOND_FOLDER = "backup_second_folder"
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = "backup_keep_daily", "backup_keep_weekly", "backup_keep_monthly"


# ---- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSettings:
    rotation: Rotation = DEFAULT_ROTATION
    second_folder: Path | None = None


def backup_settings(store: Store) -> BackupSettings:
    stored = stored_settings(store)

    def count(key: str, default: int) -> int:
        try:
            value = int(stored.get(key, ""))
        except ValueError:
            return default
        return value if 1 <= value <= ROTATION_LIMIT else default

    folder = stored.get(SECOND_FOLDER)
    return BackupSettings(
        rotation=Rotation(count(KEEP_DAILY, DEFAULT_ROTATION.daily), count(KEEP_WEEKLY, DEFAULT_ROTATION.weekly),
                          count(KEEP_MONTHLY, DEFAULT_ROTATION.monthly)),
        second_folder=Path(folder) if folder else None,
    )


def change_backup_settings(
    store: Store, *, actor: User, second_folder: Path | None | str = "", rotation: Rotation | None = None
) -> BackupSettings:
    """Set the second folder (None forgets it; "" keeps it) and the rotation counts (None keeps them)."""
    if refusal := check_allowed(actor.role, Action.CHANGE_SETTINGS, user=actor.username):
        raise DomainError(refusal)
    values: dict[str, str | None] = {}
    if rotation is not None:
        problems = [
            Problem(ProblemCode.BACKUP_SETTING_OUT_OF_RANGE, {"what": what, "low": 1, "high": ROTATION_LIMIT,
                                                              "value": value})
            for what, value in (("daily", rotation.daily), ("weekly", rotation.weekly),
                                ("monthly", rotation.monthly))
            if not 1 <= value <= ROTATION_LIMIT
        ]
        if problems:
            raise DomainError(problems)
        values |= {KEEP_DAILY: str(rotation.daily), KEEP_WEEKLY: str(rotation.weekly),
                   KEEP_MONTHLY: str(rotation.monthly)}
    if second_folder != "":
        values[SECOND_FOLDER] = None if second_folder is None else str(Path(second_folder).expanduser())
    if values:
        save_settings(store, values, actor_id=actor.user_id)
    return backup_settings(store)


# ---- backing up ---------------------------------------------------------------------------------


def backups_folder(store_path: Path) -> Path:
    return store_path.parent / BACKUP_FOLDER


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    copied_to: Path | None = None  # the copy in the second folder
    copy_problem: str | None = None  # why the second folder got no copy (one line, for the user)
    rotated: tuple[Path, ...] = ()


def back_up(store: Store, *, kind: BackupKind = BackupKind.MANUAL, to: Path | None = None,
            now: datetime | None = None, progress: Callable[[int, int], None] | None = None) -> BackupDone:
    """A backup of the open store now, into `to` or the backups folder (then rotated), and copied to
    the second folder when one is set. Raises DomainError(BACKUP_FAILED) when the copy cannot be written."""
    settings = backup_settings(store)
    folder = to or backups_folder(store.path)
    try:
        path = backup_store(store.path, connector=store.connector, kind=kind, folder=folder, now=now,
                            progress=progress)
    except ERRORS + (OSError,) as error:
        raise DomainError(Problem(ProblemCode.BACKUP_FAILED, {"folder": str(folder), "reason": _reason(error)})) from error
    rotated: list[Path] = []
    if to is None:
        try:
            rotated = rotate(list_backups(folder, store.path.stem, store.path.suffix, connector=store.connector),
                             settings.rotation)
        except OSError as error:  # rotation is housekeeping: the backup itself is made
            log.warning("rotating the backups failed: %s", error)
    copied_to, copy_problem = None, None
    if settings.second_folder is not None:
        copied_to, copy_problem = _second_copy(path, settings.second_folder, keyring=keyring_path(store.path))
    return BackupDone(path=path, size=path.stat().st_size, copied_to=copied_to, copy_problem=copy_problem,
                      rotated=tuple(rotated))


def _second_copy(path: Path, folder: Path, *, keyring: Path) -> tuple[Path | None, str | None]:
    """Copy the backup to the second folder, with the store's keyring: on a stick that outlives the
    laptop, an encrypted backup opens only with the keyring's copies of its key (each still needs a
    password or the recovery code)."""
    from collector_app.i18n import _

    if not folder.is_dir():
        return None, _("the second backup folder {folder} is not there (is the USB stick plugged in?); "
                       "the backup is on this computer only").format(folder=folder)
    try:
        copied = copy_to_folder(path, folder)
        if keyring.is_file():
            copy_to_folder(keyring, folder)
        return copied, None
    except OSError as error:
        return None, _("the backup could not be copied to {folder} ({reason}); it is on this computer "
                       "only").format(folder=folder, reason=_reason(error))


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _last_recorded_at(store: Store) -> datetime | None:
    """When something was last recorded: the newest outbox row, household or person (rowid order)."""
    newest: datetime | None = None
    with store.read() as connection:
        for table in ("outbox", "households", "people"):
            value = connection.exec_driver_sql(
                f"SELECT created_at FROM {table} ORDER BY rowid DESC LIMIT 1"  # noqa: S608 - fixed names
            ).scalar()
            if value:
                moment = datetime.fromisoformat(str(value))
                newest = moment if newest is None or moment > newest else newest
    return newest


def _last_backup_at(store: Store) -> datetime | None:
    """The newest backup in the backups folder, by the time in its name (no file is opened)."""
    from collector_app.store.backup import backup_files

    newest: datetime | None = None
    for file in backup_files(backups_folder(store.path), store.path.stem, store.path.suffix):
        stamp = file.name[len(store.path.stem) + 1:].split("-", 1)[0].removesuffix(store.path.suffix)
        try:
            moment = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        except ValueError:
            continue
        newest = moment if newest is None or moment > newest else newest
    return newest


def _local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone().date()


def day_backup_due_now(store: Store, *, now: datetime | None = None) -> bool:
    """At a start or sign-in: an earlier day recorded something and has no backup since."""
    now = now or datetime.now(UTC)
    return day_backup_due(last_write_day=_local_day(_last_recorded_at(store)),
                          last_backup_day=_local_day(_last_backup_at(store)), today=_local_day(now) or now.date())


def closing_backup_due_now(store: Store) -> bool:
    """At closing: something was recorded since the last backup."""
    last_write = _last_recorded_at(store)
    return closing_backup_due(last_write_day=_local_day(last_write), last_backup=_last_backup_at(store),
                              last_write=last_write)


def back_up_if_due(store: Store, *, closing: bool = False, now: datetime | None = None) -> BackupDone | None:
    """The day's-end backup, when owed (never raising for the caller's sake: a failure is logged and None)."""
    if store.health.damaged:  # a copy of a damaged file would only push good ones out of rotation
        return None
    try:
        due = closing_backup_due_now(store) if closing else day_backup_due_now(store, now=now)
        if not due:
            return None
        return back_up(store, kind=BackupKind.DAILY, now=now)
    except Exception:  # noqa: BLE001 - the day's backup must never stop a start or a close
        log.warning("the day's backup failed", exc_info=True)
        return None


# ---- listing ------------------------------------------------------------------------------------


def list_store_backups(store_path: Path, *, connector: Connector = connect_sqlite3,
                       folder: Path | None = None) -> list[BackupFile]:
    """The backups of the store at `store_path` (or in `folder`), newest first, with what each holds."""
    return list_backups(folder or backups_folder(store_path), store_path.stem, store_path.suffix,
                        connector=connector)


def newest_good_backup(store_path: Path, *, connector: Connector = connect_sqlite3) -> BackupFile | None:
    """The newest backup that reads and passes the integrity check (None when there is none)."""
    for backup in list_store_backups(store_path, connector=connector):
        if backup.manifest is None:
            continue
        try:
            if not check_backup(backup.path, connector=connector):
                return backup
        except ERRORS + (OSError,):
            continue
    return None


@dataclass(frozen=True)
class StartCheck:
    """The integrity check at start: the file's (`PRAGMA quick_check`), then the audit chain's (on a
    sound file: a damaged one's pages cannot be trusted to verify), and when either fails, the sentence
    naming the newest good backup and the command that restores it."""

    report: HealthReport
    audit: AuditVerdict | None = None
    hint: str | None = None

    @property
    def sound(self) -> bool:
        return self.report.sound and (self.audit is None or self.audit.sound)


def start_check(store: Store) -> StartCheck:
    """Check the whole file and the money chain; on a failure, name the backup to restore."""
    report = store.check_health()
    audit = verify_audit(store) if report.sound else None
    checked = StartCheck(report=report, audit=audit)
    if checked.sound:
        return checked
    return StartCheck(report=report, audit=audit, hint=restore_hint(store.path, connector=store.connector))


def restore_hint(store_path: Path, *, connector: Connector = connect_sqlite3) -> str:
    """One sentence naming the newest good backup and the command that restores it (or that none exists)."""
    from collector_app.formatting import format_time
    from collector_app.i18n import _

    try:
        backup = newest_good_backup(store_path, connector=connector)
    except OSError:
        backup = None
    if backup is None:
        return _("No good backup was found in {folder}.").format(folder=backups_folder(store_path))
    return _("The newest good backup is {path} (made {created}); to restore it: "
             "collector-app restore \"{path}\"").format(path=backup.path,
                                                        created=format_time(backup.created_at))


# ---- restoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestorePlan:
    """What a restore of `backup` would do: the backup's contents, and what it lacks."""

    backup: BackupFile
    current_readable: bool
    lacking: tuple[LackedPayment, ...] = ()


def _checked_backup(path: Path, connector: Connector) -> BackupFile:
    if not path.is_file():
        raise DomainError(Problem(ProblemCode.BACKUP_NOT_FOUND, {"path": str(path)}))
    try:
        manifest = read_manifest(path, connector=connector)
        findings = check_backup(path, connector=connector)
    except ERRORS + (ValueError, KeyError, TypeError, OSError) as error:
        raise DomainError(Problem(ProblemCode.BACKUP_UNREADABLE, {"path": str(path)})) from error
    if findings:
        raise DomainError(Problem(ProblemCode.BACKUP_DAMAGED, {"path": str(path)}))
    return BackupFile(path, path.stat().st_size, manifest)


def plan_restore(store_path: Path, backup: Path, *, connector: Connector = connect_sqlite3) -> RestorePlan:
    """Check the backup and list the payments the current file holds that it lacks. Changes nothing."""
    checked = _checked_backup(backup, connector)
    try:
        lacking = tuple(payments_lacking(store_path, backup, connector=connector)) if store_path.exists() else ()
        readable = store_path.exists()
    except ERRORS + (OSError,):
        lacking, readable = (), False
    return RestorePlan(backup=checked, current_readable=readable, lacking=lacking)


@dataclass(frozen=True)
class RestoreDone:
    restored: Path
    before: Path | None  # the backup of the file it replaced (None: there was no file)
    numbering: Numbering
    series: str | None = None  # the new series receipts are numbered in, after a restart
    lacking: tuple[LackedPayment, ...] = ()


def restore(
    store_path: Path,
    backup: Path,
    *,
    actor: User,
    connector: Connector = connect_sqlite3,
    server_highest: ServerHighest | None = None,
    now: datetime | None = None,
) -> RestoreDone:
    """Put `backup` in place of the store at `store_path` (every Store on it must be closed).

    The current file is backed up first (kind before-restore, never rotated away: it holds whatever
    the backup lacks); when it cannot be read it is kept byte for byte instead. Numbering then
    continues after every number known to have been issued, or in a new series when the replaced
    file and the server are both unknown.
    """
    if refusal := check_allowed(actor.role, Action.CHANGE_SETTINGS, user=actor.username):
        raise DomainError(refusal)
    plan = plan_restore(store_path, backup, connector=connector)
    assert plan.backup.manifest is not None
    before = _keep_current(store_path, connector, now) if store_path.exists() else None
    replaced = highest_in_file(store_path, connector=connector)
    sealed = batch_sequence_in(store_path, connector=connector) if store_path.exists() else None
    replaced_chain = chain_head_in(store_path, connector=connector) if store_path.exists() else None
    server = _ask(server_highest)
    known_backup = dict(plan.backup.manifest.highest)
    for other in list_store_backups(store_path, connector=connector):  # every copy says what was issued
        for key, number in (other.manifest.highest if other.manifest else {}).items():
            known_backup[key] = max(number, known_backup.get(key, 0))
    numbering = numbering_after_restore(backup=known_backup, replaced=replaced, server=server)
    restarts: int | None = None
    series: str | None = None
    if numbering.new_series:
        restarts = _next_restart(backup, store_path, connector, numbering)
        series = _series_after(backup, connector, restarts)
    mark = RestoreMark(replaced=replaced_chain, backup_name=backup.name, by_user=actor.user_id, at=utc_now())
    put_in_place(backup, store_path, connector=connector, floors=numbering.floors, series_restarts=restarts,
                 batch_sequence=sealed, mark=mark)
    log.info("restored %s over %s (before: %s); numbering %s", backup, store_path, before, numbering)
    return RestoreDone(restored=backup, before=before, numbering=numbering, series=series, lacking=plan.lacking)


@dataclass(frozen=True)
class RestoreSignIn:
    """Who restores, and how the store's files open (with the data key their password unlocked)."""

    user: User
    connector: Connector


def sign_in_for_restore(store_path: Path, backup: Path, username: str, password: str) -> RestoreSignIn:
    """Sign in for a restore. An encrypted store's password unlocks the data key from the keyring
    beside the file, which is read even when the file itself cannot be; the user must be active in
    the current store or, when it cannot be opened, in a private temporary copy of the (checked)
    backup, which is then deleted. A store from before encryption checks the password it keeps."""
    import tempfile

    from collector_app.services import unlocking
    from collector_app.services.users import sign_in, signed_in
    from collector_app.store.cipher import cipher_connector
    from collector_app.store.db import StoreError, open_store
    from collector_app.store.health import StoreFailure

    connector: Connector = connect_sqlite3
    if unlocking.is_encrypted(store_path):
        connector = cipher_connector(unlocking.unlock(store_path, username, password))

    def check(store: Store) -> User:
        return signed_in(store, username) if store.key is not None else sign_in(store, username, password)

    if store_path.exists():
        try:
            store = open_store(store_path, connector=connector)
        except (StoreFailure, StoreError):
            pass
        else:
            try:
                return RestoreSignIn(check(store), connector)
            finally:
                store.close()
    _checked_backup(backup, connector)
    with tempfile.TemporaryDirectory(prefix="collector-restore-") as folder:
        private_folder(Path(folder))
        copy = Path(folder) / store_path.name
        create_private_file(copy)
        shutil.copyfile(backup, copy)
        store = open_store(copy, connector=connector)
        try:
            return RestoreSignIn(check(store), connector)
        finally:
            store.close()


def restored_text(done: RestoreDone) -> str:
    """What a restore did, in a few sentences for the user."""
    from collector_app.i18n import _

    lines = [_("Restored {path}.").format(path=done.restored)]
    if done.before is not None:
        lines.append(_("The data file it replaced is kept at {path}.").format(path=done.before))
    if done.numbering.new_series:
        lines.append(_("The numbers issued after the backup cannot be known (the replaced file could not be read "
                       "and the server was not asked), so receipts continue in a new series: {series}. The "
                       "receipts say so.").format(series=done.series or "?"))
    else:
        lines += [_("Receipts of {series} in {year} continue after number {number}.").format(
            series=series, year=year, number=f"{number:07d}") for (series, year), number in sorted(done.numbering.floors.items())]
    return "\n".join(lines)


def server_highest_via_recovery(store_path: Path, backup: Path, *,
                                connector: Connector = connect_sqlite3) -> ServerHighest:
    """`services.recovery.server_highest_receipt` for a restore: the server's highest number of
    this device's series, for this year and each year the backup numbered in. The server is reached
    with the current store's enrolment when it opens, else with a temporary copy of the backup's
    (the same device, enrolled before it was made). Offline or not enrolled: None."""

    def ask() -> Mapping[SeriesYear, int] | None:
        import tempfile

        from collector_app.services.device import device_of
        from collector_app.services.recovery import server_highest_receipt
        from collector_app.store.db import open_store

        def from_store(store: Store) -> dict[SeriesYear, int] | None:
            series = device_of(store).series
            manifest = read_manifest(backup, connector=connector)
            years = {datetime.now(UTC).year} | {year for (_series, year) in manifest.highest}
            found: dict[SeriesYear, int] = {}
            for year in sorted(years):
                number = server_highest_receipt(store, year)
                if number is None:
                    return None
                if number:
                    found[(series, year)] = int(number)
            return found

        try:
            store = open_store(store_path, connector=connector)
        except Exception:  # noqa: BLE001 - unreadable: ask with the backup's enrolment instead
            with tempfile.TemporaryDirectory(prefix="collector-restore-") as folder:
                copy = Path(folder) / store_path.name
                create_private_file(copy)
                shutil.copyfile(backup, copy)
                with open_store(copy, connector=connector) as opened:
                    return from_store(opened)
        with store:
            return from_store(store)

    return ask


def _ask(server_highest: ServerHighest | None) -> Mapping[SeriesYear, int] | None:
    if server_highest is None:
        return None
    try:
        return server_highest()
    except Exception:  # noqa: BLE001 - an unreachable server is an unknown, not a failure
        log.info("the server's highest receipt numbers could not be had", exc_info=True)
        return None


def _keep_current(store_path: Path, connector: Connector, now: datetime | None) -> Path:
    folder = backups_folder(store_path)
    try:
        return backup_store(store_path, connector=connector, kind=BackupKind.BEFORE_RESTORE, folder=folder, now=now)
    except ERRORS + (OSError,) as error:
        log.info("the file a restore replaces cannot be backed up (%s): kept as it is", error)
    # Unreadable: kept byte for byte (with its WAL), for support to salvage.
    private_folder(folder)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{store_path.stem}-{stamp}-{BackupKind.BEFORE_RESTORE.value}-unreadable{store_path.suffix}"
    try:
        for suffix in ("", "-wal"):
            source = store_path.with_name(store_path.name + suffix)
            if source.exists():
                copy = target.with_name(target.name + suffix)
                create_private_file(copy)
                shutil.copyfile(source, copy)
    except OSError as error:
        raise DomainError(Problem(ProblemCode.BACKUP_FAILED, {"folder": str(folder), "reason": _reason(error)})) from error
    return target


def _next_restart(backup: Path, store_path: Path, connector: Connector, numbering: Numbering) -> int:
    """One more than any restart known: in the backup, in the series numbers seen anywhere."""
    from collector_app.domain.backups import RESTART_MARK

    known = series_restarts_in(backup, connector=connector) or 0
    for series, _year in numbering.floors:
        head, mark, tail = series.rpartition(RESTART_MARK)
        if mark and head and tail.isdigit():
            known = max(known, int(tail))
    return known + 1


def _series_after(backup: Path, connector: Connector, restarts: int) -> str | None:
    from collector_app.domain.backups import restart_symbol

    try:
        connection = connector(backup)
        try:
            row = connection.execute(
                "SELECT d.collection_point_code || d.device_code FROM devices AS d "
                "JOIN meta AS m ON m.key = 'device_id' AND m.value = d.id"
            ).fetchone()
        finally:
            connection.close()
    except ERRORS:
        return None
    return None if row is None else restart_symbol(str(row[0]), restarts)


@dataclass(frozen=True)
class BackupEntry:
    """One backup as `backups --json` and the Settings page show it."""

    path: str
    created_at: str | None
    kind: str | None
    size: int
    households: int | None = None
    people: int | None = None
    payments: int | None = None
    highest_receipts: list[dict[str, object]] = field(default_factory=list)
    readable: bool = True
    problem: str | None = None


def entry(backup: BackupFile) -> BackupEntry:
    manifest = backup.manifest
    if manifest is None:
        return BackupEntry(path=str(backup.path), created_at=None, kind=None, size=backup.size, readable=False,
                           problem=backup.problem)
    data = manifest.as_json()
    return BackupEntry(path=str(backup.path), created_at=data["created_at"], kind=manifest.kind, size=backup.size,
                       households=manifest.households, people=manifest.people, payments=manifest.payments,
                       highest_receipts=data["highest_receipts"])
