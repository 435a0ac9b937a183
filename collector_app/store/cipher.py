"""The store's SQL driver: SQLCipher (`sqlcipher3`), which reads plain SQLite files too.

Every connection to a store file is made here (the engine's pool, the health checks, backups,
upgrades, benchmarks), so that a file encrypted with a data key is opened the same way everywhere.
The key is a raw 256-bit key (`PRAGMA key = "x'…'"`): SQLCipher then derives nothing per connection
(the password is stretched once, by argon2id, when the keyring unwraps the key: `store.keyring`).
`temp_store=MEMORY` keeps sorts and temporary tables in memory, never in a plain temporary file.

The driver's errors are not `sqlite3`'s classes (same codes, other module): `ERRORS` and
`DATABASE_ERRORS` hold both, for the places that recognise SQLite failing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import sqlcipher3.dbapi2 as dbapi  # type: ignore[import-untyped,unused-ignore]

DBAPI: Any = dbapi
"""The DB-API module SQLAlchemy's engine is given (so it wraps the driver's errors as its own)."""

KEY_BYTES = 32
BUSY_TIMEOUT_MS = 10_000
PLAIN_HEADER = b"SQLite format 3\x00"

ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, dbapi.Error)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, dbapi.DatabaseError)
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, dbapi.OperationalError)

Connector = Callable[[Path], sqlite3.Connection]


def _raw(path: Path) -> sqlite3.Connection:
    connection = dbapi.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    # SQLCipher logs a failed page decryption to stderr: the caller says it in one line instead.
    connection.execute("PRAGMA cipher_log_level = NONE")
    return cast(sqlite3.Connection, connection)


def connect_plain(path: Path) -> sqlite3.Connection:
    """A connection to an unencrypted store file (one from before encryption, or a test's)."""
    connection = _raw(path)
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection


# SQLCipher 4 authenticates each page with HMAC-SHA512 by default; HMAC-SHA256 is as sound for
# that and, on CPUs with SHA extensions (most laptops since 2019), brings the cost of a durable
# payment from 1.30x to 1.22x a plain store's (benchmarks/encryption.py). It is part of the file
# format: every connection and every encrypted copy sets it before the first page is read.
HMAC_ALGORITHM = "HMAC_SHA256"


def key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a data key has {KEY_BYTES} bytes, not {len(key)}")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def cipher_connector(key: bytes) -> Connector:
    """The connector of a store encrypted with `key` (32 random bytes: the data key)."""
    pragma = key_pragma(key)

    def connect(path: Path) -> sqlite3.Connection:
        connection = _raw(path)
        connection.execute(pragma)  # must come first: before it, nothing of the file is read
        connection.execute(f"PRAGMA cipher_hmac_algorithm = {HMAC_ALGORITHM}")
        connection.execute("PRAGMA temp_store = MEMORY")
        return connection

    connect.key = key  # type: ignore[attr-defined]
    return connect


def key_of(connector: Connector) -> bytes | None:
    """The data key `connector` opens files with; None for the plain driver."""
    key = getattr(connector, "key", None)
    return key if isinstance(key, bytes) else None


def is_encrypting(connector: Connector) -> bool:
    return key_of(connector) is not None


def is_plain_file(path: Path) -> bool:
    """The file starts with SQLite's plain header (an unencrypted store); an encrypted one looks random."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except OSError:
        return False


def key_fits(path: Path, connector: Connector) -> bool:
    """Whether `connector` can read the file's first page (for an encrypted file: the key is its key)."""
    connection = connector(path)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except DATABASE_ERRORS as error:
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            return False
        raise
    finally:
        connection.close()


def export_encrypted(plain: Path, target: Path, key: bytes) -> None:
    """Write an encrypted copy of the plain store `plain` to `target` (which must not exist) with
    `sqlcipher_export`: every table, index, trigger and the schema version (user_version)."""
    connection = connect_plain(plain)
    try:
        connection.isolation_level = None
        attach = key_pragma(key).replace("PRAGMA key =", "", 1).strip()
        connection.execute(f"ATTACH DATABASE ? AS encrypted KEY {attach}", (str(target),))
        connection.execute(f"PRAGMA encrypted.cipher_hmac_algorithm = {HMAC_ALGORITHM}")
        connection.execute("SELECT sqlcipher_export('encrypted')")
        version = connection.execute("PRAGMA main.user_version").fetchone()[0]
        connection.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
