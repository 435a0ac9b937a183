"""Upgrading a server database from schema 0003 to 0004 (facilities) with the feed and payment items in place,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from provincial_server.store.db import alembic_config, create_server_engine, head_revision, migrate, open_database
from provincial_server.store.schema import changes, metadata, payment_items, policy_tables
from provincial_server.store.unit_of_work import UnitOfWork
from provincial_server.services.facilities import load_facilities, read_facilities_csv

PUBLISHED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def test_0003_upgrades_to_0004_keeping_the_feed_and_a_facility_list_can_then_be_loaded(empty_database: str):
    engine = create_server_engine(empty_database, pool_size=1)
    try:
        config = alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        with engine.begin() as connection:  # only the columns revision 0003 has
            change_id = connection.execute(changes.insert().values(kind="policy", point_code=None,
                                                                   created_at=PUBLISHED).returning(changes.c.id)
                                           ).scalar_one()
            connection.execute(policy_tables.insert().values(version="2026.11.1", change_id=change_id,
                                                             document="{}", published_at=PUBLISHED))
    finally:
        engine.dispose()

    assert migrate(empty_database) == ("0003", head_revision())  # through 0004, and whatever came after

    database = open_database(empty_database)
    try:
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                    metadata) == []
            assert connection.execute(select(changes.c.id, changes.c.kind)).all() == [(change_id, "policy")]
            assert "facility_code" in payment_items.c
        read = read_facilities_csv("code,name,province_code\n01001,Trạm Y tế phường Phúc Xá,01\n".encode())
        loaded = load_facilities(UnitOfWork(database), read.facilities, now=PUBLISHED)
        assert loaded.added == 1
        with database.engine.connect() as connection:
            assert connection.execute(select(changes.c.kind).order_by(changes.c.id)).scalars().all() == [
                "policy", "facility"]
    finally:
        database.dispose()
