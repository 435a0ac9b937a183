"""`collector-app due`: who must pay again, by when and how much, grouped by village and household."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from collector_app import coverage_words as words
from collector_app.cli.common import EXIT_OK, _open_store, _print_json_streaming, _today
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _, ngettext

SCHEME_CHOICES = {"vsi": "vsi", "hi": "family_hi"}


def add_due_command(commands: argparse._SubParsersAction, *, signs_in: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `due` and `round` sub-commands' arguments (called by `cli.build_parser`)."""

    due = commands.add_parser("due", help=_("who must pay again: due, overdue and lapsed, with the amount to collect"))
    _add_filters(due)
    signs_in(due)
    due.add_argument("--json", action="store_true")
    due.set_defaults(handler=_cmd_due)

    from collector_app.cli.rounds import add_round_command

    add_round_command(commands, signs_in=signs_in, add_filters=_add_filters)


def _add_filters(command: argparse.ArgumentParser) -> None:
    """The due list's filters: the same for `due` and for the round chosen from it."""
    from collector_app.cli.common import _between, _iso_date, _text
    from collector_app.domain.due import DUE_SOON_DAYS
    from collector_app.services.due import MAX_DAYS
    from collector_app.wire import TextLimits

    command.add_argument("--days", type=_between(0, MAX_DAYS), default=DUE_SOON_DAYS, metavar="N",
                         help=_("cover ending within this many days (default: {days})").format(days=DUE_SOON_DAYS))
    command.add_argument("--state", choices=["due", "overdue", "lapsed"], help=_("only this state"))
    command.add_argument("--scheme", choices=sorted(SCHEME_CHOICES), help=_("only this scheme"))
    command.add_argument("--village", type=_text(TextLimits.ADDRESS), default="",
                         help=_("only households whose address, code or member's name has these words"))
    command.add_argument("--date", type=_iso_date,
                         help=_("the day to work the list out for, YYYY-MM-DD (default: today)"))


def due_report(store: Any, args: argparse.Namespace) -> Any:
    """The figures of the due list the filters of `args` ask for (`due`, and the round chosen from it),
    no household read yet: `households` reads them."""
    from collector_app.domain.enrolments import Scheme
    from collector_app.domain.renewal import DueState
    from collector_app.services.due import due_report

    return due_report(store, on=args.date or _today(), days=args.days,
                      state=None if args.state is None else DueState(args.state),
                      scheme=None if args.scheme is None else Scheme(SCHEME_CHOICES[args.scheme]), search=args.village,
                      households=0)


def households(store: Any, report: Any) -> Iterator[Any]:
    """Every household of the list, read a page at a time, with a bar on a terminal for a long list."""
    from collector_app.cli.common import _progress_bar
    from collector_app.services.due import iter_households

    progress, done = (_progress_bar(_("Reading the households")) if report.household_count >= PROGRESS_FROM
                      else (None, lambda: None))
    try:
        for n, household in enumerate(iter_households(store, report), start=1):
            if progress is not None and n % 1000 == 0:
                progress(n, report.household_count)
            yield household
    finally:
        done()


PROGRESS_FROM = 5000  # households: a shorter list is read before a bar would show


def _cmd_due(args: argparse.Namespace) -> int:
    store = _open_store()
    try:
        report = due_report(store, args)
        # Printed as read: the whole list at a million people is 130,000 households.
        if args.json:
            _print_json_streaming(_due_json(report), "entries",
                                  (_entry_json(e) for h in households(store, report) for e in h.entries))
        else:
            _print_due_text(report, households(store, report))
    finally:
        store.close()
    return EXIT_OK


def _due_json(report: Any) -> dict[str, Any]:
    """The JSON document but its entries (`_entry_json`, streamed in their place)."""
    from collector_app.domain.renewal import DueState

    return {
        "date": report.on.isoformat(), "until": report.until.isoformat(), "entries": [],
        "counts": {state.value: report.count(state) for state in DueState},
        "people": report.people, "households": report.household_count, "total_amount": report.amount,
    }


def _entry_json(e: Any) -> dict[str, Any]:
    return {
        "citizen_id": e.citizen_id, "full_name": e.full_name, "phone": e.phone, "scheme": e.scheme.value,
        "state": e.state.value, "ends_on": e.ends_on.isoformat(), "due_date": e.due_date.isoformat(),
        "pay_by": e.pay_by.isoformat(), "months": e.months, "monthly_income": e.monthly_income,
        "amount": e.amount, "person_id": e.person_id, "household_id": e.household_id,
        "household_code": e.household_code, "address": e.address,
    }


def _print_due_text(report: Any, households: Iterable[Any]) -> None:
    address = None
    for household in households:
        if household.address != address:
            address = household.address
            print(address)
        print("  " + _("Household {code}: {amount}").format(
            code=household.household_code or words.NO_VALUE, amount=format_vnd(household.amount)))
        for e in household.entries:
            ends = (_("paid through {date}") if e.scheme.value == "vsi" else _("card valid to {date}")).format(
                date=format_date(e.ends_on))
            print("    " + " · ".join([
                e.full_name, e.citizen_id or words.NO_VALUE, e.phone or words.NO_VALUE, words.scheme_text(e.scheme),
                words.due_state_text(e.state), ends, _("pay by {date}").format(date=format_date(e.pay_by)),
                ngettext("{months} month", "{months} months", e.months).format(months=e.months),
                format_vnd(e.amount)]))
    if address is None:
        print(_("Nobody is due, overdue or lapsed up to {date}.").format(date=format_date(report.until)))
        return
    print(_("People: {people}; households: {households}; to collect: {amount}").format(
        people=report.people, households=report.household_count, amount=format_vnd(report.amount)))
