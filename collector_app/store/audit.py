"""Appending to the audit log, always inside the transaction of the event it records.

A money event (`wire.ChainKind`) is read back from the money tables (`audit_trail.money_content`, the
one rule of what an entry covers) and chained: its hash covers its content and the previous entry's
hash. A change to a person or household (`audit_trail.PersonEvent`) is logged with who, when, the
device and before/after, unchained. The table refuses UPDATE and DELETE by trigger (migration 0010);
the writer of a money row holds the write lock (`Store.begin()`), so two processes never take the same
chain sequence number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from collector_app.store.audit_trail import PersonEvent, chain_head, content_text, money_content, raw
from collector_app.store.stamps import utc_now
from collector_app.wire import ChainEntry, ChainKind, chain_hash_of

_INSERT = (
    "INSERT INTO audit_log (kind, record_id, content, created_at, created_by, device_id, chain_seq, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def chain_money(connection: Connection, kind: ChainKind, record_id: str, *, created_at: str, created_by: str,
                device_id: str | None) -> ChainEntry:
    """Append the chained entry of a money event whose rows this transaction has just written."""
    content = money_content(connection, kind, record_id)
    if content is None:
        raise LookupError(f"no {kind} {record_id} to log")
    return append_chained(connection, kind.value, record_id, content, created_at=created_at, created_by=created_by,
                          device_id=device_id)


def append_chained(connection: Connection, kind: str, record_id: str, content: dict[str, Any], *,
                   created_at: str, created_by: str, device_id: str | None) -> ChainEntry:
    """Append a chained entry after the current head (the migration's backfill uses this too)."""
    seq, prev = chain_head(connection)
    entry = ChainEntry(seq=seq + 1, kind=kind, record_id=record_id, content=content, created_at=created_at,
                       created_by=created_by, device_id=device_id, prev=prev, hash="")
    text = content_text(content)  # encoded once: stored as it is, and hashed as it is
    entry["hash"] = chain_hash_of(entry, text.encode("utf-8"))
    raw(connection).execute(_INSERT, (kind, record_id, text, created_at, created_by, device_id, entry["seq"], prev,
                                      entry["hash"]))
    return entry


def log_person_event(connection: Connection, event: PersonEvent, record_id: str, content: Mapping[str, Any], *,
                     actor: str, device_id: str | None, at: str | None = None) -> None:
    """Append an unchained entry: a household or person created, a person corrected (before/after)."""
    connection.exec_driver_sql(_INSERT, (event.value, record_id, content_text(content), at or utc_now(), actor,
                                         device_id, None, None, None))
