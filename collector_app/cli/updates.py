"""`update check|download|install`: a newer version of the app that the province published (learnt at sync).

`install` runs the system's installer (an administrator's password on Linux) and never happens without
this command or the window's "Install" button.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from collector_app.cli.common import EXIT_OK, UsageError, _open_store, _print_json, _printable, _progress_bar
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.formatting import format_count
from collector_app.i18n import _
from collector_app.version import installed_version


def add_update_commands(commands: Any, *, signs_in: Callable[..., None]) -> None:
    update = commands.add_parser("update", help=_("a newer version of the app: check, download, install"))
    actions = update.add_subparsers(dest="update_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help=_("say whether the province published a newer version (as of the last sync)"))
    check.add_argument("--json", action="store_true")
    signs_in(check)
    check.set_defaults(handler=_cmd_check)
    download = actions.add_parser("download", help=_("download the newer version and check its signature"))
    signs_in(download)
    download.set_defaults(handler=_cmd_download)
    install = actions.add_parser("install", help=_("start the installer of the downloaded version (then quit the app)"))
    signs_in(install)
    install.set_defaults(handler=_cmd_install)


def _found() -> Any:
    from collector_app.services.updates import available_update

    store = _open_store()
    try:
        return available_update(store)
    finally:
        store.close()


def _cmd_check(args: argparse.Namespace) -> int:
    from collector_app.services.updates import this_platform

    update = _found()
    if args.json:
        _print_json({"current": installed_version(), "platform": this_platform(), "available": None if update is None
                     else {"version": update.version, "file_name": update.file_name, "size": update.size,
                           "sha256": update.sha256, "notes": update.notes, "published_at": update.published_at,
                           "trusted": update.trusted,
                           "downloaded": None if update.downloaded is None else str(update.downloaded)}})
        return EXIT_OK
    if update is None:
        print(_("This is the newest version ({version}).").format(version=installed_version()))
        return EXIT_OK
    print(_("Version {version} is available (this is {current}).").format(version=update.version,
                                                                          current=installed_version()))
    if update.notes:
        print(_printable(update.notes))
    if update.downloaded is not None:
        print(_("Downloaded and checked: install it with collector-app update install."))
    return EXIT_OK


def _cmd_download(args: argparse.Namespace) -> int:
    from collector_app.services.updates import available_update, download_update
    from collector_app.sync.engine import NotEnrolled, client_for

    store = _open_store()
    try:
        update = available_update(store)
        if update is None:
            raise DomainError(Problem(ProblemCode.UPDATE_NONE))
        try:
            client = client_for(store)
        except NotEnrolled as error:
            raise UsageError(str(error)) from None
    finally:
        store.close()
    if update.downloaded is None:
        progress, done = _progress_bar(_("Download"))
        try:
            with client:
                update = download_update(client, update, progress=progress)
        finally:
            done()
    print(_("Version {version} downloaded and checked ({size} bytes): {path}").format(
        version=update.version, size=format_count(update.size), path=_printable(str(update.downloaded))))
    return EXIT_OK


def _cmd_install(args: argparse.Namespace) -> int:
    from collector_app.services.updates import install_update

    update = _found()
    if update is None:
        raise DomainError(Problem(ProblemCode.UPDATE_NONE))
    install_update(update)
    print(_("The installer of version {version} was started: open the app again once it has finished.").format(
        version=update.version), file=sys.stdout)
    return EXIT_OK
