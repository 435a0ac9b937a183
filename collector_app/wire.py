"""The wire schema shared by the device (`collector_app.sync`) and `provincial_server`: one module, both sides.

Pure: shapes of batches, answers, batch files, enrolment and the changes feed as TypedDicts, the one
time format, canonical JSON, digests, integrity checks, and the Ed25519 signatures of files carried on
a USB stick and of enrolment requests. No Qt, no HTTP, no SQL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, NotRequired, TypedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from collector_app.domain.enrolments import Scheme
from collector_app.domain.facilities import FACILITY_CODE_MAX
from collector_app.domain.payments import NewPayment, NewPaymentItem, PaymentMethod
from collector_app.domain.people import SupportGroup

API_PREFIX = "/api/v1"
FILE_FORMAT = 1
"""Version of the batch and answer files (`BatchFile`, `AnswerFile`)."""
KEY_BYTES = 32
"""Raw Ed25519 public keys are 32 bytes; on the wire they are base64url without padding."""
SIGNATURE_BYTES = 64
WIRE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""The one form of a moment on the wire (`sealed_at`, `decided_at`...): UTC to the second, e.g. 2026-11-23T08:00:00Z."""
WIRE_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"


class TextLimits:
    """The longest text, in characters, each field of the wire may carry: defined here once.

    The device refuses longer input where it is typed or imported; the server refuses a record whose
    field is longer. Text may not hold control, format or invisible characters either
    (`collector_app.domain.text.unsafe_characters`).
    """

    FULL_NAME = 100  # a person's name, the payer's name
    ADDRESS = 200
    HOUSEHOLD_CODE = 20  # the optional VSS household code
    PHONE = 20
    VOID_REASON = 500
    DAY_CLOSE_REASON = 500  # why a day's cash differs from its receipts (domain.closing.MAX_REASON)
    USERNAME = 64  # who recorded, voided or printed
    POINT_NAME = 200
    ORGANISATION = 200
    FORM_NUMBER = 20
    DEVICE_NAME = 100
    POLICY_VERSION = 32
    RECEIPT_NUMBER = 40
    FACILITY_CODE = FACILITY_CODE_MAX  # an initial health-care facility's code (domain.facilities)
    FACILITY_NAME = 200


CLOCK_TOLERANCE_SECONDS = 300
"""How far a device's clock may be from the server's before the device is told to set it right; the
server refuses a batch sealed further than this into its own future."""
ENROLMENT_PROOF_PURPOSE = "collector-app enrolment v1"
"""Names what a device's enrolment signature is for, so that it can never pass for a signed batch or receipt."""


class RecordKind(StrEnum):
    """What an outbox record carries. Money kinds are checked field by field; registrations are stored."""

    PAYMENT = "payment"
    VOID = "void"
    REPRINT = "reprint"
    HOUSEHOLD = "household"
    PERSON = "person"
    ENROLMENT = "enrolment"
    # A correction of a person's details: {id, person_id, household_id, field, before, after, corrected_at}.
    PERSON_CORRECTION = "person_correction"
    DAY_CLOSE = "day_close"  # a collector's day closed with the cash counted: `DayClosePayload`
    HANDOVER = "handover"  # a collaborator's cash handed to the point: `HandoverPayload`
    # A visit round made on the point's device (the round's file's document, `services.rounds`), handed by
    # the server to the point's other devices; a household of a round visited (`RoundVisitPayload`),
    # handed to the point's other devices too. Neither is money nor reviewed.
    ROUND = "round"
    ROUND_VISIT = "round_visit"


class RecordStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class BatchStatus(StrEnum):
    RECEIVED = "received"


class Decision(StrEnum):
    """A supervisor's review of an accepted record."""

    APPROVE = "approve"
    REJECT = "reject"


class ErrorCode(StrEnum):
    """Codes of the server's error bodies: `{"error": {"code": ..., "message": ...}}`."""

    AUTH_MISSING = "auth.missing"  # 401: no bearer token
    AUTH_INVALID = "auth.invalid"  # 401: unknown, revoked or expired token; wrong password
    AUTH_WRONG_ROLE = "auth.wrong_role"  # 403: a device on a supervisor endpoint
    AUTH_OTHER_POINT = "auth.other_point"  # 403: another device's or point's data
    AUTH_THROTTLED = "auth.throttled"  # 429: too many failed logins for this username lately (Retry-After)
    ENROLMENT_CODE_INVALID = "enrolment.code_invalid"  # 401: unknown, used or expired one-time code
    ENROLMENT_PROOF_INVALID = "enrolment.proof_invalid"  # 401: the signature is wrong, or missing where needed
    DEVICE_REVOKED = "device.revoked"  # 401 with its token (403 when it enrols again): an administrator revoked it
    DEVICE_CONFLICT = "device.conflict"  # 409: this device id is enrolled with another key or point
    DEVICE_CODE_TAKEN = "device.code_taken"  # 409: another device of the point has this device code
    BATCH_CONFLICT = "batch.conflict"  # 409: same batch_id, different content
    BATCH_INTEGRITY = "batch.integrity"  # 422: count, total or sha256 do not match the records
    BATCH_SEALED_IN_FUTURE = "batch.sealed_in_future"  # 422: sealed_at is ahead of the server's clock
    BATCH_CHAIN_BROKEN = "batch.chain_broken"  # 409: the money chain does not continue the device's last accepted head
    REVIEW_NOT_REVIEWABLE = "review.not_reviewable"  # 409: the record was not accepted
    ALREADY_EXISTS = "already_exists"  # 409: a point, supervisor or policy version exists with other content
    NOT_FOUND = "not_found"  # 404
    REQUEST_INVALID = "request.invalid"  # 422: the body does not follow this schema
    REQUEST_TOO_LARGE = "request.too_large"  # 413
    METHOD_NOT_ALLOWED = "request.method_not_allowed"  # 405
    SERVER_ERROR = "server.error"  # 500


# ---- shapes -------------------------------------------------------------------------------------


class WireRecord(TypedDict):
    """One outbox record. `record_id` is the id of the record itself (the payment's, the void's...),
    not of its outbox row, so that the same record sealed again is recognised as the same."""

    record_id: str
    kind: str  # a RecordKind value
    payload: dict[str, Any]


class _SealedBatchFields(TypedDict):

    batch_id: str
    device_id: str
    device_sequence: int
    sealed_at: str  # WIRE_TIME_FORMAT: UTC to the second with a Z, e.g. 2026-11-23T08:00:00Z
    record_count: int
    total_amount: int  # VND: `batch_total(records)`
    sha256: str
    references_batch_id: str | None  # the batch that held the rejected records this one corrects
    records: list[WireRecord]


class SealedBatch(_SealedBatchFields, total=False):
    """A sealed batch: immutable once sealed; `sha256` = `batch_digest(records)`. `chain`: the device's
    money chain from the head the server last accepted (devices from before the chain send none)."""

    chain: BatchChain


class RecordResult(TypedDict):
    """The server's answer for one record. `code` and `params` are a `collector_app.domain.problems`
    Problem (translated on the device by `collector_app.messages`); `message` is English, for logs.
    An accepted record carries a code only when it was a duplicate of one received before."""

    record_id: str
    status: str  # a RecordStatus value
    code: str | None
    message: str | None
    params: dict[str, Any]


class BatchAnswer(TypedDict):
    batch_id: str
    status: str  # a BatchStatus value
    results: list[RecordResult]


class BatchFile(TypedDict):
    """`<batch_id>.json` on a USB stick: the batch and the device key's signature of its canonical JSON."""

    format: int
    batch: SealedBatch
    signature: str  # base64url Ed25519 signature of canonical_json(batch)


class AnswerFile(TypedDict):
    """`<batch_id>.answer.json`, written beside the batch file by `provincial-server import-batches`."""

    format: int
    answer: BatchAnswer
    signature: str  # base64url Ed25519 signature of canonical_json(answer) by the server's key


class _EnrolFields(TypedDict):
    code: str
    device_id: str
    device_name: str
    public_key: str  # base64url of the raw 32-byte Ed25519 public key


class EnrolRequest(_EnrolFields, total=False):
    """`POST /devices/enrol`. `signature`: the device key's signature of `enrolment_proof(...)`: it lets
    the device ask again after a lost reply, and enrol again with a new code (see `sign_enrolment`)."""

    # (Optional keys by `total=False`: with postponed annotations, Python 3.11 does not see NotRequired.)
    device_code: str  # the device code of the receipt series it already uses
    signature: str  # base64url Ed25519 signature


class _EnrolAnswerFields(TypedDict):
    device_id: str
    point_code: str
    point_name: str
    device_code: str
    series: str
    token: str
    server_public_key: str  # base64url Ed25519: checks the server's answer files


class EnrolAnswer(_EnrolAnswerFields, total=False):
    """`public_url` is optional: a server from before public receipt checks sends none; `release_key`
    too (a server without one yet, or from before signed updates), and `release_key_handovers`."""

    public_url: str  # the province's public address for checking receipts: printed in their QR codes
    release_key: str | None  # base64url Ed25519: the province's release key, which the device pins (None: none yet)
    # How the province's release key changed, oldest first (`release-key rotate`); a server from before
    # rotation sends none. See `followed_release_key`.
    release_key_handovers: list[ReleaseKeyHandover]


class DecisionNotice(TypedDict):
    record_id: str
    batch_id: str
    decision: str  # a Decision value
    reason: str
    decided_at: str  # WIRE_TIME_FORMAT


class FacilityNotice(TypedDict):
    """An initial health-care facility (nơi đăng ký KCB ban đầu) as the server's list holds it now.

    The whole state, not a difference: `version` (the server's change id) only grows, so a device
    keeps the notice with the highest version of each code, whatever order pages arrive in.
    """

    code: str  # at most TextLimits.FACILITY_CODE, `domain.facilities.is_facility_code`
    name: str  # at most TextLimits.FACILITY_NAME
    province_code: str | None  # a 34-province code, or None for a facility tied to no province
    address: str | None  # at most TextLimits.ADDRESS
    withdrawn: bool  # no longer on the list: kept, since people and old payments still name it
    version: int


class TargetNotice(TypedDict):
    """One of the point's yearly targets (the province's plan). A page that carries any carries them all:
    a device keeps, for each year and scheme, the notice with the highest version."""

    year: int
    scheme: str  # "vsi" or "family_hi"
    participants: int
    amount: int | None  # VND; None when the plan gives no amount
    version: int


class RoundVisitPayload(TypedDict):
    id: str
    round_id: str
    household_id: str
    outcome: str  # a domain.rounds.VisitOutcome value
    visited_by: str  # username
    visited_at: str  # UTC ISO 8601 as the device stamps
    device_id: str


class RoundNotice(TypedDict):
    """A round or a visit another device of the point sent (`GET /changes`): the record as it was accepted."""

    record_id: str
    kind: str  # RecordKind.ROUND or RecordKind.ROUND_VISIT
    payload: dict[str, Any]
    device_id: str  # the device that sent it


class RoundPayment(TypedDict):
    """One person's share of a payment the server holds for a visit round's people."""

    receipt_number: str
    person_key: str  # the citizen ID, else the device's person id
    scheme: str
    paid_on: str  # ISO date
    amount: int  # VND, as the server accepted it
    voided: bool


class RoundPayments(TypedDict):
    """`GET /rounds/{round_id}/payments`: the point's payments for the people of a round the device made,
    on or after the round's day, from any of the point's devices."""

    round_id: str
    receipts: list[RoundPayment]


class Platform(StrEnum):
    """What an installer is for: the app updates itself only with one made for the system it runs on."""

    LINUX_DEB = "linux-deb"
    WINDOWS = "windows"


RELEASE_PURPOSE = "collector-app release v1"
"""Signed with the release key beside a release's figures, so that no other signed document can pass for one."""


class ReleaseNotice(TypedDict):
    """The newest app release the province published for a platform (`GET /changes`, `releases`).

    `signature` is the province's release key's signature of `release_statement(...)` (every field but
    `published_at`): the device checks it
    with the key it pinned, then the file it downloads (`GET /releases/{platform}/{version}/file`)
    against `size` and `sha256`."""

    platform: str  # a Platform value
    version: str  # dotted numbers, domain.releases.parse_version
    file_name: str
    size: int  # bytes
    sha256: str  # hex
    signature: str  # base64url Ed25519
    notes: str  # the administrator's few words on what changed ("" for none)
    published_at: str  # WIRE_TIME_FORMAT


def release_statement(*, platform: str, version: str, file_name: str, size: int, sha256: str,
                      notes: str) -> dict[str, object]:
    """What the release key signs of a release (the notes too: collectors read them)."""
    return {"purpose": RELEASE_PURPOSE, "platform": platform, "version": version, "file_name": file_name,
            "size": size, "sha256": sha256, "notes": notes}


def sign_release(*, platform: str, version: str, file_name: str, size: int, sha256: str, notes: str,
                 private_key: bytes) -> str:
    return sign_document(release_statement(platform=platform, version=version, file_name=file_name, size=size,
                                           sha256=sha256, notes=notes), private_key)


def verify_release(notice: Mapping[str, Any], public_key: bytes) -> bool:
    """Whether the notice's figures are what the holder of `public_key` signed."""
    statement = release_statement(platform=notice["platform"], version=notice["version"],
                                  file_name=notice["file_name"], size=notice["size"], sha256=notice["sha256"],
                                  notes=notice["notes"])
    return verify_document(statement, notice["signature"], public_key)


RELEASE_KEY_HANDOVER_PURPOSE = b"collector-app release key handover v1\n"
"""Begins what a release key signs when it hands over to the next, so that no release or other signed
document can pass for a handover, nor a handover for one."""


class ReleaseKeyHandover(TypedDict):
    """One link of the province's release key chain (`release-key rotate`): the key it moved to, and the
    signature of `handover_statement(key before it, key)` by the key before it."""

    key: str  # base64url Ed25519: the province's release key from this handover on
    signature: str  # base64url Ed25519, by the key before it


def handover_statement(old_key: bytes, new_key: bytes) -> bytes:
    """What the outgoing release key signs to hand over to `new_key` (both raw 32-byte public keys)."""
    return RELEASE_KEY_HANDOVER_PURPOSE + old_key + new_key


def sign_handover(*, old_private_key: bytes, new_key: bytes) -> str:
    old = Ed25519PrivateKey.from_private_bytes(old_private_key)
    return encode_key(old.sign(handover_statement(old.public_key().public_bytes_raw(), new_key)))


def verify_handover(old_key: bytes, new_key: bytes, signature: str) -> bool:
    """Whether the holder of `old_key` handed over to `new_key` with `signature`."""
    try:
        Ed25519PublicKey.from_public_bytes(old_key).verify(decode_key(signature, length=SIGNATURE_BYTES),
                                                           handover_statement(old_key, new_key))
    except (ValueError, InvalidSignature):
        return False
    return True


def followed_release_key(pinned: bytes, current: bytes, handovers: Sequence[Mapping[str, Any]]) -> bytes | None:
    """The release key a device that pinned `pinned` moves to: `current`, when the handovers (oldest first)
    lead from `pinned` to it, each link signed by the key before it; None when they do not (a link that
    does not verify, a chain that does not hold `pinned`, one that stops short of `current`): the pin stays.

    `pinned` is either the key the first link's signature is by, or a link's key (a device enrolled after
    a rotation): the walk starts after its last link. A forged link stops it, whatever follows.
    """
    if pinned == current:
        return current
    keys: list[bytes] = []
    for link in handovers:
        try:
            keys.append(decode_key(str(link["key"])))
        except (KeyError, ValueError):
            return None
    start = max((index + 1 for index, key in enumerate(keys) if key == pinned), default=0)
    before = pinned
    for key, link in zip(keys[start:], handovers[start:], strict=True):
        if not verify_handover(before, key, str(link["signature"])):
            return None
        before = key
    return current if before == current else None


class _ChangesFields(TypedDict):
    cursor: str
    decisions: list[DecisionNotice]
    policy_tables: list[dict[str, Any]]
    # The point, the device's series, the policy versions and (from the server with public receipt
    # checks) `public_url`, the province's address printed in receipts' QR codes: sent whole with every
    # page, so a changed address reaches every device at its next sync. `release_key` (base64url Ed25519,
    # once the province has one): a device enrolled before it existed pins it from here; and
    # `release_key_handovers` (a list of ReleaseKeyHandover, oldest first; absent from a server from
    # before rotation): a device that pinned an older key follows them to it (`followed_release_key`).
    reference: dict[str, Any]
    more: bool  # the page was full: ask again at once with the new cursor


class ChangesPage(_ChangesFields, total=False):
    """`GET /changes?since=<cursor>`: what was published for the device's point after the cursor.

    `facilities` and `targets` are optional: a server older than the facility list, or than targets,
    sends none.
    """

    facilities: list[FacilityNotice]
    targets: list[TargetNotice]
    rounds: list[RoundNotice]  # a server older than visit rounds sends none
    # The newest release of each platform, with every page (a server older than updates sends none).
    releases: list[ReleaseNotice]


class HeldRecord(TypedDict):
    """`GET /recovery/money` and `/recovery/registrations`: a record as the server first accepted it.

    The ledger's `receipt_number` and figures come with a payment (None for other kinds): the device
    checks the payload against them before it keeps the payment.
    """

    record_id: str
    kind: str  # a RecordKind value
    payload: dict[str, Any]
    digest: str  # record_digest({"record_id", "kind", "payload"}) as delivered
    batch_id: str
    device_id: str
    sealed_at: str  # WIRE_TIME_FORMAT
    review: str | None  # "pending" | "approved" | "rejected"; None for kinds nobody reviews
    review_reason: str | None
    receipt_number: str | None
    gross: int | None
    state_support: int | None
    local_support: int | None
    amount: int | None
    # The entry the device's chain holds for a money record (None: none, or a server from before it).
    chain_entry: NotRequired[ChainEntry | None]


class RecoveryPage(TypedDict):
    records: list[HeldRecord]
    cursor: str  # give it back as `after`
    more: bool  # the page was full: ask again at once with the new cursor
    # The device's chain as the server holds it now: the head its next batch must continue from (None:
    # no chain yet, or a server from before it).
    chain_seq: NotRequired[int | None]
    chain_head: NotRequired[str | None]


class HighestReceipt(TypedDict):
    year: int
    number: int


class HighestReceipts(TypedDict):
    """`GET /recovery/receipts`: the highest number of the device's series the server knows was issued."""

    series: str
    highest: list[HighestReceipt]


# Payment payloads as `collector_app.store.payments` writes them into the outbox (extra keys allowed).


class _ReceiptFields(TypedDict):
    id: str
    number: str  # canonical receipt number, e.g. "BD01M1-26-0000123"
    series: str
    year: int
    sequence: int
    issued_at: str


class ReceiptPayload(_ReceiptFields, total=False):
    """`signature` (added for the review's QR signature state): the device's signature of the receipt's QR
    code (`domain.receipt_codes.signature_of`), which the server checks with the device's public key.
    Records written before it have none: "absent" in the review."""

    signature: str


class _PaymentItemFields(TypedDict):
    id: str
    enrolment_id: str
    person_id: str
    citizen_id: str | None
    period_start: str  # ISO date
    period_end: str
    months: int
    member_rank: int | None  # family HI: place on the ladder, 1 = first member
    member_order: int | None  # family HI: the member's declared place in the household
    previous_card_end: str | None  # family HI: ISO date, the end of the card this one follows
    monthly_income: int | None  # voluntary SI: the chosen income
    support_group: str | None  # voluntary SI: a SupportGroup value
    supported_months_before: int | None  # voluntary SI: supported months of earlier payments
    supported_months: int | None
    gross: int
    state_support: int
    local_support: int
    amount: int


class PaymentItemPayload(_PaymentItemFields, total=False):
    """One person's share of a payment: its figures and what they were computed from.

    `facility_code` (family HI, optional, added with the facility list): the initial health-care
    facility the member registered for. Written only when known, so payloads without it, from
    older devices or for voluntary SI, read as before; it is not a money input.
    """

    facility_code: str


class PaymentPayload(TypedDict):
    """A payment as the device recorded it; the server computes every figure again from its inputs."""

    id: str
    scheme: str  # "vsi" | "family_hi"
    household_id: str | None
    residence_province: str | None  # the household's 34-province code: whose top-up applies
    payer_name: str
    paid_on: str  # ISO date: chooses the policy in force
    policy_version: str
    method: str  # "cash" | "transfer"
    gross: int
    state_support: int
    local_support: int
    amount: int  # gross - state_support - local_support
    receipt: ReceiptPayload
    items: list[PaymentItemPayload]
    collector: str
    device_id: str


class VoidPayload(TypedDict):
    id: str
    receipt_id: str
    payment_id: str
    receipt_number: str
    reason: str  # at most TextLimits.VOID_REASON characters
    voided_by: str
    voided_at: str
    device_id: str
    corrects: str | None  # the void this one corrects, after the server refused that one


class DayClosePayload(TypedDict):
    """A collector's day closed on a device: the cash counted against the receipts (VND). The server keeps
    it as sent and sets its own figure beside it, from the payments and voids it holds (`/review/days`)."""

    id: str
    closed_on: str  # ISO date: the receipts' paid_on
    day_start: str  # the day as UTC instants [day_start, day_end): voids made in it count in it
    day_end: str
    collector: str  # username whose receipts (payments' `collector`) the day holds
    expected_cash: int  # cash receipts of the day net of the day's voids of them
    counted_cash: int  # sum of denomination x notes
    difference: int  # counted_cash - expected_cash
    transfers: int
    counts: dict[str, int]  # notes by denomination, {"500000": 3, ...}
    reason: str  # "" when the difference is 0; at most TextLimits.DAY_CLOSE_REASON characters
    closed_at: str
    device_id: str


class HandoverPayload(TypedDict):
    """Cash a collaborator handed to the point for some of their receipts (VND)."""

    id: str
    collaborator: str  # username of who held the cash (the payments' `collector`)
    received_by: str  # username of who received it
    receipt_numbers: list[str]  # the receipts covered, this device's
    expected: int  # their cash less the voided ones
    amount: int  # handed over
    difference: int  # amount - expected
    reason: str  # "" when the difference is 0
    received_at: str
    device_id: str


class ReprintPayload(TypedDict):
    """A copy of a receipt was printed: counted on the server, not reviewed."""

    id: str
    receipt_id: str
    receipt_number: str
    copy_number: int  # 1 for the first copy
    printed_by: str
    printed_at: str
    device_id: str


def payment_from_payload(payload: Mapping[str, Any]) -> NewPayment:
    """The payment a `PaymentPayload` describes (the inputs and figures, for `check_figures`).

    For payloads this app wrote; KeyError, TypeError or ValueError when it is not one.
    """
    def day(text: Any) -> date | None:
        return None if text is None else date.fromisoformat(text)

    items = tuple(
        NewPaymentItem(
            enrolment_id=item["enrolment_id"], period_start=date.fromisoformat(item["period_start"]),
            period_end=date.fromisoformat(item["period_end"]), months=item["months"], gross=item["gross"],
            state_support=item["state_support"], local_support=item["local_support"],
            member_rank=item["member_rank"], monthly_income=item["monthly_income"],
            supported_months=item["supported_months"],
            support_group=None if item["support_group"] is None else SupportGroup(item["support_group"]),
            supported_months_before=item["supported_months_before"], member_order=item["member_order"],
            previous_card_end=day(item["previous_card_end"]),
        )
        for item in payload["items"]
    )
    return NewPayment(
        scheme=Scheme(payload["scheme"]), household_id=payload["household_id"], payer_name=payload["payer_name"],
        paid_on=date.fromisoformat(payload["paid_on"]), policy_version=payload["policy_version"],
        method=PaymentMethod(payload["method"]), items=items, residence_province=payload["residence_province"],
    )


def payment_payload(
    payment: NewPayment,
    *,
    payment_id: str,
    receipt: ReceiptPayload,
    item_ids: Sequence[str],
    people: Sequence[tuple[str, str | None]],
    collector: str,
    device_id: str,
    facility_codes: Sequence[str | None] | None = None,
) -> PaymentPayload:
    """The wire form of a recorded payment; `item_ids`, `people` (person id, citizen ID) and
    `facility_codes` (family HI: each member's initial health-care facility, if known) by item."""
    items = [
        PaymentItemPayload(
            id=item_id, enrolment_id=item.enrolment_id, person_id=person_id, citizen_id=citizen_id,
            period_start=item.period_start.isoformat(), period_end=item.period_end.isoformat(), months=item.months,
            member_rank=item.member_rank, member_order=item.member_order,
            previous_card_end=None if item.previous_card_end is None else item.previous_card_end.isoformat(),
            monthly_income=item.monthly_income,
            support_group=None if item.support_group is None else item.support_group.value,
            supported_months_before=item.supported_months_before, supported_months=item.supported_months,
            gross=item.gross, state_support=item.state_support, local_support=item.local_support,
            amount=item.amount,
        )
        for item, item_id, (person_id, citizen_id) in zip(payment.items, item_ids, people, strict=True)
    ]
    if facility_codes is not None:
        for entry, code in zip(items, facility_codes, strict=True):
            if code is not None:
                entry["facility_code"] = code
    return PaymentPayload(
        id=payment_id, scheme=payment.scheme.value, household_id=payment.household_id,
        residence_province=payment.residence_province, payer_name=payment.payer_name,
        paid_on=payment.paid_on.isoformat(), policy_version=payment.policy_version, method=payment.method.value,
        gross=payment.gross, state_support=payment.state_support, local_support=payment.local_support,
        amount=payment.amount, receipt=receipt, items=items, collector=collector, device_id=device_id,
    )


# ---- canonical JSON and digests -----------------------------------------------------------------


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
"""One encoder for every call: `json.dumps` with these options builds a new one each time."""


def canonical_json(obj: object) -> bytes:
    """The one byte form both sides hash and sign: sorted keys, no spaces, UTF-8, no NaN.

    Money is int, so no float ever needs a canonical spelling. ValueError for NaN or for text with
    no UTF-8 form (a lone surrogate).
    """
    return _CANONICAL.encode(obj).encode("utf-8")


def batch_digest(records: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 (hex) of the canonical JSON of the records list: a batch's `sha256`."""
    return hashlib.sha256(canonical_json(list(records))).hexdigest()


def record_digest(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of one record: tells a record sent again from one whose content changed."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def canonical_record(record_id: str, kind: str, payload_json: bytes) -> bytes:
    """`canonical_json` of a WireRecord, given its payload's canonical JSON: the payload is encoded once.

    Keys in sorted order: kind, payload, record_id.
    """
    return (b'{"kind":' + canonical_json(kind) + b',"payload":' + payload_json + b',"record_id":'
            + canonical_json(record_id) + b"}")


def records_digest(records_json: Sequence[bytes]) -> str:
    """`batch_digest` of records given each one's `canonical_record`, without encoding them again."""
    digest = hashlib.sha256(b"[")
    for index, text in enumerate(records_json):
        if index:
            digest.update(b",")
        digest.update(text)
    digest.update(b"]")
    return digest.hexdigest()


def batch_total(records: Sequence[Mapping[str, Any]]) -> int:
    """Sum of `payload.amount` over payment records: a batch's `total_amount`.

    A payment whose amount is not an int counts 0 here; the server then rejects that record.
    """
    total = 0
    for record in records:
        if record.get("kind") == RecordKind.PAYMENT:
            payload = record.get("payload")
            amount = payload.get("amount") if isinstance(payload, Mapping) else None
            if isinstance(amount, int) and not isinstance(amount, bool):
                total += amount
    return total


def seal_batch(
    *,
    batch_id: str,
    device_id: str,
    device_sequence: int,
    sealed_at: str,
    records: Sequence[WireRecord],
    references_batch_id: str | None = None,
    chain: BatchChain | None = None,
) -> SealedBatch:
    """A sealed batch of `records` with its count, total and digest filled in (and `chain` if given)."""
    listed = [WireRecord(record_id=r["record_id"], kind=r["kind"], payload=r["payload"]) for r in records]
    batch = SealedBatch(
        batch_id=batch_id, device_id=device_id, device_sequence=device_sequence, sealed_at=sealed_at,
        record_count=len(listed), total_amount=batch_total(listed), sha256=batch_digest(listed),
        references_batch_id=references_batch_id, records=listed,
    )
    if chain is not None:
        batch["chain"] = chain
    return batch


def integrity_errors(batch: Mapping[str, Any], *, digest: str | None = None) -> list[str]:
    """What does not match between a batch's header and its records ([] when all match).

    `digest`: the records' `batch_digest` when the caller has it already.
    """
    records = batch.get("records")
    if not isinstance(records, list):
        return ["records: expected a list"]
    errors = []
    if batch.get("record_count") != len(records):
        errors.append(f"record_count is {batch.get('record_count')!r}, the batch holds {len(records)} records")
    total = batch_total(records)
    if batch.get("total_amount") != total:
        errors.append(f"total_amount is {batch.get('total_amount')!r}, the payments add up to {total}")
    digest = digest or batch_digest(records)
    if batch.get("sha256") != digest:
        errors.append(f"sha256 is {batch.get('sha256')!r}, the records hash to {digest}")
    return errors


# ---- the money chain (issue 11 §2) ---------------------------------------------------------------

CHAIN_GENESIS = "0" * 64
"""What a device's first chained money entry continues from."""


class ChainKind(StrEnum):
    """The money events a device's audit chain holds, one entry each, in recording order."""

    PAYMENT = "payment"  # a payment with its items and receipt
    VOID = "void"
    VOID_CORRECTION = "void_correction"
    REPRINT = "reprint"
    ORIGINAL_PRINT = "original_print"
    DAY_CLOSE = "day_close"  # a day closed with its cash count (content: the `day_closings` row)
    HANDOVER = "handover"  # a collaborator's cash handed over (content: the `handovers` row)
    # A restore from an older backup: the chain forks. Content: `RestoredContent`. Its prev is the
    # backup's head (an earlier entry of the chain the server accepted); the server accepts a batch that
    # does not continue its head only when it starts (after entries it holds) with this entry.
    RESTORED = "restored"
    # A money row written back from the server on the restored branch: its content is `RecoveredContent`
    # (the row as written here, and the hash of the server's entry that first recorded it).
    RECOVERED = "recovered"


class ChainEntry(TypedDict):
    """One link of a device's money chain: `hash` = `chain_hash(entry)`, over every other field."""

    seq: int  # 1, 2, 3... per device
    kind: str  # a ChainKind value
    record_id: str  # the money row's id (the payment's, the void's...; a receipt's for its original print)
    content: dict[str, Any]  # the money rows as recorded, column by column
    created_at: str
    created_by: str  # user id
    device_id: str | None
    prev: str  # the previous entry's hash (CHAIN_GENESIS for the first)
    hash: str


class RestoredContent(TypedDict):
    """What a "restored" entry records: the head the store went back to, the one it left, who and why."""

    backup_seq: int  # the restored file's head (0 and CHAIN_GENESIS for an empty chain)
    backup_head: str
    replaced_seq: int | None  # the replaced file's head, when it could be read (None otherwise)
    replaced_head: str | None
    backup: str | None  # the backup's file name, when known
    by: str  # "restore" (the restore command) or "recovery" (found when getting records back)


class RecoveredContent(TypedDict):
    """What a "recovered" entry records: the money event written back, and the server's entry of it."""

    kind: str  # the money event's ChainKind
    record_id: str
    server_hash: str  # the hash of the entry the server holds for it
    content: dict[str, Any]  # the money rows as written back (audit_trail.money_content)


class BatchChain(TypedDict):
    """The chain a sealed batch carries: the head it continues from, its new entries, the head after them."""

    prev: str
    head: str
    entries: list[ChainEntry]


_CHAIN_FIELDS = ("seq", "kind", "record_id", "content", "created_at", "created_by", "device_id", "prev")
"""What an entry's hash covers: every field but the hash itself."""


def chain_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an entry's canonical content and the previous entry's hash: the one chain rule.

    It is the digest of `canonical_json` of the entry without its `hash`. KeyError for an entry missing
    a field; ValueError for content canonical JSON cannot hold.
    """
    return chain_hash_of(entry, canonical_json(entry["content"]))


def chain_hash_of(entry: Mapping[str, Any], content_json: bytes) -> str:
    """`chain_hash` given the content's canonical JSON (as the store keeps it): the content is not encoded again."""
    # "content" sorts first: the other fields' canonical JSON with the content spliced in at its place.
    rest = canonical_json({name: entry[name] for name in _CHAIN_FIELDS if name != "content"})
    return hashlib.sha256(b'{"content":' + content_json + b"," + rest[1:]).hexdigest()


def chain_errors(chain: Mapping[str, Any]) -> list[str]:
    """What is wrong inside a batch's chain ([] when each entry continues the one before and hashes
    to its `hash`, the first continues from `prev` and the last is `head`). Says nothing of where
    `prev` should be: the server compares it with the device's last accepted head."""
    entries, prev, head = chain.get("entries"), chain.get("prev"), chain.get("head")
    if not isinstance(entries, list) or not isinstance(prev, str) or not isinstance(head, str):
        return ["chain: expected prev, head and a list of entries"]
    errors: list[str] = []
    at, seq = prev, None
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            return [f"chain entry {index}: expected an object"]
        if entry.get("prev") != at:
            errors.append(f"chain entry {entry.get('seq')!r} continues from {entry.get('prev')!r}, not {at!r}")
            break
        if seq is not None and entry.get("seq") != seq + 1:
            errors.append(f"chain entry {entry.get('seq')!r} does not follow entry {seq}")
            break
        try:
            recomputed = chain_hash(entry)
        except (KeyError, ValueError, TypeError):
            errors.append(f"chain entry {index}: missing or unreadable fields")
            break
        if entry.get("hash") != recomputed:
            errors.append(f"chain entry {entry.get('seq')!r} hashes to {recomputed}, not {entry.get('hash')!r}")
            break
        seq = entry.get("seq") if isinstance(entry.get("seq"), int) else None
        at = recomputed
    if not errors and head != at:
        errors.append(f"chain head is {head!r}, the entries end at {at!r}")
    return errors


def format_wire_time(moment: datetime) -> str:
    """An aware datetime in the wire's one form (WIRE_TIME_FORMAT); ValueError for a naive one."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place on the wire: pass an aware one")
    return moment.astimezone(UTC).strftime(WIRE_TIME_FORMAT)


_WIRE_TIME = re.compile(WIRE_TIME_PATTERN)


def parse_wire_time(text: str) -> datetime:
    """The aware UTC datetime of a wire time; ValueError unless `text` is exactly WIRE_TIME_FORMAT of a real moment."""
    if not _WIRE_TIME.fullmatch(text):
        raise ValueError(f"expected UTC time as YYYY-MM-DDTHH:MM:SSZ, got {text!r}")
    return datetime.strptime(text, WIRE_TIME_FORMAT).replace(tzinfo=UTC)


# ---- keys, signatures and files -----------------------------------------------------------------


def encode_key(raw: bytes) -> str:
    """A raw key or signature as base64url without padding."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_key(text: str, *, length: int = KEY_BYTES) -> bytes:
    """base64url (padding optional) back to `length` raw bytes; ValueError otherwise."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error
    if len(raw) != length:
        raise ValueError(f"expected {length} bytes, got {len(raw)}")
    return raw


def sign_document(document: object, private_key: bytes) -> str:
    """base64url Ed25519 signature of `canonical_json(document)` with a raw 32-byte private key."""
    return encode_key(Ed25519PrivateKey.from_private_bytes(private_key).sign(canonical_json(document)))


def verify_document(document: object, signature: str, public_key: bytes) -> bool:
    """Whether `signature` is the holder of `public_key`'s signature of `canonical_json(document)`."""
    try:
        raw = decode_key(signature, length=SIGNATURE_BYTES)
        Ed25519PublicKey.from_public_bytes(public_key).verify(raw, canonical_json(document))
    except (ValueError, InvalidSignature):
        return False
    return True


def normalise_enrolment_code(text: str) -> str:
    """An enrolment code as typed (any case, spaces, dashes) in the one form that is hashed and signed."""
    return "".join(text.split()).replace("-", "").upper()


def enrolment_proof(*, code: str, device_id: str, public_key: bytes) -> dict[str, str]:
    """What a device signs when it enrols: the code, its id and its public key, under a purpose of their own."""
    return {"purpose": ENROLMENT_PROOF_PURPOSE, "code": normalise_enrolment_code(code), "device_id": device_id,
            "public_key": encode_key(public_key)}


def sign_enrolment(*, code: str, device_id: str, public_key: bytes, private_key: bytes) -> str:
    """The enrolment request's `signature`: proves the device holds the private half of `public_key`."""
    return sign_document(enrolment_proof(code=code, device_id=device_id, public_key=public_key), private_key)


def verify_enrolment(signature: str, *, code: str, device_id: str, public_key: bytes) -> bool:
    return verify_document(enrolment_proof(code=code, device_id=device_id, public_key=public_key), signature,
                           public_key)


def batch_file(batch: SealedBatch, private_key: bytes) -> BatchFile:
    """The file form of a sealed batch, signed with the device's private key."""
    return BatchFile(format=FILE_FORMAT, batch=batch, signature=sign_document(batch, private_key))


def answer_file(answer: BatchAnswer, private_key: bytes) -> AnswerFile:
    """The file form of an answer, signed with the server's private key."""
    return AnswerFile(format=FILE_FORMAT, answer=answer, signature=sign_document(answer, private_key))


class RoundFileKind(StrEnum):
    ROUND = "round"  # a visit round, from the point's device to a collaborator's
    RESULTS = "round_results"  # its visits and receipts, from the collaborator's device back to the point's


ROUND_FILE_FORMAT = 1
ROUND_FILE_PURPOSE = "collector-app visit round v1"
"""Names what a round file's signature is for, so that it can never pass for a signed batch or receipt."""


class RoundFile(TypedDict):
    """A visit round (or its results) on a USB stick, signed by the device that wrote it.

    `document` is `services.rounds`' round or results; `signature` is the writing device's Ed25519
    signature of `round_file_proof(kind, document)`, checked against `document["public_key"]`."""

    format: int
    kind: str  # a RoundFileKind value
    document: dict[str, Any]
    signature: str


def round_file_proof(kind: str, document: object) -> dict[str, object]:
    return {"purpose": ROUND_FILE_PURPOSE, "kind": kind, "document": document}


def round_file(kind: RoundFileKind, document: dict[str, Any], private_key: bytes) -> RoundFile:
    return RoundFile(format=ROUND_FILE_FORMAT, kind=kind.value, document=document,
                     signature=sign_document(round_file_proof(kind.value, document), private_key))


def verify_round_file(file: RoundFile, public_key: bytes) -> bool:
    return verify_document(round_file_proof(file["kind"], file["document"]), file["signature"], public_key)


def batch_file_name(batch_id: str) -> str:
    return f"{batch_id}.json"


def answer_file_name(batch_id: str) -> str:
    return f"{batch_id}.answer.json"


def is_answer_file_name(name: str) -> bool:
    return name.endswith(".answer.json")
