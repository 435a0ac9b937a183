"""This point's targets and the last progress figures the server gave, read (writes: `store.target_updates`)."""

from __future__ import annotations

from dataclasses import dataclass

from collector_app.store.db import Store


@dataclass(frozen=True)
class PointTarget:
    year: int
    scheme: str
    participants: int
    amount: int | None  # VND; None when the plan gives none


@dataclass(frozen=True)
class KeptProgress:
    document: str  # the server's JSON answer
    fetched_at: str  # UTC ISO 8601


def point_targets(store: Store, year: int) -> list[PointTarget]:
    """The point's targets for `year`, by scheme."""
    return [PointTarget(int(row[0]), row[1], int(row[2]), None if row[3] is None else int(row[3]))
            for row in store.reader().execute(
                "SELECT year, scheme, participants, amount FROM targets WHERE year = ? ORDER BY scheme", (year,))]


def kept_progress(store: Store, year: int) -> KeptProgress | None:
    row = store.reader().execute("SELECT document, fetched_at FROM progress_figures WHERE year = ?",
                                 (year,)).fetchone()
    return None if row is None else KeptProgress(document=row[0], fetched_at=row[1])
