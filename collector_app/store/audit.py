"""Appending to the audit log, always inside the transaction of the event it records.

A money event (`wire.ChainKind`) is read back from the money tables (`audit_trail.money_content`, the
one rule of what an entry covers) and chained: its hash covers its content and the previous entry's
hash. A change to a person or household (`audit_trail.PersonEvent`) is logged with who, when, the
device and before/after, unchained. The table refuses UPDATE and DELETE by trigger (migration 0010);
the writer of a money row holds the write lock (`Store.begin()`), so two processes never take the same
chain sequence number.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from collector_app.store.audit_trail import PersonEvent, chain_head, content_text, hash_at, money_content, raw
from collector_app.store.stamps import utc_now
from collector_app.wire import CHAIN_GENESIS, ChainEntry, ChainKind, RecoveredContent, RestoredContent, chain_hash_of

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
    return append_on(raw(connection), kind, record_id, content, created_at=created_at, created_by=created_by,
                     device_id=device_id)


_HEAD = "SELECT chain_seq, hash FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"


def head_on(database: Any) -> tuple[int, str]:
    """`chain_head` on a DB-API connection (a file being restored is not a Store)."""
    row = database.execute(_HEAD).fetchone()
    return (0, CHAIN_GENESIS) if row is None else (int(row[0]), str(row[1]))


def append_on(database: Any, kind: str, record_id: str, content: dict[str, Any], *, created_at: str,
              created_by: str, device_id: str | None) -> ChainEntry:
    """`append_chained` on a DB-API connection, inside its open transaction."""
    seq, prev = head_on(database)
    entry = ChainEntry(seq=seq + 1, kind=kind, record_id=record_id, content=content, created_at=created_at,
                       created_by=created_by, device_id=device_id, prev=prev, hash="")
    text = content_text(content)  # encoded once: stored as it is, and hashed as it is
    entry["hash"] = chain_hash_of(entry, text.encode("utf-8"))
    database.execute(_INSERT, (kind, record_id, text, created_at, created_by, device_id, entry["seq"], prev,
                               entry["hash"]))
    return entry


def restored_content(*, backup: tuple[int, str], replaced: tuple[int, str] | None, backup_name: str | None,
                     by: str) -> RestoredContent:
    """What a "restored" entry records (`wire.RestoredContent`)."""
    return RestoredContent(backup_seq=backup[0], backup_head=backup[1],
                           replaced_seq=None if replaced is None else replaced[0],
                           replaced_head=None if replaced is None else replaced[1], backup=backup_name, by=by)


def append_restored(database: Any, *, replaced: tuple[int, str] | None, backup_name: str | None, by: str,
                    created_at: str, created_by: str, device_id: str | None) -> ChainEntry:
    """Append the "restored" entry to a store just put back from an older backup (or found to be one):
    the chain forks visibly here, continuing the backup's head (DB-API connection, open transaction)."""
    content = restored_content(backup=head_on(database), replaced=replaced, backup_name=backup_name, by=by)
    return append_on(database, ChainKind.RESTORED.value, str(uuid.uuid4()), dict(content), created_at=created_at,
                     created_by=created_by, device_id=device_id)


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


@dataclass(frozen=True)
class RecoveredEvent:
    """A money event just written back from the server, with the entry the server holds for it."""

    kind: ChainKind  # payment, void, void_correction, reprint
    record_id: str
    server_entry: Mapping[str, Any] | None  # wire.ChainEntry; None from a server from before the chain


def log_recovered(connection: Connection, events: Sequence[RecoveredEvent], *, server_head: str | None,
                  created_at: str, created_by: str, device_id: str | None) -> str:
    """Log money rows written back from the server, in the transaction that wrote them.

    When this store's head is where the server's entries for them begin, they are adopted as the server
    holds them (`adopt_entries`: the chain is then the server's, and the next batch continues from its
    head), provided each money row reads back exactly as its entry recorded it. Otherwise they lie on
    another branch (the store was put back to an older backup): each gets a chained "recovered" entry
    naming the server's entry, after a "restored" entry marking the fork unless one not yet sent marks
    it already. Returns "adopted", "recovered" or "none".
    """
    if not events:
        return "none"
    if _adopt(connection, events):
        return "adopted"
    database = raw(connection)
    seq, head = chain_head(connection)
    if server_head is not None and head != server_head and not _fork_pending(connection, seq):
        append_restored(database, replaced=None, backup_name=None, by="recovery", created_at=created_at,
                        created_by=created_by, device_id=device_id)
    for event in events:
        content = money_content(connection, event.kind, event.record_id)
        if content is None:
            raise LookupError(f"no {event.kind} {event.record_id} to log")
        server_hash = "" if event.server_entry is None else str(event.server_entry.get("hash", ""))
        recovered = RecoveredContent(kind=event.kind.value, record_id=event.record_id, server_hash=server_hash,
                                     content=content)
        append_on(database, ChainKind.RECOVERED.value, event.record_id, dict(recovered), created_at=created_at,
                  created_by=created_by, device_id=device_id)
    return "recovered"


def _adopt(connection: Connection, events: Sequence[RecoveredEvent]) -> bool:
    entries = [e.server_entry for e in events]
    if any(entry is None for entry in entries):
        return False
    chained = sorted((entry for entry in entries if entry is not None), key=lambda e: int(e.get("seq", 0)))
    seq, head = chain_head(connection)
    try:
        if int(chained[0]["seq"]) != seq + 1 or chained[0]["prev"] != head:
            return False
        for event, entry in zip(events, entries, strict=True):
            assert entry is not None
            if entry.get("kind") != event.kind.value or entry.get("record_id") != event.record_id:
                return False
            if money_content(connection, event.kind, event.record_id) != entry.get("content"):
                return False  # written back otherwise than first recorded: logged as recovered instead
        connection.exec_driver_sql("SAVEPOINT adopting")
        try:
            adopt_entries(connection, chained)
        except ChainFork:
            connection.exec_driver_sql("ROLLBACK TO adopting")
            connection.exec_driver_sql("RELEASE adopting")
            return False
        connection.exec_driver_sql("RELEASE adopting")
        return True
    except (KeyError, TypeError, ValueError):
        return False


def _fork_pending(connection: Connection, seq: int) -> bool:
    """A "restored" entry this store has not sent yet marks the fork already."""
    from collector_app.store.batches import chain_sent

    sent = chain_sent(connection)
    return raw(connection).execute(
        "SELECT 1 FROM audit_log WHERE kind = ? AND chain_seq > ? AND chain_seq <= ? LIMIT 1",
        (ChainKind.RESTORED.value, sent, seq)).fetchone() is not None
