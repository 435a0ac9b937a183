"""Identity and audit stamps every record carries: client-made UUIDs and UTC timestamps."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

from collector_app.wire import format_wire_time


def new_id() -> str:
    """A new record id: a version-7 UUID (RFC 9562) as text.

    Time-ordered ids append to the end of each primary-key B-tree instead of landing at random
    pages, which keeps bulk imports fast; the 74 random bits keep devices from colliding.
    """
    millis = time.time_ns() // 1_000_000
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    # Formatted by hand: building a uuid.UUID only to print it doubles the cost of a bulk import.
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def utc_now() -> str:
    """The current time as UTC ISO 8601 text with microseconds, e.g. 2026-11-23T05:03:00.123456+00:00."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def utc_second(*, offset: float = 0.0) -> str:
    """The current time as the wire carries it (`sealed_at`): UTC to the second with a Z, e.g. 2026-11-23T05:03:00Z.

    `offset`: seconds to add (the server's clock as last measured against this one).
    """
    return format_wire_time(datetime.now(UTC) + timedelta(seconds=offset))
