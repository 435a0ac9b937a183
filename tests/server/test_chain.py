"""Each device's money chain continues where its last accepted batch ended, or the batch is refused whole.

A batch carries the chain entries recorded since the device's last batch (`wire.BatchChain`); the server
recomputes every hash, checks the chain continues the head it accepted last, that each payment, void
and reprint has its entry and that a payment's entry holds the payment's amount. The honest cases
(resending, a device from before the chain, a correction batch) are accepted.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from server_helpers import Device, Server, enrol, family_hi_payment, new_point, results_by_id, void_record
from sqlalchemy import select

from collector_app.domain.policy import PolicyTable
from provincial_server.store.schema import chain_forks, device_chains
from collector_app.wire import CHAIN_GENESIS, BatchChain, ChainEntry, SealedBatch, WireRecord, chain_hash


@dataclass
class Chain:
    """A device's chain as collector_app.store.audit keeps it: entries appended, each hashing the one before."""

    device: Device
    seq: int = 0
    head: str = CHAIN_GENESIS
    unsent: list[ChainEntry] = field(default_factory=list)
    sent: list[ChainEntry] = field(default_factory=list)  # every entry sealed so far

    def log(self, record: WireRecord) -> ChainEntry:
        payload = record["payload"]
        content: dict[str, Any] = ({"payment": {"id": record["record_id"], "amount": payload["amount"]}, "items": [],
                                    "receipt": None} if record["kind"] == "payment" else {"id": record["record_id"]})
        self.seq += 1
        entry = ChainEntry(seq=self.seq, kind=record["kind"], record_id=record["record_id"], content=content,
                           created_at="2026-03-05T09:00:00.000000+00:00", created_by=str(uuid.uuid4()),
                           device_id=self.device.device_id, prev=self.head, hash="")
        entry["hash"] = chain_hash(entry)
        self.head = entry["hash"]
        self.unsent.append(entry)
        return entry

    def seal(self, records: list[WireRecord], *, references: str | None = None, log: bool = True) -> SealedBatch:
        """A batch of `records` carrying the entries not sent yet (`log`: each record's entry first)."""
        if log:
            for record in records:
                self.log(record)
        prev = self.unsent[0]["prev"] if self.unsent else self.head
        batch = self.device.seal(records, references=references)
        batch["chain"] = BatchChain(prev=prev, head=self.head, entries=list(self.unsent))
        self.sent += self.unsent
        self.unsent = []
        return batch


@pytest.fixture
def device(server: Server) -> Device:
    return enrol(server, new_point(server))


def _head(server: Server, device: Device) -> str | None:
    with server.engine.connect() as connection:
        return connection.scalar(select(device_chains.c.head).where(device_chains.c.device_id == device.device_id))


def _refused(server: Server, device: Device, batch: SealedBatch) -> str:
    response = device.upload(batch)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "batch.chain_broken"
    assert server.count("batches", batch_id=batch["batch_id"]) == 0
    return str(error["message"])


def test_an_honest_chain_is_accepted_batch_after_batch_and_kept(server: Server, device: Device,
                                                                 policy_table: PolicyTable):
    chain = Chain(device)
    first = family_hi_payment(device, policy_table)
    assert device.upload(chain.seal([first])).status_code == 200
    second = void_record(device, first)
    assert device.upload(chain.seal([second])).status_code == 200

    assert _head(server, device) == chain.head
    assert server.count("chain_entries", device_id=device.device_id) == 2


def test_the_same_batch_sent_again_gets_the_same_answer(server: Server, device: Device, policy_table: PolicyTable):
    chain = Chain(device)
    batch = chain.seal([family_hi_payment(device, policy_table)])
    first = device.upload(batch)
    again = device.upload(batch)
    assert (first.status_code, again.status_code) == (200, 200) and first.json() == again.json()
    assert _head(server, device) == chain.head


def test_a_chain_that_does_not_continue_the_last_accepted_head_is_refused(server: Server, device: Device,
                                                                         policy_table: PolicyTable):
    chain = Chain(device)
    assert device.upload(chain.seal([family_hi_payment(device, policy_table)])).status_code == 200
    accepted = chain.head
    # The device's history rewritten: a chain started again from the genesis.
    forged = Chain(device)
    message = _refused(server, device, forged.seal([family_hi_payment(device, policy_table, months=6)]))
    assert "continues from" in message and _head(server, device) == accepted


def test_an_entry_changed_after_it_was_hashed_is_refused(server: Server, device: Device, policy_table: PolicyTable):
    chain = Chain(device)
    batch = chain.seal([family_hi_payment(device, policy_table)])
    batch["chain"]["entries"][0]["content"]["payment"]["amount"] -= 1000
    _refused(server, device, batch)
    assert _head(server, device) is None


def test_a_payment_with_no_entry_is_refused(server: Server, device: Device, policy_table: PolicyTable):
    chain = Chain(device)
    assert device.upload(chain.seal([family_hi_payment(device, policy_table)])).status_code == 200
    message = _refused(server, device, chain.seal([family_hi_payment(device, policy_table, months=6)], log=False))
    assert "has no entry" in message


def test_a_payment_whose_entry_holds_another_amount_is_refused(server: Server, device: Device,
                                                               policy_table: PolicyTable):
    chain = Chain(device)
    record = family_hi_payment(device, policy_table)
    told = copy.deepcopy(record)
    told["payload"]["amount"] -= 1000  # the entry recorded less than the batch claims was paid
    chain.log(told)
    message = _refused(server, device, chain.seal([record], log=False))
    assert "recorded" in message


def test_once_a_device_has_a_chain_every_batch_must_carry_it(server: Server, device: Device,
                                                             policy_table: PolicyTable):
    chain = Chain(device)
    assert device.upload(chain.seal([family_hi_payment(device, policy_table)])).status_code == 200
    _refused(server, device, device.seal([family_hi_payment(device, policy_table, months=6)]))


def test_a_device_from_before_the_chain_starts_it_with_its_first_chained_batch(
    server: Server, device: Device, policy_table: PolicyTable
):
    earlier = family_hi_payment(device, policy_table)
    assert device.upload(device.seal([earlier])).status_code == 200  # no chain: a device not yet upgraded
    # Upgraded: its store backfilled entries for what it had sent; the first chained batch continues
    # from the last of those, a head the server never saw.
    chain = Chain(device)
    chain.log(earlier)
    chain.unsent = []
    batch = chain.seal([void_record(device, earlier)])
    assert batch["chain"]["prev"] != CHAIN_GENESIS
    assert device.upload(batch).status_code == 200
    assert _head(server, device) == chain.head


def test_a_correction_batch_resending_a_rejected_payment_needs_no_new_entry(
    server: Server, device: Device, policy_table: PolicyTable
):
    chain = Chain(device)
    wrong = family_hi_payment(device, policy_table)
    wrong["payload"]["items"][0]["gross"] += 1000
    wrong["payload"]["gross"] += 1000
    wrong["payload"]["items"][0]["amount"] += 1000
    wrong["payload"]["amount"] += 1000
    first = chain.seal([wrong])
    answer = device.upload(first)
    assert answer.status_code == 200 and results_by_id(answer.json())[wrong["record_id"]]["status"] == "rejected"

    again = chain.seal([wrong], references=first["batch_id"], log=False)
    assert again["chain"]["entries"] == [] and again["chain"]["prev"] == chain.head
    assert device.upload(again).status_code == 200


# ---- a restore forks the chain, visibly --------------------------------------------------------


def _mark(chain: Chain, kind: str, content: dict[str, Any], record_id: str | None = None) -> ChainEntry:
    """An entry of the chain itself ("restored", "recovered"), appended as collector_app.store.audit does."""
    chain.seq += 1
    entry = ChainEntry(seq=chain.seq, kind=kind, record_id=record_id or str(uuid.uuid4()), content=content,
                       created_at="2026-03-06T09:00:00.000000+00:00", created_by=str(uuid.uuid4()),
                       device_id=chain.device.device_id, prev=chain.head, hash="")
    entry["hash"] = chain_hash(entry)
    chain.head = entry["hash"]
    chain.unsent.append(entry)
    return entry


def _restored(chain: Chain) -> ChainEntry:
    return _mark(chain, "restored", {"backup_seq": chain.seq, "backup_head": chain.head, "replaced_seq": None,
                                     "replaced_head": None, "backup": "older.sqlite3", "by": "restore"})


def _back_to(chain: Chain, entries: int) -> Chain:
    """The chain as an older backup of the device held it: its first `entries` entries, all sent."""
    older = Chain(chain.device)
    for entry in chain.sent[:entries]:
        older.seq, older.head = entry["seq"], entry["hash"]
    return older


def _forks(server: Server, device: Device) -> list[Any]:
    with server.engine.connect() as connection:
        return list(connection.execute(select(chain_forks).where(chain_forks.c.device_id == device.device_id)))


def test_a_restored_device_forks_its_chain_visibly_and_the_server_keeps_every_entry(
        server: Server, device: Device, policy_table: PolicyTable):
    chain = Chain(device)
    first = family_hi_payment(device, policy_table)
    assert device.upload((chain.seal([first]))).status_code == 200
    backup = _back_to(chain, 1)  # the backup: after the first payment
    second = family_hi_payment(device, policy_table, months=6)
    assert device.upload((chain.seal([second]))).status_code == 200
    left = chain.head
    payments = server.count("payments", device_id=device.device_id)

    restored = _restored(backup)
    third = family_hi_payment(device, policy_table, months=3)
    response = device.upload(backup.seal([third]))

    assert response.status_code == 200, response.text
    assert _head(server, device) == backup.head
    [fork] = _forks(server, device)
    assert (fork.from_seq, fork.replaced_head, fork.restored_hash) == (1, left, restored["hash"])
    assert server.count("chain_entries", device_id=device.device_id) == 4  # both branches: nothing dropped
    assert server.count("payments", device_id=device.device_id) == payments + 1
    # The branch goes on from its own head; the old head is no longer one to continue.
    assert device.upload(backup.seal([family_hi_payment(device, policy_table, months=12)])).status_code == 200
    _refused(server, device, chain.seal([family_hi_payment(device, policy_table, months=3)]))


def test_a_fork_from_an_entry_the_server_never_held_is_refused(server: Server, device: Device,
                                                               policy_table: PolicyTable):
    chain = Chain(device)
    assert device.upload(chain.seal([family_hi_payment(device, policy_table)])).status_code == 200
    accepted = chain.head
    invented = Chain(device, seq=1, head="ab" * 32)  # a history the server never saw
    _restored(invented)
    message = _refused(server, device, invented.seal([family_hi_payment(device, policy_table, months=6)]))
    assert "never held" in message
    assert _head(server, device) == accepted and _forks(server, device) == []


def test_a_fork_that_does_not_start_with_a_restored_entry_is_refused(server: Server, device: Device,
                                                                     policy_table: PolicyTable):
    chain = Chain(device)
    assert device.upload((chain.seal([family_hi_payment(device, policy_table)]))).status_code == 200
    assert device.upload(chain.seal([family_hi_payment(device, policy_table, months=6)])).status_code == 200
    older = _back_to(chain, 1)  # continues an entry the server holds, but says nothing of a restore
    message = _refused(server, device, older.seal([family_hi_payment(device, policy_table, months=3)]))
    assert "restored" in message
    # A restored entry that misnames where it continues from is refused too.
    lying = _back_to(chain, 1)
    _mark(lying, "restored", {"backup_seq": 0, "backup_head": CHAIN_GENESIS, "replaced_seq": None,
                              "replaced_head": None, "backup": None, "by": "restore"})
    _refused(server, device, lying.seal([family_hi_payment(device, policy_table, months=3)]))
    assert _forks(server, device) == [] and server.count("chain_entries", device_id=device.device_id) == 2


def test_a_recovered_entry_must_name_an_entry_the_server_holds(server: Server, device: Device,
                                                               policy_table: PolicyTable):
    chain = Chain(device)
    first = family_hi_payment(device, policy_table)
    assert device.upload((chain.seal([first]))).status_code == 200
    held = chain.sent[0]
    honest = _back_to(chain, 0)
    _restored(honest)
    _mark(honest, "recovered", {"kind": "payment", "record_id": first["record_id"], "server_hash": held["hash"],
                                "content": held["content"]}, record_id=first["record_id"])
    forged = Chain(device, seq=honest.seq, head=honest.head, unsent=copy.deepcopy(honest.unsent))
    forged.unsent[-1]["content"]["server_hash"] = "cd" * 32
    forged.unsent[-1]["hash"] = chain_hash(forged.unsent[-1])
    forged.head = forged.unsent[-1]["hash"]
    message = _refused(server, device, forged.seal([]))
    assert "never held" in message
    assert device.upload(honest.seal([])).status_code == 200
    assert _head(server, device) == honest.head and len(_forks(server, device)) == 1
