"""Appending to the audit log, always inside the transaction of the event it records.

A money event (`wire.ChainKind`) is read back from the money tables (`audit_trail.money_content`, the
one rule of what an entry covers) and chained: its hash covers its content and the previous entry's
hash. A change to a person or household (`audit_trail.PersonEvent`) is logged with who, when, the
device and before/after, unchained. The table refuses UPDATE and DELETE by trigger (migration 0010);
the writer of a money row holds the write lock (`Store.begin()`), so two processes never take the same
chain sequence number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from collector_app.store.audit_trail import PersonEvent, chain_head, content_text, hash_at, money_content, raw
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


class ChainFork(ValueError):
    """Entries from the server do not continue this store's chain: the two histories differ."""


SENT_KEY = "audit_chain_sent"
"""meta: the last chain entry the server holds though no batch of this store carried it (0010, `adopt_entries`)."""


def adopt_entries(connection: Connection, entries: Sequence[Mapping[str, Any]]) -> int:
    """Append, exactly as the server holds them, this device's chain entries the store lacks (after a
    restore from an older backup): each must continue the store's head and hash to its hash. Entries the
    store has already are skipped when identical. The next sealed batch then continues from the last one
    (meta `audit_chain_sent`). Returns how many were appended; `ChainFork` when the histories differ.

    The seam for getting back what the server holds (`store.recovery`): call it in the transaction that
    writes the money rows back, with the entries the server kept (`chain_entries.entry`), so that the rows
    written back are covered by the entries that first recorded them.
    """
    seq, head = chain_head(connection)
    added = 0
    for entry in sorted(entries, key=lambda e: int(e["seq"])):
        at = int(entry["seq"])
        if at <= seq:
            if hash_at(connection, at) != entry["hash"]:
                raise ChainFork(f"entry {at} differs from the server's")
            continue
        if at != seq + 1 or entry["prev"] != head or chain_hash_of(entry, content_text(entry["content"]).encode(
                "utf-8")) != entry["hash"]:
            raise ChainFork(f"entry {at} does not continue entry {seq}")
        raw(connection).execute(_INSERT, (entry["kind"], entry["record_id"], content_text(entry["content"]),
                                          entry["created_at"], entry["created_by"], entry["device_id"], at,
                                          entry["prev"], entry["hash"]))
        seq, head, added = at, str(entry["hash"]), added + 1
    if added:
        raw(connection).execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SENT_KEY, str(seq)))
    return added
