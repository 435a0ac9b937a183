"""Visit rounds for collaborators (issue 13 §2): made from the due list, carried on a USB stick, visited, paid.

A round is recorded on the point's device from the households chosen on the due list, with a snapshot of
each member's renewal as priced that day, and numbered there (1, 2, 3...). `round_pdf` prints it: A4,
by village and household as the due list sorts them, each member's scheme, state, last day to pay,
amount and phone, with a box to tick. `export_round` writes it as a file signed with the device's
Ed25519 key; `import_round_file` on the collaborator's device checks it (altered, another point's, here
already) and brings in the households and people it lists. There the households are marked visited
(`visit`), and `export_round` writes the results back: the visits and the receipts for the round's
people, signed by that device, which `import_round_file` on the point's device takes in. Whether a
household paid is computed from standing payments for its members on or after the round's day
(`store.rounds.standing_payments`), never from a visit's outcome.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from collector_app import coverage_words as words
from collector_app.domain.enrolments import Scheme
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.rounds import PaidState, VisitOutcome, paid_state
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _
from collector_app.receipts.pages import numbered_canvas
from collector_app.receipts.render import register_fonts
from collector_app.services.changes import Change, Changes
from collector_app.services.device import device_of
from collector_app.services.due import DueEntry, DueHousehold
from collector_app.store import rounds as stored
from collector_app.store.db import Store
from collector_app.store.importing import _check_file
from collector_app.store.rounds import (
    PaidItem,
    ReportedReceipt,
    RoundHeader,
    RoundHousehold,
    RoundMember,
    Visit,
)
from collector_app.store.users import User, all_users, user_by_username
from collector_app.wire import (
    ROUND_FILE_FORMAT,
    RoundFile,
    RoundFileKind,
    decode_key,
    encode_key,
    round_file,
    verify_round_file,
)

BOX = "☐"  # U+2610, in DejaVu Sans: ticked by hand at the visit
MARGIN = 12 * mm
_WIDTHS = (7 * mm, 36 * mm, 23 * mm, 20 * mm, 28 * mm, 19 * mm, 18 * mm, 14 * mm, 0)  # the amount takes the rest


def round_pdf(header: RoundHeader, households: Sequence[RoundHousehold], *, point: str) -> bytes:
    """The visit list of a round (`header`, its `households` as priced), made at the point `point`, as a PDF."""
    collaborator, made_on = header.collaborator_name, header.made_on
    regular, bold = register_fonts()
    title_style = ParagraphStyle("title", fontName=bold, fontSize=13, leading=16)
    line_style = ParagraphStyle("line", fontName=regular, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10)
    strong = ParagraphStyle("strong", parent=cell, fontName=bold)

    heading = [BOX, _("Name"), _("Citizen ID"), _("Phone"), _("Scheme"), _("State"), _("Pay by"), _("Months"),
              _("To collect")]
    rows: list[list[object]] = [[Paragraph(text, strong) for text in heading]]
    style = [
        ("FONT", (0, 0), (-1, -1), regular, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (-2, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    total = 0
    for household in households:
        title = _("{address} — household {code}").format(
            address=household.address, code=household.household_code or words.NO_VALUE)
        rows.append([BOX, Paragraph(title, strong), "", "", "", "", "", "", Paragraph(format_vnd(household.amount), strong)])
        at = len(rows) - 1
        style += [("SPAN", (1, at), (-2, at)), ("BACKGROUND", (0, at), (-1, at), colors.HexColor("#f4f4f4")),
                  ("FONT", (0, at), (0, at), regular, 12)]
        for entry in household.members:
            rows.append([BOX, Paragraph(entry.full_name, cell), entry.citizen_id or words.NO_VALUE,
                         entry.phone or words.NO_VALUE, Paragraph(words.scheme_text(entry.scheme), cell),
                         Paragraph(words.due_state_text(entry.state), cell), format_date(entry.pay_by),
                         str(entry.months), format_vnd(entry.amount)])
            style.append(("FONT", (0, len(rows) - 1), (0, len(rows) - 1), regular, 12))
        total += household.amount
    widths = list(_WIDTHS)
    widths[-1] = A4[0] - 2 * MARGIN - sum(widths)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))

    people = len({e.person_id for h in households for e in h.members})
    story = [
        Paragraph(_("Visit round {number}: {name}").format(number=header.number, name=collaborator), title_style),
        Paragraph(_("Made on {date} at {point}. Tick each member visited and each household that paid.").format(
            date=format_date(made_on), point=point), line_style),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        Paragraph(_("People: {people}; households: {households}; to collect: {amount}").format(
            people=people, households=len(households), amount=format_vnd(total)), title_style),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=_("Visit round {number}: {name}").format(
                                     number=header.number, name=collaborator))
    document.build(story, canvasmaker=numbered_canvas(_("Page {page} of {pages}")))
    return out.getvalue()


# ---- making and finding rounds -----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundMade:
    header: RoundHeader
    households: tuple[RoundHousehold, ...]
    changes: Changes = frozenset({Change.ROUNDS})


def snapshot(households: Sequence[DueHousehold]) -> tuple[RoundHousehold, ...]:
    """The due list's households as a round keeps them: each member's renewal as priced that day, with what it
    is priced from (a collaborator's device holds none of their payments)."""
    return tuple(RoundHousehold(household_id=h.household_id, household_code=h.household_code, address=h.address,
                                members=tuple(_member(e) for e in h.entries))
                 for h in households if h.entries)


def _member(entry: DueEntry) -> RoundMember:
    vsi = entry.scheme is Scheme.VSI
    return RoundMember(person_id=entry.person_id, scheme=entry.scheme.value, full_name=entry.full_name,
                       citizen_id=entry.citizen_id, phone=entry.phone, state=entry.state.value, ends_on=entry.ends_on,
                       pay_by=entry.pay_by, months=entry.months, amount=entry.amount,
                       supported_months=entry.supported_months if vsi else None,
                       support_group=entry.support_group if vsi else None,
                       monthly_income=entry.monthly_income if vsi else None)


def make_round(store: Store, households: Sequence[DueHousehold], *, collaborator: str | None, made_on: date,
               actor: User) -> RoundMade:
    """Record a round of `households` (from the due list of `made_on`) for `collaborator` (None: the actor).
    DomainError: no household, an unknown user."""
    chosen = snapshot(households)
    if not chosen:
        raise DomainError(Problem(ProblemCode.ROUND_EMPTY))
    who = actor if collaborator is None else user_by_username(store, collaborator)
    if who is None:
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": collaborator}))
    device = device_of(store)
    header = stored.insert_round(store, chosen, point_code=device.point_code, device_id=device.device_id,
                                 public_key=encode_key(device.public_key), collaborator=who.username,
                                 collaborator_name=who.full_name, made_on=made_on, actor_id=actor.user_id)
    return RoundMade(header=header, households=chosen)


def find_round(store: Store, text: str) -> RoundHeader:
    """The round a user names: its number (the newest with that number when several devices' rounds are
    here), or its id. DomainError ROUND_UNKNOWN otherwise."""
    wanted = text.strip()
    found = stored.rounds_numbered(store, int(wanted)) if wanted.isdigit() and len(wanted) < 10 else []
    if found:
        return max(found, key=lambda r: r.created_at)
    header = stored.round_by_id(store, wanted) if wanted else None
    if header is None:
        raise DomainError(Problem(ProblemCode.ROUND_UNKNOWN, {"round": text}))
    return header


def round_users(store: Store) -> list[User]:
    """Who a round can be made for: this device's active users, collaborators first."""
    return sorted(all_users(store), key=lambda u: (u.role.value != "collaborator", u.full_name, u.username))


def households_of(store: Store, header: RoundHeader) -> tuple[RoundHousehold, ...]:
    """The round's households and members as priced the day it was made, in the visit list's order."""
    return stored.round_households(store, header.round_id)


def point_label(store: Store) -> str:
    device = device_of(store)
    return " ".join(part for part in (device.point_code, device.point_name) if part)


# ---- where a round stands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdProgress:
    """One household of a round: its last visit, and what its members paid (from standing payments)."""

    household: RoundHousehold
    visit: Visit | None
    payments: tuple[PaidItem, ...]

    @property
    def paid_members(self) -> int:
        paid = {(p.person_id, p.scheme) for p in self.payments}
        return sum(1 for m in self.household.members if (m.person_id, m.scheme) in paid)

    @property
    def state(self) -> PaidState:
        return paid_state(len(self.household.members), self.paid_members)

    @property
    def collected(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def receipt_numbers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.receipt_number for p in self.payments))


@dataclass(frozen=True)
class RoundProgress:
    header: RoundHeader
    households: int
    visited: int  # households with at least one visit
    paid: int  # households whose every member of the round has a standing payment
    to_collect: int  # VND, as priced the day the round was made
    collected: int  # VND of standing payments for the round's people since that day

    @property
    def made_here(self) -> bool:
        return self.header.imported_at is None


@dataclass(frozen=True)
class RoundDetail:
    progress: RoundProgress
    households: tuple[HouseholdProgress, ...]


def _last_visits(visits: Sequence[Visit]) -> dict[tuple[str, str], Visit]:
    return {(v.round_id, v.household_id): v for v in visits}  # oldest first: the last one stays


def rounds_progress(store: Store) -> list[RoundProgress]:
    """Every round here, the newest first, with its households visited and paid and the money collected."""
    headers = stored.list_rounds(store)
    totals = stored.round_totals(store)
    visited = {(round_id, household_id) for round_id, household_id in _last_visits(stored.visits_of(store))}
    payments: dict[str, dict[str, list[PaidItem]]] = {}
    for item in stored.standing_payments(store):
        payments.setdefault(item.round_id, {}).setdefault(item.household_id, []).append(item)
    found = []
    for header in headers:
        households = stored.round_households(store, header.round_id)
        paid_by_household = payments.get(header.round_id, {})
        progress = [HouseholdProgress(h, None, tuple(paid_by_household.get(h.household_id, ()))) for h in households]
        count, _members, amount = totals.get(header.round_id, (0, 0, 0))
        found.append(RoundProgress(
            header=header, households=count, to_collect=amount,
            visited=sum(1 for h in households if (header.round_id, h.household_id) in visited),
            paid=sum(1 for p in progress if p.state is PaidState.PAID), collected=sum(p.collected for p in progress)))
    return found


def round_detail(store: Store, header: RoundHeader) -> RoundDetail:
    households = stored.round_households(store, header.round_id)
    last = _last_visits(stored.visits_of(store, header.round_id))
    payments: dict[str, list[PaidItem]] = {}
    for item in stored.standing_payments(store, header.round_id):
        payments.setdefault(item.household_id, []).append(item)
    rows = tuple(HouseholdProgress(h, last.get((header.round_id, h.household_id)), tuple(payments.get(h.household_id, ())))
                 for h in households)
    progress = RoundProgress(
        header=header, households=len(rows), visited=sum(1 for r in rows if r.visit is not None),
        paid=sum(1 for r in rows if r.state is PaidState.PAID), to_collect=sum(h.amount for h in households),
        collected=sum(r.collected for r in rows))
    return RoundDetail(progress=progress, households=rows)


# ---- visits -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visited:
    header: RoundHeader
    household: RoundHousehold
    visit: Visit
    changes: Changes = frozenset({Change.ROUNDS})


def visit(store: Store, header: RoundHeader, *, household: str, outcome: str, actor: User) -> Visited:
    """Mark a household of the round (its code or id) visited with `outcome` (a VisitOutcome value)."""
    try:
        chosen = VisitOutcome(outcome)
    except ValueError:
        raise DomainError(Problem(ProblemCode.ROUND_OUTCOME_UNKNOWN, {"outcome": outcome})) from None
    wanted = household.strip()
    match = next((h for h in stored.round_households(store, header.round_id)
                  if wanted in (h.household_id, h.household_code)), None)
    if match is None:
        raise DomainError(Problem(ProblemCode.ROUND_HOUSEHOLD_NOT_IN_ROUND,
                                  {"household": household, "round": header.number}))
    device = device_of(store)
    marked = stored.record_visit(store, round_id=header.round_id, household_id=match.household_id,
                                 outcome=chosen.value, visited_by=actor.username, actor_id=actor.user_id,
                                 device_id=device.device_id)
    return Visited(header=header, household=match, visit=marked)


# ---- files on a USB stick ------------------------------------------------------------------------------


def round_document(store: Store, header: RoundHeader) -> dict[str, Any]:
    """The round as its file carries it: the snapshot, and the households and people it lists."""
    return stored.round_payload(store, header)


def results_document(store: Store, header: RoundHeader) -> dict[str, Any]:
    """This device's visits of the round and its receipts for the round's people (voided ones too: the
    point then drops what it had counted)."""
    device = device_of(store)
    return {
        "round_id": header.round_id, "number": header.number, "point_code": device.point_code,
        "device_id": device.device_id, "public_key": encode_key(device.public_key),
        "visits": [{"id": v.visit_id, "household_id": v.household_id, "outcome": v.outcome,
                    "visited_by": v.visited_by, "visited_at": v.visited_at}
                   for v in stored.visits_of(store, header.round_id)],
        "receipts": [{"receipt_number": item.receipt_number, "person_id": item.person_id, "scheme": item.scheme,
                      "paid_on": item.paid_on.isoformat(), "amount": item.amount, "voided": voided}
                     for item, voided in stored.local_receipts(store, header.round_id)],
    }


@dataclass(frozen=True)
class Exported:
    header: RoundHeader
    kind: RoundFileKind
    data: bytes


def export_round(store: Store, header: RoundHeader) -> Exported:
    """On the point's device, the round's file for the collaborator's device; on the device that imported
    it, the file of its results for the point's device. Signed with this device's key either way."""
    device = device_of(store)
    if header.imported_at is None:
        kind, document = RoundFileKind.ROUND, round_document(store, header)
    else:
        kind, document = RoundFileKind.RESULTS, results_document(store, header)
    signed = round_file(kind, document, device.private_key)
    return Exported(header=header, kind=kind, data=json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8"))


def file_name(exported: Exported) -> str:
    """A name for the file on the stick: the round's number, and what it holds."""
    suffix = "" if exported.kind is RoundFileKind.ROUND else "-results"
    return f"round-{exported.header.number}{suffix}.json"


@dataclass(frozen=True)
class ImportedFile:
    header: RoundHeader
    kind: RoundFileKind
    households_added: int = 0
    people_added: int = 0
    visits_added: int = 0
    receipts_changed: int = 0

    @property
    def changes(self) -> Changes:
        if self.kind is RoundFileKind.ROUND:
            return frozenset({Change.ROUNDS, Change.PEOPLE, Change.HOUSEHOLDS})
        return frozenset({Change.ROUNDS})


MAX_ROUND_FILE_BYTES = 64 * 1024 * 1024  # far above a round of a commune's every household


class _Unreadable(Exception):
    pass


def _read(path: Path) -> RoundFile:
    _check_file(path)
    if path.stat().st_size > MAX_ROUND_FILE_BYTES:
        raise _Unreadable
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise _Unreadable from error
    if not (isinstance(document, dict) and document.get("format") == ROUND_FILE_FORMAT
            and document.get("kind") in {k.value for k in RoundFileKind}
            and isinstance(document.get("document"), dict) and isinstance(document.get("signature"), str)):
        raise _Unreadable
    return RoundFile(format=document["format"], kind=document["kind"], document=document["document"],
                     signature=document["signature"])


def import_round_file(store: Store, path: Path, *, actor: User) -> ImportedFile:
    """Take in a round's file (on the collaborator's device) or its results (on the point's device).

    One DomainError each for a file that is not a round's, one altered or signed by another key than its
    device's, one of another point, and one here already (importing twice writes nothing twice).
    """
    where = {"path": path.name}
    try:
        file = _read(path)
        document = file["document"]
        key = decode_key(str(document["public_key"]))
        signed = verify_round_file(file, key)
    except (_Unreadable, KeyError, TypeError, ValueError):
        raise DomainError(Problem(ProblemCode.ROUND_FILE_UNREADABLE, where)) from None
    if not signed:
        raise DomainError(Problem(ProblemCode.ROUND_FILE_FORGED, where))
    device = device_of(store)
    if document.get("point_code") != device.point_code:
        raise DomainError(Problem(ProblemCode.ROUND_FILE_OTHER_POINT, {
            **where, "point": str(document.get("point_code")), "own": device.point_code}))
    try:
        if file["kind"] == RoundFileKind.ROUND.value:
            return _import_round(store, document, where, actor=actor, device_id=device.device_id,
                                 own_key=encode_key(device.public_key))
        return _import_results(store, document, where, actor=actor, device_id=device.device_id)
    except DomainError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError):  # signed, yet not the shape this version writes
        raise DomainError(Problem(ProblemCode.ROUND_FILE_UNREADABLE, where)) from None


def _import_round(store: Store, document: dict[str, Any], where: dict[str, str], *, actor: User, device_id: str,
                  own_key: str) -> ImportedFile:
    origin, key = str(document["device_id"]), str(document["public_key"])
    # A device's rounds are all signed with its one key: the first seen here (or this device's own) is
    # the one later files must carry, so a file re-signed by another key under its name is refused.
    known = own_key if origin == device_id else stored.origin_key(store, origin)
    if known is not None and known != key:
        raise DomainError(Problem(ProblemCode.ROUND_FILE_FORGED, where))
    parsed = stored.parse_round(document)
    header = parsed.header
    imported = stored.import_round(store, header, parsed.households, parsed.records, parsed.people,
                                   actor_id=actor.user_id, device_id=device_id)
    if not imported.added:
        raise DomainError(Problem(ProblemCode.ROUND_FILE_ALREADY_IMPORTED, {**where, "round": header.number}))
    here = stored.round_by_id(store, header.round_id)
    assert here is not None
    return ImportedFile(header=here, kind=RoundFileKind.ROUND, households_added=imported.households_added,
                        people_added=imported.people_added)


def _import_results(store: Store, document: dict[str, Any], where: dict[str, str], *, actor: User,
                    device_id: str) -> ImportedFile:
    header = stored.round_by_id(store, str(document["round_id"]))
    if header is None or header.origin_device_id != device_id:
        raise DomainError(Problem(ProblemCode.ROUND_RESULTS_NOT_MADE_HERE, {**where, "round": document["number"]}))
    households = {h.household_id: h for h in stored.round_households(store, header.round_id)}
    members = {(m.person_id, m.scheme) for h in households.values() for m in h.members}
    visits = [Visit(visit_id=str(v["id"]), round_id=header.round_id, household_id=str(v["household_id"]),
                    outcome=VisitOutcome(v["outcome"]).value, visited_by=str(v["visited_by"]),
                    visited_at=str(v["visited_at"]))
              for v in document["visits"] if str(v["household_id"]) in households]
    receipts = [ReportedReceipt(receipt_number=str(r["receipt_number"]), person_id=str(r["person_id"]),
                                scheme=str(r["scheme"]), paid_on=date.fromisoformat(r["paid_on"]),
                                amount=int(r["amount"]), voided=bool(r["voided"]))
                for r in document["receipts"] if (str(r["person_id"]), str(r["scheme"])) in members]
    if any(r.amount < 0 for r in receipts):
        raise ValueError("a negative amount")
    added, changed = stored.add_results(store, header.round_id, visits, receipts, device_id=str(document["device_id"]),
                                        actor_id=actor.user_id)
    if not added and not changed:
        raise DomainError(Problem(ProblemCode.ROUND_FILE_ALREADY_IMPORTED, {**where, "round": header.number}))
    return ImportedFile(header=header, kind=RoundFileKind.RESULTS, visits_added=added, receipts_changed=changed)
