"""Everything a store holds, to compare before and after a bad input: nothing may have changed.

Read through the store's own connection (`Store.read`), so it works whatever the file's format.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from collector_app.store.db import Store


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the search index's shadow tables left out: they follow `people`)."""
    with store.read() as connection:
        tables = [name for (name,) in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'people_fts%' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"))]
        return {table: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                              key=repr)  # noqa: S608 (names from the schema)
                for table in tables}
