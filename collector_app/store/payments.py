"""Payments, receipts, voids and reprints in the store: append-only money, one transaction per action.

Recording a payment writes, in one BEGIN IMMEDIATE transaction, the payment, its items (one per
enrolment), the receipt with the next number of this device's series for the payment year, and
the outbox row that carries it to the server. A void or a reprint is a new row of its own; nothing
here ever updates or deletes a money row (triggers refuse it anyway).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.payments import Action, NewPayment, check_allowed, check_void_reason
from collector_app.domain.people import SupportGroup
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_codes import ReceiptClaim, signature_of
from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.audit import chain_money
from collector_app.store.closing import refuse_closed_payment, refuse_closed_void
from collector_app.store.db import Store, id_chunks
from collector_app.store.device import Device
from collector_app.store.registration import insert_enrolments
from collector_app.store.receipts_numbering import next_receipt_number
from collector_app.store.stamps import new_id, utc_now
from collector_app.store.users import User
from collector_app.store.outbox import is_quarantined
from collector_app.wire import ChainKind, ReceiptPayload, ReprintPayload, TextLimits, VoidPayload, payment_payload

# Driver-level SQL with the column lists beside their values: a payment is five statements, and
# Core's per-statement overhead would be a large share of the 5 ms a payment may take.
_INSERT_PAYMENT = (
    "INSERT INTO payments (id, household_id, payer_name, scheme, paid_on, policy_version, gross, "
    "state_support, local_support, amount, method, created_at, created_by, device_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_ITEM = (
    "INSERT INTO payment_items (id, payment_id, enrolment_id, period_start, period_end, months, "
    "member_rank, monthly_income, gross, state_support, local_support, amount, supported_months, "
    "facility_code, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RECEIPT = (
    "INSERT INTO receipts (id, payment_id, series, year, number, issued_at, created_at, created_by, "
    "device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_OUTBOX = (
    "INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_VOID = (
    "INSERT INTO voids (id, receipt_id, reason, created_at, created_by, device_id) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_REPRINT = (
    "INSERT INTO reprints (id, receipt_id, copy_number, created_at, created_by, device_id) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_FIND_RECEIPT = "SELECT id, payment_id FROM receipts WHERE series = ? AND year = ? AND number = ?"
# Items of payments whose receipt is not void: what a person has really paid for.
_VALID_ITEMS = """
SELECT i.enrolment_id, i.period_end, i.supported_months
FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE v.id IS NULL AND i.enrolment_id IN ({ids})
"""
# The end of the latest valid period of an enrolment that overlaps [start, end]: the same months
# are never paid twice. Read inside the write transaction, so two writers cannot both pass it.
_OVERLAP = """
SELECT max(i.period_end)
FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE v.id IS NULL AND i.enrolment_id = ? AND i.period_start <= ? AND i.period_end >= ?
"""

OUTBOX_PAYMENT = "payment"
OUTBOX_VOID = "void"
OUTBOX_REPRINT = "reprint"


@dataclass(frozen=True)
class RecordedReceipt:
    payment_id: str
    receipt_id: str
    number: ReceiptNumber

    @property
    def text(self) -> str:
        """The canonical receipt number, e.g. "BD01M1-26-0000123"."""
        return str(self.number)


def _require(problems: list[Problem]) -> None:
    if problems:
        raise DomainError(problems)


def record_payment(
    store: Store,
    payment: NewPayment,
    *,
    actor: User,
    device: Device,
    enrolling: Sequence[tuple[str, NewEnrolment]] = (),
) -> RecordedReceipt:
    """Record one payment with its receipt number and outbox row, all in one transaction.

    `enrolling` are (id, enrolment) pairs written in the same transaction: people enrolled by this
    payment, whose items already use those ids. A period overlapping one already paid (and not
    void) for the same enrolment is refused: PAYMENT_PERIOD_ALREADY_PAID, nothing written.
    """
    _require(check_allowed(actor.role, Action.RECORD_PAYMENT, user=actor.username))
    with store.begin() as connection:
        if enrolling:
            insert_enrolments(connection, enrolling, actor=actor.user_id, device_id=device.device_id)
        return _insert_payment(connection, payment, actor=actor, device=device)


def record_payments(
    store: Store, payments: Sequence[NewPayment], *, actor: User, device: Device
) -> list[RecordedReceipt]:
    """Record several payments in one transaction (demo data, imports); each gets the next number."""
    _require(check_allowed(actor.role, Action.RECORD_PAYMENT, user=actor.username))
    with store.begin() as connection:
        return [_insert_payment(connection, payment, actor=actor, device=device) for payment in payments]


def _insert_payment(
    connection: Connection, payment: NewPayment, *, actor: User, device: Device
) -> RecordedReceipt:
    refuse_closed_payment(connection, user_id=actor.user_id, paid_on=payment.paid_on)
    for item in payment.items:
        paid_to = connection.exec_driver_sql(
            _OVERLAP,
            (
                item.enrolment_id,
                item.period_end.isoformat(),
                item.period_start.isoformat(),
            ),
        ).scalar()
        if paid_to is not None:
            raise DomainError(
                Problem(
                    ProblemCode.PAYMENT_PERIOD_ALREADY_PAID,
                    {"period_from": item.period_start, "paid_to": date.fromisoformat(paid_to)},
                )
            )
    now = utc_now()
    stamps = (now, actor.user_id, device.device_id)
    payment_id = new_id()
    connection.exec_driver_sql(
        _INSERT_PAYMENT,
        (
            payment_id,
            payment.household_id,
            payment.payer_name,
            payment.scheme.value,
            payment.paid_on.isoformat(),
            payment.policy_version,
            payment.gross,
            payment.state_support,
            payment.local_support,
            payment.amount,
            payment.method.value,
            *stamps,
        ),
    )
    item_ids = [new_id() for _ in payment.items]
    people = _people_of_enrolments(connection, [item.enrolment_id for item in payment.items])
    # Family HI: each member's initial health-care facility as registered now, kept with the item so
    # that the receipt, a reprint and the server all name the one the card was paid with.
    facility_codes = [people[item.enrolment_id][2] if payment.scheme is Scheme.FAMILY_HI else None
                      for item in payment.items]
    connection.exec_driver_sql(
        _INSERT_ITEM,
        [
            (
                item_id,
                payment_id,
                item.enrolment_id,
                item.period_start.isoformat(),
                item.period_end.isoformat(),
                item.months,
                item.member_rank,
                item.monthly_income,
                item.gross,
                item.state_support,
                item.local_support,
                item.amount,
                item.supported_months,
                facility_code,
                *stamps,
            )
            for item_id, item, facility_code in zip(item_ids, payment.items, facility_codes, strict=True)
        ],
    )
    number = next_receipt_number(connection, series=device.receipt_series, year=payment.paid_on.year)
    receipt_id = new_id()
    connection.exec_driver_sql(
        _INSERT_RECEIPT,
        (
            receipt_id,
            payment_id,
            number.symbol,
            number.year,
            number.number,
            now,
            *stamps,
        ),
    )
    # The QR code's signature, as the receipt prints it: the supervisor's review checks it on the server.
    claim = ReceiptClaim(str(number), payment.amount, payment.paid_on, device.series)
    receipt = ReceiptPayload(id=receipt_id, number=str(number), series=number.symbol, year=number.year,
                             sequence=number.number, issued_at=now,
                             signature=signature_of(claim, device.private_key))
    payload = payment_payload(
        payment, payment_id=payment_id, receipt=receipt, item_ids=item_ids,
        people=[people[item.enrolment_id][:2] for item in payment.items], collector=actor.username,
        device_id=device.device_id, facility_codes=facility_codes,
    )
    _outbox(connection, OUTBOX_PAYMENT, payment_id, payload, stamps)
    _log(connection, ChainKind.PAYMENT, payment_id, stamps)
    return RecordedReceipt(payment_id=payment_id, receipt_id=receipt_id, number=number)


def _people_of_enrolments(
    connection: Connection, enrolment_ids: list[str]
) -> dict[str, tuple[str, str | None, str | None]]:
    """(person id, citizen ID, initial health-care facility code) by enrolment id."""
    marks = ", ".join("?" * len(enrolment_ids))
    rows = connection.exec_driver_sql(
        f"SELECT e.id, p.id, p.citizen_id, p.hi_facility_code FROM enrolments AS e "
        f"JOIN people AS p ON p.id = e.person_id WHERE e.id IN ({marks})",
        tuple(enrolment_ids),
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _log(connection: Connection, kind: ChainKind, record_id: str, stamps: tuple[str, str, str]) -> None:
    """The event's chained audit entry, in its own transaction (`store.audit`)."""
    now, user_id, device_id = stamps
    chain_money(connection, kind, record_id, created_at=now, created_by=user_id, device_id=device_id)


def _outbox(
    connection: Connection, kind: str, record_id: str, payload: Mapping[str, Any], stamps: tuple[str, str, str]
) -> None:
    now, user_id, device_id = stamps
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    connection.exec_driver_sql(
        _INSERT_OUTBOX, (new_id(), kind, record_id, text, now, now, user_id, device_id)
    )


def _find_receipt(connection: Connection, number: ReceiptNumber) -> tuple[str, str]:
    row = connection.exec_driver_sql(_FIND_RECEIPT, (number.symbol, number.year, number.number)).one_or_none()
    if row is None:
        raise DomainError(Problem(ProblemCode.RECEIPT_NOT_FOUND, {"number": str(number)}))
    return row[0], row[1]


@dataclass(frozen=True)
class VoidRecord:
    void_id: str  # the record sent to the server: the void, or its correction
    receipt_number: ReceiptNumber
    reason: str
    voided_at: str  # UTC ISO 8601
    voided_by: str  # user id
    corrects: str | None = None  # the refused void (or correction) this one corrects


# The void of a receipt and its corrections, latest last: the record the server judged most recently.
_VOID_RECORDS = """
SELECT v.id, v.id FROM voids AS v WHERE v.receipt_id = ?
UNION ALL
SELECT c.void_id, c.id FROM void_corrections AS c JOIN voids AS v ON v.id = c.void_id WHERE v.receipt_id = ?
"""


def record_void(
    store: Store, number: ReceiptNumber, *, reason: str, actor: User, device: Device
) -> VoidRecord:
    """Void a receipt: a new `voids` row with the reason and who did it, and its outbox row.

    The receipt, its payment and its number stay as they were. A receipt whose void the server
    refused (quarantined: a reason too long, say) is voided again with this reason: a correction,
    sent as a new void record that names the refused one. Refused (DomainError) for a role that may
    not void, an empty, too long or unreadable reason, an unknown receipt, or one already void.
    """
    _require(check_allowed(actor.role, Action.VOID_RECEIPT, user=actor.username)
             + check_void_reason(reason, max_length=TextLimits.VOID_REASON))
    reason = reason.strip()
    with store.begin() as connection:
        receipt_id, payment_id = _find_receipt(connection, number)
        now = utc_now()
        earlier = connection.exec_driver_sql(_VOID_RECORDS, (receipt_id, receipt_id)).all()
        corrects = None
        if earlier:
            void_id, latest = earlier[0][0], _latest_record(connection, [row[1] for row in earlier])
            if not is_quarantined(connection, latest):
                raise DomainError(Problem(ProblemCode.RECEIPT_ALREADY_VOID, {"number": str(number)}))
            corrects = latest
        else:  # a correction only rewords a void the closed day already counts
            refuse_closed_void(connection, voider=actor.user_id, receipt_id=receipt_id, now=now)
        stamps = (now, actor.user_id, device.device_id)
        record_id = new_id()
        if corrects is None:
            void_id = record_id
            connection.exec_driver_sql(_INSERT_VOID, (void_id, receipt_id, reason, *stamps))
            _log(connection, ChainKind.VOID, void_id, stamps)
        else:
            connection.exec_driver_sql(
                "INSERT INTO void_corrections (id, void_id, corrects, reason, created_at, created_by, device_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (record_id, void_id, corrects, reason, *stamps))
            _log(connection, ChainKind.VOID_CORRECTION, record_id, stamps)
        _outbox(
            connection,
            OUTBOX_VOID,
            record_id,
            VoidPayload(
                id=record_id, receipt_id=receipt_id, payment_id=payment_id, receipt_number=str(number),
                reason=reason, voided_by=actor.username, voided_at=now, device_id=device.device_id,
                corrects=corrects,
            ),
            stamps,
        )
    return VoidRecord(void_id=record_id, receipt_number=number, reason=reason, voided_at=now,
                      voided_by=actor.user_id, corrects=corrects)


def _latest_record(connection: Connection, record_ids: Sequence[str]) -> str:
    """Of a void and its corrections, the one written last (by its outbox row)."""
    marks = ", ".join("?" * len(record_ids))
    return str(connection.exec_driver_sql(
        f"SELECT record_id FROM outbox WHERE record_id IN ({marks}) ORDER BY created_at DESC, id DESC LIMIT 1",
        tuple(record_ids)).scalar_one())


def record_reprint(store: Store, number: ReceiptNumber, *, actor: User, device: Device) -> int:
    """Count one more reprint of a receipt and return its copy number (1 for the first reprint)."""
    _require(check_allowed(actor.role, Action.PRINT_RECEIPT, user=actor.username))
    with store.begin() as connection:
        receipt_id, _payment_id = _find_receipt(connection, number)
        return _count_reprint(connection, receipt_id, number, actor=actor, device=device)


def _count_reprint(connection: Connection, receipt_id: str, number: ReceiptNumber, *, actor: User,
                   device: Device) -> int:
    copy_number = int(
        connection.exec_driver_sql(
            "SELECT count(*) + 1 FROM reprints WHERE receipt_id = ?", (receipt_id,)
        ).scalar_one()
    )
    now = utc_now()
    stamps = (now, actor.user_id, device.device_id)
    reprint_id = new_id()
    connection.exec_driver_sql(_INSERT_REPRINT, (reprint_id, receipt_id, copy_number, *stamps))
    _log(connection, ChainKind.REPRINT, reprint_id, stamps)
    _outbox(
        connection,
        OUTBOX_REPRINT,
        reprint_id,
        ReprintPayload(
            id=reprint_id, receipt_id=receipt_id, receipt_number=str(number), copy_number=copy_number,
            printed_by=actor.username, printed_at=now, device_id=device.device_id,
        ),
        stamps,
    )
    return copy_number


def record_original_print(store: Store, number: ReceiptNumber, *, actor: User, device: Device) -> bool:
    """Remember that the receipt's original was printed (the window's preview of a payment just
    recorded); False if it already was, or was reprinted. Printing it again later is a counted copy."""
    _require(check_allowed(actor.role, Action.PRINT_RECEIPT, user=actor.username))
    with store.begin() as connection:
        receipt_id, _payment_id = _find_receipt(connection, number)
        stamps = (utc_now(), actor.user_id, device.device_id)
        inserted = connection.exec_driver_sql(
            "INSERT OR IGNORE INTO original_prints (receipt_id, created_at, created_by, device_id) "
            "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM reprints WHERE receipt_id = ?)",
            (receipt_id, *stamps, receipt_id),
        )
        if inserted.rowcount:
            _log(connection, ChainKind.ORIGINAL_PRINT, receipt_id, stamps)
        return bool(inserted.rowcount)


def record_print(store: Store, number: ReceiptNumber, *, actor: User, device: Device) -> int:
    """Count one print of a receipt: 0 when it is the original's first print (remembered on this
    device), else one more counted reprint and its copy number (1 for the first reprint).

    One transaction, so two prints at once cannot both take the original.
    """
    _require(check_allowed(actor.role, Action.PRINT_RECEIPT, user=actor.username))
    with store.begin() as connection:
        receipt_id, _payment_id = _find_receipt(connection, number)
        printed = connection.exec_driver_sql(
            "SELECT 1 FROM original_prints WHERE receipt_id = ? "
            "UNION ALL SELECT 1 FROM reprints WHERE receipt_id = ? LIMIT 1", (receipt_id, receipt_id)
        ).first()
        if printed is None:
            stamps = (utc_now(), actor.user_id, device.device_id)
            connection.exec_driver_sql(
                "INSERT INTO original_prints (receipt_id, created_at, created_by, device_id) VALUES (?, ?, ?, ?)",
                (receipt_id, *stamps),
            )
            _log(connection, ChainKind.ORIGINAL_PRINT, receipt_id, stamps)
            return 0
        return _count_reprint(connection, receipt_id, number, actor=actor, device=device)


# ---- reading ------------------------------------------------------------------------------------


def next_print(store: Store, number: ReceiptNumber) -> int:
    """What printing the receipt now would be: 0 for the original (never printed on this device and
    never reprinted), else the copy number the next reprint gets."""
    with store.read() as connection:
        receipt_id, _payment_id = _find_receipt(connection, number)
        original, reprinted = connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM original_prints WHERE receipt_id = ?), "
            "(SELECT count(*) FROM reprints WHERE receipt_id = ?)", (receipt_id, receipt_id)
        ).one()
    return 0 if not original and not reprinted else int(reprinted) + 1


@dataclass(frozen=True)
class ReceiptItemView:
    enrolment_id: str
    person_id: str
    full_name: str
    date_of_birth: date
    citizen_id: str | None
    si_code: str | None
    member_rank: int | None
    monthly_income: int | None
    period_start: date
    period_end: date
    months: int
    gross: int
    state_support: int
    local_support: int
    amount: int
    facility_code: str | None = None  # family HI: the member's initial health-care facility when paid
    facility_name: str | None = None  # its name on this device's list, if the list holds it


@dataclass(frozen=True)
class VoidView:
    reason: str
    voided_at: str
    voided_by: str  # user id


@dataclass(frozen=True)
class ReceiptView:
    """A receipt with its payment, items in ladder order, payer's household, void and reprint count."""

    receipt_id: str
    number: ReceiptNumber
    issued_at: str
    payment_id: str
    scheme: Scheme
    paid_on: date
    payer_name: str
    household_id: str | None
    household_address: str | None
    commune_code: str | None
    province_code: str | None
    method: str
    gross: int
    state_support: int
    local_support: int
    amount: int
    collector_id: str
    device_id: str | None
    items: tuple[ReceiptItemView, ...]
    void: VoidView | None
    reprints: int


_RECEIPT_SQL = """
SELECT r.id, r.issued_at, p.id, p.scheme, p.paid_on, p.payer_name, p.household_id, h.address,
       h.commune_code, h.province_code, p.method, p.gross, p.state_support, p.local_support, p.amount,
       p.created_by, r.device_id,
       coalesce((SELECT c.reason FROM void_corrections AS c WHERE c.void_id = v.id
                 ORDER BY c.created_at DESC LIMIT 1), v.reason),  -- the reason as last corrected
       v.created_at, v.created_by,
       (SELECT count(*) FROM reprints AS x WHERE x.receipt_id = r.id)
FROM receipts AS r
JOIN payments AS p ON p.id = r.payment_id
LEFT JOIN households AS h ON h.id = p.household_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE r.series = ? AND r.year = ? AND r.number = ?
"""
_ITEMS_SQL = """
SELECT i.enrolment_id, pe.id, pe.full_name, pe.date_of_birth, pe.citizen_id, pe.si_code, i.member_rank,
       i.monthly_income, i.period_start, i.period_end, i.months, i.gross, i.state_support, i.local_support,
       i.amount, i.facility_code, f.name
FROM payment_items AS i
JOIN enrolments AS e ON e.id = i.enrolment_id
JOIN people AS pe ON pe.id = e.person_id
LEFT JOIN facilities AS f ON f.code = i.facility_code
WHERE i.payment_id = ?
ORDER BY coalesce(i.member_rank, 0), pe.member_order
"""


def get_receipt(store: Store, number: ReceiptNumber) -> ReceiptView | None:
    """The receipt with this number, or None."""
    with store.read() as connection:
        row = connection.exec_driver_sql(
            _RECEIPT_SQL, (number.symbol, number.year, number.number)
        ).one_or_none()
        if row is None:
            return None
        items = tuple(
            ReceiptItemView(
                enrolment_id=i[0],
                person_id=i[1],
                full_name=i[2],
                date_of_birth=date.fromisoformat(i[3]),
                citizen_id=i[4],
                si_code=i[5],
                member_rank=i[6],
                monthly_income=i[7],
                period_start=date.fromisoformat(i[8]),
                period_end=date.fromisoformat(i[9]),
                months=i[10],
                gross=i[11],
                state_support=i[12],
                local_support=i[13],
                amount=i[14],
                facility_code=i[15],
                facility_name=i[16],
            )
            for i in connection.exec_driver_sql(_ITEMS_SQL, (row[2],))
        )
    return ReceiptView(
        receipt_id=row[0],
        number=number,
        issued_at=row[1],
        payment_id=row[2],
        scheme=Scheme(row[3]),
        paid_on=date.fromisoformat(row[4]),
        payer_name=row[5],
        household_id=row[6],
        household_address=row[7],
        commune_code=row[8],
        province_code=row[9],
        method=row[10],
        gross=row[11],
        state_support=row[12],
        local_support=row[13],
        amount=row[14],
        collector_id=row[15],
        device_id=row[16],
        void=None if row[17] is None else VoidView(reason=row[17], voided_at=row[18], voided_by=row[19]),
        reprints=row[20],
        items=items,
    )


def receipt_numbers(store: Store, *, series: str | None = None) -> list[ReceiptNumber]:
    """Every receipt number in the store (or of one series), by series, year and number."""
    sql = "SELECT series, year, number FROM receipts"
    params: tuple[str, ...] = ()
    if series is not None:
        sql, params = sql + " WHERE series = ?", (series,)
    with store.read() as connection:
        rows = connection.exec_driver_sql(sql + " ORDER BY series, year, number", params).all()
    return [ReceiptNumber(symbol=row[0], year=row[1], number=row[2]) for row in rows]


# ---- what has been paid (for the next quote) ---------------------------------------------------


@dataclass(frozen=True)
class PaidCover:
    """What valid (not voided) payments gave one enrolment: the last day covered, supported months."""

    paid_to: date | None
    supported_months: int


def paid_cover(store: Store, enrolment_ids: Iterable[str]) -> dict[str, PaidCover]:
    """For each enrolment, the end of its last paid period and its state-supported months so far."""
    wanted = sorted(set(enrolment_ids))
    cover: dict[str, PaidCover] = {e: PaidCover(paid_to=None, supported_months=0) for e in wanted}
    # The thread's autocommit reader: a payment screen asks this for every payer, and the payment's
    # own transaction checks again that no period is paid twice.
    reader = store.reader()
    for chunk in id_chunks(wanted):
        sql = _VALID_ITEMS.format(ids=", ".join("?" * len(chunk)))
        for enrolment_id, period_end, supported in reader.execute(sql, chunk):
            before = cover[enrolment_id]
            end = date.fromisoformat(period_end)
            cover[enrolment_id] = PaidCover(
                paid_to=end if before.paid_to is None else max(before.paid_to, end),
                supported_months=before.supported_months + (supported or 0),
            )
    return cover


_SUPPORTED_AFTER = """
SELECT coalesce(sum(i.supported_months), 0)
FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE v.id IS NULL AND i.enrolment_id = ? AND i.period_start > ?
"""


def supported_months_after(store: Store, enrolment_id: str, after: date) -> int:
    """The state-supported months of an enrolment's valid payments for periods starting after `after`."""
    return int(store.reader().execute(_SUPPORTED_AFTER, (enrolment_id, after.isoformat())).fetchone()[0])


_PAID_PERIODS = """
SELECT i.period_start, i.period_end
FROM payment_items AS i
JOIN receipts AS r ON r.payment_id = i.payment_id
LEFT JOIN voids AS v ON v.receipt_id = r.id
WHERE v.id IS NULL AND i.enrolment_id = ?
ORDER BY i.period_start
"""


def paid_periods(store: Store, enrolment_id: str) -> tuple[tuple[date, date], ...]:
    """The periods (first day, last day) an enrolment's valid payments cover, earliest first.

    A payment form asks this to say before the money changes hands that months are already paid;
    the payment's own transaction checks again (`_OVERLAP`).
    """
    rows = store.reader().execute(_PAID_PERIODS, (enrolment_id,))
    return tuple((date.fromisoformat(start), date.fromisoformat(end)) for start, end in rows)


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment_id: str
    person_id: str
    start_date: date
    support_group: SupportGroup | None
    monthly_income: int | None


def active_enrolments(store: Store, person_ids: Iterable[str], scheme: Scheme) -> dict[str, EnrolmentRow]:
    """Each person's active enrolment in `scheme` (the most recent if several), by person id."""
    found: dict[str, EnrolmentRow] = {}
    reader = store.reader()
    for chunk in id_chunks(person_ids):
        rows = reader.execute(
            "SELECT id, person_id, start_date, support_group, monthly_income FROM enrolments "
            f"WHERE scheme = ? AND status = 'active' AND person_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY start_date, created_at",
            (scheme.value, *chunk),
        )
        for row in rows:  # later rows (more recent enrolments) win
            found[row[1]] = EnrolmentRow(
                enrolment_id=row[0],
                person_id=row[1],
                start_date=date.fromisoformat(row[2]),
                support_group=SupportGroup(row[3]) if row[3] else None,
                monthly_income=row[4],
            )
    return found
