"""`provincial-server`: start the server, migrate its database, and the administrators' commands.

Every command takes `--database-url` (default: `$PROVINCIAL_SERVER_DATABASE_URL`, else the SQLite
file in `$PROVINCIAL_SERVER_DATA_DIR` or ./server-data). An error prints one line and exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tomllib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from provincial_server.clock import iso, utc_now
from provincial_server.services import auth, devices, enrolment, files, policy, summary
from provincial_server.services.errors import ServiceError
from provincial_server.settings import MIB, POOL_SIZE_VARIABLE, ServerSettings, default_database_url
from provincial_server.store.db import Database, DatabaseError, migrate, open_database
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

PROG = "provincial-server"


class CommandError(Exception):
    """A user mistake on the command line; the message is printed as it is."""


def _open(args: argparse.Namespace) -> Database:
    return open_database(args.database_url)


def _uow_factory(database: Database) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(database)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # only this command needs it

    settings = ServerSettings(database_url=args.database_url, max_body_bytes=args.max_body_bytes,
                              pool_size=args.pool_size)
    # Migrate (SQLite) or check the schema (PostgreSQL) once, here, before any worker starts.
    _open(args).dispose()
    os.environ.update(settings.environment())
    uvicorn.run(
        "provincial_server.app:app_from_environment", factory=True, host=args.host, port=args.port,
        workers=args.workers, log_level=args.log_level, access_log=not args.no_access_log,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    before, after = migrate(args.database_url)
    print(f"database at schema {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0


def cmd_add_point(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        added = enrolment.add_point(UnitOfWork(database), args.code, args.name, province_code=args.province,
                                    now=utc_now())
    finally:
        database.dispose()
    print(f"point {args.code} " + ("added" if added else "already exists"))
    return 0


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        code = enrolment.new_enrolment_code(UnitOfWork(database), args.point, now=utc_now(),
                                            lifetime=timedelta(hours=args.hours))
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({"code": code.code, "point_code": code.point_code, "expires_at": iso(code.expires_at)}))
    else:
        print(code.code)
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise CommandError("the passwords differ")
    return first


def cmd_add_supervisor(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    database = _open(args)
    try:
        auth.add_supervisor(UnitOfWork(database), args.username, password, now=utc_now())
    finally:
        database.dispose()
    print(f"supervisor {args.username} added")
    return 0


def cmd_unlock_supervisor(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        forgotten = auth.unlock(UnitOfWork(database), args.username)
    finally:
        database.dispose()
    print(f"{forgotten} failed logins of {args.username} forgotten: the next login is checked at once")
    return 0


def _device_json(device: DeviceRow) -> dict[str, object]:
    def when(moment: datetime | None) -> str | None:
        return None if moment is None else iso(moment)

    return {"device_id": device.device_id, "series": device.series, "point_code": device.point_code,
            "device_code": device.device_code, "name": device.name, "enrolled_at": when(device.enrolled_at),
            "last_seen_at": when(device.last_seen_at), "revoked_at": when(device.revoked_at)}


def cmd_list_devices(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        found = devices.list_devices(UnitOfWork(database, write=False), point_code=args.point)
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


def cmd_revoke_device(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        revoked = devices.revoke_device(UnitOfWork(database), args.device, now=utc_now())
    finally:
        database.dispose()
    device = revoked.device
    if revoked.new:
        print(f"device {device.series} ({device.name}, {device.device_id}) revoked: its token is refused from now on")
    else:
        print(f"device {device.series} ({device.device_id}) was already revoked at {iso(revoked.revoked_at)}")
    return 0


def cmd_publish_policy(args: argparse.Namespace) -> int:
    try:
        data = tomllib.loads(Path(args.file).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"{args.file} is not valid TOML: {error}") from None
    database = _open(args)
    try:
        published = policy.publish_policy(UnitOfWork(database), data, now=utc_now())
    finally:
        database.dispose()
    print(f"policy table {published.version} " + ("published" if published.new else "was already published"))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    database = _open(args)
    try:
        figures = summary.summary(UnitOfWork(database, write=False))
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")
    return 0


def cmd_import_batches(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a folder")
    database = _open(args)
    try:
        outcomes = files.import_batches(_uow_factory(database), folder, policies=policy.PolicyTables(),
                                        now=utc_now())
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
    return 1 if any(outcome.status == "refused" for outcome in outcomes) else 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="The provincial server: receives devices' batches.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=None,
                        help="sqlite:///path/file.sqlite3 or postgresql+psycopg://user@host/db "
                             "(default: $PROVINCIAL_SERVER_DATABASE_URL or ./server-data/server.sqlite3)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the HTTP server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (stateless)")
    serve.add_argument("--max-body-bytes", type=_positive, default=8 * MIB)
    serve.add_argument("--pool-size", type=_positive, default=int(os.environ.get(POOL_SIZE_VARIABLE) or 5),
                       help="database connections each worker keeps open, up to 3x as many at peaks "
                            "(default 5, or $PROVINCIAL_SERVER_POOL_SIZE); PostgreSQL's max_connections must "
                            "exceed workers x 3 x this")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", parents=[common], help="upgrade the database schema (PostgreSQL: once per deploy)"
                        ).set_defaults(handler=cmd_migrate)

    add_point = commands.add_parser("add-point", parents=[common], help="add a collection point")
    add_point.add_argument("code", help="e.g. BD01")
    add_point.add_argument("name")
    add_point.add_argument("--province", help="the point's province, a 34-province code (e.g. 01 for Hà Nội): "
                                              "its devices may then give only that province's top-up")
    add_point.set_defaults(handler=cmd_add_point)

    code = commands.add_parser("enrolment-code", parents=[common], help="print a one-time code that enrols a device")
    code.add_argument("point")
    code.add_argument("--hours", type=_positive, default=72, help="how long the code stays valid")
    code.add_argument("--json", action="store_true")
    code.set_defaults(handler=cmd_enrolment_code)

    supervisor = commands.add_parser("add-supervisor", parents=[common], help="add a supervisor account")
    supervisor.add_argument("username")
    supervisor.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    supervisor.set_defaults(handler=cmd_add_supervisor)

    unlock = commands.add_parser("unlock-supervisor", parents=[common],
                                 help="forget a username's failed logins, so that it may log in again at once")
    unlock.add_argument("username")
    unlock.set_defaults(handler=cmd_unlock_supervisor)

    listing = commands.add_parser("list-devices", parents=[common],
                                  help="enrolled devices: series, point, name, enrolled, last seen, revoked")
    listing.add_argument("--point", type=str.upper, help="only the devices of this collection point")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list_devices)

    revoke = commands.add_parser("revoke-device", parents=[common],
                                 help="refuse a lost or stolen device's token from now on (its data stays)")
    revoke.add_argument("device", help="the device's series (e.g. BD01M1, see list-devices) or its id")
    revoke.set_defaults(handler=cmd_revoke_device)

    publish = commands.add_parser("publish-policy", parents=[common], help="publish a policy table to devices")
    publish.add_argument("file", help="a policy table (TOML), e.g. resources/policy/policy-2026.11.1.toml")
    publish.set_defaults(handler=cmd_publish_policy)

    figures = commands.add_parser("summary", parents=[common], help="batches, records and payments received")
    figures.add_argument("--json", action="store_true")
    figures.set_defaults(handler=cmd_summary)

    imports = commands.add_parser("import-batches", parents=[common],
                                  help="receive batch files from a folder (USB stick) and write answers beside them")
    imports.add_argument("folder")
    imports.add_argument("--json", action="store_true")
    imports.set_defaults(handler=cmd_import_batches)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.database_url = args.database_url or default_database_url()
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (CommandError, ServiceError, DatabaseError, OSError) as error:
        message = error.message if isinstance(error, ServiceError) else str(error)
    except SQLAlchemyError as error:
        message = f"database error: {str(getattr(error, 'orig', None) or error).splitlines()[0]}"
    except KeyboardInterrupt:
        return 130
    print(f"{PROG}: error: {message.splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
