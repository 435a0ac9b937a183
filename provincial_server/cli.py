"""`provincial-server`: start the server, migrate its database, and the administrators' commands.

Every command takes `--database-url` (default: `$PROVINCIAL_SERVER_DATABASE_URL`, else the SQLite
file in `$PROVINCIAL_SERVER_DATA_DIR` or ./server-data). A mistake in the arguments prints one line
and exits 2; refused input (a file that is not what it should be, a taken name, a database that
cannot be used) prints one line and exits 1; never a traceback. Each command imports what it needs
(SQLAlchemy, FastAPI, argon2) only once its arguments are read, so a mistyped one is answered at once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from collector_app.domain.text import describe_characters, unsafe_characters
from collector_app.version import installed_version
from provincial_server.services.messages import format_count, format_vnd
from provincial_server.settings import (
    BODY_BYTES,
    CHECKS_PER_MINUTE,
    CHECKS_PER_MINUTE_VARIABLE,
    CLIENT_IP_HEADER_VARIABLE,
    DEFAULT_SILENT_DAYS,
    MAX_BODY_VARIABLE,
    MIB,
    POOL_SIZES,
    POOL_SIZE_VARIABLE,
    PORTS,
    PUBLIC_URL_VARIABLE,
    SILENT_DAYS,
    SILENT_DAYS_VARIABLE,
    WORKERS,
    ServerSettings,
    data_dir,
    default_database_url,
    header_name,
    int_from_environment,
    public_url,
    text_from_environment,
)

if TYPE_CHECKING:
    from provincial_server.services.dashboard import SchemeProgress
    from provincial_server.services.releases import NewKey
    from provincial_server.store.db import Database
    from provincial_server.store.points import DeviceRow
    from provincial_server.store.releases import ReleaseRow
    from provincial_server.store.unit_of_work import UnitOfWork

PROG = "provincial-server"
EXIT_REFUSED = 1
EXIT_USAGE = 2
ENROLMENT_CODE_HOURS = (1, 24 * 366)  # a one-time code lives a year at most
POLICY_FILE_BYTES = MIB  # a policy table is a few kilobytes
FACILITIES_FILE_BYTES = 64 * MIB  # a country's list of facilities is about 2 MB
# The dashboard's orders (services.dashboard.SORT_KEYS, which a test keeps equal): listed here so that a
# mistyped one is answered before SQLAlchemy is imported.
DASHBOARD_SORTS = ("behind", "point", "name", "commune", "devices", "silent", "pending", "rejected", "this_month",
                   "last_month")
ERRORS_SHOWN = 100  # lines of a refused facilities file named one by one; the rest are counted
ARGUMENT_CHARACTERS = 4_096  # longer than any code, name, URL or host an argument carries
PROGRESS_REFRESH_SECONDS = 600  # `serve` brings the stored progress figures up to date this often
TARGET_YEARS = (2000, 2100)  # services.targets.YEARS, named here so that a wrong year costs no import
TARGETS_FILE_BYTES = 16 * MIB  # a province's plan is a few hundred lines
PASSWORD_BYTES = 16 * 1024  # read from standard input at most: more than the longest password allowed
RELEASE_FILE_BYTES = 1024 * MIB  # an installer of the app is about 100-200 MB
RELEASE_KEY_BYTES = 64 * 1024  # a PEM key file is a few hundred bytes
RELEASE_KEY_VARIABLE = "PROVINCIAL_SERVER_RELEASE_KEY"
PASSPHRASE_BYTES = 1_023  # the longest passphrase OpenSSL encrypts a PEM key with
PLATFORMS = ("linux-deb", "windows")  # wire.Platform's values, named here so that a mistyped one costs no import


class CommandError(Exception):
    """A user mistake on the command line; the message is printed as it is."""


# ---- arguments ----------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {_one_line(message)}\n")


def _one_line(message: str, limit: int = 500) -> str:
    line = message.splitlines()[0] if message.strip() else "failed"
    return line if len(line) <= limit else line[:limit] + "…"


def _shown(text: str) -> str:
    """A value as an error message quotes it: escaped, and cut if long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _whole(bounds: tuple[int, int]) -> Callable[[str], int]:
    """An argument type: a whole number within `bounds`, in ASCII digits (no 1e3, no 1_000, no other scripts)."""
    low, high = bounds

    def whole_number(text: str) -> int:
        if not (text.isascii() and text.isdigit() and len(text) <= 12 and low <= int(text) <= high):
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,}, not {_shown(text)}")
        return int(text)

    return whole_number


def _text(text: str) -> str:
    """An argument type: text that a terminal can show and a database store (codes, names, URLs, hosts)."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # how Python keeps bytes that are not UTF-8
        raise argparse.ArgumentTypeError(f"is not UTF-8 text: {_shown(text)}; check the terminal's encoding")
    unsafe = unsafe_characters(text)
    if unsafe:
        raise argparse.ArgumentTypeError(f"holds control or invisible characters ({describe_characters(unsafe[:5])})")
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty")
    if len(text) > ARGUMENT_CHARACTERS:
        raise argparse.ArgumentTypeError(f"is longer than {ARGUMENT_CHARACTERS:,} characters")
    return text


T = TypeVar("T")


def _checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argument type: `parse` after `_text`, its ValueError shown as the reason."""

    def checked(text: str) -> T:
        try:
            return parse(_text(text))
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return checked


def _month_start(text: str) -> date:
    """A month as YYYY-MM, as its first day."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        raise ValueError(f"{_shown(text)} is not a month in YYYY-MM form")
    try:
        return date.fromisoformat(text + "-01")
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a month in YYYY-MM form") from None


def _upper_text(text: str) -> str:
    return _text(text).upper()


def _month(text: str) -> tuple[int, int]:
    """An argument type: a month as YYYY-MM."""
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and year.isascii() and year.isdigit() and len(month) == 2 and month.isascii()
            and month.isdigit() and 2000 <= int(year) <= 2099 and 1 <= int(month) <= 12):
        raise argparse.ArgumentTypeError(f"must be a month as YYYY-MM (2000-01 to 2099-12), not {_shown(text)}")
    return int(year), int(month)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="The provincial server: receives devices' batches.")
    parser.add_argument("--version", action="version", version=f"{PROG} {installed_version()}")
    common = _Parser(add_help=False)
    common.add_argument("--database-url", default=None, type=_text,
                        help="sqlite:///path/file.sqlite3 or postgresql+psycopg://user@host/db "
                             "(default: $PROVINCIAL_SERVER_DATABASE_URL or ./server-data/server.sqlite3)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the HTTP server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", type=_text)
    serve.add_argument("--port", type=_whole(PORTS), default=8000)
    serve.add_argument("--workers", type=_whole(WORKERS), default=1, help="worker processes (stateless)")
    serve.add_argument("--max-body-bytes", type=_whole(BODY_BYTES), default=None,
                       help="larger request bodies get 413 (default 8 MiB, or $PROVINCIAL_SERVER_MAX_BODY_BYTES)")
    serve.add_argument("--pool-size", type=_whole(POOL_SIZES), default=None,
                       help="database connections each worker keeps open, up to 3x as many at peaks "
                            "(default 5, or $PROVINCIAL_SERVER_POOL_SIZE); PostgreSQL's max_connections must "
                            "exceed workers x 3 x this")
    serve.add_argument("--silent-days", type=_whole(SILENT_DAYS), default=None,
                       help="the dashboard flags devices silent for more than this many days "
                            "(default 7, or $PROVINCIAL_SERVER_SILENT_DAYS)")
    serve.add_argument("--public-url", type=_checked(public_url), default=None,
                       help="the province's public address for checking receipts, printed in their QR codes, "
                            "e.g. https://bhxh.example.vn (default: $PROVINCIAL_SERVER_PUBLIC_URL, else the "
                            "address each device reaches the server at)")
    serve.add_argument("--checks-per-minute", type=_whole(CHECKS_PER_MINUTE), default=None,
                       help="receipt checks on the public page per client address and minute, per worker "
                            "(default 60, or $PROVINCIAL_SERVER_CHECKS_PER_MINUTE)")
    serve.add_argument("--client-ip-header", type=_checked(header_name), default=None,
                       help="behind a reverse proxy: the header holding the client's address, e.g. "
                            "X-Forwarded-For (default: $PROVINCIAL_SERVER_CLIENT_IP_HEADER, else none is believed)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", parents=[common], help="upgrade the database schema (PostgreSQL: once per deploy)"
                        ).set_defaults(handler=cmd_migrate)

    backup = commands.add_parser("backup", parents=[common],
                                 help="write the whole database to one file (PostgreSQL: pg_dump's custom format; "
                                      "SQLite: SQLite's online backup)")
    backup.add_argument("--out", required=True, help="the backup file to write (never overwritten)")
    backup.set_defaults(handler=cmd_backup)

    restore = commands.add_parser("restore", parents=[common],
                                  help="replace the database by a backup, all or nothing, then migrate it; stop "
                                       "the server first")
    restore.add_argument("file", help="a file `provincial-server backup` wrote")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")
    restore.set_defaults(handler=cmd_restore)

    add_point = commands.add_parser("add-point", parents=[common], help="add a collection point")
    add_point.add_argument("code", type=_text, help="e.g. BD01")
    add_point.add_argument("name", type=_text)
    add_point.add_argument("--province", type=_text,
                           help="the point's province, a 34-province code (e.g. 01 for Hà Nội): its devices may "
                                "then give only that province's top-up")
    add_point.add_argument("--commune", type=_text,
                           help="the point's commune, a code of the administrative units (e.g. 00070 for Phường "
                                "Hoàn Kiếm); supervisors filter batches by it, and it gives the province")
    add_point.set_defaults(handler=cmd_add_point)

    code = commands.add_parser("enrolment-code", parents=[common], help="print a one-time code that enrols a device")
    code.add_argument("point", type=_text)
    code.add_argument("--hours", type=_whole(ENROLMENT_CODE_HOURS), default=72, help="how long the code stays valid")
    code.add_argument("--json", action="store_true")
    code.set_defaults(handler=cmd_enrolment_code)

    supervisor = commands.add_parser("add-supervisor", parents=[common], help="add a supervisor account")
    supervisor.add_argument("username", type=_text)
    supervisor.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    supervisor.set_defaults(handler=cmd_add_supervisor)

    unlock = commands.add_parser("unlock-supervisor", parents=[common],
                                 help="forget a username's failed logins, so that it may log in again at once")
    unlock.add_argument("username", type=_text)
    unlock.set_defaults(handler=cmd_unlock_supervisor)

    listing = commands.add_parser("list-devices", parents=[common],
                                  help="enrolled devices: series, point, name, enrolled, last seen, revoked")
    listing.add_argument("--point", type=_upper_text, help="only the devices of this collection point")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list_devices)

    forks = commands.add_parser("chain-forks", parents=[common],
                                help="devices whose money chain forked at a restore: where, the head left, when")
    forks.add_argument("--device", type=_text, help="only this device (its series, e.g. BD01M1, or its id)")
    forks.add_argument("--json", action="store_true")
    forks.set_defaults(handler=cmd_chain_forks)

    days = commands.add_parser("days", parents=[common],
                               help="each point's closed days: cash expected, counted, the difference, and the "
                                    "server's own expected cash")
    days.add_argument("--point", type=_upper_text, help="only the days of this collection point")
    days.add_argument("--json", action="store_true")
    days.set_defaults(handler=cmd_days)

    revoke = commands.add_parser("revoke-device", parents=[common],
                                 help="refuse a lost or stolen device's token from now on (its data stays)")
    revoke.add_argument("device", type=_text, help="the device's series (e.g. BD01M1, see list-devices) or its id")
    revoke.set_defaults(handler=cmd_revoke_device)

    publish = commands.add_parser("publish-policy", parents=[common], help="publish a policy table to devices")
    publish.add_argument("file", help="a policy table (TOML), e.g. resources/policy/policy-2026.11.1.toml")
    publish.set_defaults(handler=cmd_publish_policy)

    release_key = commands.add_parser("release-key", help="the province's release key, which signs app updates")
    key_commands = release_key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    new_key = key_commands.add_parser("new", help="make a release key: the private half (PEM, readable by you only) "
                                                  "and the public half, in a folder kept offline")
    new_key.add_argument("--out", required=True, type=_text, help="the folder to write release-key.pem and "
                                                                   "release-key.pub in (e.g. a USB stick)")
    new_key.add_argument("--passphrase-stdin", action="store_true",
                         help="protect the private key with a passphrase read from standard input")
    new_key.set_defaults(handler=cmd_release_key_new)
    rotate = key_commands.add_parser(
        "rotate", parents=[common],
        help="hand the release key over to a new one made in a folder: devices follow the handover, signed by the "
             "old key, without enrolling again; the current releases are signed again by the new key")
    rotate.add_argument("--key", required=True, type=_text,
                        help="the current release key's private half, release-key.pem")
    rotate.add_argument("--out", required=True, type=_text, help="the folder to write the new release-key.pem and "
                                                                  "release-key.pub in (e.g. a new USB stick)")
    rotate.add_argument("--passphrase-stdin", action="store_true",
                        help="read two lines from standard input: the current key's passphrase (an empty line if "
                             "it has none), then the one that protects the new key (else the current key's is asked "
                             "on the terminal if it has one, and the new key has none)")
    rotate.set_defaults(handler=cmd_release_key_rotate)
    replace = key_commands.add_parser(
        "replace", parents=[common],
        help="replace a LOST or STOLEN release key by a new one made in a folder, on the database's authority: "
             "every device must enrol again to take updates; the current releases are signed again by the new key")
    replace.add_argument("--out", required=True, type=_text, help="the folder to write the new release-key.pem and "
                                                                   "release-key.pub in (e.g. a new USB stick)")
    replace.add_argument("--devices-enrol-again", action="store_true",
                         help="required: say that every device will enrol again (no handover leads to the new key)")
    replace.add_argument("--passphrase-stdin", action="store_true",
                         help="protect the new key with a passphrase read from standard input")
    replace.set_defaults(handler=cmd_release_key_replace)

    release = commands.add_parser("publish-release", parents=[common],
                                  help="publish a new version of the app: devices are told of it, download it and "
                                       "check its signature before installing it on the user's word")
    release.add_argument("file", type=_text, help="the installer: collector-app_<version>_amd64.deb or the Windows setup")
    release.add_argument("--version", required=True, type=_text, help="the app's version in it, e.g. 1.2.0")
    release.add_argument("--platform", required=True, choices=PLATFORMS)
    release.add_argument("--key", type=_text, default=None,
                         help="the release key's private half, release-key.pem (default: $PROVINCIAL_SERVER_RELEASE_KEY)")
    release.add_argument("--passphrase-stdin", action="store_true",
                         help="read the key's passphrase from standard input (else it is asked on the terminal)")
    release.add_argument("--notes", type=_text, default=None, help="a few words on what changed, shown to collectors")
    release.add_argument("--force", action="store_true",
                         help="publish even if the version is not newer than the platform's last release")
    release.add_argument("--releases-dir", type=_text, default=None,
                         help="where the server keeps installers (default: $PROVINCIAL_SERVER_RELEASES_DIR or "
                              "releases in the data folder); every worker must see it")
    release.add_argument("--json", action="store_true")
    release.set_defaults(handler=cmd_publish_release)

    facilities = commands.add_parser(
        "load-facilities", parents=[common],
        help="load the list of initial health-care facilities (nơi đăng ký KCB ban đầu) from a CSV file and "
             "publish it to devices; codes left out of the file are withdrawn")
    facilities.add_argument("file", help="CSV, UTF-8: a header code,name,province_code[,address], then a facility a line")
    facilities.add_argument("--if-empty", action="store_true",
                            help="load only when the server holds no facilities yet (a demo's sample list)")
    facilities.add_argument("--json", action="store_true")
    facilities.set_defaults(handler=cmd_load_facilities)

    target = commands.add_parser("set-target", parents=[common],
                                 help="set a point's target for a year and scheme (sent to its devices)")
    target.add_argument("--year", required=True, type=_whole(TARGET_YEARS))
    target.add_argument("--point", required=True, type=_upper_text)
    target.add_argument("--scheme", required=True, choices=["vsi", "family_hi"])
    target.add_argument("--participants", required=True, type=_whole((0, 10_000_000)))
    target.add_argument("--amount", type=_whole((0, 10**15)), default=None, help="VND; leave out for none")
    target.set_defaults(handler=cmd_set_target)

    plan = commands.add_parser("import-targets", parents=[common],
                               help="set the province's plan from a CSV file (all of it or nothing)")
    plan.add_argument("file", help="CSV (UTF-8) or XLSX: a header year,point_code,scheme,participants,amount, "
                                   "then a target a line (amount may be empty)")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(handler=cmd_import_targets)

    progress = commands.add_parser("progress", parents=[common],
                                   help="progress against the year's targets, by month and scheme")
    progress.add_argument("--year", required=True, type=_whole(TARGET_YEARS))
    progress.add_argument("--point", type=_upper_text, default=None, help="one point (default: the province)")
    progress.add_argument("--json", action="store_true")
    progress.set_defaults(handler=cmd_progress)

    refresh = commands.add_parser(
        "refresh-progress", parents=[common],
        help="compute and store the progress figures of every point whose stored ones are missing or out of date "
             "(`serve` does it in the background from its start; this is for a one-off run)")
    refresh.add_argument("--year", type=_whole(TARGET_YEARS), default=None,
                         help="default: this year and last (in Vietnam)")
    refresh.add_argument("--json", action="store_true")
    refresh.set_defaults(handler=cmd_refresh_progress)

    figures = commands.add_parser("summary", parents=[common], help="batches, records and payments received")
    figures.add_argument("--json", action="store_true")
    figures.set_defaults(handler=cmd_summary)

    board = commands.add_parser("dashboard", parents=[common],
                                help="per collection point: devices (silent ones), batches waiting for review, "
                                     "rejected records, money this month and last, progress against the year's target")
    board.add_argument("--month", type=_month, default=None, help="YYYY-MM (default: this month in Vietnam)")
    board.add_argument("--silent-days", type=_whole(SILENT_DAYS), default=None,
                       help="a device silent for more than this many days is flagged "
                            "(default 7, or $PROVINCIAL_SERVER_SILENT_DAYS)")
    board.add_argument("--province", type=_text, help="only the points of this province (code, e.g. 01)")
    board.add_argument("--commune", type=_text, help="only the points of this commune (code, e.g. 00004)")
    board.add_argument("--silent-only", action="store_true", help="only points with a silent device")
    board.add_argument("--sort", default="behind", choices=DASHBOARD_SORTS,
                       help="default: the points furthest behind plan first")
    board.add_argument("--desc", action="store_true", help="largest first")
    board.add_argument("--json", action="store_true")
    board.set_defaults(handler=cmd_dashboard)

    imports = commands.add_parser("import-batches", parents=[common],
                                  help="receive batch files from a folder (USB stick) and write answers beside them")
    imports.add_argument("folder")
    imports.add_argument("--max-body-bytes", type=_whole(BODY_BYTES), default=None,
                         help="larger files are refused, as larger bodies are by serve "
                              "(default 8 MiB, or $PROVINCIAL_SERVER_MAX_BODY_BYTES)")
    imports.add_argument("--json", action="store_true")
    imports.set_defaults(handler=cmd_import_batches)

    commission = commands.add_parser("commission", parents=[common],
                                     help="the month's commission statement of each collection point, from accepted "
                                          "payments net of voids")
    commission.add_argument("--month", type=_checked(_month_start), required=True, help="the month, YYYY-MM")
    commission.add_argument("--point", type=_upper_text, help="only this collection point")
    commission.add_argument("--json", action="store_true")
    commission.set_defaults(handler=cmd_commission)
    return parser


def _from_environment(value: int | None, variable: str, default: int, bounds: tuple[int, int]) -> int:
    if value is not None:
        return value
    try:
        return int_from_environment(variable, default, bounds)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _text_from_environment(variable: str, parse: Callable[[str], str]) -> str | None:
    try:
        return text_from_environment(variable, parse)
    except ValueError as error:
        raise CommandError(str(error)) from None


# ---- commands -----------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Database:
    from provincial_server.store.db import open_database

    return open_database(args.database_url)


def _uow(database: Database, *, write: bool = True) -> UnitOfWork:
    from provincial_server.store.unit_of_work import UnitOfWork

    return UnitOfWork(database, write=write)


def _now() -> datetime:
    from provincial_server.clock import utc_now

    return utc_now()


def _iso(moment: datetime) -> str:
    from provincial_server.clock import iso

    return iso(moment)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = ServerSettings(
        database_url=args.database_url,
        max_body_bytes=_from_environment(args.max_body_bytes, MAX_BODY_VARIABLE, 8 * MIB, BODY_BYTES),
        pool_size=_from_environment(args.pool_size, POOL_SIZE_VARIABLE, 5, POOL_SIZES),
        silent_days=_from_environment(args.silent_days, SILENT_DAYS_VARIABLE, DEFAULT_SILENT_DAYS, SILENT_DAYS),
        public_url=args.public_url or _text_from_environment(PUBLIC_URL_VARIABLE, public_url),
        checks_per_minute=_from_environment(args.checks_per_minute, CHECKS_PER_MINUTE_VARIABLE, 60, CHECKS_PER_MINUTE),
        client_ip_header=args.client_ip_header or _text_from_environment(CLIENT_IP_HEADER_VARIABLE, header_name),
    )
    _check_can_listen(args.host, args.port)  # here, in one line, rather than in uvicorn's log once started
    import uvicorn  # only this command needs it
    # Migrate (SQLite) or check the schema (PostgreSQL) once, here, before any worker starts.
    _open(args).dispose()
    _refresh_progress_in_background(args.database_url)
    os.environ.update(settings.environment())
    uvicorn.run(
        "provincial_server.app:app_from_environment", factory=True, host=args.host, port=args.port,
        workers=args.workers, log_level=args.log_level, access_log=not args.no_access_log,
        # No X-Forwarded-* is believed by default: the public page's rate limit counts per client
        # address, which only --client-ip-header may take from a header.
        proxy_headers=False,
    )
    return 0


def _progress_years() -> tuple[int, int]:
    """This year and last, in Vietnam: the years supervisors and devices ask progress for."""
    from provincial_server.services.dashboard import vietnam_month

    year = vietnam_month(_now())[0]
    return year, year - 1


def _refresh_progress_in_background(database_url: str) -> None:
    """From the server's start on, keep every point's stored progress figures of this year and last up to date
    (after the migration that brought them, on a new year, after batches), so that no question waits for a
    whole province's: requests meanwhile compute only the points they need that are not stored yet."""
    import threading
    import time

    def run() -> None:
        from provincial_server.services import progress
        from provincial_server.store.db import open_database

        database = open_database(database_url)
        try:
            while True:
                for year in _progress_years():
                    try:
                        computed = progress.refresh(_uow(database), year=year)
                    except Exception as error:  # a database away for a while: said, and tried again later
                        print(f"progress figures {year}: not refreshed: {_one_line(str(error))}", file=sys.stderr,
                              flush=True)
                    else:
                        if computed:
                            print(f"progress figures {year}: {computed:,} points computed", file=sys.stderr,
                                  flush=True)
                time.sleep(PROGRESS_REFRESH_SECONDS)
        finally:
            database.dispose()

    threading.Thread(target=run, name="refresh-progress", daemon=True).start()


def _check_can_listen(host: str, port: int) -> None:
    """CommandError unless a socket can be bound to `host`:`port` (a name that resolves, a port that is free)."""
    import socket

    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except (OSError, UnicodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise CommandError(f"cannot listen on {host}:{port}: {reason}") from None


def cmd_migrate(args: argparse.Namespace) -> int:
    from provincial_server.store.db import migrate

    before, after = migrate(args.database_url)
    print(f"database at schema {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0


def _step(line: str) -> None:
    """A step of long work, on standard output (standard error keeps the one-line refusal)."""
    print(f"  {line}", flush=True)


def cmd_backup(args: argparse.Namespace) -> int:
    from provincial_server.store.backups import backup

    out = Path(args.out)
    revision = backup(args.database_url, out, _step)
    print(f"backed up the database (schema {revision}) to {out}: {format_count(out.stat().st_size)} bytes")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from provincial_server.store.backups import restore

    revision, now = restore(args.database_url, Path(args.file), force=args.force, progress=_step)
    print(f"restored {args.file} (schema {revision})" + ("" if revision == now else f", migrated to schema {now}"))
    return 0


def cmd_add_point(args: argparse.Namespace) -> int:
    from provincial_server.services import enrolment

    database = _open(args)
    try:
        added = enrolment.add_point(_uow(database), args.code, args.name, province_code=args.province,
                                    commune_code=args.commune, now=_now())
    finally:
        database.dispose()
    print(f"point {args.code} " + ("added" if added else "already exists"))
    return 0


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    from provincial_server.services import enrolment

    database = _open(args)
    try:
        code = enrolment.new_enrolment_code(_uow(database), args.point, now=_now(),
                                            lifetime=timedelta(hours=args.hours))
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"code": code.code, "point_code": code.point_code, "expires_at": _iso(code.expires_at)}))
    else:
        print(code.code)
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        stream = getattr(sys.stdin, "buffer", sys.stdin)  # bytes from a console; text from a caller's StringIO
        line = stream.readline(PASSWORD_BYTES)  # a line of gigabytes is not read whole
        if not line:
            raise CommandError("no password on standard input")
        try:
            text = line if isinstance(line, str) else line.decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError("the password on standard input is not UTF-8 text") from None
        return text.rstrip("\r\n")
    if not _terminal():
        raise CommandError("there is no terminal to type the password on: give it with --password-stdin")
    try:
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise CommandError("the passwords differ")
    except EOFError:
        raise CommandError("no password typed") from None
    return first


def _terminal() -> bool:
    """Whether getpass can ask on a terminal (it reads /dev/tty, not standard input, where there is one)."""
    if os.name == "nt":
        return sys.stdin.isatty()
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


def cmd_add_supervisor(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    from provincial_server.services import auth  # argon2 and the database, once there is a password

    database = _open(args)
    try:
        auth.add_supervisor(_uow(database), args.username, password, now=_now())
    finally:
        database.dispose()
    print(f"supervisor {args.username} added")
    return 0


def cmd_unlock_supervisor(args: argparse.Namespace) -> int:
    from provincial_server.services import auth

    database = _open(args)
    try:
        forgotten = auth.unlock(_uow(database), args.username)
    finally:
        database.dispose()
    print(f"{forgotten} failed logins of {args.username} forgotten: the next login is checked at once")
    return 0


def _device_json(device: DeviceRow) -> dict[str, object]:
    def when(moment: datetime | None) -> str | None:
        return None if moment is None else _iso(moment)

    return {"device_id": device.device_id, "series": device.series, "point_code": device.point_code,
            "device_code": device.device_code, "name": device.name, "enrolled_at": when(device.enrolled_at),
            "last_seen_at": when(device.last_seen_at), "revoked_at": when(device.revoked_at)}


def cmd_list_devices(args: argparse.Namespace) -> int:
    from provincial_server.services import devices

    database = _open(args)
    try:
        found = devices.list_devices(_uow(database, write=False), point_code=args.point)
    finally:
        database.dispose()
    rows = [_device_json(device) for device in found]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    columns = ("series", "point_code", "name", "enrolled_at", "last_seen_at", "revoked_at", "device_id")
    table = [["device", "point", "name", "enrolled", "last seen", "revoked", "id"],
             *([str(row[name] or "-") for name in columns] for row in rows)]
    widths = [max(len(line[index]) for line in table) for index in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    return 0


def cmd_chain_forks(args: argparse.Namespace) -> int:
    from provincial_server.services import devices

    database = _open(args)
    try:
        found = devices.chain_forks(_uow(database, write=False), args.device)
    finally:
        database.dispose()
    rows = [{"device_id": device.device_id, "series": device.series, "from_seq": fork.from_seq,
             "from_hash": fork.from_hash, "replaced_seq": fork.replaced_seq, "replaced_head": fork.replaced_head,
             "restored_hash": fork.restored_hash, "restored_entry": json.loads(fork.restored_entry),
             "batch_id": fork.batch_id, "at": _iso(fork.created_at)} for device, fork in found]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['at']}  {row['series']}: restored back to entry {row['from_seq']}, leaving entries up to "
              f"{row['replaced_seq']} (kept); batch {row['batch_id']}")
    if not rows:
        print("no device's money chain has forked")
    return 0


def cmd_days(args: argparse.Namespace) -> int:
    from provincial_server.services.days import list_days

    database = _open(args)
    try:
        days = list_days(_uow(database, write=False), point_code=args.point, since=None, until=None)
    finally:
        database.dispose()
    rows = [{"point_code": d.point_code, "device_id": d.device_id, "collector": d.collector,
             "closed_on": d.closed_on.isoformat(), "expected_cash": d.expected_cash, "counted_cash": d.counted_cash,
             "difference": d.difference, "transfers": d.transfers, "reason": d.reason, "closed_at": d.closed_at,
             "server_expected_cash": d.server_expected_cash, "matches": d.matches} for d in days]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for d in days:
        check = "" if d.matches else f"  (the server holds {d.server_expected_cash} VND of cash receipts)"
        reason = f"  reason: {_shown(d.reason)}" if d.reason else ""
        print(f"{d.closed_on.isoformat()}  {d.point_code}  {_shown(d.collector)}: expected {d.expected_cash} VND, "
              f"counted {d.counted_cash} VND, difference {d.difference:+d} VND{reason}{check}")
    if not days:
        print("no day has been closed")
    return 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    from provincial_server.services import devices

    database = _open(args)
    try:
        revoked = devices.revoke_device(_uow(database), args.device, now=_now())
    finally:
        database.dispose()
    device = revoked.device
    if revoked.new:
        print(f"device {device.series} ({device.name}, {device.device_id}) revoked: its token is refused from now on")
    else:
        print(f"device {device.series} ({device.device_id}) was already revoked at {_iso(revoked.revoked_at)}")
    return 0


def _read_input(file: str, max_bytes: int) -> bytes:
    """The bytes of a file named on the command line, or one line saying why it is refused."""
    from provincial_server.services.input_files import FileRefused, read_regular_file

    try:
        return read_regular_file(Path(file), max_bytes=max_bytes, follow_links=True)
    except FileRefused as error:
        raise CommandError(f"{file} {error.message}") from None


def cmd_publish_policy(args: argparse.Namespace) -> int:
    import tomllib

    data = _read_input(args.file, POLICY_FILE_BYTES)
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CommandError(f"{args.file} is not UTF-8 text: a policy table is a TOML file") from None
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"{args.file} is not valid TOML: {error}") from None
    except RecursionError:
        raise CommandError(f"{args.file} is not a policy table: its TOML is nested too deeply") from None
    from provincial_server.services import policy

    database = _open(args)
    try:
        published = policy.publish_policy(_uow(database), document, now=_now())
    finally:
        database.dispose()
    print(f"policy table {published.version} " + ("published" if published.new else "was already published"))
    return 0


def _read_passphrase(from_stdin: bool, *, confirm: bool) -> str:
    """A release key's passphrase, from standard input or typed on the terminal."""
    if from_stdin:
        return _checked_passphrase(_read_password(True))
    if not _terminal():
        raise CommandError("the release key is protected by a passphrase and there is no terminal to type it on: "
                           "give it with --passphrase-stdin")
    try:
        first = getpass.getpass("Passphrase of the release key: ")
        if confirm and getpass.getpass("Passphrase again: ") != first:
            raise CommandError("the passphrases differ")
    except EOFError:
        raise CommandError("no passphrase typed") from None
    return _checked_passphrase(first)


def _checked_passphrase(passphrase: str) -> str:
    if len(passphrase.encode("utf-8")) > PASSPHRASE_BYTES:  # what the key file's encryption takes
        raise CommandError(f"the passphrase is longer than {PASSPHRASE_BYTES:,} bytes")
    return passphrase


def _new_key_passphrase(from_stdin: bool, *, line: str = "the passphrase on standard input") -> str | None:
    """The passphrase protecting a key about to be made: the next line on standard input (`from_stdin`, never
    empty; `line` names it in the refusal), else none."""
    passphrase = _read_passphrase(True, confirm=False) if from_stdin else None
    if from_stdin and not passphrase:
        raise CommandError(f"{line} is empty")
    return passphrase


def _new_key_said(made: NewKey, passphrase: str | None, signed_again: Sequence[ReleaseRow]) -> str:
    """Where a rotation's or a replacement's new key is, and which releases it signed again."""
    protected = "protected by its passphrase" if passphrase else "NOT protected by a passphrase"
    signed = ", ".join(f"{row.platform} {row.version}" for row in signed_again) or "none"
    return (f"the new key is {made.private_path} (private, {protected}: keep it offline) and {made.public_path} "
            f"(public); signed again: {signed}")


def cmd_release_key_new(args: argparse.Namespace) -> int:
    from provincial_server.services.releases import ReleaseKeyError, new_release_key

    passphrase = _new_key_passphrase(args.passphrase_stdin)
    try:
        made = new_release_key(Path(args.out), passphrase=passphrase)
    except ReleaseKeyError as error:
        raise CommandError(str(error)) from None
    protected = "protected by its passphrase" if passphrase else "NOT protected by a passphrase"
    print(f"release key made: {made.private_path} (private, {protected}: keep it offline) and "
          f"{made.public_path} (public)")
    return 0


def cmd_release_key_rotate(args: argparse.Namespace) -> int:
    from provincial_server.services.releases import ReleaseKeyError, rotate_release_key

    old_key = _private_key(args.key, args.passphrase_stdin)
    passphrase = _new_key_passphrase(args.passphrase_stdin,
                                     line="the new key's passphrase (the second line on standard input)")
    database = _open(args)
    try:
        rotated = rotate_release_key(_uow(database), old_key, Path(args.out), passphrase=passphrase, now=_now())
    except ReleaseKeyError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()
    print(f"release key rotated (handover {rotated.handovers}): "
          f"{_new_key_said(rotated.key, passphrase, rotated.signed_again)}. "
          "Publish with the new key from now on; devices follow the handover at their next sync")
    return 0


def cmd_release_key_replace(args: argparse.Namespace) -> int:
    from provincial_server.services.releases import ReleaseKeyError, replace_release_key

    if not args.devices_enrol_again:
        raise CommandError("replacing the release key means every device must enrol again to take updates (no "
                           "handover leads to the new key): say so with --devices-enrol-again; a key still in hand "
                           "is rotated instead (`release-key rotate`)")
    passphrase = _new_key_passphrase(args.passphrase_stdin)
    database = _open(args)
    try:
        replaced = replace_release_key(_uow(database), Path(args.out), passphrase=passphrase, now=_now())
    except ReleaseKeyError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()
    left = "".join(f"; NOT signed again (its figures were changed in the database): {row.platform} {row.version}, "
                   "publish it again with --force and the new key" for row in replaced.not_signed_again)
    removed = replaced.handovers_removed
    print(f"release key replaced ({removed} handover{'' if removed == 1 else 's'} removed): "
          f"{_new_key_said(replaced.key, passphrase, replaced.signed_again)}{left}. Publish with the new key from "
          "now on; every device must enrol again (a new code from `provincial-server enrolment-code POINT`) to "
          "take updates")
    return 0


def _private_key(key_file: str, passphrase_stdin: bool) -> bytes:
    """The raw private half of a release key file, its passphrase asked on the terminal or read from
    standard input (`passphrase_stdin`) when it has one."""
    pem = _read_input(key_file, RELEASE_KEY_BYTES)
    from provincial_server.services import releases

    passphrase = (_read_passphrase(passphrase_stdin, confirm=False)
                  if releases.key_is_encrypted(pem) or passphrase_stdin else None)
    try:
        return releases.load_release_key(pem, passphrase=passphrase)
    except releases.ReleaseKeyError as error:
        raise CommandError(f"{key_file} {error}") from None


def cmd_publish_release(args: argparse.Namespace) -> int:
    key_file = args.key or os.environ.get(RELEASE_KEY_VARIABLE)
    if not key_file:
        raise CommandError(f"name the release key's private half with --key (or ${RELEASE_KEY_VARIABLE})")
    from provincial_server.services import releases
    from provincial_server.settings import releases_dir

    args.notes = args.notes or ""
    releases.check_release(args.platform, args.version, Path(args.file).name, args.notes)
    private_key = _private_key(key_file, args.passphrase_stdin)
    data = _read_input(args.file, RELEASE_FILE_BYTES)
    folder = Path(args.releases_dir).resolve() if args.releases_dir else releases_dir().resolve()
    database = _open(args)
    try:
        published = releases.publish_release(_uow(database), data, file_name=Path(args.file).name,
                                             platform=args.platform, version=args.version, private_key=private_key,
                                             notes=args.notes, force=args.force, folder=folder, now=_now())
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"platform": published.platform, "version": published.version,
                          "file_name": published.file_name, "size": published.size, "sha256": published.sha256,
                          "path": str(published.path), "replaced": published.replaced}))
    else:
        print(f"{published.platform} {published.version} " + ("published again" if published.replaced else "published")
              + f": {published.file_name}, {format_count(published.size)} bytes, SHA-256 {published.sha256}")
    return 0


def cmd_load_facilities(args: argparse.Namespace) -> int:
    """Every line of the file checked first; any wrong line (each named in one line) and nothing is loaded."""
    data = _read_input(args.file, FACILITIES_FILE_BYTES)
    from provincial_server.services import facilities

    read = facilities.read_facilities_csv(data)
    if read.errors:
        if args.json:
            print(json.dumps({"loaded": False, "errors": [{"line": e.line, "message": e.message}
                                                           for e in read.errors]}, ensure_ascii=False))
        else:  # a line each on standard output, as import-batches names its files; the refusal on stderr
            for wrong in read.errors[:ERRORS_SHOWN]:
                print(f"{args.file}: {_one_line(str(wrong))}")
            if len(read.errors) > ERRORS_SHOWN:
                print(f"{args.file}: … and {len(read.errors) - ERRORS_SHOWN:,} more errors")
        raise CommandError(f"{args.file}: nothing loaded: {len(read.errors):,} "
                           f"{'error' if len(read.errors) == 1 else 'errors'} to correct first")

    def progress(done: int, total: int) -> None:
        if total > facilities.WRITE_CHUNK:  # worth saying only for a big file
            print(f"facilities: {done:,} of {total:,} changes written", file=sys.stderr, flush=True)

    database = _open(args)
    try:
        held = facilities.facility_counts(_uow(database, write=False)) if args.if_empty else (0, 0)
        if sum(held):
            if args.json:
                print(json.dumps({"loaded": False, "listed": held[0], "withdrawn": held[1]}))
            else:
                print(f"the server holds {sum(held):,} facilities already: nothing loaded (--if-empty)")
            return 0
        loaded = facilities.load_facilities(_uow(database), read.facilities, now=_now(), progress=progress)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"loaded": True, **loaded.as_dict()}))
    else:
        noun = "facility" if loaded.listed == 1 else "facilities"
        print(f"{loaded.listed:,} {noun} on the list: {loaded.added:,} added, {loaded.updated:,} updated, "
              f"{loaded.withdrawn:,} withdrawn, {loaded.unchanged:,} unchanged")
    return 0


def cmd_set_target(args: argparse.Namespace) -> int:
    from provincial_server.services import targets
    from provincial_server.store.targets import TargetRow

    database = _open(args)
    try:
        written = targets.set_targets(_uow(database), [TargetRow(args.year, args.point, args.scheme,
                                                                 args.participants, args.amount)], now=_now())
    finally:
        database.dispose()
    amount = "no amount" if args.amount is None else f"{args.amount:,} VND"
    state = "set" if written.written else "unchanged"
    print(f"target {state}: {args.point} {args.year} {args.scheme}: {args.participants:,} participants, {amount}")
    return 0


def cmd_import_targets(args: argparse.Namespace) -> int:
    data = _read_input(args.file, TARGETS_FILE_BYTES)
    from provincial_server.services import targets

    read = targets.read_targets(data)
    if read.error is not None:
        raise CommandError(f"{args.file}: {read.error}; nothing imported")

    def progress(done: int, total: int) -> None:
        if total > targets.WRITE_CHUNK:  # worth saying only for a long file
            print(f"targets: {done:,} of {total:,} written", file=sys.stderr, flush=True)

    database = _open(args)
    try:
        written = targets.set_targets(_uow(database), read.targets, now=_now(), progress=progress)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"imported": len(read.targets), "written": written.written,
                          "unchanged": written.unchanged, "points": written.points}))
    else:
        print(f"{len(read.targets):,} targets read: {written.written:,} new or changed, {written.unchanged:,} "
              f"unchanged; {written.points:,} points' devices will pull them")
    return 0


def cmd_refresh_progress(args: argparse.Namespace) -> int:
    from provincial_server.services import progress

    def shown(year: int) -> Callable[[int, int], None]:
        def say(done: int, total: int) -> None:
            print(f"progress figures {year}: {done:,} of {total:,} points", file=sys.stderr, flush=True)
        return say

    database = _open(args)
    try:
        computed = {year: progress.refresh(_uow(database), year=year, progress=shown(year))
                    for year in ([args.year] if args.year else _progress_years())}
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"computed": {str(year): count for year, count in computed.items()}}))
    else:
        for year, count in computed.items():
            print(f"progress figures {year}: {count:,} points computed; the other points' were up to date")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from provincial_server.services import progress

    database = _open(args)
    try:
        found = progress.scope_progress(_uow(database, write=False), year=args.year,
                                        scope="point" if args.point else "province", code=args.point)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(progress.as_json(found), ensure_ascii=False))
        return 0
    print(f"{found.name or 'province'} ({found.code or f'{len(found.points)} points'}), {found.progress.year}")
    for figures in found.progress.schemes:
        target = "-" if figures.target_participants is None else f"{figures.target_participants:,}"
        percent = "" if figures.participants_percent is None else f" ({figures.participants_percent:.1f} %)"
        print(f"\n{figures.scheme}: {figures.participants:,} participants of target {target}{percent}, "
              f"{figures.new:,} new; {figures.amount:,} VND (last year {figures.last_year_amount:,} VND)")
        table = [["month", "participants", "new", "renewing", "amount", "last year", "amount last year"],
                 *([f"{m.month:02d}", f"{m.participants:,}", f"{m.new:,}", f"{m.renewing:,}", f"{m.amount:,}",
                    f"{m.last_year_participants:,}", f"{m.last_year_amount:,}"] for m in figures.months)]
        widths = [max(len(line[index]) for line in table) for index in range(len(table[0]))]
        for line in table:
            print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from provincial_server.services import summary

    database = _open(args)
    try:
        figures = summary.summary(_uow(database, write=False))
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    silent_days = _from_environment(args.silent_days, SILENT_DAYS_VARIABLE, DEFAULT_SILENT_DAYS, SILENT_DAYS)
    from provincial_server.services import dashboard

    now = _now()
    year, month = args.month or dashboard.vietnam_month(now)
    query = dashboard.DashboardQuery(year=year, month=month, province_code=args.province, commune_code=args.commune,
                                     silent_only=args.silent_only, sort=args.sort, descending=args.desc)
    database = _open(args)
    try:
        report = dashboard.province_dashboard(_uow(database, write=False), query, silent_days=silent_days, now=now)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(dashboard.report_json(report), ensure_ascii=False))
        return 0
    print(f"{month:02d}/{year}: {report.total:,} points; devices silent for more than {silent_days} days are "
          f"flagged; participants as of {report.participants_on:%d/%m/%Y}")
    table = [["point", "name", "devices", "silent", "to review", "rejected", "this month", "last month", "VSI",
              "family HI", "behind"]]
    rows = [(point.code, point.name, point.figures) for point in report.points]
    for code, name, counted in [*rows, ("total", "", report.totals)]:
        table.append([code, name, format_count(counted.devices), format_count(counted.silent_devices),
                      format_count(counted.batches_pending),
                      f"{format_count(counted.rejected_at_receipt)} + "
                      f"{format_count(counted.rejected_by_supervisor)}",
                      format_vnd(counted.this_month), format_vnd(counted.last_month), _progress(counted.vsi),
                      _progress(counted.family_hi), _permille(counted.behind_permille)])
    widths = [max(len(line[index]) for line in table) for index in range(len(table[0]))]
    right = {2, 3, 4, 5, 6, 7, 8, 9, 10}
    for line in table:
        print("  ".join(cell.rjust(width) if index in right else cell.ljust(width)
                        for index, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip())
    print("rejected: at receipt + by a supervisor, in the month's batches; VSI, family HI: participants against "
          "the year's target; behind: the lowest figure against its target")
    return 0


def _permille(permille: int | None) -> str:
    return "no target" if permille is None else f"{permille // 10},{permille % 10} %"


def _progress(scheme: SchemeProgress) -> str:
    if scheme.target_participants is None:
        return f"{format_count(scheme.participants)}, no target"
    return f"{format_count(scheme.participants)}/{format_count(scheme.target_participants)}"


def cmd_commission(args: argparse.Namespace) -> int:
    from collector_app.domain.commission import rate_text
    from collector_app.domain.problems import DomainError
    from provincial_server.services import commission
    from provincial_server.services.messages import describe

    database = _open(args)
    try:
        statements = commission.monthly_commission(_uow(database, write=False), args.month, point_code=args.point)
    except commission.NoPolicyTable:
        raise CommandError("no policy table is published: publish one first (publish-policy)") from None
    except DomainError as error:
        raise CommandError("; ".join(describe(problem) for problem in error.problems)) from None
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"month": f"{args.month:%Y-%m}", "points": [
            {"point": item.point_code, "participants": item.statement.participants, "base": item.statement.base,
             "commission": item.statement.commission,
             "lines": [{"scheme": line.scheme, "participant": "new" if line.new else "continuing",
                        "rate": f"{line.rate.numerator}/{line.rate.denominator}", "participants": line.participants,
                        "base": line.base, "commission": line.commission} for line in item.statement.lines]}
            for item in statements]}, ensure_ascii=False))
        return 0
    if not statements:
        print(f"no payments in {args.month:%m/%Y}")
    for item in statements:
        print(f"{item.point_code}: commission {item.statement.commission:,} VND on {item.statement.base:,} VND "
              f"paid by {item.statement.participants} participants")
        for line in item.statement.lines:
            kind = "new" if line.new else "continuing"
            print(f"  {line.scheme:9} {kind:10} {rate_text(line.rate):>7} {line.participants:6} "
                  f"{line.base:>15,} {line.commission:>12,}")
    return 0


def cmd_import_batches(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a folder")
    max_bytes = _from_environment(args.max_body_bytes, MAX_BODY_VARIABLE, 8 * MIB, BODY_BYTES)
    from provincial_server.services import files, policy

    database = _open(args)
    try:
        outcomes = files.import_batches(lambda: _uow(database), folder, policies=policy.PolicyTables(),
                                        now=_now(), max_bytes=max_bytes)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps([outcome.as_dict() for outcome in outcomes]))
    else:
        for outcome in outcomes:
            if outcome.status == "refused":
                print(f"{outcome.file}: refused: {outcome.code}: {outcome.message}")
            else:
                print(f"{outcome.file}: {outcome.status}, {outcome.accepted} accepted, {outcome.rejected} rejected")
    return EXIT_REFUSED if any(outcome.status == "refused" for outcome in outcomes) else 0


# ---- running a command --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the console command: what it prints must never fail to print
        _print_anything()
    args = build_parser().parse_args(argv)
    try:
        if "database_url" in args:  # every command but release-key new, which needs no database
            args.database_url = args.database_url or default_database_url()
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        message = _refusal(error)
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_REFUSED


def _refusal(error: Exception) -> str:
    """What to print for an error a command raised; anything unforeseen is logged and named in one line."""
    if isinstance(error, CommandError):
        return str(error)
    if isinstance(error, OSError):
        return f"{error.strerror or error}" + (f": {error.filename}" if error.filename else "")
    # A class whose module was never imported cannot have been raised: the refusals of commands that
    # stopped before the database cost no import of SQLAlchemy.
    if _raised(error, "provincial_server.services.errors", "ServiceError"):
        return str(getattr(error, "message", error))
    if _raised(error, "provincial_server.store.db", "DatabaseError"):
        return str(error)
    if _raised(error, "sqlalchemy.exc", "SQLAlchemyError"):
        return f"database error: {str(getattr(error, 'orig', None) or error).splitlines()[0]}"
    return f"unexpected error: {type(error).__name__}: {error} (details in {_log_unexpected()})"


def _raised(error: Exception, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(error, getattr(loaded, name))


def _log_unexpected() -> Path:
    """Append the traceback of the error being handled to a log file; the file (os.devnull if none can be written)."""
    folder = data_dir() if data_dir().is_dir() else Path(tempfile.gettempdir())
    log = folder / "provincial-server-errors.log"
    try:
        with log.open("a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"{datetime.now().isoformat()} {' '.join(sys.argv)}\n{traceback.format_exc()}\n")
    except OSError:
        return Path(os.devnull)
    return log


def _print_anything() -> None:
    """Standard output and error write what cannot be encoded as escapes (a file name that is not UTF-8)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    sys.exit(main())
