"""The server's one clock: aware UTC datetimes (services take `now` as a parameter)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from collector_app.wire import format_wire_time


VIETNAM = timezone(timedelta(hours=7), "ICT")
"""The province's day: points work, and supervisors' date filters mean days, in Vietnam time (UTC+7 all
year: no daylight saving since 1975)."""


def vietnam_midnight(day: date) -> datetime:
    """The instant `day` begins in Vietnam (aware, in UTC+7: 01/01/0001 has no UTC form to convert to)."""
    return datetime.combine(day, time(), VIETNAM)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """The wire's one form of time (wire.WIRE_TIME_FORMAT): UTC to the second with a Z, e.g. 2026-11-23T08:00:00Z."""
    return format_wire_time(moment)
