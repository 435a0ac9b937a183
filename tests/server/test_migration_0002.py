"""Upgrading a server database from schema 0001 to 0002 with data in place, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.engine import make_url

from provincial_server.services.devices import list_devices
from provincial_server.store.db import (
    alembic_config,
    create_server_engine,
    current_revision,
    head_revision,
    migrate,
    open_database,
)
from provincial_server.store.schema import devices, enrolment_codes, metadata, points, supervisors
from provincial_server.store.unit_of_work import UnitOfWork

ENROLLED = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
DEVICE_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _at_0001_with_data(url: str) -> None:
    engine = create_server_engine(url, pool_size=1)
    try:
        config = alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
        with engine.begin() as connection:  # only the columns revision 0001 has
            connection.execute(points.insert().values(code="BD01", name="Điểm Đông Anh", created_at=ENROLLED))
            connection.execute(devices.insert().values(
                id=DEVICE_ID, point_code="BD01", device_code="M1", series="BD01M1", name="Laptop",
                public_key=b"k" * 32, token_hash="a" * 64, enrolled_at=ENROLLED))
            connection.execute(enrolment_codes.insert().values(
                code_hash="c" * 64, point_code="BD01", created_at=ENROLLED, expires_at=ENROLLED, used_at=ENROLLED,
                device_id=DEVICE_ID))
            connection.execute(supervisors.insert().values(username="an.nguyen", password_hash="$argon2id$x",
                                                           active=True, created_at=ENROLLED))
        assert current_revision(engine) == "0001"
    finally:
        engine.dispose()


def test_0001_upgrades_to_0002_keeping_the_data_and_counting_old_tokens_as_used(empty_database: str):
    _at_0001_with_data(empty_database)

    assert migrate(empty_database) == ("0001", head_revision())

    database = open_database(empty_database)
    try:
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                    metadata) == []
            assert connection.execute(select(supervisors.c.username)).scalars().all() == ["an.nguyen"]
            assert connection.execute(select(enrolment_codes.c.device_id)).scalars().all() == [DEVICE_ID]
        [device] = list_devices(UnitOfWork(database, write=False), point_code="BD01")
        assert (device.device_id, device.series, device.public_key) == (DEVICE_ID, "BD01M1", b"k" * 32)
        # An enrolment from before cannot be asked for again: its token counts as used.
        assert (device.enrolled_at, device.token_used_at) == (ENROLLED, ENROLLED)
        assert (device.last_seen_at, device.revoked_at) == (None, None)
    finally:
        database.dispose()
    url = make_url(empty_database)
    if url.get_backend_name() == "sqlite":  # upgraded after a backup of the 0001 file
        assert list((Path(str(url.database)).parent / "backups").glob("*.sqlite3"))
