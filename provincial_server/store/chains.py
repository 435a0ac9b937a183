"""Each device's money chain as the server accepted it: the head the next batch must continue from,
and the entries (so that a money record can be matched with its entry later)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from provincial_server.store.schema import batch_records, chain_entries, chain_forks, device_chains
from provincial_server.store.batches import chunks
from provincial_server.store.sql import insert_new, insert_rows


@dataclass(frozen=True)
class ChainHead:
    head: str
    last_seq: int
    batch_id: str


@dataclass(frozen=True)
class EntryRow:
    seq: int
    kind: str
    record_id: str
    hash: str
    prev: str
    entry: str  # canonical JSON


@dataclass(frozen=True)
class ForkRow:
    """A device's chain forked by a restore: the new branch continues entry `from_seq`; the entries up to
    `replaced_seq` the device left behind stay held."""

    device_id: str
    batch_id: str
    from_seq: int
    from_hash: str
    replaced_seq: int
    replaced_head: str
    restored_hash: str
    restored_entry: str  # canonical JSON
    created_at: datetime


class Chains:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def head(self, device_id: str) -> ChainHead | None:
        row = self._connection.execute(
            select(device_chains.c.head, device_chains.c.last_seq, device_chains.c.batch_id)
            .where(device_chains.c.device_id == device_id)
        ).first()
        return None if row is None else ChainHead(str(row[0]), int(row[1]), str(row[2]))

    def advance(self, device_id: str, *, prev: str | None, head: str, last_seq: int, batch_id: str,
                now: datetime) -> bool:
        """Move the device's head from `prev` to `head` (start it when `prev` is None); False when
        another transaction moved it first (the batch then does not continue the chain)."""
        if prev is None:
            return bool(self._connection.execute(
                insert_new(self._connection, device_chains).values(
                    device_id=device_id, head=head, last_seq=last_seq, batch_id=batch_id, updated_at=now)
                .returning(device_chains.c.device_id)).all())
        moved = self._connection.execute(
            update(device_chains)
            .where(device_chains.c.device_id == device_id, device_chains.c.head == prev)
            .values(head=head, last_seq=last_seq, batch_id=batch_id, updated_at=now)
            .returning(device_chains.c.device_id)
        ).all()
        return bool(moved)

    def held(self, device_id: str, hashes: Sequence[str]) -> dict[str, int]:
        """Of `hashes`, those of entries this device's chain holds (on any branch), with their sequence numbers."""
        found: dict[str, int] = {}
        for chunk in chunks(sorted(set(hashes))):
            found.update((str(row[0]), int(row[1])) for row in self._connection.execute(
                select(chain_entries.c.hash, chain_entries.c.seq)
                .where(chain_entries.c.device_id == device_id, chain_entries.c.hash.in_(chunk))))
        return found

    def record_fork(self, fork: ForkRow) -> None:
        self._connection.execute(insert(chain_forks).values(
            device_id=fork.device_id, batch_id=fork.batch_id, from_seq=fork.from_seq, from_hash=fork.from_hash,
            replaced_seq=fork.replaced_seq, replaced_head=fork.replaced_head, restored_hash=fork.restored_hash,
            restored_entry=fork.restored_entry, created_at=fork.created_at))

    def forks(self, device_id: str | None = None) -> list[ForkRow]:
        """The forks recorded, of one device or of all, oldest first (for supervisors)."""
        query = select(chain_forks.c.device_id, chain_forks.c.batch_id, chain_forks.c.from_seq,
                       chain_forks.c.from_hash, chain_forks.c.replaced_seq, chain_forks.c.replaced_head,
                       chain_forks.c.restored_hash, chain_forks.c.restored_entry, chain_forks.c.created_at)
        if device_id is not None:
            query = query.where(chain_forks.c.device_id == device_id)
        return [ForkRow(str(r[0]), str(r[1]), int(r[2]), str(r[3]), int(r[4]), str(r[5]), str(r[6]), str(r[7]), r[8])
                for r in self._connection.execute(query.order_by(chain_forks.c.fork_id))]

    def add_entries(self, device_id: str, batch_id: str, entries: Sequence[EntryRow]) -> None:
        if entries:
            insert_rows(self._connection, chain_entries, [
                {"device_id": device_id, "seq": e.seq, "kind": e.kind, "record_id": e.record_id, "hash": e.hash,
                 "prev": e.prev, "entry": e.entry, "batch_id": batch_id} for e in entries])

    def known_records(self, device_id: str, record_ids: Sequence[str]) -> set[str]:
        """Of `record_ids`, those this device's chain has an entry for, or the server received before
        (in any batch: a record sent again, or one sealed before the device's chain began)."""
        found: set[str] = set()
        for chunk in chunks(record_ids):
            found.update(self._connection.execute(
                select(chain_entries.c.record_id).where(chain_entries.c.device_id == device_id,
                                                        chain_entries.c.record_id.in_(chunk))).scalars())
            found.update(self._connection.execute(
                select(batch_records.c.record_id).where(batch_records.c.record_id.in_(chunk))).scalars())
        return found

    def entries(self, device_id: str) -> list[EntryRow]:
        rows = self._connection.execute(
            select(chain_entries.c.seq, chain_entries.c.kind, chain_entries.c.record_id, chain_entries.c.hash,
                   chain_entries.c.prev, chain_entries.c.entry)
            .where(chain_entries.c.device_id == device_id).order_by(chain_entries.c.seq)).all()
        return [EntryRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5])) for r in rows]
