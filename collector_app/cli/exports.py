"""`collector-app export people|households|payments|receipts [--from D] [--to D] --out FILE.csv|FILE.xlsx`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from collector_app.cli.common import EXIT_OK, _iso_date, _open_store, _print_json, _progress_bar
from collector_app.cli.lists import _output_file
from collector_app.i18n import N_, _

KIND_HELP = {
    "people": N_("people registered in the range"),
    "households": N_("households registered in the range"),
    "payments": N_("payments made in the range, voided ones marked"),
    "receipts": N_("receipts issued in the range, voided ones with their reason"),
}


def add_export_command(commands: argparse._SubParsersAction, *,
                       signs_in: Callable[[argparse.ArgumentParser], None]) -> None:
    export = commands.add_parser(
        "export", help=_("export people, households, payments or receipts, CSV or XLSX"))
    kinds = export.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, help_text in KIND_HELP.items():
        sub = kinds.add_parser(kind, help=_(help_text))
        sub.add_argument("--from", dest="since", type=_iso_date, metavar="YYYY-MM-DD",
                         help=_("first day, YYYY-MM-DD (default: the first)"))
        sub.add_argument("--to", dest="until", type=_iso_date, metavar="YYYY-MM-DD",
                         help=_("last day, YYYY-MM-DD (default: the last)"))
        sub.add_argument("--out", type=_output_file((".csv", ".xlsx")), required=True, metavar="FILE",
                         help=_("the file to write: .csv or .xlsx"))
        signs_in(sub)
        sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> int:
    from collector_app.cli.common import UsageError
    from collector_app.domain.official_lists import check_period
    from collector_app.domain.problems import DomainError
    from collector_app.messages import message
    from collector_app.services.exports import export

    if args.since is not None and args.until is not None:
        try:
            check_period(args.since, args.until)
        except DomainError as exc:
            raise UsageError(" ".join(message(p) for p in exc.problems)) from None
    progress, done = _progress_bar(_("Exporting"))
    store = _open_store()
    try:
        result = export(store, args.kind, args.out, since=args.since, until=args.until, progress=progress)
    finally:
        done()
        store.close()
    if args.json:
        _print_json({"kind": result.kind, "rows": result.rows, "out": str(result.path)})
    else:
        from collector_app.formatting import format_count

        print(_("{count} rows written to {path}").format(count=format_count(result.rows), path=result.path))
    return EXIT_OK
