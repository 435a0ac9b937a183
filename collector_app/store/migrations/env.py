"""Alembic environment for the local store: one transaction, foreign keys off meanwhile, batch mode.

`open_store()` passes its own connection in `config.attributes["connection"]`; the developer command
(`alembic -n store upgrade head`, see alembic.ini) opens the file named by `sqlalchemy.url`, or the
user's store when that is empty.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from collector_app import paths
from collector_app.store.db import create_store_engine
from collector_app.store.schema import include_in_autogenerate, metadata


def _migrate(connection: Connection) -> None:
    # Batch ("move and copy") migrations recreate tables; with foreign keys on, dropping the old
    # table would cascade or fail. The pragma is ignored inside a transaction, so it comes first,
    # and the check before COMMIT makes sure no revision left a dangling reference.
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    dbapi.execute("PRAGMA foreign_keys=OFF")
    try:
        # Begun before configure(): Alembic then sees an external transaction and leaves it
        # alone, so every revision of the upgrade commits together or not at all.
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=True,
                transactional_ddl=True,
                include_name=include_in_autogenerate,
            )
            context.run_migrations()
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if dangling:
                raise RuntimeError(f"the migration left rows with broken foreign keys: {dangling[:5]}")
    finally:
        dbapi.execute("PRAGMA foreign_keys=ON")


def _store_path() -> Path:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        return paths.store_path()
    database = make_url(url).database
    if not database:
        raise ValueError(f"sqlalchemy.url must name a SQLite file: {url}")
    return Path(database)


if context.is_offline_mode():
    raise RuntimeError("the store has no offline (SQL script) mode; run the migrations on a file")

given = context.config.attributes.get("connection")
if given is not None:
    _migrate(given)
else:
    store_path = _store_path()
    store_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_store_engine(store_path)
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        engine.dispose()
