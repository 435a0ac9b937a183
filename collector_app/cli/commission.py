"""`collector-app commission`: the month's commission statement of this point and of each collector
(or of one, `--collector`), as PDF or XLSX."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from collector_app.cli.common import EXIT_OK, _month, _open_store, _print_json, _text
from collector_app.cli.lists import _output_file
from collector_app.domain.commission import CommissionLine
from collector_app.i18n import _
from collector_app.wire import TextLimits


def add_commission_command(commands: argparse._SubParsersAction, *,
                           signs_in: Callable[[argparse.ArgumentParser], None]) -> None:
    commission = commands.add_parser("commission", help=_("the month's commission statement, PDF or XLSX"))
    commission.add_argument("--month", type=_month, required=True, metavar="YYYY-MM",
                            help=_("the month, YYYY-MM"))
    commission.add_argument("--collector", type=_text(TextLimits.USERNAME), metavar="USER",
                            help=_("only this collector's statement (a user name)"))
    commission.add_argument("--out", type=_output_file((".pdf", ".xlsx")), required=True, metavar="FILE",
                            help=_("the file to write: .pdf or .xlsx"))
    signs_in(commission)
    commission.add_argument("--json", action="store_true")
    commission.set_defaults(handler=_cmd_commission)


def _cmd_commission(args: argparse.Namespace) -> int:
    from collector_app.services.commission import monthly_commission, save_commission

    store = _open_store()
    try:
        report = monthly_commission(store, args.month, collector=args.collector)
    finally:
        store.close()
    save_commission(report, args.out)
    if args.json:
        _print_json({
            "month": f"{report.month:%Y-%m}", "out": str(args.out),
            "participants": report.point.participants, "base": report.point.base,
            "commission": report.point.commission,
            "lines": [_line(line) for line in report.point.lines],
            "collectors": [{"user": c.username, "full_name": c.full_name, "base": c.statement.base,
                            "commission": c.statement.commission,
                            "lines": [_line(line) for line in c.statement.lines]} for c in report.collectors],
        })
        return EXIT_OK
    from collector_app.formatting import format_vnd

    print(_("Commission for {month}: {commission} on {base} paid, written to {path}").format(
        month=f"{report.month:%m/%Y}", commission=format_vnd(report.point.commission),
        base=format_vnd(report.point.base), path=args.out))
    return EXIT_OK


def _line(line: CommissionLine) -> dict[str, object]:
    return {"scheme": line.scheme, "participant": "new" if line.new else "continuing",
            "rate": f"{line.rate.numerator}/{line.rate.denominator}", "participants": line.participants,
            "base": line.base, "commission": line.commission}
