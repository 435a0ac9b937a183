"""Initial health-care facilities (nơi đăng ký KCB ban đầu) this device has pulled from its server, looked up.

Reference data: the server's changes feed fills the table (the writes are in
`store.facility_updates`, called by the sync engine in the transaction that moves the cursor).
"""

from __future__ import annotations

from dataclasses import dataclass

from collector_app.store.db import Store
from collector_app.store.rows import frozen


@dataclass(frozen=True)
class Facility:
    code: str
    name: str
    province_code: str | None  # None: not tied to one province (a central hospital, say)
    address: str | None = None
    withdrawn: bool = False  # no longer on the server's list; people and old payments may still name it


_COLUMNS = "SELECT code, name, province_code, address, withdrawn FROM facilities "


def facilities(store: Store, province_code: str | None = None, *, include_withdrawn: bool = False) -> list[Facility]:
    """The facilities a person may register for, by code: those of `province_code` and those tied
    to no province (every facility when `province_code` is None). Withdrawn ones only on request."""
    where: list[str] = []
    params: list[str] = []
    if province_code is not None:
        where.append("(province_code = ? OR province_code IS NULL)")
        params.append(province_code)
    if not include_withdrawn:
        where.append("withdrawn = 0")
    sql = _COLUMNS + (f"WHERE {' AND '.join(where)} " if where else "") + "ORDER BY code"
    return [_facility(row) for row in store.reader().execute(sql, params)]


def facility_by_code(store: Store, code: str) -> Facility | None:
    """The facility with this code, withdrawn or not (a person may have chosen it before), or None."""
    row = store.reader().execute(_COLUMNS + "WHERE code = ?", (code,)).fetchone()
    return None if row is None else _facility(row)


def count_facilities(store: Store) -> int:
    """How many facilities the device holds, withdrawn ones included."""
    return int(store.reader().execute("SELECT count(*) FROM facilities").fetchone()[0])


def _facility(row: tuple[str, str, str | None, str | None, int]) -> Facility:
    return frozen(Facility, {"code": row[0], "name": row[1], "province_code": row[2], "address": row[3],
                             "withdrawn": bool(row[4])})
