"""Visit rounds in the store: the round with its snapshot, the visits marked on it, and the payments for its people.

A round is made on the point's device (numbered 1, 2, 3... there) or imported from its signed file on a
collaborator's device, with the households and people it lists that the store lacks. Each is one
transaction. What a round's people paid is read from the payments themselves: standing receipts (not
voided) for a member's scheme, dated on or after the day the round was made, here or as reported by the
collaborator's device (`round_receipts`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from collector_app.domain.people import SupportGroup
from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.domain.text import fold, unsafe_characters
from collector_app.store.db import Store, id_chunks
from collector_app.store.registration import _INDEX_NEW_NAMES, _INSERT_HOUSEHOLD, _INSERT_PERSON, _max_search_rowid
from collector_app.store.stamps import new_id, utc_now
from collector_app.wire import RecordKind, RoundNotice, RoundVisitPayload, TextLimits


@dataclass(frozen=True)
class RoundMember:
    """One member's renewal as priced the day the round was made."""

    person_id: str
    scheme: str  # a domain.enrolments.Scheme value
    full_name: str
    citizen_id: str | None
    phone: str | None
    state: str  # a domain.renewal.DueState value
    ends_on: date
    pay_by: date
    months: int
    amount: int  # VND to collect
    # Voluntary SI: what the renewal is computed from beyond `ends_on` (None: family HI, or a round's file from
    # before they were carried), so that a device holding none of the member's payments prices it the same.
    supported_months: int | None = None
    support_group: str | None = None
    monthly_income: int | None = None


@dataclass(frozen=True)
class RoundHousehold:
    household_id: str
    household_code: str | None
    address: str
    members: tuple[RoundMember, ...]

    @property
    def amount(self) -> int:
        return sum(member.amount for member in self.members)


@dataclass(frozen=True)
class RoundHeader:
    round_id: str
    number: int
    point_code: str
    origin_device_id: str
    origin_public_key: str  # base64url
    collaborator: str  # username on the point's device
    collaborator_name: str
    made_on: date
    imported_at: str | None  # set on the device that imported the round's file
    created_at: str


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as a round's file carries it, to be added where the store lacks it."""

    household_id: str
    household_code: str | None
    address: str
    commune_code: str
    province_code: str


@dataclass(frozen=True)
class PersonRecord:
    """A person as a round's file carries it (only people the round lists)."""

    person_id: str
    household_id: str
    member_order: int
    full_name: str
    date_of_birth: date
    sex: str
    citizen_id: str | None
    si_code: str | None
    phone: str | None
    relationship: str | None
    hi_facility_code: str | None


@dataclass(frozen=True)
class Visit:
    visit_id: str
    round_id: str
    household_id: str
    outcome: str
    visited_by: str
    visited_at: str  # UTC ISO 8601


@dataclass(frozen=True)
class PaidItem:
    """One person's share of a standing payment that counts for a round."""

    round_id: str
    household_id: str
    person_id: str
    scheme: str
    receipt_number: str
    paid_on: date
    amount: int


@dataclass(frozen=True)
class ReportedReceipt:
    """A receipt for a round's person as the collaborator's device holds it (its results file)."""

    receipt_number: str
    person_id: str
    scheme: str
    paid_on: date
    amount: int
    voided: bool


SERVER_HELD = "server"
"""`round_receipts.device_id` of a receipt the provincial server vouched for (its ledger), not a results file."""

_HEADER = ("SELECT id, number, point_code, origin_device_id, origin_public_key, collaborator, collaborator_name, "
           "made_on, imported_at, created_at FROM rounds")


def _header(row: Sequence[object]) -> RoundHeader:
    return RoundHeader(round_id=str(row[0]), number=int(str(row[1])), point_code=str(row[2]),
                       origin_device_id=str(row[3]), origin_public_key=str(row[4]), collaborator=str(row[5]),
                       collaborator_name=str(row[6]), made_on=date.fromisoformat(str(row[7])),
                       imported_at=None if row[8] is None else str(row[8]), created_at=str(row[9]))


def list_rounds(store: Store) -> list[RoundHeader]:
    """Every round on this device, the newest first."""
    with store.read() as connection:
        return [_header(row) for row in connection.exec_driver_sql(_HEADER + " ORDER BY created_at DESC, number DESC")]


def rounds_made_since(store: Store, device_id: str, since: date) -> list[RoundHeader]:
    """The rounds `device_id` made (here) for a day on or after `since`."""
    with store.read() as connection:
        return [_header(row) for row in connection.exec_driver_sql(
            _HEADER + " WHERE origin_device_id = ? AND imported_at IS NULL AND made_on >= ? ORDER BY made_on",
            (device_id, since.isoformat()))]


def rounds_numbered(store: Store, number: int) -> list[RoundHeader]:
    """The rounds with this number (one, unless rounds of several point devices were imported here)."""
    with store.read() as connection:
        return [_header(row) for row in connection.exec_driver_sql(_HEADER + " WHERE number = ?", (number,))]


def round_by_id(store: Store, round_id: str) -> RoundHeader | None:
    with store.read() as connection:
        row = connection.exec_driver_sql(_HEADER + " WHERE id = ?", (round_id,)).first()
    return None if row is None else _header(row)


def origin_key(store: Store, origin_device_id: str) -> str | None:
    """The public key rounds of `origin_device_id` were signed with, as first seen here (None: none yet)."""
    with store.read() as connection:
        return connection.exec_driver_sql(
            "SELECT origin_public_key FROM rounds WHERE origin_device_id = ? ORDER BY created_at LIMIT 1",
            (origin_device_id,)).scalar()


def round_households(store: Store, round_id: str) -> tuple[RoundHousehold, ...]:
    """The round's households in the visit list's order, each with its members as priced."""
    with store.read() as connection:
        households = connection.exec_driver_sql(
            "SELECT household_id, household_code, address FROM round_households WHERE round_id = ? ORDER BY position",
            (round_id,)).all()
        members: dict[str, list[RoundMember]] = {}
        for row in connection.exec_driver_sql(
                "SELECT household_id, person_id, scheme, full_name, citizen_id, phone, state, ends_on, pay_by, months, "
                "amount, supported_months, support_group, monthly_income FROM round_members WHERE round_id = ? "
                "ORDER BY position", (round_id,)):
            members.setdefault(row[0], []).append(RoundMember(
                person_id=row[1], scheme=row[2], full_name=row[3], citizen_id=row[4], phone=row[5], state=row[6],
                ends_on=date.fromisoformat(row[7]), pay_by=date.fromisoformat(row[8]), months=int(row[9]),
                amount=int(row[10]), supported_months=row[11], support_group=row[12], monthly_income=row[13]))
    return tuple(RoundHousehold(household_id=h[0], household_code=h[1], address=h[2],
                                members=tuple(members.get(h[0], ()))) for h in households)


@dataclass(frozen=True)
class CarriedCover:
    """A member's cover as the newest round listing them carried it: for a device holding none of their payments."""

    ends_on: date  # the last day paid (voluntary SI) or of the card (family HI)
    supported_months: int | None  # voluntary SI: state-supported months used (None: the round did not carry it)
    support_group: str | None
    monthly_income: int | None


def carried_covers(store: Store, person_ids: Sequence[str], scheme: str) -> dict[str, CarriedCover]:
    """For each of these people listed in `scheme` by a round another device made (imported here: by file or
    sync), their cover as the newest such round carried it. A round made here carries nothing new: this device
    holds the payments it was made from, and what it holds now (a void since, say) prevails."""
    found: dict[str, CarriedCover] = {}
    for chunk in id_chunks(person_ids):
        # Oldest first: each person's newest round is the last row read.
        for person_id, ends_on, supported, group, income in store.reader().execute(
                "SELECT m.person_id, m.ends_on, m.supported_months, m.support_group, m.monthly_income "
                "FROM round_members AS m JOIN rounds AS r ON r.id = m.round_id "
                f"WHERE r.imported_at IS NOT NULL AND m.scheme = ? AND m.person_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY r.made_on, m.ends_on", (scheme, *chunk)):
            found[person_id] = CarriedCover(date.fromisoformat(ends_on), supported, group, income)
    return found


def _insert_snapshot(connection: Connection, round_id: str, households: Sequence[RoundHousehold]) -> None:
    connection.exec_driver_sql(
        "INSERT INTO round_households (round_id, household_id, position, household_code, address) VALUES (?, ?, ?, ?, ?)",
        [(round_id, h.household_id, index, h.household_code, h.address) for index, h in enumerate(households)])
    members = [(h.household_id, m) for h in households for m in h.members]
    connection.exec_driver_sql(
        "INSERT INTO round_members (round_id, household_id, person_id, scheme, position, full_name, citizen_id, phone, "
        "state, ends_on, pay_by, months, amount, supported_months, support_group, monthly_income) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(round_id, household_id, m.person_id, m.scheme, index, m.full_name, m.citizen_id, m.phone, m.state,
          m.ends_on.isoformat(), m.pay_by.isoformat(), m.months, m.amount, m.supported_months, m.support_group,
          m.monthly_income)
         for index, (household_id, m) in enumerate(members)])


_INSERT_ROUND = ("INSERT INTO rounds (id, number, point_code, origin_device_id, origin_public_key, collaborator, "
                 "collaborator_name, made_on, imported_at, created_at, created_by, device_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def insert_round(store: Store, households: Sequence[RoundHousehold], *, point_code: str, device_id: str,
                 public_key: str, collaborator: str, collaborator_name: str, made_on: date,
                 actor_id: str) -> RoundHeader:
    """A new round of this device, numbered after its last one, with its snapshot: one transaction."""
    with store.begin() as connection:
        number = int(connection.exec_driver_sql(
            "SELECT coalesce(max(number), 0) + 1 FROM rounds WHERE origin_device_id = ?", (device_id,)).scalar_one())
        round_id, now = new_id(), utc_now()
        connection.exec_driver_sql(_INSERT_ROUND, (round_id, number, point_code, device_id, public_key, collaborator,
                                                   collaborator_name, made_on.isoformat(), None, now, actor_id,
                                                   device_id))
        _insert_snapshot(connection, round_id, households)
        header = RoundHeader(round_id=round_id, number=number, point_code=point_code, origin_device_id=device_id,
                             origin_public_key=public_key, collaborator=collaborator,
                             collaborator_name=collaborator_name, made_on=made_on, imported_at=None, created_at=now)
        # The round travels up with the next batch; the server hands it to the point's other devices.
        _outbox(connection, RecordKind.ROUND, round_id, _payload(connection, header, households), now=now,
                actor_id=actor_id, device_id=device_id)
    return header


_OUTBOX = ("INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def _outbox(connection: Connection, kind: RecordKind, record_id: str, payload: Mapping[str, Any], *, now: str,
            actor_id: str, device_id: str | None) -> None:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    connection.exec_driver_sql(_OUTBOX, (new_id(), kind.value, record_id, text, now, now, actor_id, device_id))


@dataclass(frozen=True)
class Imported:
    """What importing a round's file added: False when the round was here already (nothing written)."""

    added: bool
    households_added: int = 0
    people_added: int = 0


def import_round(store: Store, header: RoundHeader, households: Sequence[RoundHousehold],
                 household_records: Sequence[HouseholdRecord], people: Sequence[PersonRecord], *,
                 actor_id: str, device_id: str | None) -> Imported:
    """Write an imported round, and the households and people it lists that the store lacks (a person
    whose citizen ID the store gives someone else is not added: the round still lists them by name).
    Nothing is written when the round is here already."""
    with store.begin() as connection:
        if connection.exec_driver_sql("SELECT 1 FROM rounds WHERE id = ?", (header.round_id,)).first() is not None:
            return Imported(added=False)
        now = utc_now()
        added_households = 0
        for household in household_records:
            if _exists(connection, "households", household.household_id):
                continue
            code = household.household_code
            if code is not None and connection.exec_driver_sql(
                    "SELECT 1 FROM households WHERE household_code = ?", (code,)).first() is not None:
                code = None  # another household of this store has the code: keep the person, not the clash
            connection.exec_driver_sql(_INSERT_HOUSEHOLD, [(
                household.household_id, code, household.address, fold(household.address), household.commune_code,
                household.province_code, now, now, actor_id, device_id)])
            added_households += 1
        first_rowid = _max_search_rowid(connection) + 1
        added_people = 0
        for person in people:
            if _exists(connection, "people", person.person_id):
                continue
            if person.citizen_id is not None and connection.exec_driver_sql(
                    "SELECT 1 FROM people WHERE citizen_id = ?", (person.citizen_id,)).first() is not None:
                continue
            order = person.member_order
            taken = {int(row[0]) for row in connection.exec_driver_sql(
                "SELECT member_order FROM people WHERE household_id = ?", (person.household_id,))}
            while order in taken:  # the household here has other members: the person goes after them
                order += 1
            connection.exec_driver_sql(_INSERT_PERSON, [(
                person.person_id, person.household_id, order, person.full_name, fold(person.full_name),
                person.date_of_birth.isoformat(), person.sex, person.citizen_id, person.si_code, person.phone,
                person.relationship, person.hi_facility_code, first_rowid + added_people, now, now, actor_id,
                device_id)])
            added_people += 1
        connection.execute(_INDEX_NEW_NAMES, {"first": first_rowid})
        connection.exec_driver_sql(_INSERT_ROUND, (
            header.round_id, header.number, header.point_code, header.origin_device_id, header.origin_public_key,
            header.collaborator, header.collaborator_name, header.made_on.isoformat(), now, header.created_at,
            actor_id, device_id))
        _insert_snapshot(connection, header.round_id, households)
    return Imported(added=True, households_added=added_households, people_added=added_people)


def _exists(connection: Connection, table: str, record_id: str) -> bool:
    return connection.exec_driver_sql(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)).first() is not None


def _registration_records(connection: Connection, round_id: str) -> tuple[list[HouseholdRecord], list[PersonRecord]]:
    households = [HouseholdRecord(*row) for row in connection.exec_driver_sql(
        "SELECT h.id, h.household_code, h.address, h.commune_code, h.province_code FROM households AS h "
        "JOIN round_households AS rh ON rh.household_id = h.id WHERE rh.round_id = ? ORDER BY rh.position",
        (round_id,))]
    people = [PersonRecord(
        person_id=row[0], household_id=row[1], member_order=int(row[2]), full_name=row[3],
        date_of_birth=date.fromisoformat(row[4]), sex=row[5], citizen_id=row[6], si_code=row[7], phone=row[8],
        relationship=row[9], hi_facility_code=row[10]) for row in connection.exec_driver_sql(
        "SELECT p.id, p.household_id, p.member_order, p.full_name, p.date_of_birth, p.sex, p.citizen_id, "
        "p.si_code, p.phone, p.relationship, p.hi_facility_code FROM people AS p "
        "WHERE p.id IN (SELECT person_id FROM round_members WHERE round_id = ?) ORDER BY p.household_id, "
        "p.member_order", (round_id,))]
    return households, people


def round_payload(store: Store, header: RoundHeader) -> dict[str, Any]:
    """The round as its file and its outbox record carry it: the snapshot, and the households and the
    people it lists (no one else of their households), as the store holds them."""
    households = round_households(store, header.round_id)
    with store.read() as connection:
        return _payload(connection, header, households)


def _payload(connection: Connection, header: RoundHeader, households: Sequence[RoundHousehold]) -> dict[str, Any]:
    records, people = _registration_records(connection, header.round_id)
    by_id = {r.household_id: r for r in records}
    return {
        "id": header.round_id, "number": header.number, "point_code": header.point_code,
        "device_id": header.origin_device_id, "public_key": header.origin_public_key,
        "collaborator": header.collaborator, "collaborator_name": header.collaborator_name,
        "made_on": header.made_on.isoformat(), "created_at": header.created_at,
        "households": [{
            "id": h.household_id, "code": h.household_code, "address": h.address,
            "commune_code": by_id[h.household_id].commune_code if h.household_id in by_id else None,
            "province_code": by_id[h.household_id].province_code if h.household_id in by_id else None,
            "members": [{
                "person_id": m.person_id, "scheme": m.scheme, "full_name": m.full_name, "citizen_id": m.citizen_id,
                "phone": m.phone, "state": m.state, "ends_on": m.ends_on.isoformat(), "pay_by": m.pay_by.isoformat(),
                "months": m.months, "amount": m.amount, "supported_months": m.supported_months,
                "support_group": m.support_group, "monthly_income": m.monthly_income} for m in h.members],
        } for h in households],
        "people": [{
            "id": p.person_id, "household_id": p.household_id, "member_order": p.member_order,
            "full_name": p.full_name, "date_of_birth": p.date_of_birth.isoformat(), "sex": p.sex,
            "citizen_id": p.citizen_id, "si_code": p.si_code, "phone": p.phone, "relationship": p.relationship,
            "hi_facility_code": p.hi_facility_code} for p in people],
    }


@dataclass(frozen=True)
class ParsedRound:
    header: RoundHeader
    households: tuple[RoundHousehold, ...]
    records: tuple[HouseholdRecord, ...]
    people: tuple[PersonRecord, ...]  # only the people the round lists


MAX_ROUND_HOUSEHOLDS = 5_000  # a commune's every household due, far above one collaborator's round


def _text(value: object, limit: int) -> str:
    """Text from a round's document as the store may keep it: a string, not empty, within the wire's
    limit, with no control or invisible character (a file signed by an unknown key is trusted on first sight)."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit or unsafe_characters(value):
        raise ValueError("not text a round may hold")
    return value


def _optional(value: object, limit: int = TextLimits.FULL_NAME) -> str | None:
    return None if value is None else _text(value, limit)


_ID = 40  # a record id: a UUID
_SCHEMES = ("vsi", "family_hi")
_STATES = ("due", "overdue", "lapsed")  # domain.renewal.DueState
_SEXES = ("male", "female")
_GROUPS = tuple(group.value for group in SupportGroup)


def _count(value: object) -> int | None:
    """A non-negative whole number of a round's file, or None when it has none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("not a count")
    return value


def _one_of(value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"not one of {allowed}")
    return str(value)


def parse_round(document: Mapping[str, Any]) -> ParsedRound:
    """A round's document read back; KeyError, TypeError or ValueError when it is not one."""
    header = RoundHeader(
        round_id=str(document["id"]), number=int(document["number"]), point_code=str(document["point_code"]),
        origin_device_id=str(document["device_id"]), origin_public_key=str(document["public_key"]),
        collaborator=_text(document["collaborator"], TextLimits.USERNAME),
        collaborator_name=_text(document["collaborator_name"], TextLimits.FULL_NAME),
        made_on=date.fromisoformat(document["made_on"]), imported_at=None, created_at=str(document["created_at"]))
    households = tuple(RoundHousehold(
        household_id=_text(h["id"], _ID), household_code=_optional(h["code"], TextLimits.HOUSEHOLD_CODE),
        address=_text(h["address"], TextLimits.ADDRESS),
        members=tuple(RoundMember(
            person_id=_text(m["person_id"], _ID), scheme=_one_of(m["scheme"], _SCHEMES),
            full_name=_text(m["full_name"], TextLimits.FULL_NAME),
            citizen_id=_optional(m["citizen_id"], TextLimits.FULL_NAME), phone=_optional(m["phone"], TextLimits.PHONE),
            state=_one_of(m["state"], _STATES),
            ends_on=date.fromisoformat(m["ends_on"]), pay_by=date.fromisoformat(m["pay_by"]), months=int(m["months"]),
            amount=int(m["amount"]), supported_months=_count(m.get("supported_months")),
            support_group=None if m.get("support_group") is None else _one_of(m["support_group"], _GROUPS),
            monthly_income=_count(m.get("monthly_income"))) for m in h["members"]))
        for h in document["households"])
    if header.number < 1 or not 0 < len(households) <= MAX_ROUND_HOUSEHOLDS \
            or any(m.amount < 0 or m.months < 1 for h in households for m in h.members):
        raise ValueError("not a round's figures")
    records = tuple(HouseholdRecord(
        household_id=str(h["id"]), household_code=_optional(h["code"], TextLimits.HOUSEHOLD_CODE),
        address=str(h["address"]), commune_code=_text(h["commune_code"], 10), province_code=_text(h["province_code"], 4))
        for h in document["households"] if h.get("commune_code") and h.get("province_code"))
    listed = {m.person_id for h in households for m in h.members}
    people = tuple(PersonRecord(
        person_id=str(p["id"]), household_id=_text(p["household_id"], _ID), member_order=int(p["member_order"]),
        full_name=_text(p["full_name"], TextLimits.FULL_NAME), date_of_birth=date.fromisoformat(p["date_of_birth"]),
        sex=_one_of(p["sex"], _SEXES), citizen_id=_optional(p["citizen_id"], TextLimits.FULL_NAME),
        si_code=_optional(p["si_code"], TextLimits.FULL_NAME), phone=_optional(p["phone"], TextLimits.PHONE),
        relationship=_optional(p["relationship"], TextLimits.FULL_NAME),
        hi_facility_code=_optional(p["hi_facility_code"], TextLimits.FACILITY_CODE))
        for p in document["people"] if str(p["id"]) in listed)  # never more personal data than the round lists
    return ParsedRound(header=header, households=households, records=records, people=people)


# ---- visits ---------------------------------------------------------------------------------------

_INSERT_VISIT = ("INSERT INTO round_visits (id, round_id, household_id, outcome, visited_by, created_at, created_by, "
                 "device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def record_visit(store: Store, *, round_id: str, household_id: str, outcome: str, visited_by: str, actor_id: str,
                 device_id: str | None) -> Visit:
    visit_id, now = new_id(), utc_now()
    with store.begin() as connection:
        connection.exec_driver_sql(_INSERT_VISIT, (visit_id, round_id, household_id, outcome, visited_by, now,
                                                   actor_id, device_id))
        if device_id is not None:  # the visit travels up; the server hands it to the point's other devices
            _outbox(connection, RecordKind.ROUND_VISIT, visit_id, RoundVisitPayload(
                id=visit_id, round_id=round_id, household_id=household_id, outcome=outcome, visited_by=visited_by,
                visited_at=now, device_id=device_id), now=now, actor_id=actor_id, device_id=device_id)
    return Visit(visit_id=visit_id, round_id=round_id, household_id=household_id, outcome=outcome,
                 visited_by=visited_by, visited_at=now)


def visits_of(store: Store, round_id: str | None = None) -> list[Visit]:
    """Every visit (of one round, or all), oldest first: the last of a household is its state."""
    where, params = ("WHERE round_id = ?", (round_id,)) if round_id is not None else ("", ())
    with store.read() as connection:
        return [Visit(*row) for row in connection.exec_driver_sql(
            "SELECT id, round_id, household_id, outcome, visited_by, created_at FROM round_visits "
            f"{where} ORDER BY created_at, id", params)]


def add_results(store: Store, round_id: str, visits: Iterable[Visit], receipts: Iterable[ReportedReceipt], *,
                device_id: str, actor_id: str) -> tuple[int, int]:
    """A collaborator's device's results of a round: its visits (each once, by id) and its receipts for the
    round's people (a receipt's row replaced when it changed there, a void). (new visits, receipts changed)."""
    now = utc_now()
    new_visits = changed = 0
    with store.begin() as connection:
        for visit in visits:
            if _exists(connection, "round_visits", visit.visit_id):
                continue
            connection.exec_driver_sql(_INSERT_VISIT, (visit.visit_id, round_id, visit.household_id, visit.outcome,
                                                       visit.visited_by, visit.visited_at, actor_id, device_id))
            new_visits += 1
        for receipt in receipts:
            held = connection.exec_driver_sql(
                "SELECT round_id, scheme, paid_on, amount, voided FROM round_receipts "
                "WHERE receipt_number = ? AND person_id = ?", (receipt.receipt_number, receipt.person_id)).first()
            row = (round_id, receipt.scheme, receipt.paid_on.isoformat(), receipt.amount, int(receipt.voided))
            if held is not None and tuple(held) == row:
                continue
            connection.exec_driver_sql(
                "INSERT OR REPLACE INTO round_receipts (receipt_number, round_id, person_id, scheme, paid_on, amount, "
                "voided, device_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (receipt.receipt_number, round_id, receipt.person_id, receipt.scheme, receipt.paid_on.isoformat(),
                 receipt.amount, int(receipt.voided), device_id, now))
            changed += 1
    return new_visits, changed


# ---- payments for a round's people ------------------------------------------------------------------

# Each member's payment items in their scheme dated on or after the round's day, with the receipt and
# whether it was voided.
_PAYMENTS = """
SELECT rm.round_id, rm.household_id, rm.person_id, rm.scheme, r.series, r.year, r.number, p.paid_on, pi.amount,
       v.id IS NOT NULL
FROM round_members AS rm
JOIN rounds AS ro ON ro.id = rm.round_id
JOIN enrolments AS e ON e.person_id = rm.person_id AND e.scheme = rm.scheme
JOIN payment_items AS pi ON pi.enrolment_id = e.id
JOIN payments AS p ON p.id = pi.payment_id AND p.paid_on >= ro.made_on
JOIN receipts AS r ON r.payment_id = p.id
LEFT JOIN voids AS v ON v.receipt_id = r.id
{where}
ORDER BY p.paid_on, r.series, r.year, r.number
"""
_REPORTED = """
SELECT rr.round_id, rm.household_id, rr.person_id, rr.scheme, rr.receipt_number, rr.paid_on, rr.amount
FROM round_receipts AS rr
JOIN rounds AS ro ON ro.id = rr.round_id
JOIN round_members AS rm ON rm.round_id = rr.round_id AND rm.person_id = rr.person_id AND rm.scheme = rr.scheme
WHERE NOT rr.voided AND rr.paid_on >= ro.made_on {also}
ORDER BY rr.paid_on, rr.receipt_number
"""


def local_receipts(store: Store, round_id: str) -> list[tuple[PaidItem, bool]]:
    """The round's people's receipts in this store (on or after the round's day), each with whether it was voided."""
    with store.read() as connection:
        return [(PaidItem(round_id=row[0], household_id=row[1], person_id=row[2], scheme=row[3],
                          receipt_number=str(ReceiptNumber(symbol=row[4], year=row[5], number=row[6])),
                          paid_on=date.fromisoformat(row[7]), amount=int(row[8])), bool(row[9]))
                for row in connection.exec_driver_sql(_PAYMENTS.format(where="WHERE rm.round_id = ?"), (round_id,))]


def standing_payments(store: Store, round_id: str | None = None) -> list[PaidItem]:
    """Standing payments for the people of one round (or of every round): this store's, and those the
    collaborator's device reported that are not this store's own; each receipt once per person."""
    params: tuple[str, ...] = () if round_id is None else (round_id,)
    found: list[PaidItem] = []
    seen: set[tuple[str, str, str]] = set()
    with store.read() as connection:
        where = "WHERE v.id IS NULL" + ("" if round_id is None else " AND rm.round_id = ?")
        for row in connection.exec_driver_sql(_PAYMENTS.format(where=where), params):
            item = PaidItem(round_id=row[0], household_id=row[1], person_id=row[2], scheme=row[3],
                            receipt_number=str(ReceiptNumber(symbol=row[4], year=row[5], number=row[6])),
                            paid_on=date.fromisoformat(row[7]), amount=int(row[8]))
            seen.add((item.round_id, item.receipt_number, item.person_id))
            found.append(item)
        also = "" if round_id is None else "AND rr.round_id = ?"
        for row in connection.exec_driver_sql(_REPORTED.format(also=also), params):
            if (row[0], row[4], row[2]) in seen:
                continue
            found.append(PaidItem(round_id=row[0], household_id=row[1], person_id=row[2], scheme=row[3],
                                  receipt_number=row[4], paid_on=date.fromisoformat(row[5]), amount=int(row[6])))
    return found


def round_totals(store: Store) -> dict[str, tuple[int, int, int]]:
    """By round id: (households, members, amount to collect)."""
    with store.read() as connection:
        rows = connection.exec_driver_sql(
            "SELECT round_id, count(DISTINCT household_id), count(*), coalesce(sum(amount), 0) FROM round_members "
            "GROUP BY round_id").all()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


# ---- rounds and visits other devices of the point sent (the changes feed) --------------------------


def apply_round_notices(store: Store, notices: Sequence[RoundNotice], *, device_id: str, point_code: str) -> int:
    """Keep what the server handed on from the point's other devices: a round made for a user of this
    device (by username), with the households and people it lists that the store lacks; a visit of a
    round this device holds. A notice that is not of this point, or that this device sent, or that cannot
    be read, is left out; one kept already is not kept twice. The number of rounds and visits kept."""
    kept = 0
    for notice in notices:
        if notice["device_id"] == device_id:
            continue
        payload = notice["payload"]
        try:
            if notice["kind"] == RecordKind.ROUND.value:
                parsed = parse_round(payload)
                if parsed.header.point_code != point_code or not _has_user(store, parsed.header.collaborator):
                    continue
                kept += import_round(store, parsed.header, parsed.households, parsed.records, parsed.people,
                                     actor_id="sync", device_id=device_id).added
            elif notice["kind"] == RecordKind.ROUND_VISIT.value:
                visit = Visit(visit_id=str(payload["id"]), round_id=str(payload["round_id"]),
                              household_id=str(payload["household_id"]), outcome=str(payload["outcome"]),
                              visited_by=str(payload["visited_by"]), visited_at=str(payload["visited_at"]))
                kept += _keep_visit(store, visit, device_id=str(notice["device_id"]))
        except (KeyError, TypeError, ValueError):
            continue
    return kept


def _has_user(store: Store, username: str) -> bool:
    with store.read() as connection:
        return connection.exec_driver_sql(
            "SELECT 1 FROM users WHERE username = ? AND active", (username,)).first() is not None


def _keep_visit(store: Store, visit: Visit, *, device_id: str) -> int:
    with store.begin() as connection:
        known = connection.exec_driver_sql(
            "SELECT 1 FROM round_households WHERE round_id = ? AND household_id = ?",
            (visit.round_id, visit.household_id)).first()
        if known is None or _exists(connection, "round_visits", visit.visit_id) \
                or visit.outcome not in ("paid", "not_at_home", "will_pay_later", "refused"):
            return 0
        connection.exec_driver_sql(_INSERT_VISIT, (visit.visit_id, visit.round_id, visit.household_id, visit.outcome,
                                                   visit.visited_by, visit.visited_at, "sync", device_id))
    return 1
