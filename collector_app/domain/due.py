"""When a participant is due to pay again: the reminder window the Today page and the due list use.

A product rule, not a legal one (no source sets it): a collector reminds people whose paid cover
(voluntary SI paid through a month, a family HI card) ends within the next `DUE_SOON_DAYS` days.
"""

from __future__ import annotations

from datetime import date, timedelta

DUE_SOON_DAYS = 30
"""Cover ending between today and this many days ahead (both included) is due soon."""


def due_window(on: date) -> tuple[date, date]:
    """The first and last day (both included) on which cover ending makes a person due soon, seen on `on`."""
    return on, on + timedelta(days=DUE_SOON_DAYS)


def is_due_soon(ends_on: date, *, on: date) -> bool:
    """Whether cover ending on `ends_on` (its last covered day) is due soon, seen on `on`."""
    first, last = due_window(on)
    return first <= ends_on <= last

