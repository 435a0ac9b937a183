"""The server's list of initial health-care facilities (nơi đăng ký KCB ban đầu), read whole and rewritten by code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, delete, func, select

from provincial_server.store.batches import chunks
from provincial_server.store.schema import facilities
from provincial_server.store.sql import insert_tuples


class FacilityRow(NamedTuple):
    code: str
    name: str
    province_code: str | None
    address: str | None
    withdrawn_at: datetime | None
    change_id: int  # the facility's latest change in the feed: its version on devices


class Facilities:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def all(self) -> dict[str, FacilityRow]:
        """Every facility, withdrawn ones too, by code."""
        rows = self._connection.execute(select(
            facilities.c.code, facilities.c.name, facilities.c.province_code, facilities.c.address,
            facilities.c.withdrawn_at, facilities.c.change_id))
        return {row[0]: FacilityRow(row[0], row[1], row[2], row[3], row[4], int(row[5])) for row in rows}

    def write(self, rows: Sequence[FacilityRow], *, now: datetime) -> None:
        """Store `rows` as they are, in place of any stored row with the same code.

        Delete then insert, a chunk at a time: nothing refers to a facility row, and two bulk
        statements cost far less than an UPDATE per facility when a whole list is loaded again.
        """
        for chunk in chunks([row.code for row in rows]):
            self._connection.execute(delete(facilities).where(facilities.c.code.in_(chunk)))
        insert_tuples(self._connection, facilities, (*FacilityRow._fields, "updated_at"),
                      [(*row, now) for row in rows])

    def counts(self) -> tuple[int, int]:
        """(facilities on the list, facilities withdrawn)."""
        listed, withdrawn = self._connection.execute(select(
            func.count(), func.count(facilities.c.withdrawn_at)).select_from(facilities)).one()
        return int(listed) - int(withdrawn), int(withdrawn)
