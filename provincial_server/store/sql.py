"""Dialect helpers shared by the repositories: the idempotent insert both databases understand, and bulk inserts.

A batch writes hundreds of rows into several tables; `insert_rows` (dicts) and `insert_tuples`
(values in column order, cheaper to build) send them in one statement per table (SQLite: multi-row VALUES; PostgreSQL: `unnest` of one array per column, sent in binary) with
the column types' own conversions, instead of SQLAlchemy's per-row parameter processing, which
cost more than the databases' work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

SQLITE_MAX_VARIABLES = 32_766  # SQLite >= 3.32


def insert_new(connection: Connection, table: Table) -> Insert:
    """`INSERT ... ON CONFLICT DO NOTHING` for this connection's dialect.

    Callers add `.returning(key)` and count the rows that come back: with psycopg 3 the rowcount
    of such an insert is -1 (stack-notes), so a replay would look new.
    """
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *,
                skip_conflicts: bool = False, returning: Column[Any] | None = None) -> list[Any]:
    """Insert `rows` (dicts with the same column names) with few statements; the `returning` values inserted.

    `skip_conflicts`: `ON CONFLICT DO NOTHING`, so that with `returning` the rows left out (their key
    or a unique value taken, also by a concurrent transaction) are missing from the result. That
    result never relies on rowcount, which psycopg 3 does not give for such inserts.
    """
    if not rows:
        return []
    names = list(rows[0])
    return insert_tuples(connection, table, names, [[row[name] for name in names] for row in rows],
                         skip_conflicts=skip_conflicts, returning=returning)


def insert_tuples(connection: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]], *,
                  skip_conflicts: bool = False, returning: Column[Any] | None = None) -> list[Any]:
    """`insert_rows` for rows given as values in the order of the column `names` (no dict per row)."""
    if not rows:
        return []
    dialect = connection.dialect
    columns = [table.c[name] for name in names]
    converters = [_bind_processor(column, dialect) for column in columns]
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    head = f"INSERT INTO {target} ({', '.join(quote(name) for name in names)}) "
    tail = (" ON CONFLICT DO NOTHING" if skip_conflicts else "") + (
        f" RETURNING {quote(returning.name)}" if returning is not None else "")
    converting = any(convert is not None for convert in converters)
    if dialect.name == "postgresql" or converting:
        arrays = [_converted(list(values), convert)
                  for values, convert in zip(zip(*rows, strict=True), converters, strict=True)]
        if dialect.name == "postgresql":
            # One array per column: a fixed, short statement whatever the number of rows (%b: binary).
            casts = ", ".join(f"%b::{column.type.compile(dialect=dialect)}[]" for column in columns)
            result = connection.exec_driver_sql(f"{head}SELECT * FROM unnest({casts}){tail}", tuple(arrays))
            return [row[0] for row in result] if returning is not None else []
        rows = list(zip(*arrays, strict=True))
    per_row = max(1, min(500, SQLITE_MAX_VARIABLES // len(names)))
    placeholders = "(" + ", ".join("?" * len(names)) + ")"
    found: list[Any] = []
    for start in range(0, len(rows), per_row):
        chunk = rows[start : start + per_row]
        statement = f"{head}VALUES {', '.join([placeholders] * len(chunk))}{tail}"
        result = connection.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))
        if returning is not None:
            found += [row[0] for row in result]
    return found


def _converted(values: list[Any], convert: Callable[[Any], Any] | None) -> list[Any]:
    """`values` through `convert`, each distinct value once (a batch's rows share their dates and times)."""
    if convert is None:
        return values
    done: dict[tuple[type, Any], Any] = {}
    converted = []
    for value in values:
        key = (type(value), value)  # by type too: 1 and True are equal keys
        try:
            converted.append(done[key])
        except KeyError:
            converted.append(done.setdefault(key, convert(value)))
        except TypeError:  # not hashable
            converted.append(convert(value))
    return converted


def _bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of this column before the driver gets it (a TypeDecorator's too)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)
