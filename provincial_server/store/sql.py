"""Dialect helpers shared by the repositories: the idempotent insert both databases understand."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def insert_new(connection: Connection, table: Table) -> Insert:
    """`INSERT ... ON CONFLICT DO NOTHING` for this connection's dialect.

    Callers add `.returning(key)` and count the rows that come back: with psycopg 3 the rowcount
    of such an insert is -1 (stack-notes), so a replay would look new.
    """
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
