"""The `collector-app` command: sub-commands for scripts and administrators; the window when bare.

Sub-commands never import Qt, so they run on a machine with no display. A user error prints one
line in the current language (`--lang`) and exits non-zero; `--json` prints machine output.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from collector_app import i18n, paths
from collector_app.domain.contributions import family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.identity import check_citizen_id
from collector_app.domain.people import Sex, SupportGroup
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, Problem
from collector_app.domain.words import amount_in_words
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _
from collector_app.messages import message
from collector_app.policies import current_table

if TYPE_CHECKING:  # for annotations only: the sub-commands that need these import them lazily
    from collector_app.services.payments import RecordedPayment
    from collector_app.store.db import Store
    from collector_app.store.users import User

_GROUPED_NUMBER = re.compile(r"[0-9]{1,3}([.,_ ][0-9]{3})+")
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_FAILURE = 0, 1, 2, 3
PROG = "collector-app"

log = logging.getLogger(__name__)


class UsageError(Exception):
    """Arguments that parse but make no sense; one line for the user."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


# ---- argument types: they raise argparse errors with a clear line ------------------------------


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a date in YYYY-MM-DD form").format(value=text)) from None


def _month(text: str) -> date:
    try:
        return date.fromisoformat(text + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a month in YYYY-MM form").format(value=text)) from None


def _whole_number(text: str) -> int:
    """A whole number, also written with thousands separators as people do: 1.500.000 or 1,500,000."""
    cleaned = text.strip()
    if _GROUPED_NUMBER.fullmatch(cleaned):
        cleaned = re.sub(r"[.,_ ]", "", cleaned)
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise argparse.ArgumentTypeError(_("'{value}' is not a whole number").format(value=text))
    return int(cleaned)


def _positive(text: str) -> int:
    value = _whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(_("'{value}' must be greater than zero").format(value=text))
    return value


# ---- output helpers --------------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {**problem.as_dict(), "message": message(problem)}


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    """Label/value lines with the values lined up on the right, as on a receipt."""
    label_width = max(len(label) for label, _value in pairs) + 1
    value_width = max(len(value) for _label, value in pairs)
    return "\n".join(f"{label + ':':<{label_width}}  {value:>{value_width}}" for label, value in pairs)


def _today() -> date:
    return date.today()


# ---- quote ----------------------------------------------------------------------------------------


def _quoting_table() -> PolicyTable:
    """The table `pay` would use: with an existing store, tables pulled from the server count too.

    A quote must never differ from the payment it announces; with no store yet, only the shipped
    tables exist, and creating a store just to quote would be a surprise.
    """
    if not paths.store_path().exists():
        return current_table()
    store = _open_store()
    try:
        return current_table(store)
    finally:
        store.close()


def _cmd_quote_vsi(args: argparse.Namespace) -> int:
    on = args.date or _today()
    quote = quote_vsi(
        _quoting_table(), on=on, monthly_income=args.income, months=args.months, group=args.group,
        period_from=args.period_from, supported_months_before=args.supported_months, province=args.province,
    )
    if args.json:
        _print_json({
            "scheme": "vsi", "date": on.isoformat(), "policy_version": quote.policy_version,
            "monthly_income": quote.monthly_income, "months": quote.months, "group": str(quote.group),
            "province": quote.province, "period_from": quote.period_from.isoformat(),
            "period_to": quote.period_to.isoformat(), "gross": quote.gross,
            "state_support": quote.state_support, "local_support": quote.local_support,
            "supported_months": quote.supported_months, "discount": quote.discount, "payable": quote.payable,
            "payable_in_words": amount_in_words(quote.payable),
        })
        return EXIT_OK
    print(_("Voluntary social insurance, paid on {date} (policy table {version})").format(
        date=format_date(on), version=quote.policy_version))
    print(_("Period: {months} months, {start} – {end}").format(
        months=quote.months, start=f"{quote.period_from:%m/%Y}", end=f"{quote.period_to:%m/%Y}"))
    rows = [
        (_("Monthly income"), format_vnd(quote.monthly_income)),
        (_("Gross"), format_vnd(quote.gross)),
        (_("State support"), format_vnd(quote.state_support)),
        (_("Local support"), format_vnd(quote.local_support)),
    ]
    if quote.discount:
        rows.append((_("Prepayment discount"), format_vnd(quote.discount)))
    rows.append((_("Payable"), format_vnd(quote.payable)))
    print(_rows(rows))
    print(_("In words: {words}").format(words=amount_in_words(quote.payable)))
    return EXIT_OK


def _cmd_quote_hi(args: argparse.Namespace) -> int:
    on = args.date or _today()
    table = _quoting_table()
    quote = quote_family_hi(table, on=on, members=args.members, months=args.months)
    card = family_hi_card_validity(table, paid_on=on, months=args.months, previous_card_end=args.previous_card_end)
    if args.json:
        _print_json({
            "scheme": "family_hi", "date": on.isoformat(), "policy_version": quote.policy_version,
            "base_salary": quote.base_salary, "months": quote.months, "total": quote.total,
            "members": [{"order": m.order, "share_percent": float(m.share * 100), "amount": m.amount}
                        for m in quote.members],
            "card_from": card.start.isoformat(), "card_to": card.end.isoformat(),
            "total_in_words": amount_in_words(quote.total),
        })
        return EXIT_OK
    print(_("Family health insurance, paid on {date} (policy table {version})").format(
        date=format_date(on), version=quote.policy_version))
    rows = [(_("Member {order} ({percent} %)").format(order=m.order, percent=int(m.share * 100)), format_vnd(m.amount))
            for m in quote.members]
    rows.append((_("Total for {months} months").format(months=quote.months), format_vnd(quote.total)))
    print(_rows(rows))
    print(_("In words: {words}").format(words=amount_in_words(quote.total)))
    print(_("Card valid from {start} to {end}").format(start=format_date(card.start), end=format_date(card.end)))
    return EXIT_OK


# ---- check-id -------------------------------------------------------------------------------------


def _cmd_check_id(args: argparse.Namespace) -> int:
    check = check_citizen_id(args.number, on=_today(), date_of_birth=args.dob,
                             sex=Sex(args.sex) if args.sex else None)
    if args.json:
        decoded = check.as_dict()
        decoded.pop("problems", None)
        _print_json({**decoded, "errors": [_problem_json(p) for p in check.problems]})
    else:
        if check.valid:
            print(_("{number}: valid").format(number=check.number))
        else:
            print(_("{number}: invalid").format(number=check.number))
            for problem in check.problems:
                print(f"  - {message(problem)}")
        details = []
        if check.birth_place:
            label = _("born abroad in {place}") if check.born_abroad else _("birth registered in {place}")
            details.append(label.format(place=check.birth_place))
        if check.sex:
            details.append(_("male") if check.sex is Sex.MALE else _("female"))
        if check.birth_year:
            details.append(_("born {year}").format(year=check.birth_year))
        if details:
            print("  " + ", ".join(details))
    return EXIT_OK if check.valid else EXIT_INVALID


# ---- store commands -------------------------------------------------------------------------------


def _open_store() -> Store:
    from collector_app.store.db import open_store

    return open_store()


def _cmd_init(args: argparse.Namespace) -> int:
    from collector_app.services.device import set_up
    from collector_app.store.users import user_by_id

    store = _open_store()
    try:
        device = set_up(store, point_code=args.point_code, point_name=args.point_name,
                        device_code=args.device_code, organisation=args.organisation,
                        form_number=args.form_number)
        user = user_by_id(store, device.default_user_id)
    finally:
        store.close()
    if args.json:
        _print_json({"store": str(store.path), "device_id": device.device_id, "series": device.series,
                     "point_code": device.point_code, "point_name": device.point_name,
                     "device_code": device.device_code, "organisation": device.organisation,
                     "form_number": device.form_number, "default_user": user.username if user else None})
    else:
        print(_("Store ready: {path}").format(path=store.path))
        line = _("Collection point: {name} ({code}); device {device}; receipts numbered {series}-YY-NNNNNNN.")
        print(line.format(name=device.point_name, code=device.point_code, device=device.device_code,
                          series=device.series))
    return EXIT_OK


def _actor(store: Store, args: argparse.Namespace) -> User:
    """The user acting: `--user`, else COLLECTOR_APP_USER, else the device's default user."""
    from collector_app.services.device import acting_user

    return acting_user(store, args.user or os.environ.get("COLLECTOR_APP_USER") or None)


def _progress_bar(total_label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr (silent when stderr is not a terminal) as a (done, total) callback."""
    from tqdm import tqdm

    bar = tqdm(desc=total_label, unit="", file=sys.stderr, disable=None, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def _cmd_demo(args: argparse.Namespace) -> int:
    from collector_app.services.demo import fill_demo
    from collector_app.store.people import count_people

    store = _open_store()
    try:
        if args.if_empty and count_people(store) > 0:
            print(_("The store already has people; no demo data added."))
            return EXIT_OK
        progress, done = _progress_bar(_("Demo data"))
        try:
            summary = fill_demo(store, people=args.people, seed=args.seed, on=_today(), progress=progress)
        finally:
            done()
    finally:
        store.close()
    if args.json:
        _print_json({"households": summary.households, "people": summary.people,
                     "enrolments": summary.enrolments, "payments": summary.payments})
    else:
        print(_("Demo data added: {people} people in {households} households, {enrolments} enrolments, "
                "{payments} payments with receipts.").format(
            people=summary.people, households=summary.households, enrolments=summary.enrolments,
            payments=summary.payments))
    return EXIT_OK


def _cmd_search(args: argparse.Namespace) -> int:
    from collector_app.store.search import search_people

    store = _open_store()
    try:
        hits = search_people(store, args.text, limit=args.limit)
    finally:
        store.close()
    if args.json:
        _print_json([
            {"person_id": h.person_id, "full_name": h.full_name, "date_of_birth": h.date_of_birth.isoformat(),
             "sex": str(h.sex), "citizen_id": h.citizen_id, "si_code": h.si_code, "phone": h.phone,
             "household_id": h.household_id, "household_code": h.household_code, "address": h.address,
             "commune_code": h.commune_code}
            for h in hits
        ])
        return EXIT_OK
    if not hits:
        print(_("Nobody found for '{text}'.").format(text=args.text))
        return EXIT_OK
    for h in hits:
        print(f"{h.full_name:<32} {format_date(h.date_of_birth)}  {h.citizen_id or '-':<12}  "
              f"{h.household_code or '-':<14} {h.address}")
    return EXIT_OK


def _cmd_import_households(args: argparse.Namespace) -> int:
    from collector_app.store.importing import import_households

    if not args.file.is_file():
        raise UsageError(_("File not found: {path}").format(path=args.file))
    store = _open_store()
    try:
        progress, done = _progress_bar(_("Checking rows"))
        try:
            report = import_households(store, args.file, on=_today(), dry_run=args.dry_run, progress=progress)
        finally:
            done()
    finally:
        store.close()
    if args.json:
        _print_json({
            "dry_run": report.dry_run, "total_rows": report.total_rows,
            "households_written": report.households_written, "people_written": report.people_written,
            "errors": [{"line": e.line, "household_code": e.household_code, **_problem_json(e.problem)}
                       for e in report.errors],
        })
    else:
        for error in report.errors:
            print(_("Line {line}: {message}").format(line=error.line, message=message(error.problem)))
        summary = _("{rows} rows read; {households} households and {people} people {verb}; {bad} rows rejected.")
        verb = _("would be imported (dry run: nothing written)") if report.dry_run else _("imported")
        print(summary.format(rows=report.total_rows, households=report.households_written,
                             people=report.people_written, verb=verb, bad=report.rows_with_errors))
    return EXIT_INVALID if report.errors else EXIT_OK


# ---- payments, receipts, voids ---------------------------------------------------------------------


def _print_payment(recorded: RecordedPayment, as_json: bool) -> None:
    if as_json:
        _print_json({
            "receipt_number": recorded.receipt_number, "scheme": str(recorded.scheme),
            "paid_on": recorded.paid_on.isoformat(), "method": str(recorded.method),
            "months": recorded.months,
            "gross": recorded.gross, "state_support": recorded.state_support,
            "local_support": recorded.local_support, "payable": recorded.payable,
            "payable_in_words": amount_in_words(recorded.payable),
            "participants": [
                {"full_name": p.full_name, "citizen_id": p.citizen_id, "member_rank": p.member_rank,
                 "monthly_income": p.monthly_income, "period_from": p.period_start.isoformat(),
                 "period_to": p.period_end.isoformat(), "gross": p.gross, "state_support": p.state_support,
                 "local_support": p.local_support, "amount": p.amount}
                for p in recorded.participants
            ],
        })
        return
    print(_("Payment recorded on {date}: receipt {number}").format(
        date=format_date(recorded.paid_on), number=recorded.receipt_number))
    first = recorded.participants[0]
    print(_("Period: {months} months, {start} – {end}").format(
        months=recorded.months, start=format_date(first.period_start), end=format_date(first.period_end)))
    rows = [(p.full_name if p.member_rank is None
             else _("{rank}. {name}").format(rank=p.member_rank, name=p.full_name), format_vnd(p.amount))
            for p in recorded.participants]
    rows += [(_("Gross"), format_vnd(recorded.gross)),
             (_("State support"), format_vnd(recorded.state_support)),
             (_("Local support"), format_vnd(recorded.local_support)),
             (_("Paid"), format_vnd(recorded.payable))]
    print(_rows(rows))
    print(_("In words: {words}").format(words=amount_in_words(recorded.payable)))


def _cmd_pay_vsi(args: argparse.Namespace) -> int:
    from collector_app.services.payments import record_vsi_payment

    store = _open_store()
    try:
        recorded = record_vsi_payment(
            store, citizen_id=args.citizen_id, monthly_income=args.income, months=args.months,
            group=args.group, method=args.method, on=args.date or _today(), actor=_actor(store, args), amount=args.amount,
            period_from=args.period_from, province=args.province, table=current_table(store),
        )
    finally:
        store.close()
    _print_payment(recorded, args.json)
    return EXIT_OK


def _cmd_pay_hi(args: argparse.Namespace) -> int:
    from collector_app.services.payments import record_family_hi_payment

    store = _open_store()
    try:
        recorded = record_family_hi_payment(
            store, household_code=args.household, months=args.months, method=args.method,
            on=args.date or _today(), actor=_actor(store, args), amount=args.amount, table=current_table(store),
        )
    finally:
        store.close()
    _print_payment(recorded, args.json)
    return EXIT_OK


def _cmd_receipt(args: argparse.Namespace) -> int:
    from collector_app.receipts.render import Layout, render_many, render_receipt
    from collector_app.services.receipts import receipt_document, receipt_numbers

    if (args.number is None) == (not args.all):
        raise UsageError(_("Give either a receipt number or --all."))
    layout = Layout(args.layout)
    store = _open_store()
    try:
        actor = _actor(store, args)
        if not args.all:
            document = receipt_document(store, args.number, copy=args.copy, actor=actor)
            _write_file(args.out, render_receipt(document, layout))
            written = [args.out]
        else:
            if args.out.exists() and not args.out.is_dir():
                raise UsageError(_("{path} is a file; --all writes into a folder.").format(path=args.out))
            documents = [receipt_document(store, number, copy=args.copy, actor=actor)
                         for number in receipt_numbers(store)]
            progress, done = _progress_bar(_("Receipts"))
            try:
                written = render_many(documents, args.out, layout, progress)
            except FileExistsError:
                raise UsageError(_("{folder} already holds different receipt files with the same names; "
                                   "write into an empty folder.").format(folder=args.out)) from None
            finally:
                done()
    finally:
        store.close()
    if args.json:
        _print_json({"files": [str(path) for path in written]})
    elif args.all:
        print(_("{count} receipts written to {folder}").format(count=len(written), folder=args.out))
    else:
        print(_("Receipt written to {path}").format(path=args.out))
    return EXIT_OK


def _write_file(path: Path, data: bytes) -> None:
    """Write `data` whole or not at all: a crash never leaves half a PDF under the final name."""
    if path.is_dir():
        raise UsageError(_("{path} is a folder; give a file name such as receipt.pdf.").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    partial.replace(path)


def _cmd_void(args: argparse.Namespace) -> int:
    from collector_app.services.receipts import void_receipt

    store = _open_store()
    try:
        record = void_receipt(store, args.number, reason=args.reason, actor=_actor(store, args))
    finally:
        store.close()
    if args.json:
        _print_json({"receipt_number": str(record.receipt_number), "reason": record.reason,
                     "voided_at": record.voided_at})
    else:
        print(_("Receipt {number} is void: {reason}").format(number=record.receipt_number,
                                                             reason=record.reason))
    return EXIT_OK


# ---- syncing with the provincial server ------------------------------------------------------------


def _server_url(text: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text.strip()):
        raise argparse.ArgumentTypeError(
            _("'{value}' is not a server address such as https://bhxh.example.vn").format(value=text))
    return text.strip()


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(_("'{value}' is not a number of seconds").format(value=text))
    return value


_RECORD_KINDS = {"payment": N_("payment"), "void": N_("void"), "reprint": N_("reprint"),
                 "household": N_("household"), "person": N_("person"), "enrolment": N_("enrolment")}


def _kind(kind: str) -> str:
    """A record kind (wire.RecordKind) in the current language."""
    return _(_RECORD_KINDS[kind]) if kind in _RECORD_KINDS else kind


def _rejection_text(record: Any) -> str:
    from collector_app.services.sync import rejection_text

    return rejection_text(record.code, record.params, record.message)


def _rejected_json(record: Any) -> dict[str, Any]:
    return {"record_id": record.record_id, "kind": record.kind, "batch_id": record.batch_id,
            "code": record.code, "params": dict(record.params),
            "message": _rejection_text(record)}


def _batch_json(batch: Any) -> dict[str, Any]:
    return {"batch_id": batch.batch_id, "device_sequence": batch.device_sequence, "sealed_at": batch.sealed_at,
            "record_count": batch.record_count, "total_amount": batch.total, "sha256": batch.sha256,
            "references_batch_id": batch.references_batch_id, "status": batch.status}


def _print_sealed(batches: Sequence[Any]) -> None:
    for batch in batches:
        line = _("Batch {sequence} sealed: {records} records, {total}, id {batch_id}")
        print(line.format(sequence=batch.device_sequence, records=batch.record_count,
                          total=format_vnd(batch.total), batch_id=batch.batch_id))
        if batch.references_batch_id:
            print("  " + _("sends again records rejected in batch {batch_id}").format(
                batch_id=batch.references_batch_id))


def _sync_failed(error: Exception, as_json: bool, *, queued: bool) -> int:
    """The server could not be reached, or refused: one line (and whether work waits for the next sync)."""
    from collector_app.sync.client import ServerUnavailable

    if as_json:
        _print_json({"online": not isinstance(error, ServerUnavailable), "error": str(error)})
    print(f"{PROG}: {error}" + (" " + _("(the work stays queued)") if queued else ""), file=sys.stderr)
    return EXIT_FAILURE


def _cmd_enrol(args: argparse.Namespace) -> int:
    from collector_app.sync.client import SyncClient, SyncError
    from collector_app.sync.engine import enrol

    if args.ca is not None and not args.ca.is_file():
        raise UsageError(_("File not found: {path}").format(path=args.ca))
    ca_bundle = str(args.ca.resolve()) if args.ca else None
    store = _open_store()
    try:
        with SyncClient(args.server, verify=ca_bundle or True, timeout=args.timeout) as client:
            enrolled = enrol(store, client, code=args.code, ca_bundle=ca_bundle)
    except SyncError as error:
        return _sync_failed(error, args.json, queued=False)
    finally:
        store.close()
    if args.json:
        _print_json({"server_url": enrolled.server_url, "device_id": enrolled.device_id,
                     "point_code": enrolled.point_code, "point_name": enrolled.point_name,
                     "series": enrolled.series})
    else:
        print(_("Enrolled with {server}: collection point {name} ({code}); receipts numbered "
                "{series}-YY-NNNNNNN.").format(server=enrolled.server_url, name=enrolled.point_name,
                                               code=enrolled.point_code, series=enrolled.series))
    return EXIT_OK


def _cmd_seal(args: argparse.Namespace) -> int:
    from collector_app.sync.engine import seal

    store = _open_store()
    try:
        sealed = seal(store, actor=_actor(store, args).user_id)
    finally:
        store.close()
    if args.json:
        _print_json({"batches": [_batch_json(batch) for batch in sealed]})
    elif not sealed:
        print(_("Nothing to seal: every record is already in a batch."))
    else:
        _print_sealed(sealed)
    return EXIT_OK


def _cmd_sync(args: argparse.Namespace) -> int:
    from collector_app.store.sync_state import save_server_url
    from collector_app.sync.client import Backoff, SyncError
    from collector_app.sync.engine import NotEnrolled, client_for, seal, sync_once

    store = _open_store()
    try:
        sealed = seal(store, actor=_actor(store, args).user_id)
        try:
            client = client_for(store, server_url=args.server, timeout=args.timeout,
                                backoff=Backoff(attempts=args.attempts))
        except NotEnrolled as error:
            raise UsageError(str(error)) from None
        progress, done = _progress_bar(_("Batches"))
        try:
            with client:
                report = sync_once(store, client, progress=progress)
        except SyncError as error:
            if not args.json:
                _print_sealed(sealed)
            return _sync_failed(error, args.json, queued=True)
        finally:
            done()
        if args.server:  # remembered once it has worked: a mistyped address never replaces a good one
            save_server_url(store, client.base_url)
    finally:
        store.close()
    if args.json:
        _print_json({
            "online": True,
            "sealed": [_batch_json(batch) for batch in sealed],
            "delivered": [{"batch_id": d.batch_id, "device_sequence": d.device_sequence, "accepted": d.accepted,
                           "rejected": d.rejected, "replayed": d.replayed} for d in report.delivered],
            "rejected": [_rejected_json(record) for record in report.rejected],
            "refused": [{"batch_id": r.batch_id, "device_sequence": r.device_sequence, "code": r.code,
                         "message": r.message} for r in report.refused],
            "reviews": report.reviews,
            "new_policy_versions": list(report.new_policy_versions),
            "refused_policy_versions": list(report.refused_policy_versions),
        })
    else:
        _print_sealed(sealed)
        accepted = sum(d.accepted for d in report.delivered)
        print(_("{batches} batches delivered: {accepted} records accepted, {rejected} rejected.").format(
            batches=len(report.delivered), accepted=accepted, rejected=len(report.rejected)))
        for record in report.rejected:
            print("  " + _("Rejected {kind} {record_id}: {message}").format(
                kind=_kind(record.kind), record_id=record.record_id,
                message=_rejection_text(record)))
        for refused in report.refused:
            print("  " + _("Batch {sequence} refused by the server: {message} ({code})").format(
                sequence=refused.device_sequence, message=refused.message, code=refused.code))
        if report.reviews:
            print(_("{count} decisions of supervisors received.").format(count=report.reviews))
        for version in report.new_policy_versions:
            print(_("New policy table {version} received.").format(version=version))
    return EXIT_OK if report.clean else EXIT_INVALID


def _when(stamp: str | None) -> str:
    """A stored UTC time as local dd/mm/yyyy hh:mm, or "-"."""
    return datetime.fromisoformat(stamp).astimezone().strftime("%d/%m/%Y %H:%M") if stamp else "-"


def _cmd_status(args: argparse.Namespace) -> int:
    from collector_app.services.sync import sync_status

    store = _open_store()
    try:
        status = sync_status(store)
    finally:
        store.close()
    if args.json:
        _print_json({
            "enrolled": status.enrolled, "server_url": status.server_url, "device_id": status.device_id,
            "series": status.series, "pending_records": status.pending_records,
            "pending_batches": status.pending_batches, "refused_batches": status.refused_batches,
            "batches": status.batches, "records": status.records, "payments": status.payments,
            "payments_total": status.payments_total,
            "quarantined": [_rejected_json(record) for record in status.quarantined],
            "review_rejected": [{"record_id": r.record_id, "kind": r.kind, "batch_id": r.batch_id,
                                 "reason": r.reason, "reviewed_at": r.reviewed_at} for r in status.review_rejected],
            "last_sync": status.last_sync, "last_attempt": status.last_attempt, "online": status.online,
            "last_error": status.last_error, "policy_version": status.policy_version,
        })
        return EXIT_OK
    if status.enrolled:
        print(_("Server: {url}").format(url=status.server_url))
    else:
        print(_("Not enrolled with a provincial server."))
    online = {None: _("never tried"), True: _("online"), False: _("offline")}[status.online]
    print(_("Last sync: {last_sync}; last attempt: {attempt} ({online})").format(
        last_sync=_when(status.last_sync), attempt=_when(status.last_attempt), online=online))
    print(_("Waiting: {records} records to seal, {batches} batches to deliver.").format(
        records=status.pending_records, batches=status.pending_batches))
    print(_("Sealed: {batches} batches, {records} records, {payments} payments totalling {total}.").format(
        batches=status.batches, records=status.records, payments=status.payments,
        total=format_vnd(status.payments_total)))
    for record in status.quarantined:
        print("  " + _("Rejected {kind} {record_id}: {message}").format(
            kind=_kind(record.kind), record_id=record.record_id,
            message=_rejection_text(record)))
    for review in status.review_rejected:
        print("  " + _("Rejected by a supervisor: {kind} {record_id}: {reason}").format(
            kind=_kind(review.kind), record_id=review.record_id, reason=review.reason))
    return EXIT_OK


def _cmd_resend(args: argparse.Namespace) -> int:
    from collector_app.services.sync import resend_rejected

    if bool(args.record_ids) == args.all:
        raise UsageError(_("Give either record ids or --all."))
    store = _open_store()
    try:
        queued = resend_rejected(store, args.record_ids or None, actor=_actor(store, args))
    finally:
        store.close()
    if args.json:
        _print_json({"queued": [{"record_id": r.record_id, "kind": r.kind, "batch_id": r.batch_id}
                                for r in queued]})
    else:
        print(_("{count} records queued to be sent again.").format(count=len(queued)))
    return EXIT_OK


def _cmd_export_batches(args: argparse.Namespace) -> int:
    from collector_app.sync.engine import seal
    from collector_app.sync.files import export_batches

    if args.folder.exists() and not args.folder.is_dir():
        raise UsageError(_("{path} is a file; give a folder.").format(path=args.folder))
    store = _open_store()
    try:
        seal(store, actor=_actor(store, args).user_id)
        exported = export_batches(store, args.folder)
    finally:
        store.close()
    if args.json:
        _print_json({"files": [{"batch_id": e.batch_id, "device_sequence": e.device_sequence,
                                "record_count": e.record_count, "path": str(e.path)} for e in exported]})
    else:
        print(_("{count} batch files written to {folder}").format(count=len(exported), folder=args.folder))
    return EXIT_OK


def _cmd_import_answers(args: argparse.Namespace) -> int:
    from collector_app.sync.engine import NotEnrolled
    from collector_app.sync.files import import_answers

    if not args.folder.is_dir():
        raise UsageError(_("Folder not found: {path}").format(path=args.folder))
    store = _open_store()
    try:
        imported = import_answers(store, args.folder)
    except NotEnrolled as error:
        raise UsageError(str(error)) from None
    finally:
        store.close()
    if args.json:
        _print_json({
            "delivered": [{"batch_id": d.batch_id, "device_sequence": d.device_sequence, "accepted": d.accepted,
                           "rejected": d.rejected, "replayed": d.replayed} for d in imported.delivered],
            "skipped": [{"file": str(s.path), "reason": s.reason} for s in imported.skipped],
        })
    else:
        print(_("{count} answers read: {accepted} records accepted, {rejected} rejected.").format(
            count=len(imported.delivered), accepted=sum(d.accepted for d in imported.delivered),
            rejected=sum(d.rejected for d in imported.delivered)))
        for skipped in imported.skipped:
            print("  " + _("{file} skipped: {reason}").format(file=skipped.path.name, reason=skipped.reason))
    rejected = any(d.rejected for d in imported.delivered)
    return EXIT_INVALID if rejected or imported.skipped else EXIT_OK


# ---- the window -----------------------------------------------------------------------------------


def _has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


def _run_gui(argv: Sequence[str]) -> int:
    if not _has_display():
        print(_("No display found. Run the window under a virtual display:\n"
                "  xvfb-run -a collector-app\n"
                "or without any display (for screenshots and tests):\n"
                "  QT_QPA_PLATFORM=offscreen collector-app"), file=sys.stderr)
        return EXIT_USAGE
    from collector_app.ui.app import run

    return run(list(argv))


# ---- parser and entry point ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=_("Voluntary social insurance and family health insurance collection."))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("language of messages (default: vi)"))
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    init = commands.add_parser("init", help=_("create or upgrade the local store (safe to repeat)"))
    init.add_argument("--point-code", help=_("collection point code, e.g. BD01 (capital letters and digits)"))
    init.add_argument("--point-name", help=_("collection point name, as printed on receipts"))
    init.add_argument("--device-code", help=_("this device's code within the point, e.g. M1"))
    init.add_argument("--organisation", help=_("collection organisation, as printed on receipts"))
    init.add_argument("--form-number", help=_("receipt form number (ký hiệu mẫu)"))
    init.add_argument("--json", action="store_true")
    init.set_defaults(handler=_cmd_init)

    quote = commands.add_parser("quote", help=_("compute what a person or household owes"))
    schemes = quote.add_subparsers(dest="scheme", parser_class=_Parser, metavar="SCHEME", required=True)
    vsi = schemes.add_parser("vsi", help=_("voluntary social insurance"))
    vsi.add_argument("--income", type=_whole_number, required=True, help=_("chosen monthly income, VND"))
    vsi.add_argument("--months", type=_positive, required=True, help=_("1, 3, 6, 12 (or 24-60 ahead)"))
    vsi.add_argument("--group", default=SupportGroup.OTHER.value, metavar="GROUP",
                     help=_("support group: poor, near-poor, ethnic-minority, other (default)"))
    vsi.add_argument("--date", type=_iso_date, help=_("payment date, YYYY-MM-DD (default: today)"))
    vsi.add_argument("--period-from", type=_month, help=_("first month covered, YYYY-MM (default: payment month)"))
    vsi.add_argument("--supported-months", type=_whole_number,
                     help=_("months of state support already received (lifetime cap)"))
    vsi.add_argument("--province", help=_("province code for a provincial top-up, e.g. 01 for Hà Nội"))
    vsi.add_argument("--json", action="store_true")
    vsi.set_defaults(handler=_cmd_quote_vsi)
    hi = schemes.add_parser("hi", help=_("family health insurance"))
    hi.add_argument("--members", type=_positive, required=True, help=_("household members paying together"))
    hi.add_argument("--months", type=_positive, required=True, help=_("3, 6 or 12"))
    hi.add_argument("--date", type=_iso_date, help=_("payment date, YYYY-MM-DD (default: today)"))
    hi.add_argument("--previous-card-end", type=_iso_date, help=_("end of the previous card, if any"))
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(handler=_cmd_quote_hi)

    check = commands.add_parser("check-id", help=_("check a 12-digit citizen ID number"))
    check.add_argument("number")
    check.add_argument("--dob", type=_iso_date, help=_("date of birth, YYYY-MM-DD"))
    check.add_argument("--sex", choices=[s.value for s in Sex])
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_cmd_check_id)

    demo = commands.add_parser("demo", help=_("fill the store with realistic demo data"))
    demo.add_argument("--people", type=_positive, default=1000)
    demo.add_argument("--seed", type=_whole_number, default=2026)
    demo.add_argument("--if-empty", action="store_true", help=_("only when the store has nobody yet"))
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(handler=_cmd_demo)

    user_help = _("acting user (default: COLLECTOR_APP_USER, else the device's default user)")
    pay = commands.add_parser("pay", help=_("record a payment and issue its receipt"))
    pay_schemes = pay.add_subparsers(dest="scheme", parser_class=_Parser, metavar="SCHEME", required=True)
    pay_vsi = pay_schemes.add_parser("vsi", help=_("voluntary social insurance for one person"))
    pay_vsi.add_argument("--citizen-id", required=True, help=_("the participant's 12-digit citizen ID"))
    pay_vsi.add_argument("--income", type=_whole_number, required=True, help=_("chosen monthly income, VND"))
    pay_vsi.add_argument("--months", type=_positive, required=True, help=_("1, 3, 6 or 12"))
    pay_vsi.add_argument("--group", metavar="GROUP",
                         help=_("support group: poor, near-poor, ethnic-minority, other "
                                "(default: the enrolment's, else other)"))
    pay_vsi.add_argument("--period-from", type=_month, help=_("first month covered, YYYY-MM "
                                                              "(default: after the months already paid)"))
    pay_vsi.add_argument("--province", help=_("province code for a provincial top-up, e.g. 01 for Hà Nội"))
    hi_pay = pay_schemes.add_parser("hi", help=_("family health insurance for a whole household"))
    hi_pay.add_argument("--household", required=True, help=_("household code"))
    hi_pay.add_argument("--months", type=_positive, required=True, help=_("3, 6 or 12"))
    for sub, handler in ((pay_vsi, _cmd_pay_vsi), (hi_pay, _cmd_pay_hi)):
        sub.add_argument("--method", choices=["cash", "transfer"], default="cash")
        sub.add_argument("--amount", type=_whole_number,
                         help=_("amount handed over, VND; must equal the amount payable"))
        sub.add_argument("--date", type=_iso_date, help=_("payment date, YYYY-MM-DD (default: today)"))
        sub.add_argument("--user", help=user_help)
        sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=handler)

    receipt = commands.add_parser("receipt", help=_("write a receipt, or all receipts, as PDF"))
    receipt.add_argument("number", nargs="?", help=_("receipt number, e.g. BD01M1-26-0000123"))
    receipt.add_argument("--all", action="store_true",
                         help=_("every receipt, one file each, into the folder --out"))
    receipt.add_argument("--out", type=Path, required=True, help=_("PDF file, or a folder with --all"))
    receipt.add_argument("--layout", choices=["a5", "roll80"], default="a5",
                         help=_("A5 page (default) or 80 mm thermal roll"))
    receipt.add_argument("--copy", action="store_true", help=_("a reprint: counted, and marked as a copy"))
    receipt.add_argument("--user", help=user_help)
    receipt.add_argument("--json", action="store_true")
    receipt.set_defaults(handler=_cmd_receipt)

    void = commands.add_parser("void", help=_("void a receipt (it keeps its number)"))
    void.add_argument("number", help=_("receipt number, e.g. BD01M1-26-0000123"))
    void.add_argument("--reason", required=True, help=_("why the receipt is void"))
    void.add_argument("--user", help=user_help)
    void.add_argument("--json", action="store_true")
    void.set_defaults(handler=_cmd_void)

    enrol_ = commands.add_parser("enrol", help=_("enrol this device with the provincial server (one-time code)"))
    enrol_.add_argument("--server", type=_server_url, required=True, help=_("the server's address, https://..."))
    enrol_.add_argument("--code", required=True, help=_("the one-time enrolment code from the province"))
    enrol_.add_argument("--ca", type=Path, help=_("CA bundle (PEM) that signed the server's certificate"))
    enrol_.add_argument("--timeout", type=_seconds, default=30.0, help=_("seconds to wait for the server"))
    enrol_.add_argument("--json", action="store_true")
    enrol_.set_defaults(handler=_cmd_enrol)

    seal_ = commands.add_parser("seal", help=_("seal the records waiting to be sent into batches"))
    seal_.add_argument("--user", help=user_help)
    seal_.add_argument("--json", action="store_true")
    seal_.set_defaults(handler=_cmd_seal)

    sync = commands.add_parser("sync", help=_("seal, deliver batches and pull decisions and policy tables"))
    sync.add_argument("--server", type=_server_url,
                      help=_("the server's address (default: the one enrolled with; remembered)"))
    sync.add_argument("--timeout", type=_seconds, default=30.0, help=_("seconds to wait for the server"))
    sync.add_argument("--attempts", type=_positive, default=5,
                      help=_("tries per call before giving up (pauses grow between them)"))
    sync.add_argument("--user", help=user_help)
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=_cmd_sync)

    status = commands.add_parser("status", help=_("what waits to be synced, and what needs attention"))
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_cmd_status)

    resend_ = commands.add_parser("resend", help=_("send records the server rejected again, once fixed"))
    resend_.add_argument("record_ids", nargs="*", metavar="RECORD_ID")
    resend_.add_argument("--all", action="store_true", help=_("every rejected record"))
    resend_.add_argument("--user", help=user_help)
    resend_.add_argument("--json", action="store_true")
    resend_.set_defaults(handler=_cmd_resend)

    export = commands.add_parser("export-batches",
                                 help=_("seal, then write undelivered batches as signed files (no network)"))
    export.add_argument("folder", type=Path)
    export.add_argument("--user", help=user_help)
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=_cmd_export_batches)

    answers = commands.add_parser("import-answers", help=_("read the server's answer files from a folder"))
    answers.add_argument("folder", type=Path)
    answers.add_argument("--json", action="store_true")
    answers.set_defaults(handler=_cmd_import_answers)

    search = commands.add_parser("search", help=_("find people by name, citizen ID, SI code or phone"))
    search.add_argument("text")
    search.add_argument("--limit", type=_positive, default=20)
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_cmd_search)

    imports = commands.add_parser("import", help=_("import lists from files"))
    kinds = imports.add_subparsers(dest="kind", parser_class=_Parser, metavar="KIND", required=True)
    households = kinds.add_parser("households", help=_("household list, CSV or XLSX"))
    households.add_argument("file", type=Path)
    households.add_argument("--dry-run", action="store_true", help=_("check every row, write nothing"))
    households.add_argument("--json", action="store_true")
    households.set_defaults(handler=_cmd_import_households)
    return parser


def _language_from(argv: Sequence[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    language = _language_from(argv)
    if language in i18n.LANGUAGES:
        i18n.set_language(language)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _run_gui(argv)
    wants_json = getattr(args, "json", False)
    try:
        return int(args.handler(args))
    except DomainError as exc:
        if wants_json:
            _print_json({"errors": [_problem_json(p) for p in exc.problems]})
        print(f"{PROG}: " + " ".join(message(p) for p in exc.problems), file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: " + _("interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line for the user, details in the log
        log_file = _write_crash_log()
        print(f"{PROG}: " + _("unexpected error: {error} (details in {log})").format(error=exc, log=log_file),
              file=sys.stderr)
        return EXIT_FAILURE


def _write_crash_log() -> Path:
    folder = paths.data_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log_file = folder / "cli-errors.log"
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
        return log_file
    except OSError:
        return Path(os.devnull)
