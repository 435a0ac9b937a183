"""The server's one clock: aware UTC datetimes (services take `now` as a parameter)."""

from __future__ import annotations

from datetime import UTC, datetime

from collector_app.wire import format_wire_time


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """The wire's one form of time (wire.WIRE_TIME_FORMAT): UTC to the second with a Z, e.g. 2026-11-23T08:00:00Z."""
    return format_wire_time(moment)
