"""Alembic environment for the server: one transaction per upgrade, batch mode for SQLite.

`store.db.upgrade()` passes its connection in `config.attributes["connection"]`; the developer
command (`alembic -n server upgrade head`, see alembic.ini) opens `sqlalchemy.url` itself.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from provincial_server.store.db import create_server_engine
from provincial_server.store.schema import metadata


def _pragma(connection: Connection, pragma: str) -> None:
    # On the driver connection: through SQLAlchemy it would begin a transaction first.
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    dbapi.execute(f"PRAGMA {pragma}")


def _migrate(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch ("move and copy") migrations recreate tables; with foreign keys on, dropping the
        # old table would cascade or fail. The pragma is ignored inside a transaction, so it comes
        # first, and the check before COMMIT makes sure no revision left a dangling reference.
        _pragma(connection, "foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=True,
                transactional_ddl=True,
                compare_type=True,
            )
            context.run_migrations()
            if sqlite:
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise RuntimeError(f"the migration left rows with broken foreign keys: {dangling[:5]}")
    finally:
        if sqlite:
            _pragma(connection, "foreign_keys=ON")


if context.is_offline_mode():
    raise RuntimeError("run the server migrations on a database, not as an SQL script")

given = context.config.attributes.get("connection")
if given is not None:
    _migrate(given)
else:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url in the [server] section of alembic.ini (or use provincial-server migrate)")
    engine = create_server_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        engine.dispose()
