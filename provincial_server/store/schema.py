"""Every table, column, constraint and index of the provincial server's database, in one MetaData.

The same schema runs on SQLite (pilot) and PostgreSQL (production); the Alembic revisions in
`store/migrations/` must produce exactly this, and a test compares them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 36  # text UUIDs
HASH = 64  # SHA-256 hex
CODE = 12  # point and device codes
SERIES = 24  # receipt series symbol: point code + device code
RECEIPT_NUMBER = 40
PROVINCE = 2  # a 34-province code of the administrative units, e.g. "01"
COMMUNE = 5  # a commune's code of the administrative units, e.g. "00070"
FACILITY_CODE = 20  # an initial health-care facility's code (collector_app.domain.facilities)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python; `timestamptz` on PostgreSQL, naive UTC text on SQLite.

    SQLite keeps no time zone, so values are converted to UTC and stored without one (their text
    then sorts in time order) and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


server_keys = Table(
    "server_keys",
    metadata,
    # One row: the server's Ed25519 key pair, made on first use. It signs answer files; devices get
    # the public half at enrolment.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("private_key", LargeBinary, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

points = Table(
    "points",
    metadata,
    Column("code", String(CODE), primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Added by 0003. The province the point is in: its devices' payments may carry only this
    # province's top-up. None: not given (the province a payment names is then taken as it is).
    Column("province_code", String(PROVINCE)),
    # Added by 0008. The commune (xã, phường, đặc khu) the point is in, for supervisors' filters.
    Column("commune_code", String(COMMUNE)),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("point_code", String(CODE), ForeignKey("points.code"), nullable=False),
    Column("device_code", String(CODE), nullable=False),
    # point code + device code: the receipt series and the id receipt QR codes name the device by.
    Column("series", String(SERIES), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    # Kept after revocation, so that the revoked device's calls are told why they fail.
    Column("token_hash", String(HASH), nullable=False, unique=True),
    Column("enrolled_at", UtcDateTime, nullable=False),
    # The first call made with the current token; None until then. An enrolment whose reply was lost
    # may be asked for again (same code, id and key, signed) only while this is None.
    Column("token_used_at", UtcDateTime),
    Column("last_seen_at", UtcDateTime),  # updated at most once a minute (see services.auth)
    Column("revoked_at", UtcDateTime),
    UniqueConstraint("point_code", "device_code"),
)

enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("code_hash", String(HASH), primary_key=True),
    Column("point_code", String(CODE), ForeignKey("points.code"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("device_id", String(ID)),
)

supervisors = Table(
    "supervisors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    # Failed supervisor logins, by the username given (known or not): too many lately and logins with
    # that name are refused for a while. Every worker sees the same rows. An attempt is written here
    # before its password is checked and removed when it succeeds, so concurrent attempts count too.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index(None, "username", "failed_at"),
    Index(None, "failed_at"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(HASH), primary_key=True),
    Column("supervisor_id", Integer, ForeignKey("supervisors.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(ID), primary_key=True),
    Column("device_id", String(ID), ForeignKey("devices.id"), nullable=False),
    Column("point_code", String(CODE), ForeignKey("points.code"), nullable=False),
    Column("device_sequence", BigInteger, nullable=False),
    Column("sealed_at", Text, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("sha256", String(HASH), nullable=False),
    # SHA-256 of the canonical JSON of the whole batch: the same batch_id with other content is refused.
    Column("content_sha256", String(HASH), nullable=False),
    Column("references_batch_id", String(ID)),
    Column("received_at", UtcDateTime, nullable=False),
    Column("source", String(8), nullable=False),  # "api" or "file" (import-batches)
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("pending_review", Integer, nullable=False),  # accepted records with no decision yet
    Column("answer", Text, nullable=False),  # canonical JSON, returned verbatim on every replay
    # Added by 0008: records of the batch with a decision, so that the review state (new: none decided,
    # partly, reviewed: none pending) is read from the row, not counted on each list.
    Column("decided", Integer, nullable=False, server_default="0"),
    CheckConstraint("source IN ('api', 'file')", name="source"),
    Index(None, "point_code", "received_at"),
    Index(None, "device_id", "device_sequence"),
    # Added by 0008: the supervisors' list, newest first (or by amount, or by records pending), over the
    # whole province or a device.
    # With the batch id, the list's tie-breaker: a page is read off the index, in order, without a sort.
    Index(None, "received_at", "batch_id"),
    Index(None, "device_id", "received_at"),
    Index(None, "total_amount", "batch_id"),
    Index(None, "pending_review", "batch_id"),
)

batch_records = Table(
    "batch_records",
    metadata,
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), primary_key=True),
    # By position: a faulty batch may carry one record id twice, and both get an answer.
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("record_id", String(ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(8), nullable=False),
    Column("code", Text),
    Column("message", Text),
    Column("digest", String(HASH), nullable=False),
    # The record's canonical JSON; None for a duplicate, whose content is already held by `duplicate_of`.
    Column("payload", Text),
    Column("duplicate_of", String(ID)),  # batch that first delivered this record
    Column("review", String(8)),  # "pending", "approved", "rejected"; None when not reviewable
    CheckConstraint("status IN ('accepted', 'rejected')", name="status"),
    CheckConstraint("review IS NULL OR review IN ('pending', 'approved', 'rejected')", name="review"),
    Index(None, "record_id"),
)

accepted_records = Table(
    "accepted_records",
    metadata,
    # The first accepted delivery of each record id: a record sent again is a duplicate of it.
    Column("record_id", String(ID), primary_key=True),
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),
    Column("digest", String(HASH), nullable=False),
)

# Added by 0005: each device's money chain (collector_app.wire.ChainEntry) as its accepted batches
# carried it: the head its next batch must continue from, and the entries (recomputed on receipt).
device_chains = Table(
    "device_chains",
    metadata,
    Column("device_id", String(ID), ForeignKey("devices.id"), primary_key=True),
    Column("head", String(HASH), nullable=False),  # the hash of the last entry accepted
    Column("last_seq", BigInteger, nullable=False),  # its sequence number (0: started from the genesis)
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),  # the batch that moved it
    Column("updated_at", UtcDateTime, nullable=False),
)

chain_entries = Table(
    "chain_entries",
    metadata,
    # Keyed by hash since 0007: after a restore the chain forks, and both branches are kept.
    Column("device_id", String(ID), ForeignKey("devices.id"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("record_id", String(ID), nullable=False),
    Column("hash", String(HASH), primary_key=True),
    Column("prev", String(HASH), nullable=False),
    Column("entry", Text, nullable=False),  # the entry's canonical JSON, as received
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),
    Index(None, "device_id", "record_id"),
    Index(None, "device_id", "seq"),
)

# Added by 0007: a device's chain forked by a restore (a batch whose chain continues from an earlier
# entry, starting with a "restored" entry): where it forked from, the head it left (whose entries stay),
# and the restored entry. Supervisors read it; nothing the server accepted is dropped.
chain_forks = Table(
    "chain_forks",
    metadata,
    Column("fork_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("device_id", String(ID), ForeignKey("devices.id"), nullable=False, index=True),
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),
    Column("from_seq", BigInteger, nullable=False),  # the entry the new branch continues (0: the genesis)
    Column("from_hash", String(HASH), nullable=False),
    Column("replaced_seq", BigInteger, nullable=False),  # the head the device left behind
    Column("replaced_head", String(HASH), nullable=False),
    Column("restored_hash", String(HASH), nullable=False),
    Column("restored_entry", Text, nullable=False),  # the "restored" entry's canonical JSON
    Column("created_at", UtcDateTime, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    # The money ledger: each payment once, whatever batches carried it.
    Column("payment_id", String(ID), primary_key=True),
    Column("record_id", String(ID), nullable=False),
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),
    Column("device_id", String(ID), ForeignKey("devices.id"), nullable=False),
    Column("point_code", String(CODE), nullable=False),
    Column("receipt_number", String(RECEIPT_NUMBER), nullable=False, unique=True),
    Column("scheme", String(16), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("policy_version", String(32), nullable=False),
    Column("gross", BigInteger, nullable=False),
    Column("state_support", BigInteger, nullable=False),
    Column("local_support", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("digest", String(HASH), nullable=False),  # of the payload: the same payment sent again matches
    Column("received_at", UtcDateTime, nullable=False),
    # Added by 0003: the household paid for and its province of residence (which chose the top-up).
    Column("household_id", String(ID)),
    Column("residence_province", String(PROVINCE)),
    Index(None, "point_code", "paid_on"),
    # Added by 0006: a device's receipt numbers, for the highest one it issued (after a restore).
    Index(None, "device_id", "receipt_number"),
    # Added by 0010: a supervisor's decision on a record finds its payment (whose people's figures it moves).
    Index(None, "record_id"),
)

payment_items = Table(
    "payment_items",
    metadata,
    # Added by 0003. Who each payment covers, for which months, with how many supported months:
    # the history the next payments for the same people are checked against (the 120-month support
    # cap, the card a new one follows, months never paid twice), whichever device took them. Each
    # item's amounts stay in its payment's payload (batch_records).
    Column("payment_id", String(ID), ForeignKey("payments.payment_id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    # The citizen ID, else the device's person id: the same citizen paying at two points is one person.
    Column("person_key", String(ID), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("months", Integer, nullable=False),
    Column("supported_months", Integer),
    # Added by 0004. Family HI: the initial health-care facility the member registered for, as the
    # device sent it (devices before the facility list send none).
    Column("facility_code", String(FACILITY_CODE)),
    Index(None, "person_key"),
)

voids = Table(
    "voids",
    metadata,
    Column("void_id", String(ID), primary_key=True),
    Column("receipt_number", String(RECEIPT_NUMBER), nullable=False, unique=True),
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),
    Column("device_id", String(ID), ForeignKey("devices.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("voided_at", Text, nullable=False),
    Column("digest", String(HASH), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

changes = Table(
    "changes",
    metadata,
    # What devices pull with `GET /changes?since=<id>`: decisions (for one point) and policy tables
    # (for every point, point_code None). Rows are appended in id order under a lock (see store.feed).
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("point_code", String(CODE)),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("kind IN ('decision', 'policy', 'facility', 'target', 'round')", name="kind"),
    Index(None, "point_code", "id"),
)

round_notices = Table(
    "round_notices",
    metadata,
    # Added by 0011. A visit round or a visit a device sent (the batch record at `position`), handed by a
    # "round" change of its point to the point's other devices.
    Column("change_id", BigInteger().with_variant(Integer, "sqlite"), ForeignKey("changes.id"), primary_key=True,
           autoincrement=False),
    Column("batch_id", String(ID), nullable=False),
    Column("position", Integer, nullable=False),
    Column("device_id", String(ID), ForeignKey("devices.id"), nullable=False),  # who sent it
    ForeignKeyConstraint(["batch_id", "position"], ["batch_records.batch_id", "batch_records.position"]),
)

decisions = Table(
    "decisions",
    metadata,
    # Append-only (since 0008 a trigger refuses UPDATE and DELETE on both databases): a later decision on
    # the same record supersedes the earlier one, which stays as it was.
    Column("change_id", BigInteger, ForeignKey("changes.id"), primary_key=True, autoincrement=False),
    Column("record_id", String(ID), nullable=False),
    Column("batch_id", String(ID), ForeignKey("batches.batch_id"), nullable=False),
    Column("decision", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("supervisor_id", Integer, ForeignKey("supervisors.id"), nullable=False),
    # Added by 0008: the decision this one supersedes (None for the first decision on the record).
    Column("supersedes", BigInteger, ForeignKey("changes.id")),
    CheckConstraint("decision IN ('approve', 'reject')", name="decision"),
    Index(None, "record_id"),
    Index(None, "batch_id"),
)

policy_tables = Table(
    "policy_tables",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("change_id", BigInteger, ForeignKey("changes.id"), nullable=False, unique=True),
    Column("document", Text, nullable=False),  # canonical JSON of the table as published
    Column("published_at", UtcDateTime, nullable=False),
)

facilities = Table(
    "facilities",
    metadata,
    # Added by 0004. Initial health-care facilities (nơi đăng ký KCB ban đầu), loaded from a CSV file
    # by `provincial-server load-facilities`. A code absent from a later file is withdrawn, never
    # deleted: people and old payments name it. `change_id` is the facility's latest change in the
    # feed (its version on devices); older changes of the same facility then join nothing.
    Column("code", String(FACILITY_CODE), primary_key=True),
    Column("name", Text, nullable=False),
    Column("province_code", String(PROVINCE)),
    Column("address", Text),
    Column("withdrawn_at", UtcDateTime),
    Column("change_id", BigInteger, ForeignKey("changes.id"), nullable=False, unique=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

targets = Table(
    "targets",
    metadata,
    # Added by 0009: the province's plan for the year, per point and scheme (a commune's is the sum of
    # its points'). Each change appends a "target" change for the point, so its devices pull the point's
    # targets again.
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("point_code", String(CODE), ForeignKey("points.code"), primary_key=True),
    Column("scheme", String(16), primary_key=True),  # "vsi" | "family_hi"
    Column("participants", Integer, nullable=False),
    Column("amount", BigInteger),  # VND, None when the plan gives none
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("scheme IN ('vsi', 'family_hi')", name="scheme"),
)

ledger_versions = Table(
    "ledger_versions",
    metadata,
    # Added by 0010: a counter per point, raised in the transaction that changes what its progress figures
    # are computed from (payments or voids received, a supervisor's decision on its records, or a payment of
    # one of its people received elsewhere: who is new follows a person's earliest period anywhere). A point
    # without a row is at version 0.
    Column("point_code", String(CODE), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

progress_figures = Table(
    "progress_figures",
    metadata,
    # Added by 0010: each point's progress figures for a year (services.progress), as computed under the
    # point's ledger version; a question reads them, holds them against the targets it reads, and has a point
    # computed again when its version moved since (0012 dropped the targets' stamp: targets move no figure).
    Column("point_code", String(CODE), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
    Column("figures", Text, nullable=False),  # compact JSON (services.progress.pack)
    Column("computed_at", UtcDateTime, nullable=False),
)

release_key = Table(
    "release_key",
    metadata,
    # Added by 0013. One row: the public half of the province's current release key, taken from the
    # first release published and replaced by `release-key rotate` (0014) or, for a lost or stolen key,
    # `release-key replace` (then `created_at` is when). Devices pin it (at enrolment, or from the changes
    # feed if enrolled before it existed, or by following the handovers to it); a release signed by
    # another key is refused by `publish-release`.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

releases = Table(
    "releases",
    metadata,
    # Added by 0013. App installers published by `provincial-server publish-release`. A platform's
    # current release is its last one published (the highest id), which devices are offered when its
    # version is newer than theirs. The file is kept at `path` (in the releases folder), not here.
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("version", String(32), nullable=False),
    Column("file_name", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(HASH), nullable=False),
    Column("signature", String(100), nullable=False),  # base64url Ed25519 of wire.release_statement
    Column("notes", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    CheckConstraint("platform IN ('linux-deb', 'windows')", name="platform"),
    UniqueConstraint("platform", "version"),
)

release_key_handovers = Table(
    "release_key_handovers",
    metadata,
    # Added by 0014. Each `release-key rotate`, in order (the id): the key before it signed the handover
    # to `new_key` (wire.handover_statement), so that devices which pinned an older key follow the chain
    # to the current one without enrolling again. Never changed: a device may be many behind. All are
    # removed by `release-key replace` (the chain restarts at the new key; every device enrols again).
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("old_key", LargeBinary, nullable=False),
    Column("new_key", LargeBinary, nullable=False),
    Column("signature", String(100), nullable=False),  # base64url Ed25519 by old_key
    Column("rotated_at", UtcDateTime, nullable=False),
    UniqueConstraint("new_key"),
)
