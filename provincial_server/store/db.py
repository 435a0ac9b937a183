"""The server's database: the one place an engine is made (SQLite or PostgreSQL), backups and upgrades.

SQLite (the embedded default) gets WAL, `synchronous=FULL` and foreign keys, and is upgraded at
start after a backup. PostgreSQL (psycopg 3) is upgraded only by `provincial-server migrate`, once
per deploy, so that several workers never race to migrate; a server that finds it behind refuses
to start.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = "provincial_server.store:migrations"
BUSY_TIMEOUT_MS = 30_000
SQLITE_PRAGMAS = (
    # Before WAL, which fixes it: a new file gets 8 KiB pages (an existing one keeps its own). A
    # batch writes about a megabyte; larger pages make fewer WAL frames, so a cheaper commit.
    "page_size=8192",
    "journal_mode=WAL",
    "synchronous=FULL",  # an answered batch survives a power cut
    "foreign_keys=ON",
    f"busy_timeout={BUSY_TIMEOUT_MS}",
)
BACKUP_FOLDER = "backups"


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says what to do."""


def normalise_url(url: str | URL) -> URL:
    """`postgresql://` and `postgres://` mean psycopg 3 here; SQLite URLs stay as they are. DatabaseError if no URL."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError) as error:  # ValueError: a port that is not a number
        raise DatabaseError(f"not a database URL ({error}): use sqlite:///path/file.sqlite3 or "
                            "postgresql+psycopg://user@host/db") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    return parsed


def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path))


def create_server_engine(url: str | URL, *, pool_size: int = 5) -> Engine:
    """The engine for `url`: SQLite with its pragmas and explicit BEGINs, or PostgreSQL through psycopg 3."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)
    database = parsed.database
    if not database or database == ":memory:":
        raise DatabaseError("the SQLite database must be a file")
    engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size * 2,
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # The driver must not open transactions by itself (it would not before DDL and does not take
    # the write lock early): `_begin_sqlite` emits BEGIN instead.
    assert isinstance(dbapi_connection, sqlite3.Connection)
    dbapi_connection.isolation_level = None
    for pragma in SQLITE_PRAGMAS:
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _begin_sqlite(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once, so two writers wait for each other (busy_timeout)
    # instead of one failing when its read turns into a write; reads ask for DEFERRED.
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine and what the rest of the server needs to know about it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[Connection]:
        """A connection (not yet in a transaction); reads on SQLite do not take the write lock."""
        with self.engine.connect() as connection:
            if not write and self.is_sqlite:
                connection.execution_options(sqlite_begin="DEFERRED")
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


# ---- migrations ---------------------------------------------------------------------------------


def alembic_config() -> Config:
    """Alembic's configuration, made in code: the revisions ship inside the package."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the server migrations must have exactly one head, found {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (migrations/env.py owns the transaction)."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def check_known(revision: str | None) -> None:
    if revision is None:
        return
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision not in known:
        raise DatabaseError(
            f"the database is at schema {revision}, which this version of provincial-server does not "
            "know: install the newer version"
        )


def open_database(url: str | URL, *, pool_size: int = 5) -> Database:
    """Open the database at `url`, ready to use.

    SQLite: created or upgraded here, after a backup of an existing file; a failed upgrade puts the
    backup back. PostgreSQL: must already be at the newest revision (`provincial-server migrate`).
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        path.parent.mkdir(parents=True, exist_ok=True)
        _upgrade_sqlite_file(path, parsed)
    engine = create_server_engine(parsed, pool_size=pool_size)
    if parsed.get_backend_name() == "postgresql":
        try:
            revision = current_revision(engine)
        except Exception:
            engine.dispose()
            raise
        check_known(revision)
        if revision != head_revision():
            engine.dispose()
            raise DatabaseError(
                f"the database is at schema {revision or 'none'}, not {head_revision()}: "
                "run `provincial-server migrate --database-url ...` first"
            )
    return Database(engine)


def migrate(url: str | URL) -> tuple[str | None, str]:
    """Upgrade the database at `url` to the newest revision; return (before, after)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        path.parent.mkdir(parents=True, exist_ok=True)
        return _upgrade_sqlite_file(path, parsed)
    engine = create_server_engine(parsed, pool_size=1)
    try:
        before = current_revision(engine)
        check_known(before)
        upgrade(engine)
        return before, head_revision()
    finally:
        engine.dispose()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise DatabaseError("the SQLite database must be a file: sqlite:///path/file.sqlite3")
    return Path(url.database)


def _upgrade_sqlite_file(path: Path, url: URL) -> tuple[str | None, str]:
    if path.exists() and not path.is_file():  # SQLite would wait for ever on a FIFO, or read a device
        raise DatabaseError(f"{path} is not a database file (it is a folder, a FIFO or a device)")
    head = head_revision()
    existing = path.exists() and path.stat().st_size > 0
    engine = create_server_engine(url, pool_size=1)
    try:
        before = current_revision(engine) if existing else None
        check_known(before)
        if before == head:
            return before, head
        backup = backup_sqlite(path) if existing else None
        try:
            upgrade(engine)
        except Exception as error:
            engine.dispose()
            if backup is not None:
                _restore(backup, path)
            raise DatabaseError(
                f"upgrading {path} failed ({error}); the file was left as it was"
                + (f" (backup: {backup})" if backup else "")
            ) from error
        return before, head
    finally:
        engine.dispose()


def backup_sqlite(path: Path) -> Path:
    """Copy the SQLite file into `backups/` beside it with the online backup API; return the copy."""
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    return target


def _restore(backup: Path, path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    partial = path.with_name(path.name + ".restoring")
    shutil.copyfile(backup, partial)
    partial.replace(path)
