"""Finds the policy tables the app uses: the ones shipped in `resources/policy/` and those pulled from the server.

Reading files and the store lives here, not in `domain`: `domain.policy` only parses and validates.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collector_app.domain.policy import PolicyTable, PolicyTableError, newest
from collector_app.paths import resource_path

if TYPE_CHECKING:
    from collector_app.store.db import Store

POLICY_FOLDER = "policy"


def shipped_documents() -> dict[Path, dict[str, Any]]:
    """Every shipped table file, parsed but not yet validated."""
    folder = resource_path(POLICY_FOLDER)
    return {path: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.toml"))}


@cache
def shipped_tables() -> tuple[PolicyTable, ...]:
    return tuple(PolicyTable.from_mapping(document) for document in shipped_documents().values())


def current_table(store: Store | None = None) -> PolicyTable:
    """The newest valid table: the one every quote and payment uses.

    With a store, the tables pulled from the provincial server count too: a newer one supersedes the
    shipped tables, which stay the fallback.
    """
    tables = list(shipped_tables())
    if store is not None:
        tables += pulled_tables(store)
    return newest(tables)


def table_of_version(store: Store | None, version: str) -> PolicyTable | None:
    """The shipped or pulled table with this version (what a recorded payment was priced with), or None."""
    tables = list(shipped_tables()) + (pulled_tables(store) if store is not None else [])
    return next((table for table in tables if table.version == version), None)


def pulled_tables(store: Store) -> list[PolicyTable]:
    """The valid tables among those pulled from the server; one that fails validation is left out."""
    # Imported here: the store (SQLAlchemy, Alembic) is only needed once a caller has opened one.
    from collector_app.store.sync_state import policy_documents

    parsed = (_parse_pulled(document) for _version, document in policy_documents(store))
    return [table for table in parsed if table is not None]


@lru_cache(maxsize=64)
def _parse_pulled(document: str) -> PolicyTable | None:
    try:
        data = json.loads(document)
        return PolicyTable.from_mapping(data) if isinstance(data, dict) else None
    except (PolicyTableError, ValueError):
        return None
