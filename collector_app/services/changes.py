"""What a command changed in the store, so that every page showing it can refresh: one word per kind of data.

Command services return results that carry `changes` (a frozenset of `Change`); the window broadcasts
them after each successful command and each sync (`ui.events`), and pages refresh only what they show.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable


class Change(StrEnum):
    PEOPLE = "people"
    HOUSEHOLDS = "households"
    PAYMENTS = "payments"
    RECEIPTS = "receipts"  # issued, reprinted or voided
    OUTBOX = "outbox"  # what waits to be sent, and the server's and supervisors' answers
    USERS = "users"
    POLICY = "policy"  # a policy table pulled from the server
    SETTINGS = "settings"  # this device's settings: printer, layout, language, idle lock, names, server
    FACILITIES = "facilities"  # initial health-care facilities pulled from the server
    ROUNDS = "rounds"  # visit rounds made or imported, and visits marked on them


Changes = frozenset[Change]

NOTHING: Changes = frozenset()


@runtime_checkable
class Changing(Protocol):
    """A command's result that says what it changed."""

    @property
    def changes(self) -> Changes: ...


def changes_of(result: object) -> Changes:
    """What `result` says it changed; nothing when it is not a command's result."""
    return result.changes if isinstance(result, Changing) else NOTHING
