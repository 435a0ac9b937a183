"""`pay vsi`, `pay hi`, `receipt` and `void`: recording payments and their receipts."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from collector_app.cli.common import (
    EXIT_OK,
    NOT_REGULAR_FILE,
    UsageError,
    _actor,
    _file_error,
    _open_store,
    _print_json,
    _progress_bar,
    _rows,
    _today,
)
from collector_app.domain.words import amount_in_words
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _
from collector_app.policies import current_table

if TYPE_CHECKING:  # for annotations only: the payment service is imported lazily by the commands
    from collector_app.services.payments import RecordedPayment


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
            group=args.group, method=args.method, on=args.date or _today(), actor=_actor(args), amount=args.amount,
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
            on=args.date or _today(), actor=_actor(args), amount=args.amount, table=current_table(store),
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
        actor = _actor(args)
        if not args.all:
            document = receipt_document(store, args.number, copy=args.copy, actor=actor)
            _write_file(args.out, render_receipt(document, layout))
            written = [args.out]
        else:
            if args.out.exists() and not args.out.is_dir():
                raise UsageError(
                    _("{path} is not a folder; --all writes into a folder.").format(path=args.out))
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
    if path.exists() and not path.is_file():
        # Renaming over a pipe or a device (/dev/null) would replace it, for whoever may do that.
        raise UsageError(_(NOT_REGULAR_FILE).format(path=path))
    partial = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise UsageError(_file_error(path, exc)) from None


def _cmd_void(args: argparse.Namespace) -> int:
    from collector_app.services.receipts import void_receipt

    store = _open_store()
    try:
        record = void_receipt(store, args.number, reason=args.reason, actor=_actor(args))
    finally:
        store.close()
    if args.json:
        _print_json({"receipt_number": str(record.receipt_number), "reason": record.reason,
                     "voided_at": record.voided_at, "record_id": record.void_id, "corrects": record.corrects})
    elif record.corrects:
        print(_("Receipt {number} is void: {reason} (this corrects the void the server refused)").format(
            number=record.receipt_number, reason=record.reason))
    else:
        print(_("Receipt {number} is void: {reason}").format(number=record.receipt_number,
                                                             reason=record.reason))
    return EXIT_OK
