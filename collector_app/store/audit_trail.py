"""The audit log read back: what each money entry covers, and the check of the whole chain.

`audit_log` (migration 0010) holds one row per money event and per change to a person or household.
Money entries are hash-chained (`wire.chain_hash`: each entry's SHA-256 covers its canonical content
and the previous entry's hash). An entry's `content` is the money rows as recorded, column by column
(`money_content`): the one place that says what an entry covers, used when the entry is appended
(`store.audit`, in the event's own transaction) and when `verify_chain` compares the log with the
money tables.

`verify_chain` reads the log and the money tables in one read transaction and names the first entry
that fails: a hash that does not match (the entry edited), an entry that does not continue the one
before (deleted, inserted or reordered), a money row that differs from its entry (a payment edited
by hand), an entry whose row is gone (a void deleted), and a money row no entry covers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from collector_app.store.db import Store
from collector_app.wire import CHAIN_GENESIS, ChainEntry, ChainKind, canonical_json, chain_hash_of

# Explicit column lists: a later migration adding a column must not change what old entries cover.
_PAYMENT_COLUMNS = ("id", "household_id", "payer_name", "scheme", "paid_on", "policy_version", "gross",
                    "state_support", "local_support", "amount", "method", "created_at", "created_by", "device_id")
_ITEM_COLUMNS = ("id", "payment_id", "enrolment_id", "period_start", "period_end", "months", "member_rank",
                 "monthly_income", "gross", "state_support", "local_support", "amount", "supported_months",
                 "facility_code", "created_at", "created_by", "device_id")
_RECEIPT_COLUMNS = ("id", "payment_id", "series", "year", "number", "issued_at", "created_at", "created_by",
                    "device_id")
_VOID_COLUMNS = ("id", "receipt_id", "reason", "created_at", "created_by", "device_id")
_CORRECTION_COLUMNS = ("id", "void_id", "corrects", "reason", "created_at", "created_by", "device_id")
_REPRINT_COLUMNS = ("id", "receipt_id", "copy_number", "created_at", "created_by", "device_id")
_ORIGINAL_PRINT_COLUMNS = ("receipt_id", "created_at", "created_by", "device_id")
_HANDOVER_COLUMNS = ("id", "collaborator_id", "expected", "amount", "difference", "reason", "created_at",
                     "created_by", "device_id")
_DAY_CLOSE_COLUMNS = ("id", "closed_on", "day_start", "day_end", "expected_cash", "counted_cash", "difference",
                      "transfers", "counts", "reason", "created_at", "created_by", "device_id")

# The single-row money kinds: table, columns, key column.
_SINGLE: dict[str, tuple[str, tuple[str, ...], str]] = {
    ChainKind.VOID: ("voids", _VOID_COLUMNS, "id"),
    ChainKind.VOID_CORRECTION: ("void_corrections", _CORRECTION_COLUMNS, "id"),
    ChainKind.REPRINT: ("reprints", _REPRINT_COLUMNS, "id"),
    ChainKind.ORIGINAL_PRINT: ("original_prints", _ORIGINAL_PRINT_COLUMNS, "receipt_id"),
    ChainKind.DAY_CLOSE: ("day_closings", _DAY_CLOSE_COLUMNS, "id"),
}
MONEY_KINDS = (ChainKind.PAYMENT, ChainKind.HANDOVER, *_SINGLE)
"""The chained kinds with rows in the money tables."""


class PersonEvent(StrEnum):
    """The unchained entries: changes to people and households, with who, when and before/after."""

    HOUSEHOLD_CREATED = "household_created"
    PERSON_CREATED = "person_created"
    PERSON_CORRECTED = "person_corrected"  # record_id: the person_corrections row
    HOUSEHOLDS_ADDED = "households_added"  # an import or demo data: one entry for the whole list


def _select(table: str, columns: Sequence[str], key: str) -> str:
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ?"


def _payment(payment: Sequence[Any], items: Iterable[Sequence[Any]], receipt: Sequence[Any] | None) -> dict[str, Any]:
    return {
        "payment": dict(zip(_PAYMENT_COLUMNS, payment, strict=True)),
        "items": sorted((dict(zip(_ITEM_COLUMNS, item, strict=True)) for item in items), key=lambda i: str(i["id"])),
        "receipt": None if receipt is None else dict(zip(_RECEIPT_COLUMNS, receipt, strict=True)),
    }


def _handover(handover: Sequence[Any], receipt_ids: Iterable[str]) -> dict[str, Any]:
    """A hand-over's entry covers the receipts it covers: none can be taken out of it unseen."""
    return {"handover": dict(zip(_HANDOVER_COLUMNS, handover, strict=True)), "receipts": sorted(receipt_ids)}


def raw(connection: Connection) -> Any:
    """The DB-API connection under `connection`, in the same transaction: plain cursors cost a fraction
    of SQLAlchemy's result rows over a hundred thousand money events (sqlite3's or an encrypted driver's)."""
    return connection.connection.driver_connection


def money_content(connection: Connection, kind: str, record_id: str) -> dict[str, Any] | None:
    """What the entry of this money event covers, read from the money tables (None if its row is gone)."""
    cursor = raw(connection)
    if kind == ChainKind.PAYMENT:
        payment = cursor.execute(_select("payments", _PAYMENT_COLUMNS, "id"), (record_id,)).fetchone()
        if payment is None:
            return None
        items = cursor.execute(_select("payment_items", _ITEM_COLUMNS, "payment_id"), (record_id,)).fetchall()
        receipt = cursor.execute(_select("receipts", _RECEIPT_COLUMNS, "payment_id"), (record_id,)).fetchone()
        return _payment(payment, items, receipt)
    if kind == ChainKind.HANDOVER:
        handover = cursor.execute(_select("handovers", _HANDOVER_COLUMNS, "id"), (record_id,)).fetchone()
        if handover is None:
            return None
        covered = cursor.execute("SELECT receipt_id FROM handover_receipts WHERE handover_id = ?", (record_id,))
        return _handover(handover, [str(row[0]) for row in covered])
    table, columns, key = _SINGLE[kind]
    row = cursor.execute(_select(table, columns, key), (record_id,)).fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


def content_text(content: Mapping[str, Any]) -> str:
    """The stored form of an entry's content: canonical JSON (sorted keys, no spaces)."""
    return canonical_json(content).decode("utf-8")


# ---- the chain as stored -----------------------------------------------------------------------

_ENTRY_COLUMNS = "chain_seq, kind, record_id, content, created_at, created_by, device_id, prev_hash, hash"


def _entry(row: Sequence[Any]) -> ChainEntry:
    return ChainEntry(seq=int(row[0]), kind=str(row[1]), record_id=str(row[2]), content=json.loads(row[3]),
                      created_at=str(row[4]), created_by=str(row[5]), device_id=row[6], prev=str(row[7]),
                      hash=str(row[8]))


def chain_head(connection: Connection) -> tuple[int, str]:
    """The last chained entry's sequence number and hash ((0, CHAIN_GENESIS) for an empty chain)."""
    row = raw(connection).execute(
        "SELECT chain_seq, hash FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"
    ).fetchone()
    return (0, CHAIN_GENESIS) if row is None else (int(row[0]), str(row[1]))


def chain_entries(connection: Connection, *, after: int) -> list[ChainEntry]:
    """The chained entries after sequence number `after`, in order (what a sealed batch carries)."""
    rows = connection.exec_driver_sql(
        f"SELECT {_ENTRY_COLUMNS} FROM audit_log WHERE chain_seq > ? ORDER BY chain_seq", (after,)
    ).all()
    return [_entry(row) for row in rows]


def hash_at(connection: Connection, seq: int) -> str:
    """The hash of chained entry `seq` (CHAIN_GENESIS for 0)."""
    if seq == 0:
        return CHAIN_GENESIS
    return str(connection.exec_driver_sql("SELECT hash FROM audit_log WHERE chain_seq = ?", (seq,)).scalar_one())


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log as `collector-app audit` shows it."""

    seq: int
    kind: str
    record_id: str
    content: dict[str, Any]
    created_at: str
    created_by: str
    device_id: str | None
    chain_seq: int | None


def person_history(store: Store, record_ids: Sequence[str]) -> list[AuditEntry]:
    """The unchained entries about these people or households (created, corrected), oldest first."""
    if not record_ids:
        return []
    marks = ", ".join("?" * len(record_ids))
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            "SELECT seq, kind, record_id, content, created_at, created_by, device_id, chain_seq FROM audit_log "
            f"WHERE chain_seq IS NULL AND (record_id IN ({marks}) OR json_extract(content, '$.person_id') IN ({marks})) "
            "ORDER BY seq", (*record_ids, *record_ids)).all()
    return [AuditEntry(int(r[0]), str(r[1]), str(r[2]), json.loads(r[3]), str(r[4]), str(r[5]), r[6], r[7])
            for r in rows]


# ---- verifying ---------------------------------------------------------------------------------


class Finding(StrEnum):
    """What is wrong at the first entry that fails."""

    HASH_MISMATCH = "hash_mismatch"  # the entry does not hash to its stored hash: the log was edited
    BROKEN_LINK = "broken_link"  # the entry does not continue the one before: deleted, inserted or reordered
    GAP = "gap"  # a sequence number is missing: an entry was deleted
    ROW_CHANGED = "row_changed"  # the money row differs from what its entry recorded
    ROW_MISSING = "row_missing"  # the entry's money row is gone
    UNLOGGED_ROW = "unlogged_row"  # a money row no entry covers


@dataclass(frozen=True)
class ChainBreak:
    finding: Finding
    chain_seq: int | None  # the first entry that fails (None for a money row with no entry)
    kind: str
    record_id: str
    created_at: str | None
    fields: tuple[str, ...] = ()  # for ROW_CHANGED: the columns that differ (e.g. "payment.amount")


@dataclass(frozen=True)
class ChainReport:
    entries: int  # chained entries read
    head: str  # the hash of the last one (CHAIN_GENESIS when none)
    breaks: tuple[ChainBreak, ...] = field(default=())  # the first is the first entry that fails

    @property
    def sound(self) -> bool:
        return not self.breaks

    @property
    def first(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None


def _changed_fields(recorded: Any, now: Any, prefix: str = "") -> list[str]:
    if isinstance(recorded, dict) and isinstance(now, dict):
        return [f for key in sorted(set(recorded) | set(now))
                for f in _changed_fields(recorded.get(key), now.get(key), f"{prefix}{key}.")]
    if isinstance(recorded, list) and isinstance(now, list) and len(recorded) == len(now):
        return [f for index, (a, b) in enumerate(zip(recorded, now, strict=True))
                for f in _changed_fields(a, b, f"{prefix}{index}.")]
    return [] if recorded == now else [prefix.rstrip(".") or "content"]


def _all_money(connection: Connection) -> dict[tuple[str, str], dict[str, Any]]:
    """Every money event's content by (kind, record id), read in a few whole-table scans."""
    cursor = raw(connection)
    items: dict[str, list[Sequence[Any]]] = {}
    for row in cursor.execute(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM payment_items"):
        items.setdefault(str(row[1]), []).append(row)
    receipts = {str(row[1]): row for row in cursor.execute(f"SELECT {', '.join(_RECEIPT_COLUMNS)} FROM receipts")}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in cursor.execute(f"SELECT {', '.join(_PAYMENT_COLUMNS)} FROM payments"):
        found[(ChainKind.PAYMENT.value, str(row[0]))] = _payment(row, items.get(str(row[0]), ()),
                                                                 receipts.get(str(row[0])))
    covered: dict[str, list[str]] = {}
    for receipt_id, handover_id in cursor.execute("SELECT receipt_id, handover_id FROM handover_receipts"):
        covered.setdefault(str(handover_id), []).append(str(receipt_id))
    for row in cursor.execute(f"SELECT {', '.join(_HANDOVER_COLUMNS)} FROM handovers"):
        found[(ChainKind.HANDOVER.value, str(row[0]))] = _handover(row, covered.get(str(row[0]), ()))
    for kind, (table, columns, key) in _SINGLE.items():
        index = columns.index(key)
        for row in cursor.execute(f"SELECT {', '.join(columns)} FROM {table}"):
            found[(str(kind), str(row[index]))] = dict(zip(columns, row, strict=True))
    return found


def verify_connection(connection: Connection) -> ChainReport:
    """`verify_chain` on an open connection (inside the caller's read transaction)."""
    money = _all_money(connection)
    breaks: list[ChainBreak] = []
    expected_seq, prev, entries = 1, CHAIN_GENESIS, 0
    # In the order they were appended (rowid): an entry moved to another place breaks a link. The stored
    # content is canonical JSON: hashed as it is, and compared as text with the money rows' own.
    rows = raw(connection).execute(
        f"SELECT {_ENTRY_COLUMNS} FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY seq")
    for row in rows:
        entries += 1
        seq, kind, record_id, stored, created_at, stored_hash = (
            int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[8]))

        def broken(finding: Finding, fields: tuple[str, ...] = ()) -> ChainBreak:
            return ChainBreak(finding, seq, kind, record_id, created_at, fields)  # noqa: B023

        fields = {"seq": seq, "kind": kind, "record_id": record_id, "created_at": created_at,
                  "created_by": row[5], "device_id": row[6], "prev": row[7]}
        if seq != expected_seq:
            breaks.append(broken(Finding.GAP if seq > expected_seq else Finding.BROKEN_LINK))
        elif row[7] != prev:
            breaks.append(broken(Finding.BROKEN_LINK))
        elif chain_hash_of(fields, stored.encode("utf-8")) != stored_hash:
            breaks.append(broken(Finding.HASH_MISMATCH))
        if kind in MONEY_KINDS or kind == ChainKind.RECOVERED:
            try:
                recorded: Any = json.loads(stored)
            except ValueError:
                recorded = None
            covered, text = (kind, stored)
            if kind == ChainKind.RECOVERED:  # a row written back from the server: `wire.RecoveredContent`
                inner = recorded if isinstance(recorded, dict) else {}
                covered, recorded = str(inner.get("kind")), inner.get("content")
                text = content_text(recorded) if isinstance(recorded, dict) else ""
            now = money.pop((covered, record_id), None)
            if now is None:
                breaks.append(broken(Finding.ROW_MISSING))
            elif content_text(now) != text:
                breaks.append(broken(Finding.ROW_CHANGED, tuple(_changed_fields(recorded, now))))
        expected_seq, prev = seq + 1, stored_hash
    for (kind, record_id), content in sorted(money.items(), key=lambda item: str(_created_at(item[1]))):
        breaks.append(ChainBreak(Finding.UNLOGGED_ROW, None, kind, record_id, _created_at(content)))
    return ChainReport(entries=entries, head=prev, breaks=tuple(breaks))


def _created_at(content: Mapping[str, Any]) -> str | None:
    inner = content.get("payment", content)
    value = inner.get("created_at") if isinstance(inner, Mapping) else None
    return None if value is None else str(value)


def verify_chain(store: Store) -> ChainReport:
    """Check the whole chain and the money tables against it; the breaks in chain order, the first
    entry that fails first (money rows with no entry last)."""
    with store.read() as connection:
        return verify_connection(connection)
