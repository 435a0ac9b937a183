"""Alembic revisions of the local store, shipped inside the package (`collector_app.store:migrations`)."""
