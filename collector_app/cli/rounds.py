"""`collector-app round`: collaborators' visit rounds, made from the due list, carried by file, visited, paid."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from collector_app import coverage_words as words
from collector_app.cli.common import EXIT_OK, _open_store, _print_json, _printable, _rows
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _

# The outcomes as typed on the command line (words joined by hyphens), by domain.rounds.VisitOutcome value.
OUTCOME_CHOICES = {"paid": "paid", "not-at-home": "not_at_home", "will-pay-later": "will_pay_later",
                   "refused": "refused"}


def add_round_command(commands: argparse._SubParsersAction, *, signs_in: Callable[[argparse.ArgumentParser], None],
                      add_filters: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `round` sub-command and its actions (called by `cli.due.add_due_command`)."""
    from collector_app.cli.common import _Parser, _path, _text
    from collector_app.wire import TextLimits

    round_ = commands.add_parser("round", help=_("visit rounds for collaborators, chosen from the due list"))
    actions = round_.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    pdf = actions.add_parser("pdf", help=_("record a round of the households due and write its visit list (A4 PDF)"))
    pdf.add_argument("--out", type=_path, required=True, help=_("PDF file"))
    pdf.add_argument("--round", type=_text(TextLimits.USERNAME), metavar="ROUND",
                     help=_("print this round again instead of recording a new one"))
    pdf.add_argument("--household", type=_text(TextLimits.ADDRESS), action="append", default=[], metavar="CODE",
                     help=_("only this household (its code; repeat for more)"))
    pdf.add_argument("--collaborator", type=_text(TextLimits.USERNAME), metavar="USERNAME",
                     help=_("the collaborator making the round (default: you)"))
    add_filters(pdf)
    signs_in(pdf)
    pdf.add_argument("--json", action="store_true")
    pdf.set_defaults(handler=_cmd_round_pdf)

    listing = actions.add_parser("list", help=_("the rounds on this device, with households visited and paid"))
    signs_in(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_cmd_round_list)

    show = actions.add_parser("show", help=_("each household of a round: visited, paid, receipts"))
    show.add_argument("round", type=_text(TextLimits.USERNAME), metavar="ROUND", help=_("the round's number"))
    signs_in(show)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cmd_round_show)

    export = actions.add_parser("export", help=_(
        "write a round's signed file for the collaborator's device (there: its results for the point's device)"))
    export.add_argument("round", type=_text(TextLimits.USERNAME), metavar="ROUND", help=_("the round's number"))
    export.add_argument("--out", type=_path, required=True, help=_("file to write (e.g. on a USB stick)"))
    signs_in(export)
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=_cmd_round_export)

    import_ = actions.add_parser("import", help=_("take in a round's file, or its results back from a collaborator"))
    import_.add_argument("file", type=_path, metavar="FILE", help=_("the round's file"))
    signs_in(import_)
    import_.add_argument("--json", action="store_true")
    import_.set_defaults(handler=_cmd_round_import)

    visit = actions.add_parser("visit", help=_("mark a household of a round visited, with what came of it"))
    visit.add_argument("round", type=_text(TextLimits.USERNAME), metavar="ROUND", help=_("the round's number"))
    visit.add_argument("--household", type=_text(TextLimits.ADDRESS), required=True, metavar="CODE",
                       help=_("the household's code"))
    visit.add_argument("--outcome", choices=list(OUTCOME_CHOICES), required=True, help=_("what came of the visit"))
    signs_in(visit)
    visit.add_argument("--json", action="store_true")
    visit.set_defaults(handler=_cmd_round_visit)


def _cmd_round_pdf(args: argparse.Namespace) -> int:
    from collector_app.cli.common import _actor
    from collector_app.cli.due import due_report, households as due_households
    from collector_app.cli.payments import _write_file
    from collector_app.services import rounds

    store = _open_store()
    try:
        if args.round is not None:
            header = rounds.find_round(store, args.round)
            households = rounds.households_of(store, header)
        else:
            report = due_report(store, args)
            wanted = set(args.household)
            chosen = [h for h in due_households(store, report) if not wanted or h.household_code in wanted]
            made = rounds.make_round(store, chosen, collaborator=args.collaborator, made_on=report.on,
                                     actor=_actor(args))
            header, households = made.header, made.households
        point = rounds.point_label(store)
    finally:
        store.close()
    _write_file(args.out, rounds.round_pdf(header, households, point=point))
    if args.json:
        _print_json({"round": header.number, "round_id": header.round_id, "out": str(args.out),
                     "households": len(households), "people": len({m.person_id for h in households for m in h.members}),
                     "total_amount": sum(h.amount for h in households)})
    else:
        print(_("Visit list of round {number} ({households} households) written to {path}").format(
            number=header.number, households=len(households), path=args.out))
    return EXIT_OK


def _progress_json(progress: Any) -> dict[str, Any]:
    header = progress.header
    return {"round": header.number, "round_id": header.round_id, "collaborator": header.collaborator,
            "collaborator_name": header.collaborator_name, "made_on": header.made_on.isoformat(),
            "made_here": progress.made_here, "households": progress.households, "visited": progress.visited,
            "paid": progress.paid, "to_collect": progress.to_collect, "collected": progress.collected}


def _progress_line(progress: Any) -> str:
    header = progress.header
    return _("Round {number} · {name} · {date}: {households} households, {visited} visited, {paid} paid; "
             "collected {collected} of {to_collect}").format(
        number=header.number, name=_printable(header.collaborator_name), date=format_date(header.made_on),
        households=progress.households, visited=progress.visited, paid=progress.paid,
        collected=format_vnd(progress.collected), to_collect=format_vnd(progress.to_collect))


def _cmd_round_list(args: argparse.Namespace) -> int:
    from collector_app.services.rounds import rounds_progress

    store = _open_store()
    try:
        found = rounds_progress(store)
    finally:
        store.close()
    if args.json:
        _print_json([_progress_json(p) for p in found])
    elif not found:
        print(_("There is no visit round on this device yet."))
    else:
        for progress in found:
            print(_progress_line(progress))
    return EXIT_OK


def _cmd_round_show(args: argparse.Namespace) -> int:
    from collector_app.services.rounds import find_round, round_detail

    store = _open_store()
    try:
        detail = round_detail(store, find_round(store, args.round))
    finally:
        store.close()
    if args.json:
        _print_json({**_progress_json(detail.progress), "entries": [{
            "household_id": h.household.household_id, "household_code": h.household.household_code,
            "address": h.household.address, "to_collect": h.household.amount,
            "visited": h.visit is not None, "outcome": None if h.visit is None else h.visit.outcome,
            "visited_at": None if h.visit is None else h.visit.visited_at, "state": h.state.value,
            "collected": h.collected, "receipts": list(h.receipt_numbers),
            "members": [{"citizen_id": m.citizen_id, "full_name": m.full_name, "scheme": m.scheme, "state": m.state,
                         "amount": m.amount, "phone": m.phone} for m in h.household.members],
        } for h in detail.households]})
        return EXIT_OK
    print(_progress_line(detail.progress))
    for h in detail.households:
        visited = words.visit_text(None if h.visit is None else h.visit.outcome)
        receipts = ", ".join(h.receipt_numbers) or words.NO_VALUE
        print("  " + " · ".join([
            _("{address} — household {code}").format(address=_printable(h.household.address),
                                                   code=h.household.household_code or words.NO_VALUE),
            visited, words.paid_text(h.state.value),
            _("collected {collected} of {to_collect}").format(collected=format_vnd(h.collected),
                                                              to_collect=format_vnd(h.household.amount)),
            _("receipts: {numbers}").format(numbers=receipts)]))
    return EXIT_OK


def _cmd_round_export(args: argparse.Namespace) -> int:
    from collector_app.cli.payments import _write_file
    from collector_app.services.rounds import export_round, find_round

    store = _open_store()
    try:
        exported = export_round(store, find_round(store, args.round))
    finally:
        store.close()
    _write_file(args.out, exported.data)
    if args.json:
        _print_json({"round": exported.header.number, "kind": exported.kind.value, "out": str(args.out)})
    elif exported.kind.value == "round":
        print(_("Round {number} written to {path}: import it on the collaborator's device.").format(
            number=exported.header.number, path=args.out))
    else:
        print(_("Results of round {number} written to {path}: import them on the point's device.").format(
            number=exported.header.number, path=args.out))
    return EXIT_OK


def _cmd_round_import(args: argparse.Namespace) -> int:
    from collector_app.cli.common import _actor, _input_file
    from collector_app.services.rounds import import_round_file

    path = _input_file(args.file)
    store = _open_store()
    try:
        done = import_round_file(store, path, actor=_actor(args))
    finally:
        store.close()
    if args.json:
        _print_json({"round": done.header.number, "kind": done.kind.value, "households_added": done.households_added,
                     "people_added": done.people_added, "visits_added": done.visits_added,
                     "receipts_changed": done.receipts_changed})
    elif done.kind.value == "round":
        print(_("Round {number} of {name} imported; {households} households and {people} people added.").format(
            number=done.header.number, name=_printable(done.header.collaborator_name),
            households=done.households_added, people=done.people_added))
    else:
        print(_("Results of round {number} imported: {visits} new visits, {receipts} receipts.").format(
            number=done.header.number, visits=done.visits_added, receipts=done.receipts_changed))
    return EXIT_OK


def _cmd_round_visit(args: argparse.Namespace) -> int:
    from collector_app.cli.common import _actor
    from collector_app.services.rounds import find_round, visit

    store = _open_store()
    try:
        done = visit(store, find_round(store, args.round), household=args.household,
                     outcome=OUTCOME_CHOICES[args.outcome], actor=_actor(args))
    finally:
        store.close()
    if args.json:
        _print_json({"round": done.header.number, "household_code": done.household.household_code,
                     "household_id": done.household.household_id, "outcome": done.visit.outcome,
                     "visited_at": done.visit.visited_at, "visited_by": done.visit.visited_by})
    else:
        print(_rows([(_("Round"), str(done.header.number)),
                     (_("Household"), done.household.household_code or done.household.household_id),
                     (_("Visit"), _(words.OUTCOME_WORDS[done.visit.outcome]))]))
    return EXIT_OK
