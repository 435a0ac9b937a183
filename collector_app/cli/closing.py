"""`day close` and `day report`: closing the signed-in user's day with the cash counted, and its report PDF;
`handover record` and `handover list`: the cash collaborators hand over to the point."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from collector_app.cli.common import (
    EXIT_OK,
    _actor,
    _open_store,
    _Parser,
    _print_json,
    _printable,
    _rows,
    _today,
    _whole_number,
)
from collector_app.domain.closing import CashCount, parse_count
from collector_app.domain.problems import DomainError
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _
from collector_app.messages import message


def _count(text: str) -> CashCount:
    """An argument type: `500000=3,200000=1,...` (bad input ends the command with exit 2, one line)."""
    try:
        return parse_count(text)
    except DomainError as error:
        raise argparse.ArgumentTypeError(" ".join(message(p) for p in error.problems)) from None


def _receipt_list(text: str) -> list[str]:
    """An argument type: receipt numbers separated by commas (each checked by the hand-over)."""
    numbers = [part.strip() for part in text.split(",") if part.strip()]
    if not numbers or any(len(number) > 40 for number in numbers):
        raise argparse.ArgumentTypeError(_("give receipt numbers separated by commas, e.g. "
                                           "BD01M1-26-0000123,BD01M1-26-0000124"))
    return numbers


def add_day_commands(commands: Any, *, signs_in: Callable[[argparse.ArgumentParser], None],
                     date_type: Callable[[str], date], path_type: Callable[[str], Path],
                     text_type: Callable[[str], str], username_type: Callable[[str], str]) -> None:
    """The `day` command (`close`, `report`) and the `handover` command (`record`, `list`), called by
    `cli.build_parser`."""
    day = commands.add_parser("day", help=_("close the day with the cash counted, and print its report"))
    actions = day.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    closing = actions.add_parser("close", help=_("count the cash against the day's receipts and close the day"))
    closing.add_argument("--date", type=date_type, help=_("the day to close, YYYY-MM-DD (default: today)"))
    closing.add_argument("--count", type=_count, required=True, metavar="NOTE=N,...",
                         help=_("notes counted by denomination, e.g. 500000=3,200000=1,1000=4"))
    # Its length is the closing's to bound (domain.closing.MAX_REASON), with the closing itself.
    closing.add_argument("--reason", type=text_type, help=_("why the cash differs from the receipts"))
    signs_in(closing)
    closing.add_argument("--json", action="store_true")
    closing.set_defaults(handler=_cmd_day_close)

    report = actions.add_parser("report", help=_("write the day's report as an A4 PDF"))
    report.add_argument("--date", type=date_type, help=_("the day, YYYY-MM-DD (default: today)"))
    report.add_argument("--out", type=path_type, required=True, help=_("PDF file to write"))
    signs_in(report)
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=_cmd_day_report)

    handover = commands.add_parser("handover", help=_("cash collaborators hand over to the point"))
    steps = handover.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    record = steps.add_parser("record", help=_("record cash a collaborator hands over to you"))
    record.add_argument("--collaborator", type=username_type, required=True, metavar="USER",
                        help=_("the collaborator handing the cash over"))
    which = record.add_mutually_exclusive_group(required=True)
    which.add_argument("--receipts", type=_receipt_list, metavar="NUMBER,...",
                       help=_("the receipts the cash is for"))
    which.add_argument("--until", type=date_type, metavar="DATE",
                       help=_("every receipt they still hold, paid on or before this day (YYYY-MM-DD)"))
    record.add_argument("--amount", type=_whole_number,
                        help=_("cash handed over, VND (default: exactly what the receipts come to)"))
    record.add_argument("--reason", type=text_type, help=_("why the amount differs from the receipts"))
    signs_in(record)
    record.add_argument("--json", action="store_true")
    record.set_defaults(handler=_cmd_handover_record)
    listing = steps.add_parser("list", help=_("per collaborator: collected, handed over, still held"))
    signs_in(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_cmd_handover_list)


def _signed(amount: int) -> str:
    return ("+" if amount > 0 else "") + format_vnd(amount)


def _cmd_day_close(args: argparse.Namespace) -> int:
    from collector_app.services.closing import close_day

    store = _open_store()
    try:
        today = _today()
        closed = close_day(store, actor=_actor(args), on=args.date or today, today=today, count=args.count,
                           reason=args.reason)
    finally:
        store.close()
    if args.json:
        _print_json({"date": closed.on.isoformat(), "expected_cash": closed.expected_cash,
                     "counted_cash": closed.counted_cash, "difference": closed.difference,
                     "transfers": closed.transfers, "reason": closed.reason})
        return EXIT_OK
    print(_("Day {date} closed.").format(date=format_date(closed.on)))
    rows = [(_("Expected cash"), format_vnd(closed.expected_cash)),
            (_("Counted cash"), format_vnd(closed.counted_cash)),
            (_("Difference"), _signed(closed.difference)),
            (_("Transfers"), format_vnd(closed.transfers))]
    if closed.reason:
        rows.append((_("Reason"), closed.reason))
    print(_rows(rows))
    return EXIT_OK


def _cmd_day_report(args: argparse.Namespace) -> int:
    from collector_app.cli.payments import _write_file
    from collector_app.services.closing import day_report_pdf

    on = args.date or _today()
    store = _open_store()
    try:
        data = day_report_pdf(store, actor=_actor(args), on=on)
    finally:
        store.close()
    _write_file(args.out, data)
    if args.json:
        _print_json({"date": on.isoformat(), "file": str(args.out)})
    else:
        print(_("Day report of {date} written to {path}").format(date=format_date(on), path=args.out))
    return EXIT_OK


def _cmd_handover_record(args: argparse.Namespace) -> int:
    from collector_app.services.closing import record_handover

    store = _open_store()
    try:
        done = record_handover(store, collaborator=args.collaborator, receipts=args.receipts, until=args.until,
                               amount=args.amount, reason=args.reason, actor=_actor(args))
    finally:
        store.close()
    if args.json:
        _print_json({"collaborator": done.collaborator, "receipts": list(done.receipt_numbers),
                     "expected": done.expected, "amount": done.amount, "difference": done.difference,
                     "reason": done.reason, "received_at": done.received_at})
        return EXIT_OK
    print(_("Hand-over recorded: {count} receipts of {user}.").format(count=len(done.receipt_numbers),
                                                                     user=done.collaborator))
    rows = [(_("Cash the receipts say"), format_vnd(done.expected)), (_("Handed over"), format_vnd(done.amount)),
            (_("Difference"), _signed(done.difference))]
    if done.reason:
        rows.append((_("Reason"), done.reason))
    print(_rows(rows))
    return EXIT_OK


def _cmd_handover_list(args: argparse.Namespace) -> int:
    from collector_app.services.closing import collaborators_cash

    store = _open_store()
    try:
        _actor(args)
        found = collaborators_cash(store)
    finally:
        store.close()
    if args.json:
        _print_json([{"collaborator": c.username, "full_name": c.full_name, "collected": c.collected,
                      "handed_over": c.handed_over, "held": c.held, "held_receipts": c.held_receipts,
                      "oldest_held": None if c.oldest_held is None else c.oldest_held.isoformat()} for c in found])
        return EXIT_OK
    if not found:
        print(_("This device has no collaborators."))
    for c in found:
        oldest = "" if c.oldest_held is None else " " + _("(oldest from {date})").format(date=format_date(c.oldest_held))
        print(_("{name} ({user}): collected {collected}, handed over {handed}, still held {held}{oldest}").format(
            name=_printable(c.full_name), user=c.username, collected=format_vnd(c.collected),
            handed=format_vnd(c.handed_over), held=format_vnd(c.held), oldest=oldest))
    return EXIT_OK
