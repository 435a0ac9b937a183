"""Allocating receipt numbers: the next number of a device's series for a year, with no gap or repeat.

The number is read and used inside the caller's write transaction (BEGIN IMMEDIATE holds SQLite's
write lock, so no other writer can take the same number before COMMIT); the unique constraint on
(series, year, number) is the last guard. A transaction that dies before COMMIT leaves nothing:
its number was never taken and the next payment gets it.

After a restore of an older backup, the receipts table no longer holds every number the device
issued: `meta` then keeps a floor per series and year (`receipt_floor:{series}:{year}`, written by
`store.restore`), and numbering continues after the higher of the two.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from collector_app.domain.receipt_numbers import MAX_NUMBER, ReceiptNumber
from collector_app.store.db import Store
from collector_app.store.schema import receipts


FLOOR_PREFIX = "receipt_floor:"
_NEXT = (
    "SELECT max(coalesce((SELECT max(number) FROM receipts WHERE series = ? AND year = ?), 0), "
    "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0)) + 1"
)


def floor_key(series: str, year: int) -> str:
    """The `meta` key of the number that numbering of `series` in `year` continues after, at least."""
    return f"{FLOOR_PREFIX}{series}:{year}"


class SeriesFullError(RuntimeError):
    """A series used every number of a year (9,999,999 receipts on one device): a new series is needed."""


def next_receipt_number(connection: Connection, *, series: str, year: int) -> ReceiptNumber:
    """The next unused number of `series` in `year`; call inside the write transaction that uses it."""
    # max() over the unique index (series, year, number): one B-tree descent, whatever the year's size;
    # the floor is one primary-key look-up.
    number = connection.exec_driver_sql(_NEXT, (series, year, floor_key(series, year))).scalar_one()
    if number > MAX_NUMBER:
        raise SeriesFullError(f"series {series} has no numbers left in {year}")
    return ReceiptNumber(symbol=series, year=year, number=int(number))


def issued_numbers(store: Store, *, series: str, year: int) -> list[int]:
    """Every number `series` has issued in `year`, in order (voided ones included: they keep theirs)."""
    with store.read() as connection:
        return list(
            connection.scalars(
                select(receipts.c.number)
                .where(receipts.c.series == series, receipts.c.year == year)
                .order_by(receipts.c.number)
            )
        )
