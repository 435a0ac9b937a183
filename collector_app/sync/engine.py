"""Syncing with the provincial server: enrol, seal pending work, deliver sealed batches, pull decisions, policy
tables and the initial health-care facilities.

Resumable after a failure at any point: every step commits on its own; a sealed batch is sent byte
for byte the same until its answer is stored (a lost reply only means the next run gets the stored
answer); a page of changes moves the cursor in the transaction that applies it. No transaction is
held while waiting on the network, so recording payments never waits for a sync.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from collector_app.domain.facilities import is_facility_code
from collector_app.domain.policy import PolicyTable, PolicyTableError
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.progress import SCHEMES
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.domain.server_address import is_public_url
from collector_app.domain.text import unsafe_characters
from collector_app.i18n import _
from collector_app.store.batches import (
    DEFAULT_MAX_RECORDS,
    BatchRow,
    StoredAnswer,
    refuse,
    seal_again,
    seal_pending,
    store_answer,
    undelivered,
)
from collector_app.store.db import Store
from collector_app.store.device import set_up_device, this_device
from collector_app.store.facility_updates import FacilityUpdate
from collector_app.store.health import StoreFailure
from collector_app.store.outbox import APPROVED, REJECTED, RecordAnswer, RejectedRecord, Review
from collector_app.store.receipt_list import list_receipts
from collector_app.store.rounds import (
    SERVER_HELD,
    ReportedReceipt,
    add_results,
    apply_round_notices,
    round_households,
    rounds_made_since,
)
from collector_app.store.sync_state import apply_pulled, record_attempt, save_enrolment, sync_state
from collector_app.store.target_updates import TargetUpdate
from collector_app.sync.client import (
    DEFAULT_BACKOFF,
    DEFAULT_TIMEOUT,
    Backoff,
    ProtocolError,
    ServerRefused,
    ServerUnavailable,
    SyncClient,
    SyncError,
    UploadAnswer,
)
from collector_app.wire import (
    BatchAnswer,
    ChangesPage,
    TargetNotice,
    Decision,
    EnrolRequest,
    ErrorCode,
    FacilityNotice,
    TextLimits,
    canonical_json,
    decode_key,
    encode_key,
    followed_release_key,
    sign_enrolment,
)

Progress = Callable[[int, int], None]
"""(done, total) batches delivered so far."""

# The server refuses these for the batch itself (conflict, integrity, too large, not the schema):
# sending the same bytes again cannot help, so the batch is set aside and the queue moves on.
BATCH_REFUSALS = frozenset({409, 413, 422})


class NotEnrolled(SyncError):
    def __init__(self) -> None:
        super().__init__(_("This device is not enrolled with a provincial server: run "
                           "collector-app enrol --server URL --code CODE first."))


# ---- enrolment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    server_url: str
    device_id: str
    point_code: str
    point_name: str
    series: str


def enrol(store: Store, client: SyncClient, *, code: str, ca_bundle: str | None = None) -> Enrolment:
    """Enrol this device with a one-time code; it takes the point and receipt series the server gives.

    A device that has already issued receipts keeps its series: it tells the server its device code,
    and a code for another collection point is refused (SYNC_ENROL_SERIES_MISMATCH). The request is
    signed with the device's key, so the client may send it again when the reply is lost, and so
    may a second run of this with the same code.
    """
    store.require_writable()  # a damaged store talks to no server (collector_app.store.health)
    device = this_device(store) or set_up_device(store, new_keys=generate_device_keys, actor="enrol")
    issued = bool(list_receipts(store, limit=1))
    request = EnrolRequest(
        code=code, device_id=device.device_id, device_name=device.name, public_key=encode_key(device.public_key),
        signature=sign_enrolment(code=code, device_id=device.device_id, public_key=device.public_key,
                                 private_key=device.private_key),
    )
    if issued:
        request["device_code"] = device.device_code
    answer = client.enrol(request)
    if issued and answer["series"] != device.series:
        raise DomainError(Problem(ProblemCode.SYNC_ENROL_SERIES_MISMATCH, {
            "series": device.series, "server_series": answer["series"], "point": device.point_code}))
    adopted = set_up_device(store, new_keys=generate_device_keys, point_code=answer["point_code"],
                            point_name=answer["point_name"], device_code=answer["device_code"], actor="enrol")
    save_enrolment(store, server_url=client.base_url, token=answer["token"],
                   server_public_key=answer["server_public_key"], ca_bundle=ca_bundle,
                   public_url=_public_url(answer.get("public_url")), release_key=_release_key(answer.get("release_key")))
    return Enrolment(server_url=client.base_url, device_id=adopted.device_id, point_code=adopted.point_code,
                     point_name=adopted.point_name, series=adopted.series)


def client_for(
    store: Store, *, server_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> SyncClient:
    """A client for the server this device is enrolled with (or `server_url`), with its token and CA bundle."""
    state = sync_state(store)
    url = server_url or state.server_url
    if state.token is None or url is None:
        raise NotEnrolled()
    return SyncClient(url, state.token, verify=state.ca_bundle or True, timeout=timeout, backoff=backoff)


# ---- sealing ------------------------------------------------------------------------------------


def seal(store: Store, *, actor: str, max_records: int = DEFAULT_MAX_RECORDS) -> list[BatchRow]:
    """Seal whatever is pending into batches ([] when nothing is), dated by the server's clock as last measured;
    refused on a damaged store."""
    store.require_writable()
    device = this_device(store)
    if device is None:  # nothing can have been recorded without a device
        return []
    return seal_pending(store, device_id=device.device_id, actor=actor,
                        max_records=max_records, clock_offset=sync_state(store).clock_offset or 0.0)


# ---- delivering and pulling ---------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveredBatch:
    batch_id: str
    device_sequence: int
    accepted: int
    rejected: int
    replayed: bool  # its answer had been stored before (another process, an answer file)


@dataclass(frozen=True)
class RefusedBatch:
    batch_id: str
    device_sequence: int
    code: str
    message: str


@dataclass(frozen=True)
class SyncReport:
    delivered: tuple[DeliveredBatch, ...]
    rejected: tuple[RejectedRecord, ...]  # records rejected in the batches delivered now
    refused: tuple[RefusedBatch, ...]
    reviews: int  # supervisors' decisions on this device's records, pulled now
    new_policy_versions: tuple[str, ...]
    refused_policy_versions: tuple[str, ...]  # invalid, or published again with other content
    clock_offset: float | None = None  # seconds the server's clock is ahead of this device's
    facilities: int = 0  # initial health-care facilities added, changed or withdrawn by this pull
    refused_facilities: tuple[str, ...] = ()  # codes of facility notices that failed the checks, skipped
    targets: int = 0  # the point's yearly targets set or changed by this pull
    rounds: int = 0  # visit rounds and visits the point's other devices sent, kept by this pull

    @property
    def clean(self) -> bool:
        """Everything delivered and accepted."""
        return not self.rejected and not self.refused


def keep_answer(store: Store, batch_id: str, reply: UploadAnswer) -> StoredAnswer:
    """Store the server's answer to one of this device's batches, after checking it is one."""
    answer: BatchAnswer = reply.answer
    if answer["batch_id"] != batch_id:
        raise ProtocolError(_("an answer to batch {other} came for batch {batch}").format(
            other=answer["batch_id"], batch=batch_id))
    results = [RecordAnswer(record_id=r["record_id"], status=r["status"], code=r["code"], message=r["message"],
                            params=r["params"]) for r in answer["results"]]
    try:
        return store_answer(store, batch_id, reply.text, results)
    except StoreFailure:  # a DomainError, so a ValueError too: the disk, not the server, failed
        raise
    except ValueError as error:
        raise ProtocolError(str(error)) from error


def sync_once(store: Store, client: SyncClient, *, progress: Progress | None = None) -> SyncReport:
    """Deliver every sealed batch not yet answered, in order, then pull decisions and policy tables.

    Raises ServerUnavailable when the server cannot be reached (the work stays queued) and
    ServerRefused when it refuses the device (DeviceRevoked: the province revoked it). The outcome of the attempt is
    remembered either way (`store.sync_state`). A damaged store sends nothing (StoreFailure).
    """
    store.require_writable()
    try:
        delivered, rejected, refused = _deliver(store, client, progress)
        if any(batch.code == ErrorCode.BATCH_SEALED_IN_FUTURE for batch in refused):
            # Sealed by a clock ahead of the server's: the server kept nothing of those batches.
            # Seal their records again, dated by the server's clock now measured, and send them.
            for batch in refused:
                if batch.code == ErrorCode.BATCH_SEALED_IN_FUTURE:
                    seal_again(store, batch.batch_id, actor="sync")
            record_attempt(store, online=True, error=None, synced=False, clock_offset=client.clock_offset)
            seal(store, actor="sync")
            more = _deliver(store, client, progress)
            delivered, rejected = delivered + more[0], rejected + more[1]
            refused = [b for b in refused if b.code != ErrorCode.BATCH_SEALED_IN_FUTURE] + more[2]
        pulled = _pull(store, client)
    except ServerUnavailable as error:
        record_attempt(store, online=False, error=str(error), synced=False, clock_offset=client.clock_offset)
        raise
    except SyncError as error:
        record_attempt(store, online=True, error=str(error), synced=False, clock_offset=client.clock_offset)
        raise
    record_attempt(store, online=True, error=None, synced=True, clock_offset=client.clock_offset)
    return SyncReport(delivered=tuple(delivered), rejected=tuple(rejected), refused=tuple(refused),
                      reviews=pulled.reviews, new_policy_versions=tuple(pulled.new_versions),
                      refused_policy_versions=tuple(pulled.refused_versions), clock_offset=client.clock_offset,
                      facilities=pulled.facilities, refused_facilities=tuple(pulled.refused_facilities),
                      targets=pulled.targets, rounds=pulled.rounds)


def _deliver(
    store: Store, client: SyncClient, progress: Progress | None
) -> tuple[list[DeliveredBatch], list[RejectedRecord], list[RefusedBatch]]:
    outgoing = undelivered(store)
    delivered: list[DeliveredBatch] = []
    rejected: list[RejectedRecord] = []
    refused: list[RefusedBatch] = []
    for done, item in enumerate(outgoing):
        if progress is not None:
            progress(done, len(outgoing))
        batch = item.batch
        try:
            reply = client.upload(item.body)
        except ServerRefused as error:
            if error.status not in BATCH_REFUSALS:
                raise
            refuse(store, batch.batch_id, code=error.code, message=error.server_message)
            refused.append(RefusedBatch(batch_id=batch.batch_id, device_sequence=batch.device_sequence,
                                        code=error.code, message=error.server_message))
            continue
        stored = keep_answer(store, batch.batch_id, reply)
        delivered.append(DeliveredBatch(batch_id=batch.batch_id, device_sequence=batch.device_sequence,
                                        accepted=stored.accepted, rejected=len(stored.rejected),
                                        replayed=not stored.new))
        rejected += stored.rejected
    if progress is not None:
        progress(len(outgoing), len(outgoing))
    return delivered, rejected, refused


@dataclass
class _Pulled:
    reviews: int = 0
    new_versions: list[str] = field(default_factory=list)
    refused_versions: list[str] = field(default_factory=list)
    facilities: int = 0
    refused_facilities: list[str] = field(default_factory=list)
    targets: int = 0
    rounds: int = 0


def _pull(store: Store, client: SyncClient) -> _Pulled:
    cursor = sync_state(store).cursor
    pulled = _Pulled()
    device = this_device(store)
    while True:
        page: ChangesPage = client.changes(cursor)
        # Before the cursor moves past them: kept once however often a page is applied.
        if device is not None:
            pulled.rounds += apply_round_notices(store, page.get("rounds", []), device_id=device.device_id,
                                                 point_code=device.point_code)
        pinned = sync_state(store).release_key
        tables, invalid = _valid_tables(page["policy_tables"])
        facilities, refused_facilities = _valid_facilities(page.get("facilities", []))
        applied = apply_pulled(
            store, cursor=page["cursor"],
            reviews=[Review(record_id=d["record_id"], batch_id=d["batch_id"],
                            review=APPROVED if d["decision"] == Decision.APPROVE else REJECTED,
                            reason=d["reason"], reviewed_at=d["decided_at"]) for d in page["decisions"]],
            policy_tables=tables, reference=canonical_json(page["reference"]).decode("utf-8"),
            facilities=facilities, public_url=_public_url(page["reference"].get("public_url")),
            targets=_valid_targets(page.get("targets", [])),
            releases=canonical_json(page.get("releases", [])).decode("utf-8"),
            release_key=_release_key_to_pin(pinned, page["reference"]), pinned_release_key=pinned,
        )
        pulled.reviews += applied.reviews_matched
        pulled.new_versions += applied.new_policy_versions
        pulled.refused_versions += invalid + applied.conflicting_policy_versions
        pulled.facilities += applied.facilities_changed
        pulled.refused_facilities += refused_facilities
        pulled.targets += applied.targets_changed
        # A full page that did not move the cursor would loop forever: stop, the next sync goes on.
        if not page["more"] or page["cursor"] == cursor:
            if device is not None:
                pulled.rounds += _round_payments(store, client, device.device_id)
            return pulled
        cursor = page["cursor"]


ROUND_PAYMENTS_DAYS = 183
"""A round made this many days ago or less asks the server, at each sync, what its people paid since."""


def _round_payments(store: Store, client: SyncClient, device_id: str) -> int:
    """For each recent round this device made, the point's payments the server holds for its people (a
    collaborator's laptop took them, the server checked them): receipts of the round changed here."""
    changed = 0
    since = date.today() - timedelta(days=ROUND_PAYMENTS_DAYS)
    for header in rounds_made_since(store, device_id, since):
        answer = client.round_payments(header.round_id)
        if answer is None:
            continue
        members = {(m.citizen_id or m.person_id, m.scheme): m.person_id
                   for household in round_households(store, header.round_id) for m in household.members}
        receipts = [ReportedReceipt(receipt_number=r["receipt_number"], person_id=members[(r["person_key"], r["scheme"])],
                                    scheme=r["scheme"], paid_on=date.fromisoformat(r["paid_on"]), amount=r["amount"],
                                    voided=r["voided"])
                    for r in answer["receipts"] if (r["person_key"], r["scheme"]) in members and r["amount"] >= 0]
        changed += add_results(store, header.round_id, [], receipts, device_id=SERVER_HELD, actor_id="sync")[1]
    return changed


def _public_url(value: object) -> str | None:
    """The public verification address the server gave, if it is one a receipt may print; else None."""
    return value if isinstance(value, str) and is_public_url(value) else None


def _release_key(value: object) -> str | None:
    """A release key the server gave, if it is one (base64url of 32 bytes); else None."""
    if not isinstance(value, str):
        return None
    try:
        decode_key(value)
    except ValueError:
        return None
    return value


def _release_key_to_pin(pinned: str | None, reference: dict[str, Any]) -> str | None:
    """The release key a changes page has the device pin: the current one if it pinned none yet (as at
    enrolment), or if the page's handovers lead to it from the one it pinned (wire.followed_release_key);
    None: the pin stays as it is (updates then refuse releases its key did not sign)."""
    current = _release_key(reference.get("release_key"))
    if current is None or pinned is None:
        return current
    try:
        followed = followed_release_key(decode_key(pinned), decode_key(current),
                                        reference.get("release_key_handovers", []))
    except ValueError:  # a pin that is not a key (the store was edited): nothing leads from it
        return None
    return None if followed is None else encode_key(followed)


def _valid_facilities(notices: Sequence[FacilityNotice]) -> tuple[list[FacilityUpdate], list[str]]:
    """Facility notices that pass the checks the device applies to what it stores and prints (code form,
    text limits, no invisible characters), as updates; the codes of the others (skipped)."""
    valid: list[FacilityUpdate] = []
    refused: list[str] = []
    for notice in notices:
        code, name, province, address = (notice["code"], notice["name"], notice["province_code"],
                                         notice["address"])
        texts = [name] + ([address] if address is not None else [])
        if (not is_facility_code(code) or not name.strip() or len(name) > TextLimits.FACILITY_NAME
                or (address is not None and len(address) > TextLimits.ADDRESS)
                or (province is not None and not (len(province) == 2 and province.isascii() and province.isdigit()))
                or any(unsafe_characters(text) for text in texts) or notice["version"] < 1):
            refused.append(code[:TextLimits.FACILITY_CODE])
            continue
        valid.append(FacilityUpdate(code=code, name=name, province_code=province, address=address,
                                    withdrawn=notice["withdrawn"], version=notice["version"]))
    return valid, refused


def _valid_targets(notices: Sequence[TargetNotice]) -> list[TargetUpdate]:
    """Target notices with figures a plan can have (others are skipped: the next change sends them again)."""
    return [TargetUpdate(year=n["year"], scheme=n["scheme"], participants=n["participants"], amount=n["amount"],
                         version=n["version"])
            for n in notices
            if n["scheme"] in SCHEMES and 2000 <= n["year"] <= 2100 and 0 <= n["participants"] <= 10_000_000
            and (n["amount"] is None or 0 <= n["amount"] <= 10**15) and n["version"] >= 1]


def _valid_tables(documents: Sequence[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Pulled tables that pass the domain's validation, as (version, JSON); the versions of the others."""
    valid: list[tuple[str, str]] = []
    invalid: list[str] = []
    for document in documents:
        try:
            table = PolicyTable.from_mapping(document)
        except (PolicyTableError, ValueError):
            invalid.append(str(document.get("version", "?")))
            continue
        valid.append((table.version, canonical_json(document).decode("utf-8")))
    return valid, invalid
