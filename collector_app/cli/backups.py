"""`backup`, `backups` and `restore`: copies of the store, what each holds, and putting one back.

`restore` signs in against the current store, or against the backup when the current store cannot
be opened (a damaged file is the usual reason to restore), and asks for confirmation unless `--yes`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from collector_app import paths
from collector_app.cli.common import (
    EXIT_OK,
    UsageError,
    _actor,
    _interactive,
    _open_store,
    _password,
    _print_json,
    _printable,
    _shown,
    _username,
)
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.formatting import format_count, format_time, format_vnd
from collector_app.i18n import _
from collector_app.messages import backup_kind_label, delivery_label



def add_backup_commands(commands: Any, *, signs_in: Callable[..., None], path_type: Callable[[str], Path]) -> None:
    backup = commands.add_parser("backup", help=_("back up the store now (encrypted like the store)"))
    backup.add_argument("--to", type=path_type, metavar="DIR",
                        help=_("write the backup into this folder (default: the backups folder beside the store)"))
    backup.add_argument("--json", action="store_true")
    signs_in(backup)
    backup.set_defaults(handler=_cmd_backup)

    listing = commands.add_parser("backups", help=_("the store's backups and what each holds"))
    listing.add_argument("--json", action="store_true")
    signs_in(listing)
    listing.set_defaults(handler=_cmd_backups)

    restore = commands.add_parser("restore", help=_("put a backup in place of the store (the current one is kept)"))
    restore.add_argument("file", type=path_type, metavar="FILE", help=_("the backup file (see: collector-app backups)"))
    restore.add_argument("--yes", action="store_true", help=_("do not ask for confirmation (for scripts)"))
    restore.add_argument("--json", action="store_true")
    signs_in(restore)
    # Signed in by the command itself: the current store may be the damaged file being replaced.
    restore.set_defaults(handler=_cmd_restore, signs_in=False)


def _cmd_backup(args: argparse.Namespace) -> int:
    from collector_app.services.backups import back_up

    store = _open_store()
    try:
        done = back_up(store, to=args.to)
    finally:
        store.close()
    if args.json:
        _print_json({"path": str(done.path), "size": done.size,
                     "copied_to": None if done.copied_to is None else str(done.copied_to),
                     "warning": done.copy_problem, "rotated": [str(path) for path in done.rotated]})
    else:
        print(_("Backup written: {path} ({size} bytes).").format(path=_printable(str(done.path)),
                                                                 size=format_count(done.size)))
        if done.copied_to is not None:
            print(_("Copied to {path}.").format(path=_printable(str(done.copied_to))))
    if done.copy_problem is not None:
        print(_("Warning: {problem}").format(problem=done.copy_problem), file=sys.stderr)
    return EXIT_OK


def _cmd_backups(args: argparse.Namespace) -> int:
    from collector_app.services.backups import entry, list_store_backups

    store = _open_store()
    try:
        found = list_store_backups(store.path, connector=store.connector)
    finally:
        store.close()
    entries = [entry(backup) for backup in found]
    if args.json:
        _print_json([asdict(item) for item in entries])
        return EXIT_OK
    if not entries:
        print(_("No backups yet."))
        return EXIT_OK
    for backup, item in zip(found, entries, strict=True):
        if not item.readable:
            print(_("{path}: cannot be read ({problem})").format(path=_printable(item.path), problem=item.problem))
            continue
        highest = ", ".join(f"{row['series']}-{int(str(row['year'])) % 100:02d}-{int(str(row['number'])):07d}"
                            for row in item.highest_receipts) or "-"
        print(_("{created}  {kind:<16} {households} households, {people} people, {payments} payments; "
                "last receipt {highest}; {size} bytes  {path}").format(
            created=format_time(backup.created_at), kind=backup_kind_label(item.kind or ""), households=_number(item.households),
            people=_number(item.people), payments=_number(item.payments), highest=highest,
            size=format_count(item.size), path=_printable(item.path)))
    return EXIT_OK


def _number(value: int | None) -> str:
    return "?" if value is None else format_count(value)


def _cmd_restore(args: argparse.Namespace) -> int:
    from collector_app.services.backups import (
        plan_restore,
        restore,
        restored_text,
        server_highest_via_recovery,
        sign_in_for_restore,
    )

    store_path = paths.store_path()
    backup = args.file.expanduser().resolve()
    if not backup.is_file():  # said before any password is asked
        raise DomainError(Problem(ProblemCode.BACKUP_NOT_FOUND, {"path": str(backup)}))
    signed = sign_in_for_restore(store_path, backup, _username(args), _password(args, for_actor=True))
    args.signed_in = signed.user
    plan = plan_restore(store_path, backup, connector=signed.connector)  # refuses a damaged backup
    if not args.json:
        _describe(plan)
    if not args.yes:
        if not _interactive() or args.json:
            raise UsageError(_("restore asks for confirmation: run it at a terminal, or add --yes"))
        answer = input(_("Put this backup in place of the current data file? Type yes to go on: "))
        if answer.strip().lower() not in {"yes", "y", "có", "co"}:
            raise DomainError(Problem(ProblemCode.RESTORE_NOT_CONFIRMED, {}))
    done = restore(store_path, backup, actor=_actor(args), connector=signed.connector,
                   server_highest=server_highest_via_recovery(store_path, backup, connector=signed.connector))
    if args.json:
        _print_json({
            "restored": str(done.restored), "before": None if done.before is None else str(done.before),
            "new_series": done.numbering.new_series, "series": done.series,
            "sources": list(done.numbering.sources),
            "floors": [{"series": series, "year": year, "number": number}
                       for (series, year), number in sorted(done.numbering.floors.items())],
            "lacking": [_lacked_json(item) for item in done.lacking],
        })
        return EXIT_OK
    for line in restored_text(done).splitlines():
        print(_printable(line))
    return EXIT_OK


def _describe(plan: Any) -> None:
    manifest = plan.backup.manifest
    print(_("Backup {path}, made {created}: {households} households, {people} people, {payments} payments.").format(
        path=_printable(str(plan.backup.path)), created=format_time(manifest.created_at),
        households=_number(manifest.households), people=_number(manifest.people),
        payments=_number(manifest.payments)))
    if not plan.current_readable:
        print(_("The current data file cannot be read: what it holds after the backup cannot be listed. "
                "It is kept as it is, beside the backups."))
    elif not plan.lacking:
        print(_("The backup lacks no payment of the current data file."))
    else:
        print(_("The backup lacks {count} payments recorded after it (they stay in the copy of the "
                "current file made before the restore):").format(count=format_count(len(plan.lacking))))
        for item in plan.lacking:
            print(f"  {item.receipt_number}  {item.paid_on}  {format_vnd(item.amount)}  {_shown(item.payer_name)}  "
                  f"{delivery_label(item.delivery)}" + ("  " + _("(void)") if item.voided else ""))



def _lacked_json(item: Any) -> dict[str, Any]:
    return {"payment_id": item.payment_id, "receipt_number": item.receipt_number, "paid_on": item.paid_on,
            "payer_name": item.payer_name, "amount": item.amount, "voided": item.voided,
            "delivery": str(item.delivery)}

