"""`collector-app lists`: the official participant lists D05-TS (voluntary SI) and D03-TS (health
insurance only) for a period, as XLSX or PDF (progress on stderr for a long list); `lists tk1`, the
declaration form TK1-TS of one registered person, filled in."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from collector_app.cli.common import (
    EXIT_OK,
    MAX_SHORT_TEXT,
    UsageError,
    _actor,
    _iso_date,
    _numeric_text,
    _open_store,
    _path,
    _print_json,
    _progress_bar,
    _today,
)
from collector_app.domain.official_lists import ListForm, check_period
from collector_app.domain.problems import DomainError
from collector_app.i18n import N_, _
from collector_app.messages import message

PROGRESS_FROM = 2000  # rows: a shorter list is written before a bar would show
LIST_SUFFIXES = (".xlsx", ".pdf")


def _output_file(suffixes: tuple[str, ...]) -> Callable[[str], Path]:
    def parse(text: str) -> Path:
        path = _path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(_("'{value}' must be a file name ending in {suffixes}").format(
                value=text, suffixes=", ".join(suffixes)))
        return path

    return parse


def add_lists_command(commands: argparse._SubParsersAction, *,
                      signs_in: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `lists` sub-command's arguments (called by `cli.build_parser`, which signs it in)."""
    lists = commands.add_parser(
        "lists", help=_("the official participant lists D05-TS and D03-TS, XLSX or PDF"))
    forms = lists.add_subparsers(dest="form", metavar="FORM", required=True)
    for form, help_text in ((ListForm.D05, N_("voluntary SI participants (D05-TS)")),
                            (ListForm.D03, N_("people joining health insurance only (D03-TS)"))):
        sub = forms.add_parser(form.value, help=_(help_text))
        sub.add_argument("--from", dest="since", type=_iso_date, required=True, metavar="YYYY-MM-DD",
                         help=_("first day of the period, YYYY-MM-DD"))
        sub.add_argument("--to", dest="until", type=_iso_date, required=True, metavar="YYYY-MM-DD",
                         help=_("last day of the period, YYYY-MM-DD"))
        sub.add_argument("--out", type=_output_file(LIST_SUFFIXES), required=True, metavar="FILE",
                         help=_("the file to write: .xlsx or .pdf"))
        signs_in(sub)
        sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=_cmd_list, list_form=form)
    tk1 = forms.add_parser(
        "tk1", help=_("the declaration form TK1-TS of a registered person, filled in (PDF)"))
    tk1.add_argument("--citizen-id", type=_numeric_text(MAX_SHORT_TEXT), required=True,
                     help=_("the person's 12-digit citizen ID"))
    tk1.add_argument("--out", type=_output_file((".pdf",)), required=True, metavar="FILE",
                     help=_("the PDF file to write"))
    signs_in(tk1)
    tk1.add_argument("--json", action="store_true")
    tk1.set_defaults(handler=_cmd_tk1)


def _cmd_tk1(args: argparse.Namespace) -> int:
    from collector_app.services.official_lists import save_declaration

    store = _open_store()
    try:
        save_declaration(store, args.citizen_id, args.out, made_on=_today())
    finally:
        store.close()
    if args.json:
        _print_json({"form": "tk1", "citizen_id": args.citizen_id, "out": str(args.out)})
    else:
        print(_("TK1-TS written to {path}").format(path=args.out))
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    from collector_app.services.official_lists import make_list, save_list

    try:
        check_period(args.since, args.until)
    except DomainError as exc:  # a reversed period is bad input, as a malformed date is (exit 2)
        raise UsageError(" ".join(message(p) for p in exc.problems)) from None
    store = _open_store()
    try:
        official = make_list(store, args.list_form, since=args.since, until=args.until, made_on=_today(),
                             actor=_actor(args))
    finally:
        store.close()
    progress, done = (_progress_bar(_("Writing the list")) if len(official.rows) >= PROGRESS_FROM
                      else (None, lambda: None))
    try:
        save_list(official, args.out, progress=progress)
    finally:
        done()
    totals = official.totals
    if args.json:
        _print_json({"form": official.template.form.value, "template": official.template.version,
                     "from": official.since.isoformat(), "to": official.until.isoformat(),
                     "participants": totals.participants, "gross": totals.gross,
                     "state_support": totals.state_support, "local_support": totals.local_support,
                     "amount": totals.amount, "out": str(args.out)})
        return EXIT_OK
    from collector_app.formatting import format_count, format_vnd

    print(_("{code}: {count} participants, {amount} paid, written to {path}").format(
        code=official.template.code, count=format_count(totals.participants),
        amount=format_vnd(totals.amount), path=args.out))
    return EXIT_OK
