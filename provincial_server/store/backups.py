"""`provincial-server backup` and `restore`: the whole database to one file and back.

PostgreSQL: `pg_dump --format=custom`, sealed with the SHA-256 of its bytes (pg_dump's format has no
checksum of the whole: CI once restored, without a word, a dump with 64 bytes spoilt where pg_restore did
not notice), read back by `pg_restore` into `psql` inside one transaction that first empties the schema
`public`: a restore that fails anywhere (a damaged file, a full disk, a refused statement) leaves the
database as it was, and one that succeeds holds exactly what the backup held, without a table a later
migration added beside it. The restoring role owns what it restores (`--no-owner`): restore as the
server's own role, the one in its database URL.

SQLite (a pilot): SQLite's online backup API, so a running server's file is copied consistently; a
restore writes the copy beside the file and renames it over, after keeping the file it replaces in
`backups/`. Either way a backup older than this version is migrated after the restore.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL

from provincial_server.store.db import (
    DatabaseError,
    check_known,
    backup_sqlite,
    create_server_engine,
    current_revision,
    migrate,
    normalise_url,
)

Progress = Callable[[str], None]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format
# After the dump, the SHA-256 (hex) of every byte before it. pg_restore reads a file by the offsets in its
# table of contents and never reads past the last block, so a sealed file is still pg_restore's to read by hand.
SEAL = b"\n-- provincial-server backup, the SHA-256 of all before: "
SEAL_LENGTH = len(SEAL) + 64 + 1
SQLITE_PAGES_A_STEP = 4_096  # pages copied between two looks at progress (32 MiB at 8 KiB pages)
CONNECT_TIMEOUT_SECONDS = "10"  # an unreachable host is named in ten seconds, not libpq's never
MIB = 1024 * 1024
COPY_CHUNK = MIB
PROGRESS_SECONDS = 1.0  # a line at most this often while pg_dump or the restore works
# Empties what the backup replaces, in the restore's transaction: DROP SCHEMA takes the tables a later
# migration added too, which pg_restore --clean (only what the dump holds) would leave behind.
EMPTY_PUBLIC = b"BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n"


def backup(url: str | URL, out: Path, progress: Progress) -> str:
    """Write a backup of the database at `url` to `out` (never overwritten); return its schema revision."""
    parsed = normalise_url(url)
    if out.exists() or out.is_symlink():
        raise DatabaseError(f"{out} already exists: a backup never overwrites a file, choose another name")
    if not out.parent.is_dir():
        raise DatabaseError(f"there is no folder {out.parent} to write the backup in")
    revision, tables = _server_schema(parsed)
    if revision is None:
        raise DatabaseError("the database holds no provincial-server data (no schema): nothing to back up")
    partial = out.with_name(out.name + ".partial")
    try:
        if parsed.get_backend_name() == "sqlite":
            _copy_sqlite(_sqlite_file(parsed), partial, progress)
        else:
            _pg_dump(parsed, partial, len(tables), progress)
            _seal(partial)
        _sync(partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return revision


def backup_revision(file: Path, url: str | URL) -> str:
    """The schema revision a backup file holds, refusing a file that is not a backup for `url`'s kind of
    database, is damaged, or was made by a newer version."""
    kind = _kind_of(file)
    backend = normalise_url(url).get_backend_name()
    if kind != backend:
        other = "sqlite:///path/server.sqlite3" if kind == "sqlite" else "postgresql+psycopg://user@host/db"
        raise DatabaseError(f"{file} is a backup of a {_NAMES[kind]} database, and this one is {_NAMES[backend]}: "
                            f"restore it with --database-url {other}")
    if kind == "postgresql":
        _check_seal(file)
    revision = _sqlite_backup_revision(file) if kind == "sqlite" else _pg_backup_revision(file)
    check_known(revision)
    return revision


def restore(url: str | URL, file: Path, *, force: bool, progress: Progress) -> tuple[str, str]:
    """Replace the database at `url` by the backup `file`, then migrate it; (the backup's revision, now's).

    A database that holds anything already is replaced only with `force`.
    """
    parsed = normalise_url(url)
    revision = backup_revision(file, parsed)
    progress(f"backup checked: schema {revision}")
    held, tables = _server_schema(parsed)
    if tables and not force:
        raise DatabaseError("the database already holds data" + (f" (schema {held})" if held else "")
                            + ": a restore replaces all of it; add --force to do so")
    if parsed.get_backend_name() == "sqlite":
        _restore_sqlite(file, _sqlite_file(parsed), keep=bool(tables), progress=progress)
    else:
        progress("replacing the database's content in one transaction")
        _pg_restore(parsed, file, progress)
    _, now = migrate(parsed)
    return revision, now


# ---- what a database and a file hold ------------------------------------------------------------------


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _kind_of(file: Path) -> str:
    if not file.is_file():
        raise DatabaseError(f"{file} is not a backup file" + ("" if file.exists() else " (no such file)"))
    with file.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise DatabaseError(f"{file} is not a provincial-server backup (neither pg_dump's custom format nor SQLite)")


def _server_schema(url: URL) -> tuple[str | None, list[str]]:
    """The database's schema revision (None: none) and its tables; a SQLite file that is not there holds none."""
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if not path.exists() or path.stat().st_size == 0:
            return None, []
        if not path.is_file():
            raise DatabaseError(f"{path} is not a database file (it is a folder, a FIFO or a device)")
    engine = create_server_engine(url, pool_size=1)
    try:
        return current_revision(engine), inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise DatabaseError("the SQLite database must be a file: sqlite:///path/file.sqlite3")
    return Path(url.database)


def _sqlite_backup_revision(file: Path) -> str:
    try:
        with _read_only(file) as connection:
            if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise DatabaseError(f"{file} is damaged (SQLite's check failed): use another backup")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:  # not a database, or no alembic_version table
        raise DatabaseError(f"{file} is damaged or not a provincial-server backup ({error})") from None
    if row is None:
        raise DatabaseError(f"{file} is not a provincial-server backup (no schema revision)")
    return str(row[0])


@contextmanager
def _read_only(file: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield connection
    finally:
        connection.close()


# ---- SQLite -------------------------------------------------------------------------------------------


def _copy_sqlite(source: Path, target: Path, progress: Progress) -> None:
    """Copy the SQLite database `source` into the new file `target` with the online backup API."""
    shown = [-1]

    def step(_status: int, remaining: int, total: int) -> None:
        tenth = (total - remaining) * 10 // max(total, 1)
        if tenth != shown[0]:
            shown[0] = tenth
            progress(f"copied {tenth * 10} % of {total:,} pages")

    with _read_only(source) as reading:
        try:
            copy = sqlite3.connect(target)
        except sqlite3.Error as error:
            raise DatabaseError(f"cannot write {target}: {error}") from None
        try:
            reading.backup(copy, pages=SQLITE_PAGES_A_STEP, progress=step)
            # The copy takes the source's WAL mode, in which reading it would write -wal and -shm files beside
            # it; the server turns WAL on again when it opens a restored file.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()


def _restore_sqlite(file: Path, path: Path, *, keep: bool, progress: Progress) -> None:
    if keep:
        progress(f"the database as it was is kept in {backup_sqlite(path)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".restoring")
    partial.unlink(missing_ok=True)
    try:
        _copy_sqlite(file, partial, progress)
        _sync(partial)
        for suffix in ("-wal", "-shm"):  # the replaced file's, which would be read as the new one's
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


# ---- PostgreSQL ---------------------------------------------------------------------------------------


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseError(f"{name} was not found: install PostgreSQL's client programs "
                            "(Debian: apt-get install postgresql-client)")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """libpq's address of `url` and the environment to run a client program in: the password in
    PGPASSWORD, not on a command line any user may read."""
    address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_SECONDS),
                   "PGOPTIONS": "-c client_min_messages=warning"}
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return address, environment


def _last_error(stderr: str, program: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()] or lines or ["failed"]
    return errors[0].removeprefix(f"{program}: ").removeprefix("error: ")


def _pg_dump(url: URL, partial: Path, tables: int, progress: Progress) -> None:
    address, environment = _libpq(url)
    started = time.monotonic()
    with subprocess.Popen([_program("pg_dump"), "--format=custom", "--verbose", f"--file={partial}",
                           f"--dbname={address}"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=environment, text=True, errors="replace") as dumping:
        assert dumping.stderr is not None
        done, shown, messages = 0, started, []
        for line in dumping.stderr:
            if "dumping contents of table" not in line:
                messages.append(line)
                continue
            done += 1
            if time.monotonic() - shown >= PROGRESS_SECONDS:
                shown = time.monotonic()
                progress(f"dumping table {done} of {tables}: {line.rsplit(' ', 1)[-1].strip()}")
        if dumping.wait() != 0:
            raise DatabaseError(f"pg_dump failed: {_last_error(''.join(messages), 'pg_dump')}")
    progress(f"dumped {done} tables in {time.monotonic() - started:.1f} s")


def _sha256(file: Path, length: int) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while length > 0 and (chunk := handle.read(min(COPY_CHUNK, length))):
            digest.update(chunk)
            length -= len(chunk)
    return digest.hexdigest()


def _seal(dump: Path) -> None:
    sha256 = _sha256(dump, dump.stat().st_size)
    with dump.open("ab") as handle:
        handle.write(SEAL + sha256.encode("ascii") + b"\n")


def _check_seal(file: Path) -> None:
    """Refuse a sealed dump whose bytes are not the ones sealed. A file without the seal (from a version
    before it, or whose seal itself is what was spoilt) is left to pg_restore's own checks."""
    size = file.stat().st_size
    if size <= SEAL_LENGTH:
        return
    with file.open("rb") as handle:
        handle.seek(size - SEAL_LENGTH)
        tail = handle.read()
    if tail.startswith(SEAL) and _sha256(file, size - SEAL_LENGTH).encode("ascii") != tail[len(SEAL):-1]:
        raise DatabaseError(f"{file} is damaged: its bytes are not those the backup sealed with their SHA-256 "
                            "(restore another backup)")


def _pg_list(file: Path) -> str:
    listing = subprocess.run([_program("pg_restore"), "--list", str(file)], capture_output=True, text=True,
                             errors="replace", check=False, stdin=subprocess.DEVNULL)
    if listing.returncode != 0:
        raise DatabaseError(f"{file} is damaged or not a backup: {_last_error(listing.stderr, 'pg_restore')}")
    return listing.stdout


def _pg_backup_revision(file: Path) -> str:
    if " TABLE public alembic_version " not in _pg_list(file):
        raise DatabaseError(f"{file} is not a provincial-server backup (no schema revision)")
    # The revision is the one row of alembic_version's COPY block.
    data = subprocess.run([_program("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(file)],
                          capture_output=True, text=True, errors="replace", check=False, stdin=subprocess.DEVNULL)
    if data.returncode != 0:
        raise DatabaseError(f"{file} is damaged: {_last_error(data.stderr, 'pg_restore')}")
    lines = data.stdout.splitlines()
    starts = [index for index, line in enumerate(lines) if line.startswith("COPY public.alembic_version")]
    if len(starts) != 1 or starts[0] + 1 >= len(lines) or lines[starts[0] + 1] == "\\.":
        raise DatabaseError(f"{file} is not a provincial-server backup (no schema revision)")
    return lines[starts[0] + 1].strip()


def _pg_restore(url: URL, file: Path, progress: Progress) -> None:
    """pg_restore's script into psql between our BEGIN and COMMIT; COMMIT only once pg_restore read the whole
    file without an error (else psql is stopped, and PostgreSQL rolls the transaction back)."""
    address, environment = _libpq(url)
    psql = subprocess.Popen([_program("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                             f"--dbname={address}"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=environment)
    script = subprocess.Popen([_program("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(file)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert psql.stdin is not None and script.stdout is not None and script.stderr is not None
    try:
        try:
            psql.stdin.write(EMPTY_PUBLIC)
            sent, started = 0, time.monotonic()
            shown = started
            while chunk := script.stdout.read(COPY_CHUNK):
                psql.stdin.write(chunk)
                sent += len(chunk)
                if time.monotonic() - shown >= PROGRESS_SECONDS:
                    shown = time.monotonic()
                    progress(f"restored {sent / MIB:,.0f} MiB of SQL")
            read_whole = script.wait() == 0
            if read_whole:
                psql.stdin.write(b"COMMIT;\n")
                psql.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: its transaction is rolled back
            read_whole = True
        if not read_whole:
            psql.kill()
            psql.wait()
            raise DatabaseError(f"{file} could not be read whole, the database was left as it was: "
                                f"{_last_error(script.stderr.read().decode('utf-8', 'replace'), 'pg_restore')}")
        if psql.wait() != 0:
            assert psql.stderr is not None
            message = _last_error(psql.stderr.read().decode("utf-8", "replace"), "psql")
            raise DatabaseError(f"the restore failed, the database was left as it was: {message}")
    finally:
        for process in (script, psql):
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
