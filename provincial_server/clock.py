"""The server's one clock: aware UTC datetimes (services take `now` as a parameter)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, e.g. 2026-11-23T08:00:00Z (seconds are enough on the wire)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
