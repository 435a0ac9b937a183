"""The wire schema as pydantic models: what requests are validated against and the OpenAPI document shows.

They mirror the TypedDicts of `collector_app.wire` (a test keeps the field names equal). Strict:
a number sent as text, or a key the schema does not have, is a 422, not something guessed at. Limits
keep every value within what both databases store.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from collector_app.domain.text import describe_characters, unsafe_characters
from collector_app.wire import WIRE_TIME_PATTERN, TextLimits, parse_wire_time

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
MAX_BIGINT = 2**62

Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
PublicKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}=?$")]  # base64url of 32 bytes
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,12}$")]
Signature = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{86}(==)?$")]  # base64url of 64 bytes


def _real_moment(text: str) -> str:
    parse_wire_time(text)  # ValueError (a 422) for 2026-02-30T08:00:00Z
    return text


def _shown_as_typed(text: str) -> str:
    unsafe = unsafe_characters(text)
    if unsafe:  # ESC sequences, bidirectional overrides, zero-width characters: a list or a receipt would lie
        raise ValueError(f"holds control or invisible characters ({describe_characters(unsafe)})")
    return text


DeviceName = Annotated[str, StringConstraints(min_length=1, max_length=TextLimits.DEVICE_NAME),
                       AfterValidator(_shown_as_typed)]
"""Shown to administrators (`list-devices`) as the device sent it: printable text only."""

WireTime = Annotated[str, StringConstraints(pattern=WIRE_TIME_PATTERN), AfterValidator(_real_moment)]
"""UTC to the second with a Z, e.g. 2026-11-23T08:00:00Z: the one form of time on the wire."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ---- batches ------------------------------------------------------------------------------------


class WireRecordModel(Strict):
    record_id: Uuid
    kind: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    payload: dict[str, Any]


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]


class ChainEntryModel(Strict):
    seq: Annotated[int, Field(ge=1, le=MAX_BIGINT)]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=NO_NUL)]
    record_id: Uuid
    content: dict[str, Any]
    created_at: ShortText
    created_by: ShortText
    device_id: Uuid | None
    prev: Sha256Hex
    hash: Sha256Hex


class BatchChainModel(Strict):
    prev: Sha256Hex
    head: Sha256Hex
    entries: list[ChainEntryModel]


class SealedBatchModel(Strict):
    batch_id: Uuid
    device_id: Uuid
    device_sequence: Annotated[int, Field(ge=1, le=MAX_BIGINT)]
    sealed_at: WireTime
    record_count: Annotated[int, Field(ge=0, le=1_000_000)]
    total_amount: Annotated[int, Field(ge=0, le=MAX_BIGINT)]
    sha256: Sha256Hex
    references_batch_id: Uuid | None = None
    records: list[WireRecordModel]
    chain: BatchChainModel | None = None  # devices from before the money chain send none

    def as_wire(self) -> dict[str, Any]:
        """The batch as plain data, equal to `model_dump()` but sharing the validated payloads.

        `model_dump()` copies every payload, value by value, which costs more than checking them.
        A batch without a chain stays without one (its content digest is what it was).
        """
        wire = self.model_dump(exclude={"records", "chain"})
        wire["records"] = [{"record_id": r.record_id, "kind": r.kind, "payload": r.payload} for r in self.records]
        if self.chain is not None:
            wire["chain"] = self.chain.model_dump()
        return wire


class RecordResultModel(BaseModel):
    record_id: str
    status: Literal["accepted", "rejected"]
    code: str | None
    message: str | None
    params: dict[str, Any]


class BatchAnswerModel(BaseModel):
    batch_id: str
    status: Literal["received"]
    results: list[RecordResultModel]


class BatchFileModel(Strict):
    format: Literal[1]
    batch: dict[str, Any]  # checked against SealedBatchModel after its signature
    signature: Annotated[str, StringConstraints(min_length=1, max_length=200)]


# ---- devices and supervisors --------------------------------------------------------------------


class EnrolRequest(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
    device_id: Uuid
    device_name: DeviceName
    public_key: PublicKey
    device_code: Code | None = None  # the device code of the receipt series it already uses
    # The device key's signature of the code, device id and public key (wire.sign_enrolment). Without
    # it (older clients) only a first enrolment is accepted, never a repeat after a lost reply.
    signature: Signature | None = None


class ReleaseKeyHandoverModel(BaseModel):
    """A rotation of the province's release key (wire.ReleaseKeyHandover)."""

    key: str  # base64url Ed25519: the key from then on
    signature: str  # base64url Ed25519 of wire.handover_statement by the key before it


class EnrolResponse(BaseModel):
    device_id: str
    point_code: str
    point_name: str
    device_code: str
    series: str
    token: str
    server_public_key: str
    public_url: str  # the province's public address for checking receipts, printed in their QR codes
    release_key: str | None  # base64url Ed25519, once the province published a release: the device pins it
    release_key_handovers: list[ReleaseKeyHandoverModel]  # how the key was rotated, oldest first


class LoginRequest(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginResponse(BaseModel):
    token: str
    expires_at: str


# ---- review -------------------------------------------------------------------------------------


class BatchSummaryModel(BaseModel):
    batch_id: str
    device_id: str
    point_code: str
    device_sequence: int
    sealed_at: str
    received_at: str
    record_count: int
    total_amount: int
    references_batch_id: str | None
    source: Literal["api", "file"]
    accepted: int
    rejected: int
    pending_review: int
    decided: int
    series: str  # the device's receipt series
    status: Literal["pending", "reviewed"]  # the older two-way state: pending is new or partly
    state: Literal["new", "partly", "reviewed"]


class BatchTotalsModel(BaseModel):
    """Of every batch the filter matches, not only the page."""

    records: int
    amount: int
    pending: int


class BatchListModel(BaseModel):
    batches: list[BatchSummaryModel]
    total: int | None  # batches matching the filter (null when asked with totals=false)
    totals: BatchTotalsModel | None


class LatestDecisionModel(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str
    decided_at: str
    supervisor: str


class DayModel(BaseModel):
    """A collector's day closed on a device, with the server's own figure for the same day (VND)."""

    record_id: str
    point_code: str
    device_id: str
    collector: str
    closed_on: str  # ISO date
    expected_cash: int  # as the device computed it
    counted_cash: int
    difference: int  # counted - expected
    transfers: int
    reason: str
    closed_at: str
    received_at: str
    server_expected_cash: int  # from the payments, voids and hand-overs the server holds
    server_receipts: int
    matches: bool  # expected_cash == server_expected_cash


class DayListModel(BaseModel):
    days: list[DayModel]


class ReviewRecordModel(BaseModel):
    record_id: str
    position: int
    kind: str
    status: Literal["accepted", "rejected"]  # the server's check, with its code and message
    code: str | None
    message: str | None
    review: Literal["pending", "approved", "rejected"] | None
    duplicate_of: str | None
    payload: dict[str, Any] | None
    receipt_number: str | None
    person: str | None  # the payer's name
    citizen_id: str | None  # masked but for the last 4 digits
    scheme: str | None
    paid_on: str | None
    period_start: str | None
    period_end: str | None
    gross: int | None
    support: int | None
    amount: int | None
    # Payments: "valid" when the receipt's QR code, signed with the delivering device's key, verifies as
    # the public check would; else the problem code (receipt.code_*). None for other kinds.
    receipt_check: str | None
    # Payments: the device's signature of the receipt's QR code, as the record carries it, checked by the
    # server with the device's registered public key against the record's own figures: "valid",
    # "invalid", or "absent" (a record from a device that did not send it yet). None for other kinds.
    signature: Literal["valid", "invalid", "absent"] | None = None
    decision: LatestDecisionModel | None  # the latest decision


class BatchDetailModel(BatchSummaryModel):
    records: list[ReviewRecordModel]


class HistoryEventModel(BaseModel):
    """A delivery of the record (kind "delivery") or a decision on it (kind "decision")."""

    kind: Literal["delivery", "decision"]
    at: str
    batch_id: str
    # deliveries
    device_id: str | None = None
    point_code: str | None = None
    status: Literal["accepted", "rejected"] | None = None
    code: str | None = None
    message: str | None = None
    duplicate_of: str | None = None
    # decisions
    decision: Literal["approve", "reject"] | None = None
    reason: str | None = None
    supervisor: str | None = None
    supersedes: int | None = None  # the change id of the decision replaced
    change_id: int | None = None


class RecordHistoryModel(BaseModel):
    record_id: str
    events: list[HistoryEventModel]  # oldest first


class ApprovedRestModel(BaseModel):
    batch_id: str
    approved: int  # records approved by this call (0 when none was pending)


class DecisionRequest(Strict):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_shown_as_typed)] = ""


class DecisionModel(BaseModel):
    record_id: str
    batch_id: str
    decision: Literal["approve", "reject"]
    reason: str
    decided_at: str


# ---- what devices pull --------------------------------------------------------------------------


class ReferenceModel(BaseModel):
    point_code: str
    point_name: str
    device_code: str
    series: str
    policy_versions: list[str]
    public_url: str  # as in the enrolment answer: with every page, so a change reaches every device
    release_key: str | None  # as in the enrolment answer, for devices enrolled before the key existed
    release_key_handovers: list[ReleaseKeyHandoverModel]  # as in the enrolment answer: devices follow them


class FacilityModel(BaseModel):
    """An initial health-care facility as the list holds it now; `version` grows with each change."""

    code: str
    name: str
    province_code: str | None
    address: str | None
    withdrawn: bool
    version: int


class TargetNoticeModel(BaseModel):
    """One of the point's yearly targets; `version` (a change id) grows with each change of the point's targets."""

    year: int
    scheme: str
    participants: int
    amount: int | None
    version: int


class RoundNoticeModel(BaseModel):
    record_id: str
    kind: str  # "round" or "round_visit"
    payload: dict[str, Any]  # the record's payload as the sending device wrote it
    device_id: str  # the device that sent it


class RoundPaymentModel(BaseModel):
    receipt_number: str
    person_key: str  # the citizen ID, else the device's person id
    scheme: str
    paid_on: str  # ISO date
    amount: int  # this person's share, VND, as the server accepted it
    voided: bool


class RoundPaymentsModel(BaseModel):
    """`GET /rounds/{round_id}/payments`: the point's payments for a round's people since its day."""

    round_id: str
    receipts: list[RoundPaymentModel]


class ReleaseModel(BaseModel):
    """A platform's last published release, signed by the province's release key (wire.release_statement)."""

    platform: str
    version: str
    file_name: str
    size: int
    sha256: str
    signature: str
    notes: str
    published_at: str


class ChangesModel(BaseModel):
    cursor: str  # give it back as `since` next time
    decisions: list[DecisionModel]
    policy_tables: list[dict[str, Any]]  # table documents, as PolicyTable.from_mapping reads them
    reference: ReferenceModel
    more: bool  # true when the page was full: ask again at once with the new cursor
    facilities: list[FacilityModel]  # each changed facility's whole state (added with the facility list)
    targets: list[TargetNoticeModel]  # the point's targets, all of them, when one changed (added with targets)
    rounds: list[RoundNoticeModel]  # visit rounds and visits the point's other devices sent (added with rounds)
    releases: list[ReleaseModel]  # each platform's last release, with every page (added with updates)


class VerifyRequest(Strict):
    payload: Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=NO_NUL)]


class VerificationModel(BaseModel):
    valid: bool
    code: str | None  # why not valid: a collector_app ProblemCode value
    # What the code claims, and the device that signed it; all None when its signature does not check.
    receipt_number: str | None
    amount: int | None
    issued_on: str | None
    device_id: str | None
    series: str | None
    point_code: str | None
    recorded: bool  # the server holds a payment with this number, amount and date (false on any difference)
    voided: bool  # ... and a void of it: never told of a receipt the code does not match
    # When the signing device was revoked, if it was: its receipts dated up to that day stay valid.
    device_revoked_at: str | None


# ---- errors -------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorModel(BaseModel):
    error: ErrorDetail


# ---- what a device gets back after losing records ----------------------------------------------


class HeldRecordModel(BaseModel):
    """A record as the server first accepted it, with the batch and device that delivered it."""

    record_id: str
    kind: str
    payload: dict[str, Any]  # as delivered
    digest: str  # wire.record_digest of the record as delivered
    batch_id: str
    device_id: str
    sealed_at: str
    review: Literal["pending", "approved", "rejected"] | None
    review_reason: str | None
    # The ledger's figures and number of a payment; None for other kinds.
    receipt_number: str | None
    gross: int | None
    state_support: int | None
    local_support: int | None
    amount: int | None
    # The entry the device's money chain holds for a money record (wire.ChainEntry), if any.
    chain_entry: dict[str, Any] | None = None


class RecoveryPageModel(BaseModel):
    records: list[HeldRecordModel]
    cursor: str  # give it back as `after`
    more: bool  # true when the page was full: ask again at once with the new cursor
    # Money pages: the device's chain head as accepted (its next batch continues from it); None before any.
    chain_seq: int | None = None
    chain_head: str | None = None


class HighestReceiptModel(BaseModel):
    year: int
    number: int


class HighestReceiptsModel(BaseModel):
    series: str
    highest: list[HighestReceiptModel]  # by year; a year with no receipt held is left out


# ---- targets and progress (supervisors; a device reads its own point's progress) ----------------

Scheme = Literal["vsi", "family_hi"]


class TargetRequest(Strict):
    participants: int = Field(ge=0, le=10_000_000)
    amount: int | None = Field(default=None, ge=0, le=10**15)  # VND; None: the plan gives no amount


class TargetsImportRequest(Strict):
    """A plan file (CSV or XLSX, as `provincial-server import-targets` reads it), base64-encoded."""

    content: str = Field(max_length=4 * 1024 * 1024)  # base64 of 3 MiB: a province's plan is a few hundred lines


class TargetsImportModel(BaseModel):
    imported: int  # targets the file holds
    written: int  # of them, new or changed
    unchanged: int
    points: int  # points whose devices will pull them


class TargetModel(BaseModel):
    year: int
    point_code: str
    scheme: str
    participants: int
    amount: int | None


class TargetListModel(BaseModel):
    targets: list[TargetModel]


class MonthProgressModel(BaseModel):
    month: int
    participants: int  # people whose paid period covers the month's last day
    new: int  # of them, whose earliest period starts this year
    renewing: int
    amount: int  # VND paid in the month
    last_year_participants: int
    last_year_amount: int


class SchemeProgressModel(BaseModel):
    scheme: str
    participants: int  # distinct people taking part in some month of the year
    new: int
    amount: int
    last_year_participants: int
    last_year_amount: int
    target_participants: int | None
    target_amount: int | None
    participants_percent: float | None
    amount_percent: float | None
    months: list[MonthProgressModel]


class ProgressModel(BaseModel):
    year: int
    scope: str  # point, commune or province
    code: str | None
    name: str | None
    points: list[str]
    # None: every figure follows the ledger as it stands. Else a batch came since some points' figures were
    # computed (they are being computed again, off the request): when the oldest of those was computed.
    as_of: str | None = None
    schemes: list[SchemeProgressModel]


class PointProgressModel(BaseModel):
    code: str
    name: str
    commune_code: str | None
    participants: int  # both schemes added
    new: int
    amount: int
    target_participants: int | None
    target_amount: int | None
    percent: float | None  # participants of the target


class PointsProgressModel(BaseModel):
    year: int
    total: int  # points in the list, before paging
    as_of: str | None = None  # as ProgressModel.as_of
    points: list[PointProgressModel]


# ---- the province dashboard ---------------------------------------------------------------------


class DashboardSchemeModel(BaseModel):
    participants: int
    amount: int
    target_participants: int | None  # None: no target set for the year
    target_amount: int | None


class DashboardFiguresModel(BaseModel):
    devices: int
    silent_devices: int
    batches_pending: int
    records_pending: int
    rejected_at_receipt: int
    rejected_by_supervisor: int
    this_month: int
    last_month: int
    vsi: DashboardSchemeModel
    family_hi: DashboardSchemeModel
    behind_permille: int | None  # the lowest figure against its target, in thousandths; None: no target


class DashboardDeviceModel(BaseModel):
    series: str
    name: str
    last_contact: str
    last_seen_at: str | None
    last_batch_at: str | None
    silent: bool


class DashboardPointModel(DashboardFiguresModel):
    point_code: str
    name: str
    province_code: str | None
    commune_code: str | None
    device_list: list[DashboardDeviceModel]


class DashboardModel(BaseModel):
    year: int
    month: int
    silent_days: int
    as_of: str
    progress_as_of: str | None = None  # as ProgressModel.as_of, for the points' money and progress figures
    participants_on: str
    total: int
    points: list[DashboardPointModel]
    totals: DashboardFiguresModel
