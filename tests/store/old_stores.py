"""A store file as an older version of the app left it: its schema brought up to an older revision only."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from collector_app.store import db


def store_at_revision(path: Path, revision: str) -> None:
    """Create the store file at `path` with the schema of `revision` (e.g. "0002"), and no data."""
    engine = db.create_store_engine(path)
    config = db.alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()
