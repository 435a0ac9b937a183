"""`quote vsi`, `quote hi` and `check-id`: what a person or household owes, and whether an ID is valid.

They need no store (a quote reads one when it exists), so they stay fast and work before `init`.
"""

from __future__ import annotations

import argparse
import os
import sys

from collector_app import paths
from collector_app.cli.common import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    _SESSION,
    _sign_in,
    EXIT_INVALID,
    EXIT_OK,
    _open_store,
    _print_json,
    _problem_json,
    _rows,
    _today,
)
from collector_app.domain.contributions import family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.identity import check_citizen_id
from collector_app.domain.people import Sex
from collector_app.domain.policy import PolicyTable
from collector_app.domain.words import amount_in_words
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.policies import current_table

# ---- quote ----------------------------------------------------------------------------------------


def _quoting_table() -> PolicyTable:
    """The table `pay` would use: with an existing store, tables pulled from the server count too.

    A quote must never differ from the payment it announces; with no store yet, only the shipped
    tables exist, and creating a store just to quote would be a surprise.
    """
    if not paths.store_path().exists():
        return current_table()
    from collector_app.services import unlocking

    if unlocking.is_encrypted(paths.store_path()) and "key" not in _SESSION:
        # The pulled tables are inside the encrypted file: a user signs in to read them (a script's
        # COLLECTOR_APP_USER and COLLECTOR_APP_PASSWORD do); without one, the shipped tables, said so.
        if not (os.environ.get(USER_VARIABLE) and os.environ.get(PASSWORD_VARIABLE)):
            print(_("(the tables received from the server are in the encrypted data file: sign in with "
                    "--user to quote with them; this quote uses the tables shipped with the app)"),
                  file=sys.stderr)
            return current_table()
        _sign_in(argparse.Namespace())
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
