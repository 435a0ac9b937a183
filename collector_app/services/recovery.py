"""Getting back from the provincial server what this store lacks: after a restore from an older backup,
this device's payments, receipts, voids, reprints, day closings and hand-overs; on a new laptop enrolled for the point, the
households and people the point's devices sent. And the highest receipt number the server holds of
this device's series, for numbering after a restore.

Nothing from the server is taken on trust: every record is checked (its digest, its shape, its text,
dates and codes by the domain rules) and every payment's figures are compared with the ledger's and
computed again by `domain.payments.check_figures` with the policy table it names; a record that fails
is left out and counted. What is written keeps its ids and receipt number, goes to no outbox (it was
delivered already) and shows as accepted; pulling twice writes nothing twice (`store.recovery`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from collector_app.domain.closing import cash_count, check_reason, hand_over
from collector_app.domain.facilities import is_facility_code
from collector_app.domain.payments import Action, check_allowed, check_figures
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, Relationship, Sex
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError
from collector_app.domain.receipt_numbers import ReceiptNumber, parse_receipt_number
from collector_app.domain.dates import check_date
from collector_app.domain.text import normalise_name, unsafe_characters
from collector_app.policies import table_of_version
from collector_app.services.changes import Change, Changes
from collector_app.services.device import device_of
from collector_app.store.cipher import Connector
from collector_app.store.db import Store, connect_sqlite3, open_store
from collector_app.store.recovery import (
    CorrectionBack,
    DayCloseBack,
    HandoverBack,
    HouseholdBack,
    Origin,
    ServerChain,
    PaymentBack,
    PersonBack,
    ReprintBack,
    VoidBack,
    Written,
    present_records,
    write_money,
    write_registrations,
)
from collector_app.store.registration import HOUSEHOLD_FIELDS, PERSON_FIELDS
from collector_app.store.stamps import utc_now
from collector_app.store.users import User, any_user_by_username
from collector_app.i18n import _
from collector_app.sync.client import Backoff, ServerUnavailable, SyncClient, SyncError
from collector_app.sync.engine import NotEnrolled, client_for
from collector_app.wire import (
    HeldRecord,
    RecordKind,
    TextLimits,
    canonical_json,
    payment_from_payload,
    record_digest,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]
"""(what, records received so far): "registrations" then "money"."""
MAX_RECORDS = 2_000_000
"""Stop paging past this many records of one kind: a server that never says `more: false` cannot fill the disk."""
REVIEW_REASON_MAX = 2_000
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CODE_DIGITS = {"commune_code": 5, "province_code": 2}


class BadRecord(ValueError):
    """A record from the server that is not what this app sends: left out, with the reason."""


@dataclass(frozen=True)
class RecoveryReport:
    households: int
    people: int
    corrections: int
    payments: int
    voids: int
    reprints: int
    closings: int  # days closed
    handovers: int  # collaborators' cash handed over
    already_here: int  # records the store held already: left as they were
    newer_here: int  # corrections older than the local record: not applied
    refused: tuple[tuple[str, str], ...]  # (record id, why): failed a check, or could not be written
    received: int  # records the server gave back, all kinds

    @property
    def changes(self) -> Changes:
        changed: set[Change] = set()
        if self.households or self.people or self.corrections:
            changed |= {Change.HOUSEHOLDS, Change.PEOPLE}
        if self.payments or self.voids or self.reprints or self.closings or self.handovers:
            changed |= {Change.PAYMENTS, Change.RECEIPTS, Change.OUTBOX}
        return frozenset(changed)

    @property
    def written(self) -> int:
        return (self.households + self.people + self.corrections + self.payments + self.voids + self.reprints
                + self.closings + self.handovers)


def recover_from_server(
    store: Store, *, actor: User, client: SyncClient | None = None, money: bool = True,
    progress: Progress | None = None, page_size: int | None = None,
) -> RecoveryReport:
    """Pull the point's registrations, then (unless not `money`) this device's money records, and write what
    the store lacks. `NotEnrolled`, `ServerUnavailable`, `ServerRefused` as the sync raises them.
    """
    problems = check_allowed(actor.role, Action.REGISTER_PEOPLE, user=actor.username)
    if problems:
        raise DomainError(problems)
    store.require_writable()
    own = client is None
    client = client or client_for(store)
    try:
        registrations, _ = _pull(client, "registrations", progress, page_size)
        held_money, server_head = _pull(client, "money", progress, page_size) if money else ([], None)
    finally:
        if own:
            client.close()
    received = len(registrations) + len(held_money)
    # What the store holds already is left as it is, unchecked: after a restore, that is most of it.
    present = present_records(store, [(str(r["kind"]), str(r["record_id"])) for r in registrations + held_money])
    registrations = [record for record in registrations if record["record_id"] not in present]
    held_money = [record for record in held_money if record["record_id"] not in present]
    refused: list[tuple[str, str]] = []
    now = utc_now()
    households, people, corrections = _registrations(registrations, refused)
    first = write_registrations(store, households, people, corrections, actor=actor.user_id, now=now)
    money_back = _money(store, held_money, refused)
    entries = {str(r["record_id"]): r.get("chain_entry") for r in held_money}
    second = write_money(store, *money_back, actor=actor.user_id, now=now,
                         chain=ServerChain(head=server_head, entries=entries))
    second.present += len(present)
    return _report(first, second, refused, received=received)


def _pull(client: SyncClient, what: Literal["money", "registrations"], progress: Progress | None,
          page_size: int | None) -> tuple[list[HeldRecord], str | None]:
    """The records, and the device's chain head as the server gave it last (None: none, or not said)."""
    records: list[HeldRecord] = []
    cursor: str | None = None
    while True:
        page = client.recovery_page(what, cursor, limit=page_size)
        records += page["records"]
        head = page.get("chain_head")
        if progress is not None:
            progress(what, len(records))
        if not page["more"] or not page["records"] or page["cursor"] == cursor or len(records) >= MAX_RECORDS:
            return records, head  # (a cursor that does not move would ask for the same page for ever)
        cursor = page["cursor"]


def _report(first: Written, second: Written, refused: list[tuple[str, str]], *, received: int) -> RecoveryReport:
    counts = {**first.written, **second.written}
    return RecoveryReport(
        households=counts.get(RecordKind.HOUSEHOLD, 0), people=counts.get(RecordKind.PERSON, 0),
        corrections=counts.get(RecordKind.PERSON_CORRECTION, 0), payments=counts.get(RecordKind.PAYMENT, 0),
        voids=counts.get(RecordKind.VOID, 0), reprints=counts.get(RecordKind.REPRINT, 0),
        closings=counts.get(RecordKind.DAY_CLOSE, 0), handovers=counts.get(RecordKind.HANDOVER, 0),
        already_here=first.present + second.present, newer_here=first.newer_here + second.newer_here,
        refused=tuple(refused + first.skipped + second.skipped), received=received,
    )


def server_highest_receipt(store: Store, year: int | None = None, *, client: SyncClient | None = None
                           ) -> int | None:
    """The highest receipt number of this device's series the server knows was issued in `year` (this
    year by default): 0 when it holds none; None when it cannot be asked (offline, not enrolled, a
    refusal or an answer that cannot be read). Part of numbering after a restore.
    """
    wanted = year if year is not None else date.today().year
    try:
        own = client is None
        client = client or client_for(store)
        try:
            answer = client.highest_receipts()
        finally:
            if own:
                client.close()
    except (SyncError, NotEnrolled, ServerUnavailable):
        return None
    if answer["series"] != device_of(store).series:
        return None
    return max((entry["number"] for entry in answer["highest"] if entry["year"] == wanted), default=0)


# ---- checking what came back --------------------------------------------------------------------


def _origin(record: HeldRecord) -> Origin:
    review = record["review"] if record["review"] in ("approved", "rejected") else None
    return Origin(record_id=record["record_id"], kind=record["kind"], batch_id=_uuid(record["batch_id"]),
                  device_id=_uuid(record["device_id"]), written_at=_moment(record["sealed_at"]), review=review,
                  review_reason=_reason(record["review_reason"]))


def _reason(value: Any) -> str | None:
    """A supervisor's reason as the server holds it: empty for an approval."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > REVIEW_REASON_MAX or unsafe_characters(value):
        raise BadRecord("review_reason")
    return value


def _checked(record: HeldRecord) -> Mapping[str, Any]:
    """The payload, once its digest matches and its id is the record's."""
    expected = record_digest({"record_id": record["record_id"], "kind": record["kind"], "payload": record["payload"]})
    if expected != record["digest"]:
        raise BadRecord("digest")
    payload = record["payload"]
    if payload.get("id") != record["record_id"]:
        raise BadRecord("id")
    _uuid(record["record_id"])
    return payload


def _uuid(value: Any) -> str:
    if not isinstance(value, str) or _UUID.fullmatch(value) is None:
        raise BadRecord("id")
    return value


def _moment(value: Any) -> str:
    """A time from the server (wire form or the store's ISO form) as the store stamps it."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise BadRecord("time") from error
    if moment.tzinfo is None:
        raise BadRecord("time")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _text(payload: Mapping[str, Any], name: str, limit: int) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit or unsafe_characters(value):
        raise BadRecord(name)
    return value


def _optional_text(payload: Mapping[str, Any], name: str, limit: int) -> str | None:
    return None if payload.get(name) is None else _text(payload, name, limit)


def _digits(payload: Mapping[str, Any], name: str, length: int | None = None, *, optional: bool = False
            ) -> str | None:
    value = payload.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or \
            (length is not None and len(value) != length) or len(value) > TextLimits.PHONE:
        raise BadRecord(name)
    return value


def _day(value: Any, name: str) -> date:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise BadRecord(name) from error
    if check_date(day):
        raise BadRecord(name)
    return day


def _household(record: HeldRecord) -> HouseholdBack:
    body = _checked(record)
    return HouseholdBack(
        origin=_origin(record), household_code=_optional_text(body, "household_code", TextLimits.HOUSEHOLD_CODE),
        address=_text(body, "address", TextLimits.ADDRESS),
        commune_code=_digits(body, "commune_code", _CODE_DIGITS["commune_code"]) or "",
        province_code=_digits(body, "province_code", _CODE_DIGITS["province_code"]) or "",
    )


def _person(record: HeldRecord) -> PersonBack:
    body = _checked(record)
    order = body.get("member_order")
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= MAX_HOUSEHOLD_MEMBERS:
        raise BadRecord("member_order")
    sex = body.get("sex")
    if sex not in {s.value for s in Sex}:
        raise BadRecord("sex")
    relationship = body.get("relationship")
    if relationship is not None and relationship not in {r.value for r in Relationship}:
        raise BadRecord("relationship")
    facility = _optional_text(body, "hi_facility_code", TextLimits.FACILITY_CODE)
    if facility is not None and not is_facility_code(facility):
        raise BadRecord("hi_facility_code")
    return PersonBack(
        origin=_origin(record), household_id=_uuid(body.get("household_id")), member_order=order,
        full_name=normalise_name(_text(body, "full_name", TextLimits.FULL_NAME)),
        date_of_birth=_day(body.get("date_of_birth"), "date_of_birth"), sex=str(sex),
        citizen_id=_digits(body, "citizen_id", 12, optional=True),
        si_code=_digits(body, "si_code", 10, optional=True), phone=_digits(body, "phone", optional=True),
        relationship=relationship, hi_facility_code=facility,
    )


def _correction(record: HeldRecord) -> CorrectionBack:
    body = _checked(record)
    name = body.get("field")
    if name not in PERSON_FIELDS and name not in HOUSEHOLD_FIELDS:
        raise BadRecord("field")
    limit = TextLimits.ADDRESS
    origin = _origin(record)
    return CorrectionBack(
        origin=replace(origin, written_at=_moment(body.get("corrected_at"))),
        person_id=_uuid(body.get("person_id")), household_id=_uuid(body.get("household_id")), field=str(name),
        before=_optional_text(body, "before", limit), after=_optional_text(body, "after", limit),
    )


def _registrations(records: list[HeldRecord], refused: list[tuple[str, str]]
                   ) -> tuple[list[HouseholdBack], list[PersonBack], list[CorrectionBack]]:
    households: list[HouseholdBack] = []
    people: list[PersonBack] = []
    corrections: list[CorrectionBack] = []
    for record in records:
        try:
            if record["kind"] == RecordKind.HOUSEHOLD:
                households.append(_household(record))
            elif record["kind"] == RecordKind.PERSON:
                people.append(_person(record))
            elif record["kind"] == RecordKind.PERSON_CORRECTION:
                corrections.append(_correction(record))
            else:
                raise BadRecord("kind")
        except BadRecord as error:
            refused.append((str(record["record_id"]), f"invalid:{error}"))
    return households, people, corrections


def _money(store: Store, records: list[HeldRecord], refused: list[tuple[str, str]]
           ) -> tuple[list[PaymentBack], list[VoidBack], list[ReprintBack], list[DayCloseBack], list[HandoverBack]]:
    device = device_of(store)
    users: dict[str, str] = {}

    def user_id(username: Any) -> str:
        if not isinstance(username, str):
            raise BadRecord("user")
        if username not in users:
            user = any_user_by_username(store, username)
            users[username] = user.user_id if user is not None else f"server:{username}"[:TextLimits.USERNAME]
        return users[username]

    tables: dict[str, PolicyTable | None] = {}

    def table(version: str) -> PolicyTable | None:
        if version not in tables:  # reading the pulled tables parses each: once per version, not per payment
            tables[version] = table_of_version(store, version)
        return tables[version]

    payments: list[PaymentBack] = []
    voids: list[VoidBack] = []
    reprints: list[ReprintBack] = []
    closings: list[DayCloseBack] = []
    handovers: list[HandoverBack] = []
    for record in records:
        try:
            body = _checked(record)
            if body.get("device_id") != device.device_id:
                raise BadRecord("device")
            if record["kind"] == RecordKind.PAYMENT:
                _check_payment(table, record, body, device.series)
                origin = replace(_origin(record), written_at=_moment(body["receipt"]["issued_at"]))
                payments.append(PaymentBack(origin, body, user_id(body.get("collector"))))
            elif record["kind"] == RecordKind.VOID:
                _text(body, "reason", TextLimits.VOID_REASON)
                _uuid(body.get("receipt_id")), _uuid(body.get("payment_id"))
                origin = replace(_origin(record), written_at=_moment(body.get("voided_at")))
                voids.append(VoidBack(origin, body, user_id(body.get("voided_by"))))
            elif record["kind"] == RecordKind.REPRINT:
                copy = body.get("copy_number")
                if not isinstance(copy, int) or isinstance(copy, bool) or not 1 <= copy <= 10_000:
                    raise BadRecord("copy_number")
                _uuid(body.get("receipt_id"))
                origin = replace(_origin(record), written_at=_moment(body.get("printed_at")))
                reprints.append(ReprintBack(origin, body, user_id(body.get("printed_by"))))
            elif record["kind"] == RecordKind.DAY_CLOSE:
                _check_day_close(body)
                origin = replace(_origin(record), written_at=_moment(body.get("closed_at")))
                closings.append(DayCloseBack(origin, body, user_id(body.get("collector"))))
            elif record["kind"] == RecordKind.HANDOVER:
                receipts = _check_handover(body, device.series)
                origin = replace(_origin(record), written_at=_moment(body.get("received_at")))
                handovers.append(HandoverBack(origin, body, receipts, user_id(body.get("collaborator")),
                                              user_id(body.get("received_by"))))
            else:
                raise BadRecord("kind")
        except (BadRecord, KeyError, TypeError, ValueError) as error:
            refused.append((str(record["record_id"]), f"invalid:{error}"))
    return payments, voids, reprints, closings, handovers


def _amount(body: Mapping[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRecord(name)
    return value


def _check_day_close(body: Mapping[str, Any]) -> None:
    """The closing is one this app writes: a count of known notes, figures that add up, a reason where they differ."""
    _day(body.get("closed_on"), "closed_on")
    if _moment(body.get("day_start")) >= _moment(body.get("day_end")):
        raise BadRecord("day_end")
    counts = body.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(notes, int) and not isinstance(notes, bool)
                                               for notes in counts.values()):
        raise BadRecord("counts")
    try:
        count = cash_count({int(value): notes for value, notes in counts.items()})
    except (DomainError, ValueError) as error:
        raise BadRecord("counts") from error
    if count.as_dict() != counts:
        raise BadRecord("counts")
    expected, counted = _amount(body, "expected_cash"), _amount(body, "counted_cash")
    _amount(body, "transfers")
    if counted != count.total or body.get("difference") != counted - expected:
        raise BadRecord("difference")
    reason = body.get("reason")
    if not isinstance(reason, str) or reason != reason.strip() or check_reason(counted - expected, reason):
        raise BadRecord("reason")


def _check_handover(body: Mapping[str, Any], series: str) -> tuple[ReceiptNumber, ...]:
    """The hand-over is one this app writes, for receipts of this device; its receipt numbers, read."""
    numbers = body.get("receipt_numbers")
    if not isinstance(numbers, list) or not numbers or len(numbers) != len(set(map(str, numbers))):
        raise BadRecord("receipt_numbers")
    try:
        receipts = tuple(parse_receipt_number(str(number)) for number in numbers)
    except DomainError as error:
        raise BadRecord("receipt_numbers") from error
    if any(number.symbol != series for number in receipts):
        raise BadRecord("receipt_numbers")
    expected, amount = _amount(body, "expected"), _amount(body, "amount")
    reason = body.get("reason")
    if not isinstance(reason, str) or body.get("difference") != amount - expected:
        raise BadRecord("difference")
    try:
        handover = hand_over(expected, amount, reason)
    except DomainError as error:
        raise BadRecord("reason") from error
    if handover.reason != reason:
        raise BadRecord("reason")
    return receipts


def _check_payment(table_of: Callable[[str], PolicyTable | None], record: HeldRecord, body: Mapping[str, Any],
                   series: str) -> None:
    """The payload is this device's, its number and figures are the ledger's, and the rules give the same figures."""
    try:
        payment = payment_from_payload(body)
        number = parse_receipt_number(str(body["receipt"]["number"]))
    except (DomainError, KeyError, TypeError, ValueError) as error:
        raise BadRecord("payload") from error
    receipt = body["receipt"]
    if number.symbol != series or (receipt["series"], receipt["year"], receipt["sequence"]) != (
            number.symbol, number.year, number.number) or str(number) != record["receipt_number"]:
        raise BadRecord("receipt_number")
    _uuid(receipt.get("id"))
    ledger = (record["gross"], record["state_support"], record["local_support"], record["amount"])
    figures = (body["gross"], body["state_support"], body["local_support"], body["amount"])
    if ledger != figures or figures != (payment.gross, payment.state_support, payment.local_support, payment.amount):
        raise BadRecord("amount")
    for item in body["items"]:
        _uuid(item.get("id")), _uuid(item.get("person_id")), _uuid(item.get("enrolment_id"))
    _text(body, "payer_name", TextLimits.FULL_NAME)
    table = table_of(payment.policy_version)
    if table is None:
        raise BadRecord("policy_version")  # the next sync pulls the table; recovering again then takes it
    if check_figures(table, payment):
        raise BadRecord("figures")
    canonical_json(body)  # text the store can keep (no lone surrogate)


# ---- the window's action ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryOutcome:
    """What the window shows after "Get back from the server": the report, or why it could not be done."""

    report: RecoveryReport | None
    error: str | None  # one line for the user, in the current language

    @property
    def changes(self) -> Changes:
        return self.report.changes if self.report is not None else frozenset()


def run_recovery(store_path: Path, *, actor: User, timeout: float, attempts: int,
                 progress: Callable[[int, int], None], connector: Connector = connect_sqlite3) -> RecoveryOutcome:
    """`recover_from_server` on a Store of its own (the window's network lane); never raises.

    `progress(received, 0)`: records received so far, of a total nobody knows in advance. `connector`
    opens the file as the window's own store does (with its data key).
    """
    from collector_app.services.syncing import describe_failure  # the sync's words for the same failures

    def counted(_what: str, count: int) -> None:
        progress(count, 0)

    try:
        store = open_store(store_path, connector=connector)
    except Exception as error:
        log.exception("recovery could not open the store")
        return RecoveryOutcome(None, describe_failure(error))
    try:
        with client_for(store, timeout=timeout, backoff=Backoff(attempts=attempts)) as client:
            return RecoveryOutcome(recover_from_server(store, actor=actor, client=client, progress=counted), None)
    except Exception as error:
        if not isinstance(error, (SyncError, DomainError)):
            log.exception("recovery failed")
        return RecoveryOutcome(None, describe_failure(error))
    finally:
        store.close()


def outcome_text(outcome: RecoveryOutcome) -> str:
    """One paragraph for the user: what came back, what was already here, what was left out."""
    if outcome.report is None:
        return outcome.error or ""
    report = outcome.report
    text = _("From the server: {households} households, {people} people, {corrections} corrections, "
             "{payments} payments, {voids} voids, {reprints} reprints, {closings} day closings and {handovers} "
             "hand-overs written back; {present} were already here.").format(
        households=report.households, people=report.people, corrections=report.corrections,
        payments=report.payments, voids=report.voids, reprints=report.reprints, closings=report.closings,
        handovers=report.handovers, present=report.already_here)
    if report.newer_here:
        text += " " + _("{count} corrections from the server were older than this computer's records and were "
                        "not applied.").format(count=report.newer_here)
    if report.refused:
        text += " " + _("{count} records could not be written back: run collector-app recover-from-server "
                        "for the list.").format(count=len(report.refused))
    return text
