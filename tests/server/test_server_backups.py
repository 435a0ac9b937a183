"""`provincial-server backup` / `restore` on both databases: the data comes back to the backup point, all or
nothing; a damaged or foreign file, or a database that holds data without --force, is refused untouched."""

from __future__ import annotations

import contextlib
import hashlib
import io
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from provincial_server import cli
from provincial_server.store import db
from provincial_server.store.backups import SEAL, SEAL_LENGTH
from provincial_server.store.schema import points, targets

OLDER_REVISION = "0010"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def _admin(url: str, *argv: str) -> str:
    status, out, err = _run(argv[0], "--database-url", url, *argv[1:])
    assert status == 0, out + err
    return out


def _held(url: str) -> tuple[set[str], int]:
    """The points' codes and the number of targets the database holds."""
    engine = create_engine(db.normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            codes = set(connection.execute(select(points.c.code)).scalars())
            return codes, len(connection.execute(select(targets.c.point_code)).all())
    finally:
        engine.dispose()


def _refusal(url: str, *argv: str) -> str:
    status, _out, err = _run(argv[0], "--database-url", url, *argv[1:])
    assert status == cli.EXIT_REFUSED
    assert err.startswith("provincial-server: error: ") and err.count("\n") == 1, err
    return err


def test_a_restore_brings_the_data_back_to_the_backup_point(empty_database: str, tmp_path: Path):
    _admin(empty_database, "migrate")
    _admin(empty_database, "add-point", "BD01", "Điểm Bưu điện Đông Anh")
    _admin(empty_database, "set-target", "--year", "2026", "--point", "BD01", "--scheme", "vsi",
           "--participants", "40")
    backup = tmp_path / "nightly.backup"
    out = _admin(empty_database, "backup", "--out", str(backup))
    assert f"(schema {db.head_revision()}) to {backup}" in out
    assert backup.is_file() and not list(tmp_path.glob("*.partial"))

    _admin(empty_database, "add-point", "BD02", "Điểm thu sau sao lưu")
    _admin(empty_database, "set-target", "--year", "2026", "--point", "BD02", "--scheme", "vsi",
           "--participants", "7")
    assert _held(empty_database) == ({"BD01", "BD02"}, 2)

    assert "add --force" in _refusal(empty_database, "restore", str(backup))
    assert _held(empty_database) == ({"BD01", "BD02"}, 2)  # refused: untouched

    out = _admin(empty_database, "restore", str(backup), "--force")
    assert out.endswith(f"restored {backup} (schema {db.head_revision()})\n")
    assert _held(empty_database) == ({"BD01"}, 1)
    # The restored database serves and backs up again as any other (its schema and tables are whole).
    assert "payments_total: 0" in _admin(empty_database, "summary")
    _admin(empty_database, "backup", "--out", str(tmp_path / "again.backup"))


def test_a_backup_refuses_to_overwrite_a_file_or_to_back_up_nothing(empty_database: str, tmp_path: Path):
    taken = tmp_path / "taken.backup"
    taken.write_bytes(b"yesterday's backup")
    _admin(empty_database, "migrate")
    assert "already exists" in _refusal(empty_database, "backup", "--out", str(taken))
    assert taken.read_bytes() == b"yesterday's backup"
    assert "no such file" in _refusal(empty_database, "restore", str(tmp_path / "missing.backup"))


def test_an_empty_database_has_nothing_to_back_up(empty_database: str, tmp_path: Path):
    assert "nothing to back up" in _refusal(empty_database, "backup", "--out", str(tmp_path / "x.backup"))
    assert not (tmp_path / "x.backup").exists()


def test_a_damaged_or_foreign_file_is_refused_and_the_database_left_as_it_was(empty_database: str,
                                                                            tmp_path: Path):
    _admin(empty_database, "migrate")
    _admin(empty_database, "add-point", "BD01", "Điểm thu")
    backup = tmp_path / "good.backup"
    _admin(empty_database, "backup", "--out", str(backup))
    _admin(empty_database, "add-point", "BD02", "Điểm thu hai")
    whole = backup.read_bytes()
    files = {
        "text.backup": b"not a backup at all\n",
        "empty.backup": b"",
        # Cut inside the data: the file's head (and pg_dump's table of contents) is whole.
        "truncated.backup": whole[: len(whole) * 9 // 10],
        "flipped.backup": whole[: len(whole) // 2] + bytes(b ^ 0xFF for b in whole[len(whole) // 2:]),
    }
    # 64 bytes spoilt anywhere in a dump, even where pg_restore would not look (an owner's name, which a
    # restore leaves out): refused by the seal before anything is read. (SQLite has no checksums: bytes
    # spoilt in a page's free space go unseen, and harm nothing; SQLite's check finds the rest.)
    for at in range(0, len(whole) - SEAL_LENGTH - 64, 997) if empty_database.startswith("postgresql") else ():
        files[f"spoilt-{at}.backup"] = whole[:at] + bytes(b ^ 0xFF for b in whole[at:at + 64]) + whole[at + 64:]
    if empty_database.startswith("postgresql"):
        # A dump from before the seal, its last data block spoilt: found by zlib's check once the restore is
        # under way, after the schema was dropped in its transaction.
        unsealed = whole[:-SEAL_LENGTH]
        files["unsealed-spoilt-at-the-end.backup"] = unsealed[:-64] + bytes(b ^ 0xFF for b in unsealed[-64:])
    errors = {}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        errors[name] = error = _refusal(empty_database, "restore", str(tmp_path / name), "--force")
        assert any(word in error for word in ("damaged", "not a provincial-server backup", "could not be read",
                                              "restore failed")), error
        assert _held(empty_database) == ({"BD01", "BD02"}, 0), name
    if empty_database.startswith("postgresql"):
        assert all("not those the backup sealed with their SHA-256" in error or name == "spoilt-0.backup"
                   for name, error in errors.items() if name.startswith("spoilt")), errors
        # Rolled back, as the database shows above.
        assert "the database was left as it was" in errors["unsealed-spoilt-at-the-end.backup"], errors


def test_a_postgresql_dump_is_sealed_for_pg_restore_to_read_still_and_one_without_a_seal_restores(
        tmp_path: Path, postgresql_cluster: object, request: pytest.FixtureRequest):
    from server_helpers import fresh_database_url

    postgresql_database = fresh_database_url(request, "postgresql", tmp_path)
    _admin(postgresql_database, "migrate")
    _admin(postgresql_database, "add-point", "BD01", "Điểm thu")
    sealed = tmp_path / "sealed.backup"
    _admin(postgresql_database, "backup", "--out", str(sealed))
    whole = sealed.read_bytes()
    assert whole[-SEAL_LENGTH:] == SEAL + hashlib.sha256(whole[:-SEAL_LENGTH]).hexdigest().encode("ascii") + b"\n"
    by_hand = subprocess.run(["pg_restore", "--list", str(sealed)], capture_output=True, text=True, check=False)
    assert by_hand.returncode == 0 and " TABLE public points " in by_hand.stdout, by_hand.stderr
    # A backup made before dumps were sealed: pg_restore's own checks, and the restore as before.
    unsealed = tmp_path / "before-seals.backup"
    unsealed.write_bytes(whole[:-SEAL_LENGTH])
    _admin(postgresql_database, "add-point", "BD02", "Điểm thu hai")
    _admin(postgresql_database, "restore", str(unsealed), "--force")
    assert _held(postgresql_database) == ({"BD01"}, 0)


def test_a_backup_of_the_other_database_is_named_as_such(tmp_path: Path,
                                                         postgresql_cluster: object, request: pytest.FixtureRequest):
    from server_helpers import fresh_database_url

    sqlite, postgresql = (fresh_database_url(request, backend, tmp_path) for backend in ("sqlite", "postgresql"))
    for url, name in ((sqlite, "sqlite.backup"), (postgresql, "postgresql.backup")):
        _admin(url, "migrate")
        _admin(url, "backup", "--out", str(tmp_path / name))
    assert "is a backup of a SQLite database" in _refusal(postgresql, "restore", str(tmp_path / "sqlite.backup"))
    assert "is a backup of a PostgreSQL database" in _refusal(sqlite, "restore", str(tmp_path / "postgresql.backup"),
                                                              "--force")


def test_an_older_backup_is_migrated_after_its_restore(empty_database: str, tmp_path: Path,
                                                        request: pytest.FixtureRequest):
    from server_helpers import fresh_database_url

    engine = db.create_server_engine(empty_database, pool_size=1)
    try:
        config = db.alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            from alembic import command

            command.upgrade(config, OLDER_REVISION)
    finally:
        engine.dispose()
    backup = tmp_path / "old.backup"
    assert f"(schema {OLDER_REVISION})" in _admin(empty_database, "backup", "--out", str(backup))

    folder = tmp_path / "new"
    folder.mkdir()
    target = fresh_database_url(request, "postgresql" if empty_database.startswith("postgresql") else "sqlite",
                                folder)
    out = _admin(target, "restore", str(backup))  # an empty database needs no --force
    assert out.endswith(f"(schema {OLDER_REVISION}), migrated to schema {db.head_revision()}\n")
    assert db.current_revision(engine := db.create_server_engine(target, pool_size=1)) == db.head_revision()
    engine.dispose()


def test_a_backup_made_by_a_newer_version_is_refused(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    _admin(url, "migrate")
    backup = tmp_path / "newer.backup"
    _admin(url, "backup", "--out", str(backup))
    import sqlite3

    with contextlib.closing(sqlite3.connect(backup)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    assert "does not know: install the newer version" in _refusal(target, "restore", str(backup))
    assert not (tmp_path / "target.sqlite3").exists()
