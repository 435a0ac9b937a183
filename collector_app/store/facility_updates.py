"""Initial health-care facilities written as the server's changes feed sends them (reads: `store.facilities`).

Each notice carries the facility's whole state and the server's version of it (a change id): a
notice older than or as old as the stored state is skipped, so applying a page twice, or an old
page after a newer one, changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class FacilityUpdate:
    code: str
    name: str
    province_code: str | None
    address: str | None
    withdrawn: bool
    version: int


_UPSERT = """
INSERT INTO facilities (code, name, province_code, address, withdrawn, version, received_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (code) DO UPDATE SET
    name = excluded.name, province_code = excluded.province_code, address = excluded.address,
    withdrawn = excluded.withdrawn, version = excluded.version, received_at = excluded.received_at
WHERE excluded.version > facilities.version
"""


def apply_facility_updates(connection: Connection, updates: Iterable[FacilityUpdate], *, now: str) -> int:
    """Store each facility's newer state, in the caller's transaction; how many rows changed."""
    changed = 0
    for update in updates:
        result = connection.exec_driver_sql(_UPSERT, (
            update.code, update.name, update.province_code, update.address, 1 if update.withdrawn else 0,
            update.version, now,
        ))
        changed += max(result.rowcount, 0)
    return changed
