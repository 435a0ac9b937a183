"""The rules of backups and restores, pure: which backups rotation keeps, when the day's backup is due,
and where receipt numbering continues after a restore.

Restore never reissues a receipt number. After a restore the next number of each (series, year) is
above the highest number known to have been issued: in the restored backup, in the file it replaced
(when that could be read) and in the server's records for this device (when it could be asked). When
neither the replaced file nor the server can say, numbers may have been issued that nobody now knows
of, so the device moves to a new series (`restart_symbol`) rather than risk printing one twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

SeriesYear = tuple[str, int]
"""A receipt series symbol and a year, e.g. ("BD01M1", 2026): numbers restart each year."""

Highest = Mapping[SeriesYear, int]
"""The highest receipt number issued, by series and year."""


@dataclass(frozen=True)
class Rotation:
    """How many backups rotation keeps: the newest of each of the last `daily` days, `weekly` ISO
    weeks and `monthly` months that have one (a backup kept for one reason is kept)."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12


DEFAULT_ROTATION = Rotation()
ROTATION_LIMIT = 1000
"""No count of backups kept may exceed this: a thousand copies of the store would fill any disk."""


def kept_by_rotation(created: Sequence[datetime], rotation: Rotation = DEFAULT_ROTATION) -> set[int]:
    """The indexes into `created` (each backup's creation time) of the backups rotation keeps.

    The newest backup is always kept, whatever the counts say.
    """
    order = sorted(range(len(created)), key=lambda index: created[index], reverse=True)
    keep: set[int] = set(order[:1])
    for count, period in (
        (rotation.daily, lambda moment: moment.date()),
        (rotation.weekly, lambda moment: tuple(moment.isocalendar())[:2]),
        (rotation.monthly, lambda moment: (moment.year, moment.month)),
    ):
        seen: list[object] = []
        for index in order:
            key = period(created[index])
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(index)
    return keep


def day_backup_due(*, last_write_day: date | None, last_backup_day: date | None, today: date) -> bool:
    """Whether the end-of-day backup of an earlier day is owed at the first start or sign-in of `today`.

    A day ends with a backup if anything was written that day: owed when the store was last written
    on a day before today and no backup was made on or after that day.
    """
    if last_write_day is None or last_write_day >= today:
        return False
    return last_backup_day is None or last_backup_day < last_write_day


def closing_backup_due(*, last_write_day: date | None, last_backup: datetime | None,
                       last_write: datetime | None) -> bool:
    """Whether closing the window owes a backup: something was written since the last backup."""
    if last_write is None or last_write_day is None:
        return False
    return last_backup is None or last_backup < last_write


@dataclass(frozen=True)
class Numbering:
    """Where receipt numbering continues after a restore.

    `floors`: for each (series, year), numbering continues after this number (the highest issued as
    far as anyone knows). `new_series`: the device could not learn what it had issued after the backup
    and must number in a new series from now on; `sources` names what was consulted and answered.
    """

    floors: dict[SeriesYear, int]
    new_series: bool
    sources: tuple[str, ...]


SOURCE_BACKUP, SOURCE_REPLACED, SOURCE_SERVER = "backup", "replaced", "server"


def numbering_after_restore(
    *, backup: Highest, replaced: Highest | None, server: Highest | None
) -> Numbering:
    """Combine what each source knows of the numbers issued; None: that source could not be read.

    The floors are the highest number per (series, year) over every source that answered. Without
    the replaced file, numbers issued after the backup are unknowable, whatever the server says: a
    receipt printed but never sent is known to no one else, so the device moves to a new series
    rather than risk printing its number twice. The server's answer raises the floors when the
    replaced file is readable too (numbers that reached the server from a later backup's store).
    """
    floors: dict[SeriesYear, int] = {}
    sources = [SOURCE_BACKUP]
    for name, known in ((SOURCE_REPLACED, replaced), (SOURCE_SERVER, server)):
        if known is None:
            continue
        sources.append(name)
    for known in (backup, replaced, server):
        for key, number in (known or {}).items():
            if number > floors.get(key, 0):
                floors[key] = number
    return Numbering(floors=floors, new_series=replaced is None, sources=tuple(sources))


RESTART_MARK = "R"
"""The letter between a device's series symbol and its restart count: "BD01M1" -> "BD01M1R1"."""


def restart_symbol(symbol: str, restarts: int) -> str:
    """The series symbol after `restarts` restarts in a new series (0: the device's own)."""
    return symbol if restarts <= 0 else f"{symbol}{RESTART_MARK}{restarts}"


def is_series_of(symbol: str, device_series: str) -> bool:
    """Whether receipts numbered in `symbol` are the device's whose series is `device_series`: its
    own series or one of its restart series ("BD01M1", "BD01M1R1", "BD01M1R2", ...)."""
    if symbol == device_series:
        return True
    tail = symbol[len(device_series):]
    return (symbol.startswith(device_series) and len(tail) >= 2 and tail[0] == RESTART_MARK
            and tail[1:].isascii() and tail[1:].isdigit() and tail[1] != "0")


def highest_by_series(numbers: Iterable[tuple[str, int, int]]) -> dict[SeriesYear, int]:
    """{(series, year): highest number} from (series, year, number) rows."""
    highest: dict[SeriesYear, int] = {}
    for series, year, number in numbers:
        if number > highest.get((series, year), 0):
            highest[(series, year)] = number
    return highest
