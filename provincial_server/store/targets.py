"""The province's yearly targets, per point and scheme (a commune's are its points' added up)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from provincial_server.store.schema import points, targets


class TargetRow(NamedTuple):
    year: int
    point_code: str
    scheme: str
    participants: int
    amount: int | None


class Targets:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def held(self, keys: Sequence[tuple[int, str, str]]) -> dict[tuple[int, str, str], TargetRow]:
        """The stored targets among these (year, point, scheme) keys."""
        found: dict[tuple[int, str, str], TargetRow] = {}
        for year in sorted({key[0] for key in keys}):
            codes = sorted({key[1] for key in keys if key[0] == year})
            for start in range(0, len(codes), 500):
                for row in self.of(year, codes[start : start + 500]):
                    found[(row.year, row.point_code, row.scheme)] = row
        return found

    def write(self, rows: Sequence[TargetRow], *, now: datetime) -> None:
        """Store each row, in place of the target it replaces."""
        if not rows:
            return
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(targets)
        statement = statement.on_conflict_do_update(
            index_elements=[targets.c.year, targets.c.point_code, targets.c.scheme],
            set_={"participants": statement.excluded.participants, "amount": statement.excluded.amount,
                  "updated_at": statement.excluded.updated_at})
        self._connection.execute(statement, [{**row._asdict(), "updated_at": now} for row in rows])

    def of(self, year: int | None, point_codes: Sequence[str] | None) -> list[TargetRow]:
        """Targets of `year` (None: every year) for these points (None: every point), by year, point, scheme."""
        query = select(targets.c.year, targets.c.point_code, targets.c.scheme, targets.c.participants,
                       targets.c.amount)
        if year is not None:
            query = query.where(targets.c.year == year)
        if point_codes is not None:
            query = query.where(targets.c.point_code.in_(point_codes))
        query = query.order_by(targets.c.year, targets.c.point_code, targets.c.scheme)
        return [TargetRow(int(r[0]), r[1], r[2], int(r[3]), None if r[4] is None else int(r[4]))
                for r in self._connection.execute(query)]

    def point_codes(self, commune_code: str | None) -> list[str]:
        """The points of a commune (None: of the province), by code."""
        query = select(points.c.code).order_by(points.c.code)
        if commune_code is not None:
            query = query.where(points.c.commune_code == commune_code)
        return list(self._connection.scalars(query))

    def point_names(self, point_codes: Sequence[str] | None) -> dict[str, tuple[str, str | None]]:
        """(name, commune code) of these points (None: every point)."""
        query = select(points.c.code, points.c.name, points.c.commune_code)
        if point_codes is not None:
            query = query.where(points.c.code.in_(point_codes))
        return {row[0]: (row[1], row[2]) for row in self._connection.execute(query)}
