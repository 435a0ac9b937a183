"""This point's targets as the changes feed sends them, and the server's progress figures as fetched
(reads: `store.targets`).

A target notice carries the whole state and the server's version: an older or equal version is
skipped, so a page applied twice, or an old page after a newer one, changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from collector_app.store.db import Store


@dataclass(frozen=True)
class TargetUpdate:
    year: int
    scheme: str
    participants: int
    amount: int | None
    version: int


_UPSERT = """
INSERT INTO targets (year, scheme, participants, amount, version, received_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (year, scheme) DO UPDATE SET
    participants = excluded.participants, amount = excluded.amount, version = excluded.version,
    received_at = excluded.received_at
WHERE excluded.version > targets.version
"""


def apply_target_updates(connection: Connection, updates: Iterable[TargetUpdate], *, now: str) -> int:
    """Store each target's newer state, in the caller's transaction; how many rows changed."""
    changed = 0
    for update in updates:
        result = connection.exec_driver_sql(_UPSERT, (update.year, update.scheme, update.participants,
                                                      update.amount, update.version, now))
        changed += max(result.rowcount, 0)
    return changed


def keep_progress(store: Store, year: int, document: str, *, fetched_at: str) -> None:
    """Keep the server's figures for `year` (its JSON answer), in place of the last ones."""
    with store.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO progress_figures (year, document, fetched_at) VALUES (?, ?, ?) "
            "ON CONFLICT (year) DO UPDATE SET document = excluded.document, fetched_at = excluded.fetched_at",
            (year, document, fetched_at))
