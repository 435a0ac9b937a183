"""Receiving a sealed batch: idempotent by batch id, one answer per record, each payment stored once.

Everything happens in one transaction, so a batch is either stored with its answer or not at all.
The batch row is inserted first (`ON CONFLICT DO NOTHING RETURNING`): a replay, or the same batch
sent by two processes at once, finds the stored row and gets its answer back byte for byte.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from collector_app.domain.problems import Problem, ProblemCode
from collector_app.wire import (
    CLOCK_TOLERANCE_SECONDS,
    BatchAnswer,
    CHAIN_GENESIS,
    BatchStatus,
    ErrorCode,
    RecordKind,
    RecordResult,
    RecordStatus,
    ChainKind,
    canonical_json,
    chain_errors,
    format_wire_time,
    integrity_errors,
    parse_wire_time,
    records_digest,
)
from provincial_server.services.canonical import canonical_answer, canonical_payloads, canonical_records
from provincial_server.services.errors import Conflict, Forbidden, Invalid, NotFound
from provincial_server.services.messages import describe
from provincial_server.services.policy import PolicyTables
from provincial_server.services.records import (
    REVIEWED_KINDS,
    History,
    PolicyLookup,
    Recalculator,
    Verdict,
    check_record,
)
from provincial_server.store.batches import BatchHeader, RecordRow
from provincial_server.store.chains import ChainHead, EntryRow, ForkRow
from provincial_server.store.ledger import Holder, ItemRow, PaymentRow, VoidRow
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Received:
    answer: str  # canonical JSON of the BatchAnswer, the same bytes on every replay
    new: bool  # False for a replay
    moved: frozenset[str] = frozenset()  # the points whose progress figures the batch changed


@dataclass(slots=True)
class _Record:
    """One record on its way through the checks."""

    position: int
    record_id: str
    kind: str
    payload_text: str  # canonical JSON
    payload_digest: str  # what the ledger keeps to recognise the same payment or void sent again
    digest: str  # of the whole record
    verdict: Verdict
    problem: Problem | None = None
    duplicate_of: str | None = None  # batch that first delivered it
    claimed: bool = False

    @property
    def first_delivery(self) -> bool:
        return self.problem is None and self.duplicate_of is None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def receive_batch(uow: UnitOfWork, batch: Mapping[str, Any], *, device: DeviceRow, policies: PolicyTables,
                  source: str, now: datetime, without_floats: bool = False) -> Received:
    """Store a sealed batch sent by `device` and answer each record, or give back the stored answer.

    Forbidden if the batch names another device; Conflict if its id was received with other
    content; Invalid (batch.integrity) if its count, total or digest do not match its records.
    `without_floats`: the caller parsed the batch and found no float, NaN or infinity in it, so its
    payloads may be encoded the fast way (`services.canonical`).
    """
    batch_id = str(batch["batch_id"])
    if batch["device_id"] != device.device_id:
        raise Forbidden(ErrorCode.AUTH_OTHER_POINT, "the batch names another device than the caller")
    # Each payload is encoded once; the record, batch and content digests are built from that.
    try:
        payloads_json = canonical_payloads((record["payload"] for record in batch["records"]),
                                           without_floats=without_floats)
    except ValueError:  # NaN, infinity or a lone surrogate ("\ud800") has no canonical form, so no digest either
        raise Invalid(ErrorCode.REQUEST_INVALID, "the batch holds a value with no canonical JSON form "
                                                 "(NaN, infinity, or text that is not valid Unicode)") from None
    records_json = canonical_records(batch["records"], payloads_json)
    digest = records_digest(records_json)
    header_json = canonical_json({name: value for name, value in batch.items() if name != "records"})
    content_sha256 = _sha256(header_json + digest.encode("ascii"))
    header = BatchHeader(
        batch_id=batch_id, device_id=device.device_id, point_code=device.point_code,
        device_sequence=int(batch["device_sequence"]), sealed_at=str(batch["sealed_at"]),
        record_count=int(batch["record_count"]), total_amount=int(batch["total_amount"]),
        sha256=str(batch["sha256"]), content_sha256=content_sha256,
        references_batch_id=batch.get("references_batch_id"), source=source,
    )
    errors = integrity_errors(batch, digest=digest)
    ahead = (parse_wire_time(str(batch["sealed_at"])) - now).total_seconds()
    with uow:
        if not uow.batches.insert_new(header, now=now):
            stored = uow.batches.stored(batch_id)
            assert stored is not None
            if stored.device_id != device.device_id:
                raise Forbidden(ErrorCode.AUTH_OTHER_POINT, "this batch id belongs to another device")
            if stored.content_sha256 != content_sha256:
                raise Conflict(ErrorCode.BATCH_CONFLICT,
                               f"batch {batch_id} was received before with other content; seal a new batch")
            return Received(stored.answer, new=False)
        if ahead > CLOCK_TOLERANCE_SECONDS:  # rolls the batch row back: the device seals it again
            raise Invalid(ErrorCode.BATCH_SEALED_IN_FUTURE,
                          f"the batch is sealed at {batch['sealed_at']}, {int(ahead)} s after the server's time "
                          f"{format_wire_time(now)}: the device's clock is ahead")
        if errors:
            raise Invalid(ErrorCode.BATCH_INTEGRITY, "; ".join(errors))  # rolls the batch row back
        _check_chain(uow, batch_id, batch, device, now=now)  # rolls the batch row back when broken

        tables: dict[str, Recalculator | None] = {}  # by version, for this batch: its records share a few

        def lookup(version: str) -> Recalculator | None:
            if version not in tables:
                tables[version] = policies.recalculator(uow, version)
            return tables[version]

        today = now.date()
        records = [
            _prepare(position, record, payload_json, record_json, device, lookup, today)
            for position, (record, payload_json, record_json) in enumerate(
                zip(batch["records"], payloads_json, records_json, strict=True))
        ]
        moved = _judge(uow, batch_id, records, device, now=now)
        results = [_result(record) for record in records]
        answer = BatchAnswer(batch_id=batch_id, status=BatchStatus.RECEIVED.value, results=results)
        text = canonical_answer(answer).decode("utf-8")
        uow.batches.add_records([_row(batch_id, r, result) for r, result in zip(records, results, strict=True)])
        _hand_on_rounds(uow, batch_id, records, device, now=now)
        accepted = sum(1 for record in records if record.problem is None)
        uow.batches.finish(
            batch_id, answer=text, accepted=accepted, rejected=len(records) - accepted,
            pending_review=sum(1 for r in records if r.first_delivery and r.kind in REVIEWED_KINDS),
        )
        uow.commit()
    return Received(text, new=True, moved=frozenset(moved))


_HANDED_ON = (RecordKind.ROUND, RecordKind.ROUND_VISIT)


def _hand_on_rounds(uow: UnitOfWork, batch_id: str, records: Sequence[_Record], device: DeviceRow, *,
                    now: datetime) -> None:
    """A change of the device's point for each visit round and visit first delivered in the batch: the
    point's other devices pull them (`services.changes`); no other point's device ever sees them."""
    positions = [r.position for r in records if r.first_delivery and r.kind in _HANDED_ON]
    if positions:
        change_ids = uow.feed.append_many("round", len(positions), now=now, point_code=device.point_code)
        uow.feed.add_round_notices(change_ids, positions, batch_id=batch_id, device_id=device.device_id)


# The record kinds that are money events: each must have its entry in the device's chain.
_CHAINED_RECORDS = (RecordKind.PAYMENT, RecordKind.VOID, RecordKind.REPRINT, RecordKind.DAY_CLOSE,
                    RecordKind.HANDOVER)


def _chain_broken(reason: str) -> Conflict:
    return Conflict(ErrorCode.BATCH_CHAIN_BROKEN,
                    f"the batch's money chain does not continue this device's: {reason}; the device's records "
                    f"were changed outside the app or a batch is missing, so the batch is refused")


def _check_chain(uow: UnitOfWork, batch_id: str, batch: Mapping[str, Any], device: DeviceRow, *,
                 now: datetime) -> None:
    """The batch's chain continues where the device's last accepted batch ended, each entry hashes to
    its hash, each money record of the batch has its entry (here or accepted before, unless the server
    received the record before the chain began) and a payment's entry holds the payment's amount.
    A device's first chained batch starts its chain; once started, every batch must carry it. Moves
    the device's head (in this transaction); Conflict `batch.chain_broken` otherwise.

    One exception, made visible: a device restored from an older backup continues from an earlier entry
    of its chain. Its batch is accepted when, after any entries the server holds already, its first new
    entry is a "restored" one continuing an entry the server holds; the fork is recorded (`chain_forks`)
    and every entry held before stays held."""
    chain = batch.get("chain")
    head = uow.chains.head(device.device_id)
    if chain is None:
        if head is not None:
            raise _chain_broken(f"it carries no chain, but batch {head.batch_id} did")
        return
    errors = chain_errors(chain)
    if errors:
        raise _chain_broken("; ".join(errors))
    entries: list[Mapping[str, Any]] = chain["entries"]
    for entry in entries:
        if entry["device_id"] not in (None, device.device_id):
            raise _chain_broken(f"entry {entry['seq']} names another device")
        if entry["kind"] not in {kind.value for kind in ChainKind}:
            raise _chain_broken(f"entry {entry['seq']} is of unknown kind {entry['kind']!r}")
    held = (uow.chains.held(device.device_id, [str(e["hash"]) for e in entries])
            if head is not None and chain["prev"] != head.head else {})
    new = entries
    fork: ForkRow | None = None
    elsewhere = head is not None and chain["prev"] != head.head
    if head is not None and elsewhere:
        new, fork = _fork(uow, batch_id, chain, entries, held, head, device, now=now)
    _check_recovered(uow, device, new)
    money_entries = [e for e in entries if e["kind"] not in _CHAIN_MARKS]
    by_record = {str(entry["record_id"]): entry for entry in money_entries}
    money = [record for record in batch["records"] if record["kind"] in _CHAINED_RECORDS]
    for record in money:
        found = by_record.get(str(record["record_id"]))
        if found is None or record["kind"] != RecordKind.PAYMENT:
            continue
        entry = found
        recorded = entry["content"].get("payment") if isinstance(entry["content"], Mapping) else None
        amount = record["payload"].get("amount") if isinstance(record["payload"], Mapping) else None
        if not isinstance(recorded, Mapping) or recorded.get("amount") != amount:
            raise _chain_broken(f"payment {record['record_id']} is of {amount!r} VND, its entry {entry['seq']} "
                                f"recorded {recorded.get('amount') if isinstance(recorded, Mapping) else None!r}")
    missing = sorted({str(r["record_id"]) for r in money} - set(by_record))
    unknown = sorted(set(missing) - uow.chains.known_records(device.device_id, missing)) if missing else []
    if unknown:
        raise _chain_broken(f"record {unknown[0]} has no entry in the chain")
    if elsewhere and not new:
        return  # entries it holds already (sent again after a restore): the head stays where it is
    last_seq = int(entries[-1]["seq"]) if entries else (head.last_seq if head is not None else 0)
    if not uow.chains.advance(device.device_id, prev=None if head is None else head.head, head=chain["head"],
                              last_seq=last_seq, batch_id=batch_id, now=now):
        raise _chain_broken("another batch of this device moved its chain at the same time")
    uow.chains.add_entries(device.device_id, batch_id, [
        EntryRow(seq=int(e["seq"]), kind=str(e["kind"]), record_id=str(e["record_id"]), hash=str(e["hash"]),
                 prev=str(e["prev"]), entry=canonical_json(e).decode("utf-8")) for e in new])
    if fork is not None:
        uow.chains.record_fork(fork)


# Entries that mark the chain itself rather than a money record sent in a batch.
_CHAIN_MARKS = (ChainKind.RESTORED.value, ChainKind.RECOVERED.value)


def _fork(uow: UnitOfWork, batch_id: str, chain: Mapping[str, Any], entries: list[Mapping[str, Any]],
          held: Mapping[str, int], head: ChainHead, device: DeviceRow, *, now: datetime
          ) -> tuple[list[Mapping[str, Any]], ForkRow | None]:
    """A chain that does not continue the head: the entries the server lacks and the fork they make, when
    they start with a "restored" entry continuing an entry the server holds; `batch.chain_broken` otherwise."""
    refused = f"it continues from {chain['prev']}, the last accepted batch ended at {head.head}"
    prev = str(chain["prev"])
    known = {**held, **uow.chains.held(device.device_id, [prev])}
    if prev != CHAIN_GENESIS and prev not in known:
        raise _chain_broken(refused + "; this device's chain never held that entry")
    skipped = 0
    while skipped < len(entries) and str(entries[skipped]["hash"]) in held:
        skipped += 1
    new = entries[skipped:]
    if not new:
        return [], None  # nothing new: entries the server holds, sent again
    first = new[0]
    start = str(first["prev"])
    if start == head.head:
        return new, None  # the entries held led up to the head: it is continued after all
    start_seq = 0 if start == CHAIN_GENESIS else known[start]
    if first["kind"] != ChainKind.RESTORED.value:
        raise _chain_broken(refused + "; a device restored from a backup starts its new branch with a "
                                      "\"restored\" entry, and this one does not")
    if int(first["seq"]) != start_seq + 1:
        raise _chain_broken(f"{refused}; its restored entry {first['seq']} does not follow entry {start_seq}")
    content = first["content"] if isinstance(first["content"], Mapping) else {}
    if content.get("backup_head") != start or content.get("backup_seq") != start_seq:
        raise _chain_broken(f"{refused}; its restored entry does not name the entry it continues")
    return new, ForkRow(device_id=device.device_id, batch_id=batch_id, from_seq=start_seq, from_hash=start,
                        replaced_seq=head.last_seq, replaced_head=head.head, restored_hash=str(first["hash"]),
                        restored_entry=canonical_json(first).decode("utf-8"), created_at=now)


def _check_recovered(uow: UnitOfWork, device: DeviceRow, entries: Sequence[Mapping[str, Any]]) -> None:
    """A "recovered" entry names an entry of this device's chain the server holds (it was written back
    from there): one naming any other is refused."""
    named: dict[str, Mapping[str, Any]] = {}
    unchained: dict[str, Mapping[str, Any]] = {}  # records the server received before the chain began
    for entry in entries:
        if entry["kind"] != ChainKind.RECOVERED.value:
            continue
        content = entry["content"] if isinstance(entry["content"], Mapping) else {}
        server_hash = content.get("server_hash")
        if not isinstance(server_hash, str) or content.get("record_id") != entry["record_id"]:
            raise _chain_broken(f"recovered entry {entry['seq']} does not name the entry it was written back from")
        if server_hash:
            named[server_hash] = entry
        else:
            unchained[str(entry["record_id"])] = entry
    if unchained:
        known = uow.chains.known_records(device.device_id, list(unchained))
        for record_id, entry in unchained.items():
            if record_id not in known:
                raise _chain_broken(f"recovered entry {entry['seq']} names record {record_id}, which the server "
                                    f"never received")
    if named:
        held = uow.chains.held(device.device_id, list(named))
        for server_hash, entry in named.items():
            if server_hash not in held:
                raise _chain_broken(f"recovered entry {entry['seq']} names {server_hash}, an entry this device's "
                                    f"chain never held")


def batch_answer(uow: UnitOfWork, batch_id: str, *, device: DeviceRow) -> str:
    """The stored answer of one of this device's batches."""
    with uow:
        stored = uow.batches.stored(batch_id)
    if stored is None:
        raise NotFound(ErrorCode.NOT_FOUND, f"no batch {batch_id} has been received")
    if stored.device_id != device.device_id:
        raise Forbidden(ErrorCode.AUTH_OTHER_POINT, "this batch belongs to another device")
    return stored.answer


# ---- the checks that need the database ----------------------------------------------------------


def _prepare(position: int, record: Mapping[str, Any], payload_json: bytes, record_json: bytes, device: DeviceRow,
             lookup: PolicyLookup, today: date) -> _Record:
    return _Record(
        position=position, record_id=str(record["record_id"]), kind=str(record["kind"]),
        payload_text=payload_json.decode("utf-8"), payload_digest=_sha256(payload_json), digest=_sha256(record_json),
        verdict=check_record(str(record["kind"]), record["payload"], device_id=device.device_id,
                             series=device.series, policies=lookup, today=today),
    )


def _judge(uow: UnitOfWork, batch_id: str, records: Sequence[_Record], device: DeviceRow, *,
           now: datetime) -> set[str]:
    """Settle each record: rejected (own fault, or clashing with the ledger), a duplicate, or new; the points
    whose progress figures the new payments and voids change."""
    seen: set[str] = set()
    for record in records:
        if record.record_id in seen:
            record.problem = Problem(ProblemCode.SYNC_DUPLICATE_IN_BATCH, {"record_id": record.record_id})
        else:
            seen.add(record.record_id)

    # A record delivered before (a resend after a lost reply, a batch sealed again) is a duplicate
    # if its content is the same and a conflict if not; only a new record is judged on its own.
    # The records that passed their own checks are claimed as first deliveries at once, with an
    # insert that ignores conflicts: that also settles races with a concurrent batch carrying the
    # same record. Only the others (usually none) are looked up among earlier deliveries.
    candidates = [record for record in records if record.problem is None]
    passed = {record.record_id: record.digest for record in candidates if record.verdict.problem is None}
    claimed = uow.batches.claim_first_deliveries(batch_id, passed)
    for record in candidates:
        record.claimed = record.record_id in claimed
    # The rest: records that failed their own checks (rejected, unless delivered before) and records
    # that passed but were not claimed: delivered before, or a concurrent batch committed them first,
    # whose rows are visible now (PostgreSQL's READ COMMITTED reads afresh at each statement; SQLite
    # has one writer at a time).
    unclaimed = [record for record in candidates if not record.claimed]
    _compare_with_earlier(uow, unclaimed)
    for record in unclaimed:
        if record.first_delivery:
            if record.verdict.problem is None:
                raise RuntimeError("a record's first delivery is neither claimed nor visible: not READ COMMITTED?")
            record.problem = record.verdict.problem
    fresh = [record for record in candidates if record.claimed]

    payment_positions = {r.record_id: r.position for r in records if r.kind == RecordKind.PAYMENT}
    _check_against_ledger(uow, fresh, device, payment_positions)
    paid = _write_payments(uow, batch_id, [r for r in fresh if r.first_delivery and r.verdict.payment], device,
                           now=now)
    voided = _write_voids(uow, batch_id, [r for r in fresh if r.first_delivery and r.verdict.void], device, now=now)
    if not paid and not voided:
        return set()
    # The progress figures of this point change, and of any point where these people paid too (who is new
    # there follows their earliest period anywhere): theirs are computed again.
    moved = uow.progress.points_of_people_paid(sorted(paid), sorted(voided))
    uow.progress.raise_versions(moved)
    return moved
    uow.batches.release_first_deliveries(batch_id, [record.record_id for record in fresh if not record.first_delivery])


def _check_against_ledger(uow: UnitOfWork, records: Sequence[_Record], device: DeviceRow,
                          payment_positions: Mapping[str, int]) -> None:
    """Judge new payments and voids, in batch order, against what the server holds and the batch before them.

    A payment must not pay months already paid, and must count at least the support and the card the
    ledger holds for its people (`History`); a void must cancel a receipt of this device whose payment
    the server received: held in the ledger, delivered earlier in this batch, or delivered and rejected
    before (a void of a payment the server refused changes no money, and settles the receipt).
    `payment_positions`: the position in the batch of each payment record it carries.
    """
    payments = [record.verdict.payment for record in records if record.verdict.payment]
    voids = [record.verdict.void for record in records if record.verdict.void]
    if not payments and not voids:
        return
    point = uow.points.get(device.point_code)
    point_province = None if point is None else point.province_code
    people = Counter(key for payment in payments for key in payment.person_keys)
    history = History(uow.ledger.covers(sorted(people)), again={key for key, n in people.items() if n > 1})
    numbers = sorted({void.receipt_number for void in voids})
    held = uow.ledger.held_receipts(numbers) if voids else {}
    rejected = (uow.batches.rejected_deliveries(sorted({void.payment_id for void in voids}),
                                                device_id=device.device_id) if voids else set())
    accepted_here: dict[str, str] = {}  # payment id -> receipt number, of payments accepted above
    for record in records:
        payment, void = record.verdict.payment, record.verdict.void
        if payment is not None:
            record.problem = history.problem(payment, point_province=point_province)
            if record.problem is None:
                history.add(payment)
                accepted_here[payment.payment_id] = payment.receipt_number
        elif void is not None:
            holder = held.get(void.receipt_number)
            if holder is not None and holder.device_id == device.device_id:
                known = holder.payment_id == void.payment_id
            elif void.payment_id in accepted_here:
                known = accepted_here[void.payment_id] == void.receipt_number
            else:
                known = (void.payment_id in rejected
                         or payment_positions.get(void.payment_id, record.position) < record.position)
            if not known:
                record.problem = Problem(ProblemCode.SYNC_VOID_RECEIPT_UNKNOWN, {"number": void.receipt_number})
            else:
                history.void(void.receipt_number)


def _compare_with_earlier(uow: UnitOfWork, records: Sequence[_Record]) -> None:
    if not records:
        return
    earlier = uow.batches.first_deliveries([record.record_id for record in records])
    for record in records:
        delivery = earlier.get(record.record_id)
        if delivery is None:
            continue
        if delivery.digest == record.digest:
            record.duplicate_of = delivery.batch_id
        else:
            record.problem = Problem(ProblemCode.SYNC_RECORD_CONFLICT, {"batch_id": delivery.batch_id})


def _settle_clash(record: _Record, key: str, number: str, holders: Sequence[Holder], taken: ProblemCode) -> None:
    """A ledger row that was not inserted: the same entry delivered before, or its number is taken."""
    digest = record.payload_digest
    same_key = next((holder for holder in holders if holder.key == key), None)
    if same_key is not None:
        if same_key.digest == digest:
            record.duplicate_of = same_key.batch_id
        else:
            record.problem = Problem(ProblemCode.SYNC_RECORD_CONFLICT, {"batch_id": same_key.batch_id})
    else:
        record.problem = Problem(taken, {"number": number})


def _write_payments(uow: UnitOfWork, batch_id: str, records: Sequence[_Record], device: DeviceRow, *,
                    now: datetime) -> set[str]:
    """Add the payments to the ledger; the ids of those it did not hold."""
    rows = []
    for record in records:
        entry = record.verdict.payment
        assert entry is not None
        rows.append(PaymentRow(
            payment_id=entry.payment_id, record_id=record.record_id, batch_id=batch_id,
            device_id=device.device_id, point_code=device.point_code, receipt_number=entry.receipt_number,
            scheme=entry.scheme, paid_on=entry.paid_on, policy_version=entry.policy_version, gross=entry.gross,
            state_support=entry.state_support, local_support=entry.local_support, amount=entry.amount,
            digest=record.payload_digest, household_id=entry.household_id,
            residence_province=entry.residence_province,
        ))
    inserted = uow.ledger.add_payments(rows, now=now)
    uow.ledger.add_items([
        ItemRow(entry.payment_id, position, person_key, item.period_start, item.period_end, item.months,
                item.supported_months, facility)
        for entry in (record.verdict.payment for record in records)
        if entry is not None and entry.payment_id in inserted
        for position, (person_key, item, facility) in enumerate(zip(
            entry.person_keys, entry.items, entry.facility_codes or (None,) * len(entry.items), strict=True))
    ])
    clashes = [(record, row) for record, row in zip(records, rows, strict=True) if row.payment_id not in inserted]
    if clashes:
        holders = uow.ledger.payment_holders([row.payment_id for _, row in clashes],
                                             [row.receipt_number for _, row in clashes])
        for record, row in clashes:
            mine = [h for h in holders if h.key == row.payment_id or h.receipt_number == row.receipt_number]
            _settle_clash(record, row.payment_id, row.receipt_number, mine, ProblemCode.SYNC_RECEIPT_TAKEN)
    return inserted


def _write_voids(uow: UnitOfWork, batch_id: str, records: Sequence[_Record], device: DeviceRow, *,
                 now: datetime) -> set[str]:
    """Add the voids to the ledger; the receipt numbers of those it did not hold."""
    rows = []
    for record in records:
        entry = record.verdict.void
        assert entry is not None
        rows.append(VoidRow(
            void_id=entry.void_id, receipt_number=entry.receipt_number, batch_id=batch_id,
            device_id=device.device_id, reason=entry.reason, voided_at=entry.voided_at,
            digest=record.payload_digest,
        ))
    inserted = uow.ledger.add_voids(rows, now=now)
    clashes = [(record, row) for record, row in zip(records, rows, strict=True) if row.void_id not in inserted]
    if clashes:
        holders = uow.ledger.void_holders([row.void_id for _, row in clashes],
                                          [row.receipt_number for _, row in clashes])
        for record, row in clashes:
            mine = [h for h in holders if h.key == row.void_id or h.receipt_number == row.receipt_number]
            _settle_clash(record, row.void_id, row.receipt_number, mine, ProblemCode.RECEIPT_ALREADY_VOID)
    return {row.receipt_number for row in rows if row.void_id in inserted}


# ---- answers and rows ---------------------------------------------------------------------------


_ACCEPTED = RecordStatus.ACCEPTED.value


def _result(record: _Record) -> RecordResult:
    if record.problem is not None:
        return RecordResult(record_id=record.record_id, status=RecordStatus.REJECTED.value,
                            code=str(record.problem.code), message=describe(record.problem),
                            params=record.problem.as_dict()["params"])
    if record.duplicate_of is not None:
        duplicate = Problem(ProblemCode.SYNC_RECORD_DUPLICATE, {"batch_id": record.duplicate_of})
        return RecordResult(record_id=record.record_id, status=_ACCEPTED,
                            code=str(duplicate.code), message=describe(duplicate),
                            params=duplicate.as_dict()["params"])
    return RecordResult(record_id=record.record_id, status=_ACCEPTED, code=None, message=None, params={})


def _row(batch_id: str, record: _Record, result: RecordResult) -> RecordRow:
    return RecordRow(
        batch_id=batch_id, record_id=record.record_id, position=record.position, kind=record.kind,
        status=result["status"], code=result["code"], message=result["message"], digest=record.digest,
        payload=None if record.duplicate_of is not None else record.payload_text,
        duplicate_of=record.duplicate_of,
        review="pending" if record.first_delivery and record.kind in REVIEWED_KINDS else None,
    )

