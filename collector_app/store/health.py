"""The store file's health: checked whole before this process first writes, its money tables again
before a write whenever something else changed the file, and SQLite's failures (disk full, I/O error,
damage, read-only, busy) turned into one `Problem` that the command line and the window both show.

`Store.begin()` (collector_app.store.db) asks this module before every write; a damaged file stays
open for reading, and every write is refused with `StoreFailure(STORE_DAMAGED)`.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.messages import message
from collector_app.store import cipher
from collector_app.store.schema import APPEND_ONLY_TABLES

# Findings go to the log at INFO: the user is told once, in one sentence (StoreFailure), and a
# warning would reach the command line's stderr as a second line (logging's last resort).
log = logging.getLogger(__name__)

MAX_FINDINGS = 10
"""quick_check stops after this many findings: enough for support, and quick on a wreck."""
LOW_SPACE_BYTES = 1 << 20
"""An I/O error with less free space than this beside the file is the disk being full (SQLite says
"disk I/O error" when it cannot grow its shared-memory file, "database or disk is full" otherwise)."""

Connect = Callable[[], sqlite3.Connection]


class StoreFailure(DomainError):
    """The store could not do what was asked, and nothing was written; `problem` says why and what to do."""

    def __init__(self, problem: Problem, *, details: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.details = details  # SQLite's own words, for the log and support

    def __str__(self) -> str:  # a dialog showing str(error) shows the sentence, not the code
        return message(self.problem)


class Verdict(StrEnum):
    SOUND = "sound"
    DAMAGED = "damaged"


@dataclass(frozen=True)
class HealthReport:
    """The outcome of a check: SQLite's findings (empty when sound) and how long it took."""

    verdict: Verdict
    findings: tuple[str, ...]
    seconds: float
    scope: str  # "file" (whole), "money" (the money tables), "new" (created here), "read" (seen failing)

    @property
    def sound(self) -> bool:
        return self.verdict is Verdict.SOUND


# ---- the checks --------------------------------------------------------------------------------


def check_whole_file(connection: sqlite3.Connection) -> tuple[str, ...]:
    """`PRAGMA quick_check` over every page of the file: b-tree structure, records, NOT NULL and CHECK
    constraints (a money row whose amount is not gross minus support is found). () when sound."""
    return _findings(connection, f"PRAGMA quick_check({MAX_FINDINGS})")


def check_money_tables(connection: sqlite3.Connection) -> tuple[str, ...]:
    """`PRAGMA quick_check(table)` over the append-only money tables and their indexes only."""
    findings: list[str] = []
    for table in APPEND_ONLY_TABLES:
        findings += _findings(connection, f"PRAGMA quick_check({table})")
    return tuple(findings)


def _findings(connection: sqlite3.Connection, pragma: str) -> tuple[str, ...]:
    try:
        rows = [str(row[0]) for row in connection.execute(pragma)]
    except cipher.DATABASE_ERRORS as error:
        # Too damaged for the check to finish. SQLCipher may say so as a plain SQLITE_ERROR ("SQL logic
        # error") when a page fails its HMAC mid-check: the pragma itself is always well formed.
        code = getattr(error, "sqlite_errorcode", None)
        logic_error = isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_ERROR
        if _kind(error) is ProblemCode.STORE_DAMAGED or logic_error:
            return (str(error) or "the check could not finish",)
        raise
    return tuple(row for row in rows if row != "ok")


def fingerprint(path: Path) -> tuple[int, ...]:
    """Size, modification time and inode of the file and of its WAL: changed by any write to either."""
    parts: list[int] = []
    for file in (path, path.with_name(path.name + "-wal")):
        try:
            info = os.stat(file)
        except FileNotFoundError:
            parts += (-1, -1, -1)
        else:
            parts += (info.st_size, info.st_mtime_ns, info.st_ino)
    return tuple(parts)


class FileHealth:
    """What this process knows of one store file's health, shared by every Store open on that file.

    The whole file is checked once, before the first write (or at start in the background: the
    window); a writer waits for a check under way. Before each later write, the money tables are
    checked again only if the file changed since this process last wrote or checked it: a change
    made by another program, or by something that is not SQLite. Re-reading pages this process
    already holds in its page cache would prove nothing, so every check opens a fresh connection.
    """

    def __init__(self, path: Path, connect: Connect) -> None:
        self.path = path
        self._connect = connect
        self._lock = threading.Lock()  # one check at a time; writers wait for a check under way
        self._report: HealthReport | None = None
        self._seen: tuple[int, ...] | None = None  # the file's fingerprint when this process last knew it
        self._checking: sqlite3.Connection | None = None
        self.last_check: HealthReport | None = None  # the latest check run, of either scope

    @property
    def report(self) -> HealthReport | None:
        """The verdict so far: None until the first check."""
        return self._report

    @property
    def damaged(self) -> bool:
        return self._report is not None and not self._report.sound

    def created(self) -> None:
        """This process has just made the file: nothing in it to check."""
        with self._lock:
            self._report = HealthReport(Verdict.SOUND, (), 0.0, "new")
            self._seen = fingerprint(self.path)

    def check(self) -> HealthReport:
        """Check the whole file unless done already in this process; returns the verdict."""
        with self._lock:
            if self._report is None:
                self._run(check_whole_file, "file")
            assert self._report is not None
            return self._report

    def require_writable(self) -> None:
        """Raise `StoreFailure(STORE_DAMAGED)` unless the file is sound (checking it first if need be)."""
        if not self.check().sound:
            raise self.damaged_failure()

    def check_before_write(self) -> None:
        """Call holding the write lock: the money tables are checked again if the file changed meanwhile."""
        if self._seen != fingerprint(self.path):
            with self._lock:
                if self._seen != fingerprint(self.path):
                    self._run(check_money_tables, "money")
        if self.damaged:
            raise self.damaged_failure()

    def wrote(self) -> None:
        """This process has just written: the file as it is now is its own doing."""
        self._seen = fingerprint(self.path)

    def found_damage(self, error: BaseException) -> None:
        """SQLite reported damage while reading or writing: no more writes for this file."""
        with self._lock:
            if not self.damaged:
                log.info("store %s: SQLite found damage: %s", self.path, error)
                self._report = HealthReport(Verdict.DAMAGED, (str(error),), 0.0, "read")

    def cancel(self) -> None:
        """Interrupt a check under way (the window is closing); the verdict stays unknown."""
        connection = self._checking
        if connection is not None:
            connection.interrupt()

    def damaged_failure(self) -> StoreFailure:
        details = "; ".join(self._report.findings) if self._report else ""
        return StoreFailure(Problem(ProblemCode.STORE_DAMAGED, {"path": str(self.path)}), details=details)

    def _run(self, check: Callable[[sqlite3.Connection], tuple[str, ...]], scope: str) -> None:
        # Caller holds self._lock. The fingerprint is taken first: a write during the check changes it.
        seen = fingerprint(self.path)
        started = time.perf_counter()
        try:
            findings = self._findings_of(check)
        except cipher.ERRORS as error:
            failure = failure_from(error, self.path)
            if failure is None:
                raise
            raise failure from error
        seconds = time.perf_counter() - started
        verdict = Verdict.DAMAGED if findings else Verdict.SOUND
        self.last_check = HealthReport(verdict, findings, seconds, scope)
        if findings:
            log.info("store %s: the %s check found damage in %.3f s: %s", self.path, scope, seconds,
                      "; ".join(findings))
            self._report = self.last_check
        else:
            log.info("store %s: the %s check found it sound in %.3f s", self.path, scope, seconds)
            if self._report is None:
                self._report = self.last_check
        self._seen = seen

    def _findings_of(self, check: Callable[[sqlite3.Connection], tuple[str, ...]]) -> tuple[str, ...]:
        connection = self._connect()
        self._checking = connection
        try:
            return check(connection)
        finally:
            self._checking = None
            connection.close()


# ---- one FileHealth per file and process ------------------------------------------------------

# The window opens a second Store on the same file for each sync (a thread of its own): sharing the
# verdict spares it a whole-file read every five minutes. An entry lives while a Store holds the file.
_shared: dict[tuple[str, int, int], tuple[FileHealth, int]] = {}
_shared_lock = threading.Lock()


def acquire(path: Path, connect: Connect) -> FileHealth:
    """The FileHealth of the (existing) file at `path`, shared with the other Stores open on it."""
    key = _key(path)
    with _shared_lock:
        health, users = _shared.get(key, (None, 0))
        if health is None:
            health = FileHealth(path, connect)
        _shared[key] = (health, users + 1)
        return health


def release(health: FileHealth) -> None:
    """A Store on the file closed."""
    with _shared_lock:
        for key, (shared, users) in list(_shared.items()):
            if shared is health:
                if users > 1:
                    _shared[key] = (shared, users - 1)
                else:
                    del _shared[key]
                return


def _key(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return str(path.resolve()), info.st_dev, info.st_ino


# ---- SQLite's failures as problems -------------------------------------------------------------

_BY_PRIMARY_CODE = {
    sqlite3.SQLITE_FULL: ProblemCode.STORE_DISK_FULL,
    sqlite3.SQLITE_IOERR: ProblemCode.STORE_IO_ERROR,
    sqlite3.SQLITE_CORRUPT: ProblemCode.STORE_DAMAGED,
    sqlite3.SQLITE_NOTADB: ProblemCode.STORE_DAMAGED,
    sqlite3.SQLITE_READONLY: ProblemCode.STORE_READ_ONLY,
    sqlite3.SQLITE_PERM: ProblemCode.STORE_READ_ONLY,
    sqlite3.SQLITE_BUSY: ProblemCode.STORE_BUSY,
    sqlite3.SQLITE_LOCKED: ProblemCode.STORE_BUSY,
    sqlite3.SQLITE_CANTOPEN: ProblemCode.STORE_CANNOT_OPEN,
}
# For drivers whose errors carry no result code (SQLite's own wording, lower case).
_BY_TEXT = (
    ("database or disk is full", ProblemCode.STORE_DISK_FULL),
    ("disk i/o error", ProblemCode.STORE_IO_ERROR),
    ("malformed", ProblemCode.STORE_DAMAGED),
    ("file is not a database", ProblemCode.STORE_DAMAGED),
    ("readonly database", ProblemCode.STORE_READ_ONLY),
    ("database is locked", ProblemCode.STORE_BUSY),
    ("database table is locked", ProblemCode.STORE_BUSY),
    ("unable to open database file", ProblemCode.STORE_CANNOT_OPEN),
)


def sqlite_error(error: BaseException) -> sqlite3.Error | None:
    """The SQLite error behind `error`: itself, SQLAlchemy's `orig`, or a cause or context."""
    seen: BaseException | None = error
    for _depth in range(10):
        if seen is None:
            return None
        if isinstance(seen, cipher.ERRORS):
            return seen  # type: ignore[return-value]  # sqlcipher3's errors have sqlite3's interface
        orig = getattr(seen, "orig", None)  # sqlalchemy.exc.DBAPIError keeps the driver's error here
        seen = orig if isinstance(orig, BaseException) else (seen.__cause__ or seen.__context__)
    return None


def _kind(error: Exception) -> ProblemCode | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _BY_PRIMARY_CODE.get(code & 0xFF)  # extended codes carry the primary one in the low byte
    text = str(error).lower()
    return next((kind for words, kind in _BY_TEXT if words in text), None)


def problem_for(error: BaseException, path: Path) -> Problem | None:
    """The problem to show for a failure of SQLite on the store at `path`; None if it is not one of these."""
    found = sqlite_error(error)
    if found is None:
        return None
    kind = _kind(found)
    if kind is None:
        return None
    if kind is ProblemCode.STORE_IO_ERROR and _little_space(path):
        kind = ProblemCode.STORE_DISK_FULL
    params: dict[str, object] = {"path": str(path)}
    if kind is ProblemCode.STORE_BUSY:
        from collector_app.store.db import BUSY_TIMEOUT_MS  # db imports this module

        params["seconds"] = BUSY_TIMEOUT_MS // 1000
    return Problem(kind, params)


def failure_from(error: BaseException, path: Path, *, opening: bool = False) -> StoreFailure | None:
    """`error` as a StoreFailure when SQLite failed in a way `problem_for` knows; else None.

    `opening`: damage found while opening the file means it cannot be opened at all.
    """
    problem = problem_for(error, path)
    if problem is None:
        return None
    if opening and problem.code is ProblemCode.STORE_DAMAGED:
        problem = Problem(ProblemCode.STORE_UNREADABLE, problem.params)
    return StoreFailure(problem, details=str(sqlite_error(error) or error))


def _little_space(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < LOW_SPACE_BYTES
    except OSError:
        return False
