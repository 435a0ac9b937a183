"""Opening the local store: the one place an engine is made, connection pragmas, and upgrades.

`open_store()` creates the file or brings it to the newest schema. A file behind the newest
revision is checked, then backed up (`backup.backup_store`); the upgrade runs in one transaction, so a
failing revision rolls back and leaves the file as it was; should it not have (a revision that
committed part of its work), the backup is put back. Either way the error names the backup.
Every write goes through `Store.begin()`, which refuses it on a damaged file (`health`) and turns
SQLite's failures into one clear `StoreFailure`; the files are the user's alone (`private_files`).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from collector_app import paths
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.i18n import _
from collector_app.store import cipher
from collector_app.store import health as health_
from collector_app.store.backup import BACKUP_FOLDER, backup_store
from collector_app.store.health import FileHealth, StoreFailure
from collector_app.store.private_files import create_private_file, make_store_private

MIGRATIONS = "collector_app.store:migrations"
BUSY_TIMEOUT_MS = 10_000

# Applied to every connection, whatever opened it. synchronous=FULL: a payment acknowledged to the
# user survives a power cut, not only an application crash (NORMAL would in WAL mode).
PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=FULL",
    "foreign_keys=ON",
    f"busy_timeout={BUSY_TIMEOUT_MS}",
    "cache_size=-65536",  # 64 MiB: keeps the name and ID indexes of a million people hot
    # Each page read from disk is checked for cells overlapping or out of bounds: damage is found
    # where it is met, and a write never builds on a damaged page.
    "cell_size_check=ON",
)

IDS_PER_QUERY = 500  # ids bound in one IN (...) query, well under SQLite's bound-parameter limit


def id_chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    """These ids, each once and sorted, in lists short enough to bind in one `IN (...)` query."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IDS_PER_QUERY):
        yield wanted[start : start + IDS_PER_QUERY]


Connector = cipher.Connector
"""Opens a raw DB-API connection to the file, usable from any thread (one at a time): the plain
driver (`connect_sqlite3`) or an encrypted store's (`cipher.cipher_connector(key)`), both SQLCipher's."""


class StoreError(Exception):
    """The store cannot be opened; the message is for the user."""


class StoreMigrationError(StoreError):
    """Upgrading the store's schema failed; the old file is untouched and a backup exists."""

    def __init__(self, message: str, *, backup: Path | None) -> None:
        super().__init__(message)
        self.backup = backup


class StoreKeyError(StoreError):
    """The file is not readable with the key given: it was encrypted with another data key (a keyring
    from elsewhere), or it is not a store at all."""


class StorePlainError(StoreError):
    """The file is an unencrypted store and an encrypted one was expected: it must be migrated first
    (`services.unlocking` does so at the first sign-in)."""


class StoreTooNewError(StoreError):
    """The file was written by a newer version of the app, whose schema this one does not know."""


def connect_sqlite3(path: Path) -> sqlite3.Connection:
    """An unencrypted store file (through SQLCipher's driver, as every store file: `cipher`)."""
    # check_same_thread=False: pooled connections move between threads, one thread at a time.
    return cipher.connect_plain(path)


def connect_configured(path: Path, connector: Connector = connect_sqlite3) -> sqlite3.Connection:
    """A DB-API connection to the store with `PRAGMAS` applied, in autocommit mode."""
    connection = connector(path)
    # The driver must not open transactions by itself (it would not before DDL, which breaks
    # transactional migrations): SQLAlchemy's "begin" event below emits BEGIN instead.
    connection.isolation_level = None
    cursor = connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
    return connection


def _emit_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once: two writers wait for each other (busy_timeout)
    # instead of failing when a read transaction tries to become a write transaction.
    mode = connection.get_execution_options().get("store_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_store_engine(path: Path, *, connector: Connector = connect_sqlite3) -> Engine:
    """The engine for the store file at `path`: every connection has `PRAGMAS` applied."""
    engine = create_engine(
        "sqlite://",
        creator=lambda: connect_configured(path, connector),
        module=cipher.DBAPI,  # SQLCipher's driver: SQLAlchemy wraps its errors as it does sqlite3's
        # An explicit pool: with a bare "sqlite://" URL SQLAlchemy would assume :memory: and
        # share one connection per thread.
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
    )
    event.listen(engine, "begin", _emit_begin)
    return engine


def connect_for_check(path: Path, connector: Connector = connect_sqlite3) -> sqlite3.Connection:
    """A fresh connection that only reads (its own, empty page cache), for the health checks."""
    connection = connector(path)
    connection.isolation_level = None
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA query_only=ON")
    return connection


class Store:
    """An open store file. Use `begin()` to write, `read()` for a consistent read, `close()` at the end.

    `health` is what this process knows of the file's soundness: `begin()` checks the whole file
    before the first write (the window does so at start, in the background: `check_health()`).
    """

    def __init__(
        self,
        engine: Engine,
        path: Path,
        *,
        connector: Connector = connect_sqlite3,
        health: FileHealth | None = None,
    ) -> None:
        self.engine = engine
        self.path = path
        self._connector = connector
        self.health = health or health_.acquire(path, lambda: connect_for_check(path, connector))
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        event.listen(engine, "connect", self._on_connect)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE) yielding a Connection; commits unless it raises.

        Refused with a `StoreFailure` on a damaged file; SQLite's own failures (disk full, I/O error,
        read-only, busy) come out as one too, after the rollback: nothing is written.
        """
        self.health.require_writable()
        with self._failures_as_problems():
            try:
                with self.engine.begin() as connection:
                    self.health.check_before_write()
                    yield connection
            finally:
                self.health.wrote()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (deferred BEGIN): one consistent snapshot, never blocks writers."""
        with self._failures_as_problems(), self.engine.connect() as connection:
            connection.execution_options(store_begin="DEFERRED")
            with connection.begin():
                yield connection

    @property
    def connector(self) -> Connector:
        """How this store's file is opened (with its key, when encrypted): a second Store on the
        same file (a sync in the background) opens it the same way."""
        return self._connector

    @property
    def key(self) -> bytes | None:
        """The data key the file is encrypted with (None: a plain store); the keyring wraps it."""
        return cipher.key_of(self._connector)

    def check_health(self) -> health_.HealthReport:
        """Check the whole file now, unless this process has already (blocking; seconds on a big file)."""
        return self.health.check()

    def require_writable(self) -> None:
        """Raise `StoreFailure(STORE_DAMAGED)` now, before any other work, if nothing can be written."""
        self.health.require_writable()

    def failure(self, error: BaseException) -> StoreFailure | None:
        """`error` in plain words when it is SQLite failing on this file (see `health.problem_for`)."""
        return health_.failure_from(error, self.path)

    @contextmanager
    def _failures_as_problems(self) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            failure = None if isinstance(error, StoreFailure) else self.failure(error)
            if failure is None:
                raise
            if failure.problem.code is ProblemCode.STORE_DAMAGED:
                self.health.found_damage(error)
            elif self.health.damaged:  # query_only refused a write: the damage is the reason
                failure = self.health.damaged_failure()
            raise failure from error

    def _on_connect(self, dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # A second line of defence on a damaged file: SQLite itself refuses any write.
        if self.health.damaged:
            dbapi_connection.execute("PRAGMA query_only=ON")

    def reader(self) -> sqlite3.Connection:
        """This thread's own DB-API connection in autocommit mode, for hot read-only paths (search).

        Kept per thread rather than checked out of the pool on each call: a checkout costs about as
        much as a household look-up itself. Only SELECTs belong here; each is its own snapshot.
        """
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect_configured(self.path, self._connector)
            with self._readers_lock:
                self._readers.append(connection)
            self._local.connection = connection
        return connection

    def close(self) -> None:
        with self._readers_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()
        self._local = threading.local()
        self.engine.dispose()
        health_.release(self.health)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def alembic_config() -> Config:
    """Alembic's configuration, made in code: no alembic.ini is needed at run time."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head_revision(config: Config | None = None) -> str:
    heads = ScriptDirectory.from_config(config or alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the store migrations must have exactly one head, found {heads}")
    return heads[0]


def open_store(path: Path | None = None, *, connector: Connector | None = None, key: bytes | None = None) -> Store:
    """Open the store at `path` (default: `paths.store_path()`), creating or upgrading it first.

    The file, its folder and backups are made private to the user (an older store's too). A file
    that cannot be read at all raises `StoreFailure(STORE_UNREADABLE)`; a damaged one opens, and
    refuses every write (checked before the first, or earlier with `Store.check_health()`).

    With `key` (the data key the keyring unwrapped) the file is encrypted with it, or created so;
    a plain file then raises `StorePlainError`, a file the key does not open `StoreKeyError`.
    """
    path = path or paths.store_path()
    if connector is None:
        connector = connect_sqlite3 if key is None else cipher.cipher_connector(key)
    try:
        make_store_private(path, path.parent / BACKUP_FOLDER)
        existing = path.exists() and path.stat().st_size > 0
        create_private_file(path)
    except OSError as error:
        raise StoreFailure(
            Problem(ProblemCode.STORE_CANNOT_OPEN, {"path": str(path)}), details=str(error)
        ) from error
    health = health_.acquire(path, lambda: connect_for_check(path, connector))
    try:
        return _open(path, connector, health, existing=existing)
    except BaseException:
        health_.release(health)
        raise


def _open(path: Path, connector: Connector, health: FileHealth, *, existing: bool) -> Store:
    config = alembic_config()
    head = head_revision(config)
    if existing and cipher.is_encrypting(connector):
        _check_key(path, connector)
    try:
        current = _current_revision(path, connector) if existing else None
    except cipher.ERRORS as error:
        failure = health_.failure_from(error, path, opening=True)
        if failure is None:
            raise
        raise failure from error
    if current is not None and current != head:
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        if current not in known:
            raise StoreTooNewError(
                _(
                    "The data file {path} was written by a newer version of this app "
                    "(schema {revision}). Install the newer version to open it."
                ).format(path=path, revision=current)
            )
        # An upgrade rewrites tables: never on a damaged file, which could then not be read as it was.
        if not health.check().sound:
            raise StoreFailure(Problem(ProblemCode.STORE_UNREADABLE, {"path": str(path)}))
    backup = backup_store(path, connector=connector) if existing and current != head else None
    before = _fingerprint(path) if existing else None
    engine = create_store_engine(path, connector=connector)
    if current != head:
        try:
            _upgrade(engine, config)
        except Exception as error:
            engine.dispose()
            if not existing:
                _remove_store_files(path)
            elif backup is not None and _fingerprint(path) != before:
                _restore(backup, path)
            failure = health_.failure_from(error, path)
            if failure is not None:  # the disk is full, say, rather than a revision failing
                raise failure from error
            raise StoreMigrationError(
                _(
                    "The data file {path} could not be upgraded to the new version; it was left as "
                    "it was. A copy is at {backup}. Details: {details}"
                ).format(path=path, backup=backup or "-", details=error),
                backup=backup,
            ) from error
    if not existing:
        health.created()
    return Store(engine, path, connector=connector, health=health)


def _check_key(path: Path, connector: Connector) -> None:
    if cipher.is_plain_file(path):
        raise StorePlainError(_(
            "The data file {path} is not encrypted yet: sign in to encrypt it."
        ).format(path=path))
    try:
        fits = cipher.key_fits(path, connector)
    except cipher.ERRORS as error:
        failure = health_.failure_from(error, path, opening=True)
        if failure is None:
            raise
        raise failure from error
    if not fits:
        raise StoreKeyError(_(
            "The data file {path} cannot be opened with this device's key file: it was encrypted "
            "with another key, or it is damaged. Restore it from a backup made on this device."
        ).format(path=path))


def _upgrade(engine: Engine, config: Config) -> None:
    # migrations/env.py owns the transaction (foreign keys off, one BEGIN, a foreign key check
    # before COMMIT); it needs a connection that is not in a transaction yet.
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _current_revision(path: Path, connector: Connector) -> str | None:
    """The file's Alembic revision, read without the store pragmas so the file is not changed."""
    connection = connector(path)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT version_num FROM alembic_version")
        row = cursor.fetchone()
        return None if row is None else str(row[0])
    finally:
        connection.close()


def _fingerprint(path: Path) -> tuple[int, int, int]:
    """Size and modification time of the file, and the size of its WAL.

    A failed upgrade normally rolled back: in WAL mode nothing then reached the main file, which
    stays byte for byte as it was. Copying the backup back would not give the same bytes (the
    backup API stamps its own change counter), so the backup is restored only when this changed.
    """
    wal = path.with_name(path.name + "-wal")
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, wal.stat().st_size if wal.exists() else 0


def _restore(backup: Path, path: Path) -> None:
    _remove_store_files(path)
    partial = path.with_name(path.name + ".restoring")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    shutil.copyfile(backup, partial)  # into the private file: it keeps its mode
    partial.replace(path)


def _remove_store_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
