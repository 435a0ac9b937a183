"""Alembic revisions of the server database, shipped inside the package (`provincial_server.store:migrations`)."""
