"""The `collector-app` command: sub-commands for scripts and administrators; the window when bare.

Sub-commands never import Qt, so they run on a machine with no display. A user error prints one
line in the current language (`--lang`) and exits non-zero; `--json` prints machine output.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from collector_app import i18n, paths
from collector_app.cli.common import (
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    MAX_SEARCH_LIMIT,
    MAX_SHORT_TEXT,
    PROG,
    USER_VARIABLE,
    UsageError,
    _attempts,
    _demo_people,
    _error_line,
    _file_error,
    _iso_date,
    _members,
    _month,
    _numeric_text,
    _Parser,
    _path,
    _positive,
    _print_json,
    _printable,
    _problem_json,
    _SafeOutput,
    _search_limit,
    _seconds,
    _short_text,
    _sign_in,
    forget_key,
    _text,
    _whole_number,
)
from collector_app.cli.audit import _cmd_audit_verify
from collector_app.cli.backups import add_backup_commands
from collector_app.cli.due import add_due_command
from collector_app.cli.updates import add_update_commands
from collector_app.cli.closing import add_day_commands
from collector_app.cli.payments import _cmd_pay_hi, _cmd_pay_vsi, _cmd_receipt, _cmd_void
from collector_app.cli.users import (
    _cmd_user_add,
    _cmd_user_disable,
    _cmd_user_list,
    _cmd_user_passwd,
    _cmd_user_recover,
    _cmd_user_unlock,
)
from collector_app.cli.printing import add_print_command
from collector_app.cli.lists import add_lists_command
from collector_app.cli.commission import add_commission_command
from collector_app.cli.exports import add_export_command
from collector_app.cli.people import _cmd_demo, _cmd_import_households, _cmd_init, _cmd_person, _cmd_search
from collector_app.cli.quoting import _cmd_check_id, _cmd_quote_hi, _cmd_quote_vsi
from collector_app.cli.syncing import (
    _cmd_enrol,
    _cmd_export_batches,
    _cmd_import_answers,
    _cmd_recover,
    _cmd_resend,
    _cmd_seal,
    _cmd_status,
    _cmd_sync,
    _server_url,
)
from collector_app.domain.payments import Role
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, Sex, SupportGroup
from collector_app.domain.problems import DomainError, Problem
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.version import installed_version
from collector_app.wire import TextLimits

# The public names of the module this package replaced: scripts may use the exit codes and UsageError.
__all__ = ["EXIT_FAILURE", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "PROG", "UsageError", "build_parser", "main"]


# ---- the window -----------------------------------------------------------------------------------


def _has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


def _run_gui(argv: Sequence[str]) -> int:
    if not _has_display():
        print(_("No display found. Run the window under a virtual display:\n"
                "  xvfb-run -a collector-app\n"
                "or without any display (for screenshots and tests):\n"
                "  QT_QPA_PLATFORM=offscreen collector-app"), file=sys.stderr)
        return EXIT_USAGE
    from collector_app.ui.app import run

    return run(list(argv))


# ---- parser and entry point ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=_("Voluntary social insurance and family health insurance collection."))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("language of messages (default: vi)"))
    parser.add_argument("--version", action="version", version=f"{PROG} {installed_version()}",
                        help=_("show the app's version and exit"))
    parser.add_argument("--self-test", action="store_true",
                        help=_("check this installation in a temporary folder (data file, payment, receipt, "
                               "window) and exit"))
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    init = commands.add_parser("init", help=_("create or upgrade the local store (safe to repeat)"))
    init.add_argument("--point-code", type=_short_text,
                      help=_("collection point code, e.g. BD01 (capital letters and digits)"))
    init.add_argument("--point-name", type=_text(TextLimits.POINT_NAME),
                      help=_("collection point name, as printed on receipts"))
    init.add_argument("--device-code", type=_short_text,
                      help=_("this device's code within the point, e.g. M1"))
    init.add_argument("--organisation", type=_text(TextLimits.ORGANISATION),
                      help=_("collection organisation, as printed on receipts"))
    init.add_argument("--form-number", type=_text(TextLimits.FORM_NUMBER),
                      help=_("receipt form number (ký hiệu mẫu)"))
    init.add_argument("--user", type=_username_text,
                      help=_("the device's first user (a collector), or the user changing its settings"))
    init.add_argument("--full-name", type=_text(TextLimits.FULL_NAME),
                      help=_("the first user's full name, as printed on receipts"))
    init.add_argument("--password-stdin", action="store_true",
                      help=_("read the password from the first line of standard input"))
    init.add_argument("--json", action="store_true")
    init.set_defaults(handler=_cmd_init)

    quote = commands.add_parser("quote", help=_("compute what a person or household owes"))
    schemes = quote.add_subparsers(dest="scheme", parser_class=_Parser, metavar="SCHEME", required=True)
    vsi = schemes.add_parser("vsi", help=_("voluntary social insurance"))
    vsi.add_argument("--income", type=_whole_number, required=True, help=_("chosen monthly income, VND"))
    vsi.add_argument("--months", type=_positive, required=True, help=_("1, 3, 6, 12 (or 24-60 ahead)"))
    vsi.add_argument("--group", type=_short_text, default=SupportGroup.OTHER.value, metavar="GROUP",
                     help=_("support group: poor, near-poor, ethnic-minority, other (default)"))
    vsi.add_argument("--date", type=_iso_date, help=_("payment date, YYYY-MM-DD (default: today)"))
    vsi.add_argument("--period-from", type=_month, help=_("first month covered, YYYY-MM (default: payment month)"))
    vsi.add_argument("--supported-months", type=_whole_number,
                     help=_("months of state support already received (lifetime cap)"))
    vsi.add_argument("--province", type=_numeric_text(MAX_SHORT_TEXT),
                     help=_("province code for a provincial top-up, e.g. 01 for Hà Nội"))
    vsi.add_argument("--json", action="store_true")
    vsi.set_defaults(handler=_cmd_quote_vsi)
    hi = schemes.add_parser("hi", help=_("family health insurance"))
    hi.add_argument("--members", type=_members, required=True,
                    help=_("household members paying together (at most {most})").format(
                        most=MAX_HOUSEHOLD_MEMBERS))
    hi.add_argument("--months", type=_positive, required=True, help=_("3, 6 or 12"))
    hi.add_argument("--date", type=_iso_date, help=_("payment date, YYYY-MM-DD (default: today)"))
    hi.add_argument("--previous-card-end", type=_iso_date, help=_("end of the previous card, if any"))
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(handler=_cmd_quote_hi)

    check = commands.add_parser("check-id", help=_("check a 12-digit citizen ID number"))
    check.add_argument("number", type=_short_text)
    check.add_argument("--dob", type=_iso_date, help=_("date of birth, YYYY-MM-DD"))
    check.add_argument("--sex", choices=[s.value for s in Sex])
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_cmd_check_id)

    demo = commands.add_parser("demo", help=_("fill the store with realistic demo data"))
    demo.add_argument("--people", type=_demo_people, default=1000)
    demo.add_argument("--seed", type=_whole_number, default=2026)
    demo.add_argument("--if-empty", action="store_true", help=_("only when the store has nobody yet"))
    demo.add_argument("--json", action="store_true")
    _signs_in(demo)
    demo.set_defaults(handler=_cmd_demo)

    receipt_number = _text(TextLimits.RECEIPT_NUMBER)
    pay = commands.add_parser("pay", help=_("record a payment and issue its receipt"))
    pay_schemes = pay.add_subparsers(dest="scheme", parser_class=_Parser, metavar="SCHEME", required=True)
    pay_vsi = pay_schemes.add_parser("vsi", help=_("voluntary social insurance for one person"))
    pay_vsi.add_argument("--citizen-id", type=_numeric_text(MAX_SHORT_TEXT), required=True,
                         help=_("the participant's 12-digit citizen ID"))
    pay_vsi.add_argument("--income", type=_whole_number, required=True, help=_("chosen monthly income, VND"))
    pay_vsi.add_argument("--months", type=_positive, required=True, help=_("1, 3, 6 or 12"))
    pay_vsi.add_argument("--group", type=_short_text, metavar="GROUP",
                         help=_("support group: poor, near-poor, ethnic-minority, other "
                                "(default: the enrolment's, else other)"))
    pay_vsi.add_argument("--period-from", type=_month, help=_("first month covered, YYYY-MM "
                                                              "(default: after the months already paid)"))
    pay_vsi.add_argument("--province", type=_numeric_text(MAX_SHORT_TEXT),
                         help=_("province code for a provincial top-up, e.g. 01 for Hà Nội"))
    hi_pay = pay_schemes.add_parser("hi", help=_("family health insurance for a whole household"))
    hi_pay.add_argument("--household", type=_text(TextLimits.HOUSEHOLD_CODE), required=True,
                        help=_("household code"))
    hi_pay.add_argument("--months", type=_positive, required=True, help=_("3, 6 or 12"))
    for sub, handler in ((pay_vsi, _cmd_pay_vsi), (hi_pay, _cmd_pay_hi)):
        sub.add_argument("--method", choices=["cash", "transfer"], default="cash")
        sub.add_argument("--amount", type=_whole_number,
                         help=_("amount handed over, VND; must equal the amount payable"))
        sub.add_argument("--date", type=_iso_date, help=_("payment date, YYYY-MM-DD (default: today)"))
        _signs_in(sub)
        sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=handler)

    receipt = commands.add_parser("receipt", help=_("write a receipt, or all receipts, as PDF"))
    receipt.add_argument("number", nargs="?", type=receipt_number,
                         help=_("receipt number, e.g. BD01M1-26-0000123"))
    receipt.add_argument("--all", action="store_true",
                         help=_("every receipt, one file each, into the folder --out"))
    receipt.add_argument("--out", type=_path, required=True, help=_("PDF file, or a folder with --all"))
    receipt.add_argument("--layout", choices=["a5", "roll80"], default="a5",
                         help=_("A5 page (default) or 80 mm thermal roll"))
    receipt.add_argument("--copy", action="store_true", help=_("a reprint: counted, and marked as a copy"))
    _signs_in(receipt)
    receipt.add_argument("--json", action="store_true")
    receipt.set_defaults(handler=_cmd_receipt)

    add_print_command(commands, receipt_number=receipt_number, signs_in=_signs_in)
    add_due_command(commands, signs_in=_signs_in)
    add_lists_command(commands, signs_in=_signs_in)
    add_commission_command(commands, signs_in=_signs_in)
    add_export_command(commands, signs_in=_signs_in)

    void = commands.add_parser("void", help=_("void a receipt (it keeps its number)"))
    void.add_argument("number", type=receipt_number, help=_("receipt number, e.g. BD01M1-26-0000123"))
    # Its length is the payment service's to bound (wire.TextLimits.VOID_REASON), with the void itself.
    void.add_argument("--reason", type=_text(None), required=True, help=_("why the receipt is void"))
    _signs_in(void)
    void.add_argument("--json", action="store_true")
    void.set_defaults(handler=_cmd_void)

    add_day_commands(commands, signs_in=_signs_in, date_type=_iso_date, path_type=_path, text_type=_text(None),
                     username_type=_username_text)

    enrol_ = commands.add_parser("enrol", help=_("enrol this device with the provincial server (one-time code)"))
    enrol_.add_argument("--server", type=_server_url, required=True, help=_("the server's address, https://..."))
    enrol_.add_argument("--code", type=_short_text, required=True,
                        help=_("the one-time enrolment code from the province"))
    enrol_.add_argument("--ca", type=_path, help=_("CA bundle (PEM) that signed the server's certificate"))
    enrol_.add_argument("--timeout", type=_seconds, default=30.0, help=_("seconds to wait for the server"))
    enrol_.add_argument("--json", action="store_true")
    _signs_in(enrol_)
    enrol_.set_defaults(handler=_cmd_enrol)

    seal_ = commands.add_parser("seal", help=_("seal the records waiting to be sent into batches"))
    _signs_in(seal_)
    seal_.add_argument("--json", action="store_true")
    seal_.set_defaults(handler=_cmd_seal)

    sync = commands.add_parser("sync", help=_("seal, deliver batches and pull decisions and policy tables"))
    sync.add_argument("--server", type=_server_url,
                      help=_("the server's address (default: the one enrolled with; remembered)"))
    sync.add_argument("--timeout", type=_seconds, default=30.0, help=_("seconds to wait for the server"))
    sync.add_argument("--attempts", type=_attempts, default=5,
                      help=_("tries per call before giving up (pauses grow between them)"))
    _signs_in(sync)
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=_cmd_sync)

    recover = commands.add_parser(
        "recover-from-server",
        help=_("get back from the provincial server the point's households and people and this device's "
               "payments that this store lacks (after a restore, or on a new computer)"))
    recover.add_argument("--timeout", type=_seconds, default=30.0, help=_("seconds to wait for the server"))
    recover.add_argument("--attempts", type=_attempts, default=5,
                         help=_("tries per call before giving up (pauses grow between them)"))
    _signs_in(recover)
    recover.add_argument("--json", action="store_true")
    recover.set_defaults(handler=_cmd_recover)

    status = commands.add_parser("status", help=_("what waits to be synced, and what needs attention"))
    status.add_argument("--json", action="store_true")
    _signs_in(status)
    status.set_defaults(handler=_cmd_status)

    resend_ = commands.add_parser("resend", help=_("send records the server rejected again, once fixed"))
    resend_.add_argument("record_ids", nargs="*", type=_short_text, metavar="RECORD_ID")
    resend_.add_argument("--all", action="store_true", help=_("every rejected record"))
    _signs_in(resend_)
    resend_.add_argument("--json", action="store_true")
    resend_.set_defaults(handler=_cmd_resend)

    export = commands.add_parser("export-batches",
                                 help=_("seal, then write undelivered batches as signed files (no network)"))
    export.add_argument("folder", type=_path)
    _signs_in(export)
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=_cmd_export_batches)

    answers = commands.add_parser("import-answers", help=_("read the server's answer files from a folder"))
    answers.add_argument("folder", type=_path)
    answers.add_argument("--json", action="store_true")
    _signs_in(answers)
    answers.set_defaults(handler=_cmd_import_answers)

    search = commands.add_parser("search", help=_("find people by name, citizen ID, SI code or phone"))
    # No name is longer than the longest a name may be, so no longer text can find anyone.
    search.add_argument("text", type=_text(TextLimits.FULL_NAME))
    search.add_argument("--limit", type=_search_limit, default=20,
                        help=_("at most this many people (1 to {most})").format(most=MAX_SEARCH_LIMIT))
    search.add_argument("--json", action="store_true")
    _signs_in(search)
    search.set_defaults(handler=_cmd_search)

    person = commands.add_parser("person", help=_("show a person's cover today: voluntary SI and family HI"))
    person.add_argument("citizen_id", type=_numeric_text(MAX_SHORT_TEXT), metavar="CITIZEN_ID",
                        help=_("the person's 12-digit citizen ID"))
    person.add_argument("--date", type=_iso_date, help=_("the day to work the cover out for, YYYY-MM-DD "
                                                         "(default: today)"))
    person.add_argument("--json", action="store_true")
    _signs_in(person)
    person.set_defaults(handler=_cmd_person)

    imports = commands.add_parser("import", help=_("import lists from files"))
    kinds = imports.add_subparsers(dest="kind", parser_class=_Parser, metavar="KIND", required=True)
    households = kinds.add_parser("households", help=_("household list, CSV or XLSX"))
    households.add_argument("file", type=_path)
    households.add_argument("--dry-run", action="store_true", help=_("check every row, write nothing"))
    households.add_argument("--json", action="store_true")
    _signs_in(households)
    households.set_defaults(handler=_cmd_import_households)
    audit = commands.add_parser("audit", help=_("the audit log of money events"))
    audit_actions = audit.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    verify = audit_actions.add_parser("verify", help=_("check the money chain and the money records against it"))
    verify.add_argument("--json", action="store_true")
    _signs_in(verify)
    verify.set_defaults(handler=_cmd_audit_verify)
    _add_user_commands(commands)
    add_backup_commands(commands, signs_in=_signs_in, path_type=_path)
    add_update_commands(commands, signs_in=_signs_in)
    return parser


_username_text = _text(TextLimits.USERNAME)


def _signs_in(command: argparse.ArgumentParser, *, stdin_is_actor: bool = True) -> None:
    """`command` acts as a signed-in user: `--user` (or COLLECTOR_APP_USER) and a password from
    `--password-stdin`, COLLECTOR_APP_PASSWORD or a prompt; `_run` signs in before the command runs."""
    command.add_argument("--user", type=_username_text,
                         help=_("the user acting (default: {variable})").format(variable=USER_VARIABLE))
    if stdin_is_actor:
        command.add_argument("--password-stdin", action="store_true",
                             help=_("read the password from the first line of standard input"))
    command.set_defaults(signs_in=True, stdin_is_actor=stdin_is_actor)


def _add_user_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    user = commands.add_parser("user", help=_("the device's users: add, list, change a password, disable, unlock"))
    actions = user.add_subparsers(dest="action", parser_class=_Parser, metavar="ACTION", required=True)
    new_password = _("read the new password from the first line of standard input (else asked twice)")
    add = actions.add_parser("add", help=_("add a user (a collector adds collaborators; a supervisor anyone)"))
    add.add_argument("username", type=_username_text)
    add.add_argument("--role", choices=[role.value for role in Role], required=True)
    add.add_argument("--full-name", type=_text(TextLimits.FULL_NAME), help=_("as printed on receipts"))
    add.add_argument("--password-stdin", action="store_true", help=new_password)
    list_ = actions.add_parser("list", help=_("the device's users, their roles and locks"))
    list_.add_argument("--all", action="store_true", help=_("disabled users too"))
    passwd = actions.add_parser("passwd", help=_("set a new password (yours, or a user you manage)"))
    passwd.add_argument("username", type=_username_text)
    passwd.add_argument("--password-stdin", action="store_true", help=new_password)
    disable = actions.add_parser("disable", help=_("stop a user from signing in (their records keep their name)"))
    disable.add_argument("username", type=_username_text)
    unlock = actions.add_parser("unlock", help=_("lift the lock after wrong passwords (a supervisor only)"))
    unlock.add_argument("username", type=_username_text)
    recover = actions.add_parser("recover", help=_(
        "set a new password with the recovery code shown at set-up (every password forgotten)"))
    recover.add_argument("username", type=_username_text)
    recover.add_argument("--stdin", action="store_true", help=_(
        "read the recovery code from the first line of standard input and the new password from the second"))
    for action, handler in ((add, _cmd_user_add), (list_, _cmd_user_list), (passwd, _cmd_user_passwd),
                            (disable, _cmd_user_disable), (unlock, _cmd_user_unlock), (recover, _cmd_user_recover)):
        action.add_argument("--json", action="store_true")
        if action is not recover:  # the recovery code stands in for a signed-in user
            _signs_in(action, stdin_is_actor=action not in (add, passwd))
        action.set_defaults(handler=handler)


def _language_from(argv: Sequence[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    language = _language_from(argv)
    if language in i18n.LANGUAGES:
        i18n.set_language(language)
    args = build_parser().parse_args(argv)
    forget_key()  # a key unlocked by an earlier call in this process (tests run commands in-process)
    if args.self_test:
        from collector_app.cli.self_test import run_self_test

        return run_self_test()
    if args.command is None:
        return _run_gui(argv)
    wants_json = getattr(args, "json", False)
    stdout = sys.stdout
    if not wants_json:
        sys.stdout = _SafeOutput(stdout)
    try:
        return _run(args, wants_json)
    finally:
        sys.stdout = stdout


def _fail(text: str, *, hint: str = "") -> None:
    """One line on stderr; `hint` (ours, e.g. the restore command with its whole path) is never cut short."""
    line = _error_line(f"{PROG}: {text}")
    if hint:
        line += " " + _printable(" ".join(hint.split()))
    print(line, file=sys.stderr)


def _run(args: argparse.Namespace, wants_json: bool) -> int:
    """Run the sub-command; every failure is one line on stderr in the current language."""
    try:
        if getattr(args, "signs_in", False):
            args.signed_in = _sign_in(args)
        return int(args.handler(args))
    except DomainError as exc:
        if wants_json:
            _print_json({"errors": [_problem_json(p) for p in exc.problems]})
        _fail(" ".join(message(p) for p in exc.problems), hint=_restore_hint(exc.problems))
        return EXIT_INVALID
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:  # the reader stopped reading (`… | head`): it has what it wanted
        # Python flushes stdout again at exit: into the void, so as not to fail a second time.
        if sys.__stdout__ is not None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
        return EXIT_OK
    except OSError as exc:
        if exc.filename is None:  # not a file the user named: no sentence fits, so the last line below
            return _unexpected(exc)
        _fail(_file_error(exc.filename, exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _fail(_("interrupted"))
        return 130
    except Exception as exc:  # the last line of defence: one line for the user, details in the log
        line, problem = _store_failure(exc)
        if line is not None:  # SQLite failing on the store, or a store that cannot be opened
            if wants_json and problem is not None:
                _print_json({"errors": [_problem_json(problem)]})
            _fail(line, hint=_restore_hint([problem] if problem is not None else [], cannot_open=_unreadable_with_key(exc)))
            return EXIT_INVALID
        return _unexpected(exc)


def _restore_hint(problems: Sequence[Problem], *, cannot_open: bool = False) -> str:
    """For a store that cannot be opened or is damaged: the newest good backup and how to restore it."""
    from collector_app.domain.problems import ProblemCode

    if not cannot_open and not any(p.code in (ProblemCode.STORE_DAMAGED, ProblemCode.STORE_UNREADABLE) for p in problems):
        return ""
    from collector_app.cli.common import session_connector
    from collector_app.services.backups import restore_hint

    try:
        return restore_hint(paths.store_path(), connector=session_connector())
    except Exception:  # noqa: BLE001 - the hint is a help, never a second failure
        return ""


def _unreadable_with_key(error: Exception) -> bool:
    from collector_app.store.db import StoreKeyError

    return isinstance(error, StoreKeyError)


def _unexpected(exc: Exception) -> int:
    log_file = _write_crash_log()
    _fail(_("unexpected error: {error} (details in {log})").format(error=exc, log=log_file))
    return EXIT_FAILURE


def _store_failure(error: Exception) -> tuple[str | None, Problem | None]:
    """The line (and problem) for a store error that no store function has turned into a StoreFailure:
    SQLite failing on a read path of its own (`Store.reader()`, search), or `open_store`'s StoreError
    (an upgrade that failed, a file from a newer version). (None, None) for anything else."""
    from collector_app.store.db import StoreError
    from collector_app.store.health import failure_from

    if isinstance(error, StoreError):
        return " ".join(str(error).split()), None  # one line, whatever the details held
    failure = failure_from(error, paths.store_path())
    return (None, None) if failure is None else (str(failure), failure.problem)


def _write_crash_log() -> Path:
    folder = paths.data_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log_file = folder / "cli-errors.log"
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
        return log_file
    except OSError:
        return Path(os.devnull)
