"""`init`, `demo`, `search`, `person` and `import households`: setting up the store and the people in it."""

from __future__ import annotations

import argparse
import os
from datetime import date
from typing import TYPE_CHECKING, Any

from collector_app import coverage_words as words

from collector_app.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    USER_VARIABLE,
    _password,
    _sign_in,
    _username,
    _input_file,
    _SESSION,
    _encrypt,
    _is_plain,
    _open_store,
    _show_recovery_code,
    _use_key,
    _print_json,
    _problem_json,
    _progress_bar,
    _today,
)
from collector_app.domain.coverage import CoverageState
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _
from collector_app.messages import message

if TYPE_CHECKING:
    from collector_app.store.db import Store
    from collector_app.store.users import User
    from collector_app.services.coverage import PersonCoverageView


def _cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the store; make the device's first user, or sign in to change its settings.

    On a new device the first user's password wraps a new data key (the keyring, with the recovery
    code shown once) before the encrypted store is created. An encrypted store is unlocked by signing
    in; a store from before encryption is encrypted at the first sign-in (`_sign_in`)."""
    from collector_app import paths
    from collector_app.services import unlocking
    from collector_app.services.device import set_up
    from collector_app.services.users import check_first_user, signed_in
    from collector_app.store.users import has_signing_users, user_by_id

    path = paths.store_path()
    unlocking.check_not_orphaned(path)
    encrypted = unlocking.is_encrypted(path)
    plain = _is_plain(path)
    first_user = actor = None
    credentials: tuple[str, str] | None = None
    recovery_code = None
    if encrypted:  # signing in unlocks it (finishing an interrupted encryption first)
        credentials = (_username(args), _password(args, for_actor=True))
        _use_key(unlocking.unlock(path, *credentials))
        if plain:
            _encrypt(path, _SESSION["key"])
    elif not plain and not (path.exists() and path.stat().st_size > 0):  # a new device
        username = _username(args)
        password = _password(args, for_actor=True, prompt=_("Password for {user}: ").format(user=username),
                             confirm=True)
        check_first_user(username, args.full_name, password)
        key = unlocking.new_data_key()
        recovery_code = unlocking.start(path, key, username, password)
        _use_key(key)
        credentials = (username, password)
    elif plain and (_changes_settings(args) or args.user or os.environ.get(USER_VARIABLE)):
        store = _open_store()  # upgraded first, as before; signing in then encrypts it
        try:
            has_users = has_signing_users(store)
        finally:
            store.close()
        if has_users:
            actor = _sign_in(args)
    store = _open_store()
    try:
        if not has_signing_users(store):
            set_up(store)  # the device first, so that its first user is written on it
            first_user = _first_user(store, args, credentials)
        elif encrypted and credentials is not None and actor is None:
            actor = signed_in(store, credentials[0])
        device = set_up(store, point_code=args.point_code, point_name=args.point_name,
                        device_code=args.device_code, organisation=args.organisation,
                        form_number=args.form_number, actor=actor)
        default_user = user_by_id(store, device.default_user_id)
    finally:
        store.close()
    if plain and not encrypted and first_user is not None:  # a device from before users: encrypt it now
        _encrypt(path, None)
    if args.json:
        _print_json({"store": str(store.path), "device_id": device.device_id, "series": device.series,
                     "point_code": device.point_code, "point_name": device.point_name,
                     "device_code": device.device_code, "organisation": device.organisation,
                     "form_number": device.form_number,
                     "default_user": default_user.username if default_user else None,
                     "first_user_created": first_user is not None})
    else:
        print(_("Store ready: {path}").format(path=store.path))
        line = _("Collection point: {name} ({code}); device {device}; receipts numbered {series}-YY-NNNNNNN.")
        print(line.format(name=device.point_name, code=device.point_code, device=device.device_code,
                          series=device.series))
        if first_user is not None:
            print(_("First user: {user} ({name}), a collector. Sign in with this name and password.").format(
                user=first_user.username, name=first_user.full_name))
    if recovery_code is not None:
        _show_recovery_code(recovery_code)
    return EXIT_OK


def _first_user(store: Store, args: argparse.Namespace, credentials: tuple[str, str] | None) -> User:
    from collector_app.services.users import create_first_user

    if credentials is None:
        username = _username(args)
        password = _password(args, for_actor=True, prompt=_("Password for {user}: ").format(user=username),
                             confirm=True)
    else:
        username, password = credentials
    return create_first_user(store, username=username, full_name=args.full_name, password=password).user


def _changes_settings(args: argparse.Namespace) -> bool:
    return any(value is not None for value in (args.point_code, args.point_name, args.device_code,
                                               args.organisation, args.form_number))


def _cmd_demo(args: argparse.Namespace) -> int:
    from collector_app.demo import fill_demo
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


def _cmd_person(args: argparse.Namespace) -> int:
    from collector_app.services.coverage import person_coverage

    today = args.date or _today()
    store = _open_store()
    try:
        view = person_coverage(store, args.citizen_id, today=today)
    finally:
        store.close()
    if args.json:
        _print_json(_person_json(view))
    else:
        print(_person_text(view))
    return EXIT_OK


def _person_json(view: PersonCoverageView) -> dict[str, Any]:
    member, household = view.member, view.household
    vsi, hi = member.coverage.vsi, member.coverage.hi

    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "person_id": member.person_id, "full_name": member.full_name, "citizen_id": member.citizen_id,
        "date_of_birth": member.date_of_birth.isoformat(), "sex": str(member.sex), "phone": member.phone,
        "member_order": member.member_order, "relationship": member.relationship,
        "hi_facility_code": member.hi_facility_code,
        "household": {
            "household_id": household.household_id, "household_code": household.household_code,
            "address": household.address, "commune_code": household.commune_code,
            "commune": household.commune_name, "province_code": household.province_code,
            "province": household.province_name,
        },
        "date": household.today.isoformat(), "policy_version": household.policy_version,
        "vsi": {
            "state": str(vsi.state), "paid_through": day(vsi.paid_through),
            "paid_through_month": None if vsi.paid_through is None else vsi.paid_through.strftime("%Y-%m"),
            "supported_months": vsi.supported_months, "support_cap_months": vsi.support_cap_months,
            "continue_until": day(vsi.continue_until), "monthly_income": vsi.monthly_income,
        },
        "family_hi": {
            "state": str(hi.state), "card_from": day(hi.card_from), "card_to": day(hi.card_to),
            "continue_until": day(hi.continue_until),
        },
    }


def _person_text(view: PersonCoverageView) -> str:
    """The person and their cover as label/value lines, values lined up."""
    member, household = view.member, view.household
    vsi, hi = member.coverage.vsi, member.coverage.hi
    place = ", ".join(part for part in (household.address, household.commune_name, household.province_name) if part)
    vsi_line = words.state_text(vsi.state)
    if vsi.paid_through is not None:
        vsi_line += " — " + _("paid through {month}").format(month=words.month_text(vsi.paid_through))
    hi_line = words.state_text(hi.state)
    if hi.card_from is not None:
        hi_line += " — " + _("card {dates}").format(dates=words.card_text(hi))
    pairs = [
        (_("Full name"), member.full_name),
        (_("Citizen ID"), member.citizen_id or words.NO_VALUE),
        (_("Date of birth"), format_date(member.date_of_birth)),
        (_("Relationship to the head"), words.relationship_text(member.relationship, is_head=member.is_head)),
        (_("Phone"), member.phone or words.NO_VALUE),
        (_("Household code"), household.household_code or words.NO_VALUE),
        (_("Address"), place),
        (_("Voluntary SI"), vsi_line),
    ]
    if continuing := words.continue_text(vsi.continue_until, vsi.state):
        pairs.append(("", continuing))
    if vsi.monthly_income is not None:
        pairs.append((_("Monthly income"), format_vnd(vsi.monthly_income)))
    if vsi.state is not CoverageState.NOT_ENROLLED:
        pairs.append((_("State-supported months"), words.vsi_support_text(vsi)))
    pairs.append((_("Family HI"), hi_line))
    if continuing := words.continue_text(hi.continue_until, hi.state):
        pairs.append(("", continuing))
    if member.hi_facility_code:
        pairs.append((_("Initial health-care facility"), member.hi_facility_code))
    width = max(len(label) for label, _value in pairs) + 1
    lines = [f"{(label + ':') if label else '':<{width}}  {value}" for label, value in pairs]
    lines.append(_("Cover on {date} (policy table {version}).").format(
        date=format_date(household.today), version=household.policy_version))
    return "\n".join(lines)


def _cmd_import_households(args: argparse.Namespace) -> int:
    from collector_app.services.importing import import_households

    _input_file(args.file)
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
            "warnings": [{"line": w.line, "household_code": w.household_code, **_problem_json(w.problem)}
                         for w in report.warnings],
        })
    else:
        for error in sorted(report.errors + report.warnings, key=lambda e: e.line):
            print(_("Line {line}: {message}").format(line=error.line, message=message(error.problem)))
        summary = _("{rows} rows read; {households} households and {people} people {verb}; {bad} rows rejected.")
        verb = _("would be imported (dry run: nothing written)") if report.dry_run else _("imported")
        print(summary.format(rows=report.total_rows, households=report.households_written,
                             people=report.people_written, verb=verb, bad=report.rows_with_errors))
    return EXIT_INVALID if report.errors else EXIT_OK
