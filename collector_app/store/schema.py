"""Every table, column, constraint and index of the local store, in one MetaData.

Migrations (`store/migrations/`) must produce exactly this schema; a test compares them. The FTS5
index over names and the triggers (FTS sync, append-only money) are not SQLAlchemy objects: they
are written by hand in the migrations, and their names are listed here for the code that uses them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Named constraints let later batch migrations drop or alter them on SQLite.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Hand-written objects (see migrations/versions/0001_initial.py).
PEOPLE_FTS = "people_fts"
"""Contentless FTS5 table (detail=none) over `people.name_folded`, rowid = `people.search_rowid`.
Triggers follow updates and deletes; inserts are indexed by `store.people` in bulk (no trigger)."""
APPEND_ONLY_TABLES = ("payments", "payment_items", "receipts", "voids", "reprints", "void_corrections",
                      "day_closings", "handovers", "handover_receipts", "rounds", "round_households",
                      "round_members", "round_visits")
AUDIT_TABLES = ("person_corrections", "audit_log")
"""Append-only too: a correction is kept as it was made (0007), a later one corrects it again; the
audit log (0010) is only ever appended to."""
"""Tables whose triggers refuse UPDATE and DELETE: money is never changed, only voided; reprints
are counted, never uncounted."""

ROLES = ("collector", "collaborator", "supervisor")
SCHEMES = ("vsi", "family_hi")
SEXES = ("male", "female")
SUPPORT_GROUPS = ("poor", "near-poor", "ethnic-minority", "other")
ENROLMENT_STATUSES = ("active", "suspended", "ended")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _stamps(*, mutable: bool = True, device_required: bool = False) -> list[Column[str]]:
    """Who wrote a record, where and when (UTC ISO 8601 text, see `stamps.utc_now`).

    Append-only tables get no `updated_at`: their rows are never updated.
    """
    columns: list[Column[str]] = [Column("created_at", Text, nullable=False)]
    if mutable:
        columns.append(Column("updated_at", Text, nullable=False))
    columns += [
        Column("created_by", Text, nullable=False),  # user id, or a tool name such as "import"
        # The device that wrote the row; None on a device not yet enrolled.
        Column("device_id", Text, nullable=not device_required),
    ]
    return columns


meta = Table(
    "meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Text, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("full_name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),  # argon2id; users.NO_PASSWORD before one is set
    Column("active", Boolean, nullable=False, server_default=text("1")),
    Column("failed_sign_ins", Integer, nullable=False, server_default=text("0")),  # wrong passwords in a row
    Column("locked_until", Text),  # UTC ISO 8601, after MAX_FAILED_SIGN_INS wrong passwords
    Column("last_sign_in_at", Text),  # UTC ISO 8601
    *_stamps(),
    CheckConstraint(_one_of("role", ROLES), name="role"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("collection_point_code", Text, nullable=False),
    Column("enrolled_at", Text),  # when the provincial server accepted it
    # Added by 0002. The receipt series symbol is collection_point_code + device_code.
    Column("device_code", Text),
    Column("collection_point_name", Text),
    # Ed25519, raw 32 bytes each: receipts' QR payloads are signed with the private key, and the
    # server checks them with the public key once the device is enrolled. The private key is stored
    # in clear until the store is encrypted at rest (security issue).
    Column("public_key", LargeBinary),
    Column("private_key", LargeBinary),
    *_stamps(),
)

households = Table(
    "households",
    metadata,
    Column("id", Text, primary_key=True),
    Column("household_code", Text, unique=True),  # optional VSS household code
    Column("address", Text, nullable=False),
    Column("commune_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    *_stamps(),
    # Added by 0019: domain.text.fold(address), written with the address; the due list's order.
    Column("address_folded", Text),
)

people = Table(
    "people",
    metadata,
    Column("id", Text, primary_key=True),
    Column("household_id", Text, ForeignKey("households.id"), nullable=False),
    Column("member_order", Integer, nullable=False),  # declared order: drives the family HI ladder
    Column("full_name", Text, nullable=False),  # NFC, single spaces
    Column("name_folded", Text, nullable=False),  # domain.text.fold(full_name)
    Column("date_of_birth", Date, nullable=False),
    Column("sex", Text, nullable=False),
    Column("citizen_id", Text, unique=True),
    Column("si_code", Text),
    Column("phone", Text),  # national form, digits only: 0912345678
    # Added by 0007: a domain.people.Relationship value; None for people imported without one.
    Column("relationship", Text),
    # The person's rowid in people_fts. A column of its own because SQLite may renumber the
    # implicit rowid of a table with a text primary key (VACUUM), which would break the index.
    Column("search_rowid", Integer, nullable=False, unique=True),
    *_stamps(),
    # Added by 0005: the initial health-care facility (nơi đăng ký KCB ban đầu) the person chose
    # for family HI, a `facilities.code`. No foreign key: the list is reference data the server
    # pushes, and a person registered offline may name a code this device has not pulled yet.
    Column("hi_facility_code", Text),
    UniqueConstraint("household_id", "member_order"),
    CheckConstraint("member_order >= 1", name="member_order"),
    CheckConstraint(_one_of("sex", SEXES), name="sex"),
    # (name_folded, id): a prefix range on the name comes out in (name, id) order, no sort needed.
    Index(None, "name_folded", "id"),
    # Partial: most people have no SI code, many no phone. A range on the column implies IS NOT
    # NULL, so SQLite still uses these for prefix searches.
    Index(None, "si_code", "id", sqlite_where=text("si_code IS NOT NULL")),
    Index(None, "phone", "id", sqlite_where=text("phone IS NOT NULL")),
    # Added by 0007: people born on a day (a few dozen in a million), for the duplicate check.
    Index(None, "date_of_birth"),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("person_id", Text, ForeignKey("people.id"), nullable=False, index=True),
    Column("scheme", Text, nullable=False),
    Column("support_group", Text),  # voluntary SI only
    Column("monthly_income", Integer),  # VND, voluntary SI only
    Column("start_date", Date, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    *_stamps(),
    CheckConstraint(_one_of("scheme", SCHEMES), name="scheme"),
    CheckConstraint(
        f"support_group IS NULL OR {_one_of('support_group', SUPPORT_GROUPS)}", name="support_group"
    ),
    CheckConstraint("monthly_income IS NULL OR monthly_income > 0", name="monthly_income"),
    CheckConstraint(
        "scheme = 'vsi' OR (support_group IS NULL AND monthly_income IS NULL)", name="vsi_fields"
    ),
    CheckConstraint(_one_of("status", ENROLMENT_STATUSES), name="status"),
)

person_corrections = Table(
    "person_corrections",
    metadata,
    # Added by 0007: every correction of a person's details (or of their household's address),
    # one row per field, never changed nor deleted (triggers): who, when, before and after.
    Column("id", Text, primary_key=True),
    Column("person_id", Text, ForeignKey("people.id"), nullable=False),
    Column("household_id", Text, ForeignKey("households.id"), nullable=False),
    Column("field", Text, nullable=False),  # full_name, date_of_birth, sex, citizen_id, phone, ...
    Column("before", Text),  # as stored: ISO dates, enum values; None for an empty field
    Column("after", Text),
    *_stamps(mutable=False),
    Index(None, "person_id", "created_at"),
    Index(None, "household_id"),
)

# --- money: append-only (triggers refuse UPDATE and DELETE) -------------------------------------

payments = Table(
    "payments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("household_id", Text, ForeignKey("households.id"), index=True),
    Column("payer_name", Text, nullable=False),
    Column("scheme", Text, nullable=False),
    Column("paid_on", Date, nullable=False),  # the payment date: it chooses the policy in force
    Column("policy_version", Text, nullable=False),  # the policy table version that priced it
    Column("gross", Integer, nullable=False),  # VND
    Column("state_support", Integer, nullable=False, server_default=text("0")),
    Column("local_support", Integer, nullable=False, server_default=text("0")),
    Column("amount", Integer, nullable=False),  # what the payer handed over
    Column("method", Text, nullable=False, server_default=text("'cash'")),
    *_stamps(mutable=False),
    CheckConstraint(_one_of("scheme", SCHEMES), name="scheme"),
    CheckConstraint("gross >= 0 AND state_support >= 0 AND local_support >= 0", name="non_negative"),
    CheckConstraint("amount >= 0 AND amount = gross - state_support - local_support", name="amount"),
    # Added by 0008: a user's payments of a day (the Today page).
    Index(None, "paid_on", "created_by"),
)

payment_items = Table(
    "payment_items",
    metadata,
    Column("id", Text, primary_key=True),
    Column("payment_id", Text, ForeignKey("payments.id"), nullable=False),
    Column("enrolment_id", Text, ForeignKey("enrolments.id"), nullable=False, index=True),
    Column("period_start", Date, nullable=False),  # first day of the first month covered
    Column("period_end", Date, nullable=False),  # last day of the last month covered
    Column("months", Integer, nullable=False),
    Column("member_rank", Integer),  # family HI: position on the ladder (1 = first member)
    Column("monthly_income", Integer),  # voluntary SI: the chosen income, VND
    Column("gross", Integer, nullable=False),
    Column("state_support", Integer, nullable=False, server_default=text("0")),
    Column("local_support", Integer, nullable=False, server_default=text("0")),
    Column("amount", Integer, nullable=False),
    # Voluntary SI: the months of this item counted against the lifetime support cap (added by 0002).
    Column("supported_months", Integer),
    *_stamps(mutable=False),
    # Added by 0005. Family HI: the member's initial health-care facility when the payment was
    # recorded (people.hi_facility_code then), so that a reprint names the same one.
    Column("facility_code", Text),
    UniqueConstraint("payment_id", "enrolment_id"),
    CheckConstraint("months > 0 AND period_end >= period_start", name="period"),
    CheckConstraint("member_rank IS NULL OR member_rank >= 1", name="member_rank"),
    CheckConstraint("gross >= 0 AND state_support >= 0 AND local_support >= 0", name="non_negative"),
    CheckConstraint("amount >= 0 AND amount = gross - state_support - local_support", name="amount"),
    # Added by 0008: periods by their last day, for the people due to pay soon (store/due.py).
    Index(None, "period_end"),
    # Added by 0016: an enrolment's periods by their last day, for its triggers (enrolment_cover).
    Index(None, "enrolment_id", "period_end"),
)

ENROLMENT_COVER_TRIGGERS = ("enrolment_cover_on_receipt", "enrolment_cover_on_item", "enrolment_cover_on_void",
                            "enrolment_cover_on_unvoid", "enrolment_cover_on_enrolment", "enrolment_cover_on_person",
                            "enrolment_cover_on_household")
"""Keep `enrolment_cover` right on every receipt, item and void (migration 0016) and on every change of
what it copies (0019); no code writes it."""

enrolment_cover = Table(
    # Added by 0016: each enrolment's latest standing (receipt not voided) paid period, kept by
    # ENROLMENT_COVER_TRIGGERS; the due list reads it by its last day (store/due.py).
    "enrolment_cover",
    metadata,
    Column("enrolment_id", Text, ForeignKey("enrolments.id"), primary_key=True),
    Column("item_id", Text, ForeignKey("payment_items.id"), nullable=False),
    Column("paid_through", Date, nullable=False),  # the period's last day
    Column("supported_months", Integer, nullable=False),  # voluntary SI: state-supported months so far
    Index(None, "paid_through"),
    # Added by 0019: copies of what the due list counts, prices, filters and orders by, so that it
    # reads this table alone (store/due.py). Never NULL: the columns were added to a filled table.
    Column("person_id", Text),
    Column("household_id", Text),
    Column("scheme", Text),
    Column("status", Text),  # enrolments.status
    Column("last_months", Integer),  # the latest period's length
    Column("monthly_income", Integer),  # voluntary SI: the latest period's income, else the enrolment's
    Column("support_group", Text),
    Column("member_rank", Integer),  # family HI: the latest period's rank, else the declared order
    Column("province_code", Text),
    Column("address_folded", Text),
    Column("household_code", Text),
    Column("name_folded", Text),
    Column("person_key", Integer),  # people.search_rowid: people are counted by it
    Column("household_key", Integer),  # the least search_rowid of its members: households are counted by it
    Index(None, "household_id"),
    # The due list's order with what its filters test: a page of households is found in the index.
    Index(None, "address_folded", "household_code", "household_id", "paid_through", "scheme", "last_months", "status",
          "name_folded"),
    # The covers of a window with what prices, filters and counts them: the list's figures.
    Index(None, "paid_through", "scheme", "last_months", "monthly_income", "support_group", "supported_months",
          "province_code", "member_rank", "status", "person_key", "household_key", "address_folded", "household_code",
          "name_folded"),
)

receipts = Table(
    "receipts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("payment_id", Text, ForeignKey("payments.id"), nullable=False, unique=True),
    # Numbering (Decree 123/2020 style): a series (reference symbol) per device, restarting each
    # calendar year at 0000001. Unique per (series, year, number): no duplicates, even across devices.
    Column("series", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("issued_at", Text, nullable=False),  # UTC ISO 8601
    *_stamps(mutable=False),
    UniqueConstraint("series", "year", "number"),
    CheckConstraint("number BETWEEN 1 AND 9999999", name="number"),
)

voids = Table(
    "voids",
    metadata,
    Column("id", Text, primary_key=True),
    Column("receipt_id", Text, ForeignKey("receipts.id"), nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    *_stamps(mutable=False),  # created_by is the user who voided it
    CheckConstraint("trim(reason) <> ''", name="reason"),
)

void_corrections = Table(
    "void_corrections",
    metadata,
    # Added by 0004. A void the server refused (its reason too long, say) is corrected, never edited:
    # a new reason for the same void, sent as a new void record that names the one it corrects.
    Column("id", Text, primary_key=True),  # also the record id of the corrected void sent to the server
    Column("void_id", Text, ForeignKey("voids.id"), nullable=False, index=True),
    Column("corrects", Text, nullable=False, unique=True),  # record id of the refused void (or correction)
    Column("reason", Text, nullable=False),
    *_stamps(mutable=False),  # created_by is the user who corrected it
    CheckConstraint("trim(reason) <> ''", name="reason"),
)

day_closings = Table(
    "day_closings",
    metadata,
    # Added by 0017. A collector's day closed: the cash counted against the day's receipts (cash net
    # of the day's voids, transfers apart). One per collector (created_by) and day; never changed.
    Column("id", Text, primary_key=True),
    Column("closed_on", Text, nullable=False),  # the day closed, ISO date (the receipts' paid_on)
    # The day as UTC instants [day_start, day_end): voids made in it count in the day (`store.day`).
    Column("day_start", Text, nullable=False),
    Column("day_end", Text, nullable=False),
    Column("expected_cash", Integer, nullable=False),  # VND
    Column("counted_cash", Integer, nullable=False),
    Column("difference", Integer, nullable=False),  # counted - expected
    Column("transfers", Integer, nullable=False),
    Column("counts", Text, nullable=False),  # JSON {"500000": 3, ...}, every denomination
    Column("reason", Text, nullable=False),  # "" when nothing differs
    *_stamps(mutable=False),  # created_by is the collector whose day it is
    UniqueConstraint("created_by", "closed_on"),
    CheckConstraint("difference = counted_cash - expected_cash", name="difference"),
    CheckConstraint("counted_cash >= 0 AND expected_cash >= 0 AND transfers >= 0", name="amounts"),
    CheckConstraint("difference = 0 OR trim(reason) <> ''", name="reason"),
)

handovers = Table(
    "handovers",
    metadata,
    # Added by 0017. Cash a collaborator handed to the point (received by created_by) for the receipts
    # listed in handover_receipts: their cash less voids (expected), what was handed (amount).
    Column("id", Text, primary_key=True),
    Column("collaborator_id", Text, nullable=False, index=True),  # users.id of who held the cash
    Column("expected", Integer, nullable=False),  # VND
    Column("amount", Integer, nullable=False),
    Column("difference", Integer, nullable=False),  # amount - expected
    Column("reason", Text, nullable=False),  # "" when nothing differs
    *_stamps(mutable=False),  # created_by received the cash, created_at when
    CheckConstraint("difference = amount - expected", name="difference"),
    CheckConstraint("amount >= 0 AND expected >= 0", name="amounts"),
    CheckConstraint("difference = 0 OR trim(reason) <> ''", name="reason"),
)

handover_receipts = Table(
    "handover_receipts",
    metadata,
    # Added by 0017. Each receipt is handed over once (its primary key).
    Column("receipt_id", Text, ForeignKey("receipts.id"), primary_key=True),
    Column("handover_id", Text, ForeignKey("handovers.id"), nullable=False, index=True),
)

# --- visit rounds (0018) --------------------------------------------------------------------------

ROUND_OUTCOMES = ("paid", "not_at_home", "will_pay_later", "refused")

rounds = Table(
    "rounds",
    metadata,
    # A collaborator's visit round, made on the point's device from the due list (origin_device_id), or
    # imported from its signed file on the collaborator's device (imported_at set).
    Column("id", Text, primary_key=True),
    Column("number", Integer, nullable=False),  # 1, 2, 3... per origin device: what people call it
    Column("point_code", Text, nullable=False),
    Column("origin_device_id", Text, nullable=False),
    Column("origin_public_key", Text, nullable=False),  # base64url Ed25519: signs the round's file
    Column("collaborator", Text, nullable=False),  # username on the point's device
    Column("collaborator_name", Text, nullable=False),
    Column("made_on", Date, nullable=False),  # the day the amounts were priced
    Column("imported_at", Text),  # UTC ISO 8601, on the device that imported the round's file
    *_stamps(mutable=False),
    UniqueConstraint("origin_device_id", "number"),
    CheckConstraint("number >= 1", name="number"),
)

round_households = Table(
    "round_households",
    metadata,
    # The households of a round in the visit list's order (village, then household), as they were.
    Column("round_id", Text, ForeignKey("rounds.id"), primary_key=True),
    Column("household_id", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("household_code", Text),
    Column("address", Text, nullable=False),
)

round_members = Table(
    "round_members",
    metadata,
    # Each member's renewal as the due list priced it the day the round was made (a snapshot).
    Column("round_id", Text, primary_key=True),
    Column("household_id", Text, nullable=False),
    Column("person_id", Text, primary_key=True, index=True),
    Column("scheme", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("citizen_id", Text),
    Column("phone", Text),
    Column("state", Text, nullable=False),  # a domain.renewal.DueState value
    Column("ends_on", Date, nullable=False),
    Column("pay_by", Date, nullable=False),
    Column("months", Integer, nullable=False),
    Column("amount", Integer, nullable=False),  # VND to collect
    # Added by 0020: what the renewal is computed from beyond `ends_on`, for a device that holds none of the
    # member's payments (a collaborator's): voluntary SI's state-supported months used, support group, income.
    Column("supported_months", Integer),
    Column("support_group", Text),
    Column("monthly_income", Integer),
    ForeignKeyConstraint(["round_id", "household_id"], ["round_households.round_id", "round_households.household_id"]),
    CheckConstraint(_one_of("scheme", SCHEMES), name="scheme"),
    CheckConstraint("amount >= 0 AND months > 0", name="amount"),
)

round_visits = Table(
    "round_visits",
    metadata,
    # A household of a round visited, with what came of it; the latest row of a household is its state.
    Column("id", Text, primary_key=True),
    Column("round_id", Text, nullable=False, index=True),
    Column("household_id", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("visited_by", Text, nullable=False),  # username of who visited
    *_stamps(mutable=False),
    ForeignKeyConstraint(["round_id", "household_id"], ["round_households.round_id", "round_households.household_id"]),
    CheckConstraint(_one_of("outcome", ROUND_OUTCOMES), name="outcome"),
)

round_receipts = Table(
    "round_receipts",
    metadata,
    # Receipts for a round's people taken on the collaborator's device, as its signed results file
    # reported them (a copy: a later file replaces a row, when the receipt was voided there).
    Column("receipt_number", Text, primary_key=True),
    Column("round_id", Text, ForeignKey("rounds.id"), nullable=False, index=True),
    Column("person_id", Text, primary_key=True),
    Column("scheme", Text, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount", Integer, nullable=False),  # the person's share, VND
    Column("voided", Boolean, nullable=False),
    Column("device_id", Text, nullable=False),  # the device whose series the number is in
    Column("received_at", Text, nullable=False),
    CheckConstraint("amount >= 0", name="amount"),
)


reprints = Table(
    "reprints",
    metadata,
    Column("id", Text, primary_key=True),
    Column("receipt_id", Text, ForeignKey("receipts.id"), nullable=False),
    Column("copy_number", Integer, nullable=False),  # 1 for the first reprint, 2 for the next...
    *_stamps(mutable=False),  # created_by is the user who reprinted it
    UniqueConstraint("receipt_id", "copy_number"),
    CheckConstraint("copy_number >= 1", name="copy_number"),
)

original_prints = Table(
    "original_prints",
    metadata,
    # Added by 0006: the receipt's original has been printed (once); every later print is a counted
    # reprint (`reprints`). Kept on this device only: the server counts reprints, not originals.
    Column("receipt_id", Text, ForeignKey("receipts.id"), primary_key=True),
    *_stamps(mutable=False),  # created_by is the user who printed it
)

# --- the audit log (0010): money events hash-chained, changes to people with before/after ---------

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True),  # the order entries were appended in
    Column("kind", Text, nullable=False),  # wire.ChainKind (money) or audit_trail.PersonEvent
    Column("record_id", Text, nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON: the money rows, or before/after
    Column("created_at", Text, nullable=False),  # UTC ISO 8601
    Column("created_by", Text, nullable=False),  # user id
    Column("device_id", Text),
    # Money entries only: 1, 2, 3... with the previous entry's hash and this one's (wire.chain_hash).
    Column("chain_seq", Integer, unique=True),
    Column("prev_hash", Text),
    Column("hash", Text),
    UniqueConstraint("kind", "record_id"),
    CheckConstraint("(chain_seq IS NULL) = (hash IS NULL) AND (chain_seq IS NULL) = (prev_hash IS NULL)",
                    name="chained"),
)

# --- sync ---------------------------------------------------------------------------------------

BATCH_STATUSES = ("sealed", "delivered", "refused")
"""sealed: waiting for the server's answer; delivered: answered (per record); refused: the server
refused the whole batch (409 conflict, 422 integrity), which no retry can change."""
RECORD_RESULTS = ("accepted", "rejected")
REVIEWS = ("approved", "rejected")
SEALED_TABLES = ("batches", "outbox")
"""Tables with hand-written triggers (migration 0003) that keep what was sealed as it was sealed: a
batch's content columns never change and it is never deleted; an outbox row never changes its
record or leaves its batch once it is in one."""

batches = Table(
    "batches",
    metadata,
    Column("id", Text, primary_key=True),
    Column("device_sequence", Integer, nullable=False),  # 1, 2, 3... per device
    Column("sealed_at", Text, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("total", Integer, nullable=False),  # VND
    Column("sha256", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'sealed'")),
    *_stamps(device_required=True),
    # Added by 0003. The batch that held the rejected records this one carries again, fixed.
    Column("references_batch_id", Text, ForeignKey("batches.id")),
    # The sealed batch (wire.SealedBatch) as canonical JSON: the exact bytes sent, every time.
    Column("body", Text, nullable=False),
    Column("answer", Text),  # the server's answer (wire.BatchAnswer) as received, canonical JSON
    Column("answered_at", Text),
    Column("refused_code", Text),  # why the server refused the whole batch (status 'refused')
    Column("refused_message", Text),
    # Added by 0010: the last audit chain entry this batch carries (its body's `chain`), None before.
    Column("chain_last_seq", Integer),
    UniqueConstraint("device_id", "device_sequence"),
    CheckConstraint("length(sha256) = 64", name="sha256"),
    CheckConstraint(_one_of("status", BATCH_STATUSES), name="status"),
    # Undelivered batches in sending order.
    Index(None, "status", "device_sequence"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # e.g. "household", "payment", "void"
    Column("record_id", Text, nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("batch_id", Text, ForeignKey("batches.id")),  # None until sealed into a batch
    *_stamps(),
    # Added by 0003. The server's answer for this record in its batch...
    Column("result", Text),
    Column("result_code", Text),  # a ProblemCode value (also on an accepted duplicate)
    Column("result_message", Text),  # the server's English text, for logs
    Column("result_params", Text),  # JSON object: the Problem's params
    # ...a supervisor's later decision on it...
    Column("review", Text),
    Column("review_reason", Text),
    Column("reviewed_at", Text),
    # ...and, for a rejected record sent again once fixed, the row it sends again (its batch is
    # the new batch's references_batch_id). A rejected row with no resend is quarantined.
    Column("resend_of", Text, ForeignKey("outbox.id"), unique=True),
    # Unsealed rows (batch_id IS NULL) in the order they were written.
    Index(None, "batch_id", "created_at", "id"),
    Index(None, "record_id"),
    UniqueConstraint("batch_id", "record_id"),
    CheckConstraint(f"result IS NULL OR {_one_of('result', RECORD_RESULTS)}", name="result"),
    CheckConstraint(f"review IS NULL OR {_one_of('review', REVIEWS)}", name="review"),
)

recovered_records = Table(
    "recovered_records",
    metadata,
    # Added by 0012. A record written back from the provincial server (a payment, void or reprint of
    # this device after a restore; a household, person or correction of the point on a new laptop):
    # it was delivered from another copy of the store, so it has no outbox row and never gets one.
    Column("record_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("batch_id", Text, nullable=False),  # the server's batch that delivered it (no local row)
    Column("review", Text),  # a supervisor's decision when it came back
    Column("review_reason", Text),
    *_stamps(mutable=False),  # created_by: the user who ran the recovery
    CheckConstraint(f"review IS NULL OR {_one_of('review', REVIEWS)}", name="review"),
)

policy_tables = Table(
    "policy_tables",
    metadata,
    # Added by 0003: policy tables pulled from the provincial server, validated before they were
    # stored; `collector_app.policies` uses the newest valid one (or a newer shipped one).
    Column("version", Text, primary_key=True),
    Column("document", Text, nullable=False),  # JSON, as PolicyTable.from_mapping reads it
    Column("received_at", Text, nullable=False),
)

facilities = Table(
    "facilities",
    metadata,
    # Added by 0005: initial health-care facilities (nơi đăng ký KCB ban đầu), reference data pulled
    # from the provincial server's changes feed. A code the server withdrew stays (withdrawn = 1):
    # people and old payments still name it.
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("province_code", Text),  # None: not tied to one province
    Column("address", Text),
    Column("withdrawn", Boolean, nullable=False, server_default=text("0")),
    Column("version", Integer, nullable=False),  # the server's change id of this state: newer wins
    Column("received_at", Text, nullable=False),
    Index(None, "province_code", "code"),
)

targets = Table(
    "targets",
    metadata,
    # Added by 0013: this point's yearly targets (the province's plan), pulled from the server's changes
    # feed; each year and scheme keeps the state with the highest version (the server's change id).
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("scheme", Text, primary_key=True),
    Column("participants", Integer, nullable=False),
    Column("amount", Integer),  # VND; None when the plan gives none
    Column("version", Integer, nullable=False),
    Column("received_at", Text, nullable=False),
    CheckConstraint(_one_of("scheme", SCHEMES), name="scheme"),
)

progress_figures = Table(
    "progress_figures",
    metadata,
    # Added by 0013: the last progress figures the server gave for this point, by year, shown offline
    # with the time they were fetched. Computed by the server from what it holds; a copy, never a source.
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("document", Text, nullable=False),  # the server's JSON answer, as received
    Column("fetched_at", Text, nullable=False),  # UTC ISO 8601
)


# --- settings -----------------------------------------------------------------------------------

settings = Table(
    "settings",
    metadata,
    # Added by 0006: this device's settings that a command without a display reads too (default
    # printer and layout, language, idle lock), one row per key; `services.settings` types them.
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("updated_by", Text, nullable=False),  # user id
)


def include_in_autogenerate(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: the hand-written FTS table and its shadow tables are not in `metadata`."""
    return not (type_ == "table" and name is not None and name.startswith(PEOPLE_FTS))

