"""Opening the store: pragmas, migrations matching the schema, backups and failed upgrades."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from collector_app.store import db
from collector_app.store.backup import backup_store
from collector_app.store.db import Store, StoreMigrationError, StoreTooNewError, head_revision, open_store
from collector_app.store.schema import include_in_autogenerate, metadata

MIGRATIONS = Path(db.__file__).parent / "migrations"


def revision_of(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()


def tables_of(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()


SHIPPED_HEAD = head_revision()
NEXT_REVISION = "9999next"
"""The id of the revision the tests add after the shipped head."""


def scripts_with_next_revision(tmp_path: Path, upgrade_body: str) -> Path:
    """A copy of the shipped migrations plus a later revision whose upgrade() runs `upgrade_body`."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_next.py").write_text(
        f'''"""A later revision, made by the test."""
from alembic import op

revision = "{NEXT_REVISION}"
down_revision = "{SHIPPED_HEAD}"
branch_labels = None
depends_on = None


def upgrade():
{upgrade_body}


def downgrade():
    pass
''',
        encoding="utf-8",
    )
    return scripts


def add_a_setting(path: Path) -> None:
    with open_store(path) as store, store.begin() as connection:
        connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('point', 'BĐ-01')")


def test_every_connection_has_wal_full_sync_foreign_keys_and_a_busy_timeout(store: Store):
    with store.read() as connection:
        from_pool = [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMA_NAMES]
    from_reader = [store.reader().execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMA_NAMES]

    expected = ["wal", 2, 1, db.BUSY_TIMEOUT_MS]  # synchronous: 2 = FULL
    assert from_pool == expected
    assert from_reader == expected


PRAGMA_NAMES = ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"]


def test_a_new_file_is_created_at_the_newest_revision_in_a_new_folder(store_path: Path):
    assert not store_path.parent.exists()

    open_store(store_path).close()

    assert revision_of(store_path) == head_revision()
    assert not (store_path.parent / "backups").exists()  # nothing to back up yet


def test_the_default_store_lives_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLLECTOR_APP_DATA_DIR", str(tmp_path / "app-data"))

    with open_store() as store:
        assert store.path == tmp_path / "app-data" / "collector.sqlite3"
    assert store.path.exists()


def test_the_migrated_schema_matches_schema_py(store: Store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_in_autogenerate})
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_the_hand_written_search_index_and_triggers_exist(store: Store):
    with store.read() as connection:
        names = set(connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars())

    assert "people_fts" in names
    for table in ("payments", "payment_items", "receipts", "voids"):
        assert {f"{table}_no_update", f"{table}_no_delete"} <= names


def test_opening_a_store_at_the_newest_revision_again_changes_nothing(store_path: Path):
    add_a_setting(store_path)
    before = store_path.read_bytes()

    with open_store(store_path) as store, store.read() as connection:
        assert connection.exec_driver_sql("SELECT value FROM meta").scalar() == "BĐ-01"

    assert store_path.read_bytes() == before
    assert not (store_path.parent / "backups").exists()


def test_a_store_behind_the_newest_revision_is_backed_up_then_upgraded(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    add_a_setting(store_path)
    scripts = scripts_with_next_revision(
        tmp_path, "    op.execute('CREATE TABLE later_things (id TEXT PRIMARY KEY)')"
    )
    monkeypatch.setattr(db, "MIGRATIONS", str(scripts))

    open_store(store_path).close()

    assert revision_of(store_path) == NEXT_REVISION
    assert "later_things" in tables_of(store_path)
    [backup] = (store_path.parent / "backups").iterdir()
    assert revision_of(backup) == SHIPPED_HEAD
    assert "later_things" not in tables_of(backup)


def test_a_failing_upgrade_leaves_the_file_byte_for_byte_as_it_was(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    add_a_setting(store_path)
    before = store_path.read_bytes()
    scripts = scripts_with_next_revision(
        tmp_path,
        "    op.execute('CREATE TABLE later_things (id TEXT PRIMARY KEY)')\n"
        "    op.execute(\"INSERT INTO meta (key, value) VALUES ('half', 'done')\")\n"
        "    op.execute('INSERT INTO no_such_table VALUES (1)')",
    )
    monkeypatch.setattr(db, "MIGRATIONS", str(scripts))

    with pytest.raises(StoreMigrationError) as failure:
        open_store(store_path)

    assert store_path.read_bytes() == before
    assert failure.value.backup is not None and failure.value.backup.exists()
    assert str(failure.value.backup) in str(failure.value)
    assert revision_of(failure.value.backup) == SHIPPED_HEAD


def test_an_upgrade_that_committed_part_of_its_work_is_undone_from_the_backup(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    add_a_setting(store_path)
    # A badly written revision that commits behind Alembic's back, then fails.
    scripts = scripts_with_next_revision(
        tmp_path,
        "    op.execute('CREATE TABLE later_things (id TEXT PRIMARY KEY)')\n"
        "    op.get_bind().connection.driver_connection.execute('COMMIT')\n"
        "    raise RuntimeError('the next revision is broken')",
    )
    monkeypatch.setattr(db, "MIGRATIONS", str(scripts))

    with pytest.raises(StoreMigrationError, match="the next revision is broken"):
        open_store(store_path)

    assert revision_of(store_path) == SHIPPED_HEAD
    assert "later_things" not in tables_of(store_path)
    monkeypatch.undo()  # the shipped migrations again
    with open_store(store_path) as store, store.read() as connection:
        assert connection.exec_driver_sql("SELECT value FROM meta").scalar() == "BĐ-01"


def test_a_file_from_a_newer_app_is_refused_untouched(store_path: Path):
    add_a_setting(store_path)
    connection = sqlite3.connect(store_path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    before = store_path.read_bytes()

    with pytest.raises(StoreTooNewError, match="9999"):
        open_store(store_path)

    assert store_path.read_bytes() == before


def test_a_backup_is_a_complete_copy_beside_the_store(store_path: Path):
    add_a_setting(store_path)

    with open_store(store_path) as store:
        with store.begin() as connection:  # still in the WAL, not yet in the main file
            connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('printer', 'A5')")
        copy = backup_store(store_path)

    assert copy.parent == store_path.parent / "backups"
    connection = sqlite3.connect(copy)
    # ...plus the backup's own description of itself (store.backup.MANIFEST_KEY)
    assert dict(connection.execute("SELECT key, value FROM meta WHERE key <> 'backup_manifest'")) == {
        "point": "BĐ-01", "printer": "A5"}
    assert connection.execute("SELECT count(*) FROM meta WHERE key = 'backup_manifest'").fetchone() == (1,)
    connection.close()
