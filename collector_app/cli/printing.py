"""`collector-app print`: receipts to a printer queue of the operating system, with no display.

The first print of a receipt is its original, every later one a counted copy (as in the window);
the default printer and layout come from the device's settings (the Settings page).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import sys

from collector_app.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    PROG,
    _actor,
    _error_line,
    _open_store,
    _print_json,
    _problem_json,
    _progress_bar,
)
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.i18n import _, ngettext
from collector_app.messages import message

PROGRESS_FROM = 3  # a progress bar for a run of this many receipts or more


def add_print_command(commands: argparse._SubParsersAction, *, receipt_number: object,
                      signs_in: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `print` sub-command's arguments (called by `cli.build_parser`, which signs it in)."""
    from collector_app.cli.common import _between, _text

    printing = commands.add_parser("print", help=_("print receipts on a printer queue of this computer"))
    printing.add_argument("numbers", nargs="+", type=receipt_number, metavar="RECEIPT_NUMBER",
                          help=_("receipt number, e.g. BD01M1-26-0000123"))
    printing.add_argument("--printer", type=_text(127), metavar="NAME",
                          help=_("printer queue (default: the default printer in Settings)"))
    printing.add_argument("--layout", choices=["a5", "roll80"],
                          help=_("A5 page or 80 mm thermal roll (default: the layout in Settings)"))
    printing.add_argument("--copies", type=_between(1, 10), default=1, metavar="N",
                          help=_("copies of each receipt, 1 to 10 (default: 1)"))
    signs_in(printing)
    printing.add_argument("--json", action="store_true")
    printing.set_defaults(handler=_cmd_print)


def _cmd_print(args: argparse.Namespace) -> int:
    from collector_app.services.os_printing import PrintStopped, print_receipts
    from collector_app.services.settings import current_settings

    store = _open_store()
    try:
        actor = _actor(args)
        settings = current_settings(store)
        printer = args.printer or settings.default_printer
        if not printer:
            raise DomainError(Problem(ProblemCode.PRINT_NO_PRINTER))
        layout = args.layout or settings.default_layout
        numbers = list(dict.fromkeys(args.numbers))  # the same receipt named twice prints once
        progress, done = (_progress_bar(_("Printing")) if len(numbers) >= PROGRESS_FROM
                          else (None, lambda: None))
        try:
            result = print_receipts(store, numbers, actor=actor, printer=printer, layout=layout,
                                    copies=args.copies, progress=progress)
        except PrintStopped as stopped:
            done()
            return _stopped(args, stopped)
        finally:
            done()
    finally:
        store.close()
    if args.json:
        _print_json({"printer": result.printer, "layout": result.layout, "copies": result.copies,
                     "printed": [{"receipt_number": item.receipt_number, "copy_number": item.copy_number,
                                  "job": item.job} for item in result.printed]})
        return EXIT_OK
    for item in result.printed:
        if item.copy_number:
            print(_("Receipt {number} (copy {copy}) sent to {printer}").format(
                number=item.receipt_number, copy=item.copy_number, printer=result.printer))
        else:
            print(_("Receipt {number} sent to {printer}").format(number=item.receipt_number,
                                                                  printer=result.printer))
    return EXIT_OK


def _stopped(args: argparse.Namespace, stopped: object) -> int:
    """The queue refused a receipt after others went out: one line saying why and how many did."""
    from collector_app.services.os_printing import PrintStopped

    assert isinstance(stopped, PrintStopped)
    if args.json:
        _print_json({"errors": [_problem_json(p) for p in stopped.problems],
                     "printed": [item.receipt_number for item in stopped.printed]})
    reason = " ".join(message(p) for p in stopped.problems)
    _print_error(ngettext("{reason} ({done} of {total} receipt was printed first.)",
                   "{reason} ({done} of {total} receipts were printed first.)", stopped.total).format(
        reason=reason, done=len(stopped.printed), total=stopped.total))
    return EXIT_INVALID


def _print_error(text: str) -> None:
    print(_error_line(f"{PROG}: {text}"), file=sys.stderr)
