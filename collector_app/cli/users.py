"""`user add|list|passwd|disable|unlock`: the device's users, managed by a signed-in user."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

from collector_app.cli.common import (
    EXIT_OK,
    UsageError,
    _actor,
    _interactive,
    _open_store,
    _password,
    _print_json,
)
from collector_app.formatting import format_time
from collector_app.i18n import _
from collector_app.messages import role_label
from collector_app.store.users import User

if TYPE_CHECKING:
    from collector_app.services.users import UserChanged



def _cmd_user_add(args: argparse.Namespace) -> int:
    from collector_app.services.users import add_user

    password = _password(args, for_actor=False, prompt=_("Password for {user}: ").format(user=args.username),
                         confirm=True)
    store = _open_store()
    try:
        user = add_user(store, actor=_actor(args), username=args.username, role=args.role,
                        full_name=args.full_name, password=password).user
    finally:
        store.close()
    return _done(args, user, _("User {user} ({role}) added.").format(user=user.username, role=_role(user)))


def _cmd_user_list(args: argparse.Namespace) -> int:
    from collector_app.store.users import all_users

    store = _open_store()
    try:
        users = all_users(store, include_disabled=args.all)
    finally:
        store.close()
    now = datetime.now(UTC)
    if args.json:
        _print_json([_as_json(user, now) for user in users])
        return EXIT_OK
    for user in users:
        state = "" if user.active else _("disabled")
        if (lock_end := _lock_end(user, now)) is not None:
            state = _("locked until {until}").format(until=format_time(lock_end))
        print(f"{user.username:<20} {_role(user):<14} {user.full_name}" + (f"  ({state})" if state else ""))
    return EXIT_OK


def _cmd_user_passwd(args: argparse.Namespace) -> int:
    from collector_app.services.users import change_password

    password = _password(args, for_actor=False, prompt=_("New password for {user}: ").format(user=args.username),
                         confirm=True)
    store = _open_store()
    try:
        user = change_password(store, actor=_actor(args), username=args.username, new_password=password).user
    finally:
        store.close()
    return _done(args, user, _("The password of {user} is changed.").format(user=user.username))


def _cmd_user_disable(args: argparse.Namespace) -> int:
    from collector_app.services.users import disable_user

    user = _act(args, disable_user)
    return _done(args, user, _("User {user} is disabled: they can no longer sign in.").format(user=user.username))


def _cmd_user_unlock(args: argparse.Namespace) -> int:
    from collector_app.services.users import unlock_user

    user = _act(args, unlock_user)
    return _done(args, user, _("User {user} is unlocked.").format(user=user.username))


def _cmd_user_recover(args: argparse.Namespace) -> int:
    """A new password for USERNAME, set with the recovery code instead of anyone's password."""
    from collector_app import paths
    from collector_app.services import unlocking
    from collector_app.services.users import recover_password

    path = paths.store_path()
    if not unlocking.is_encrypted(path):
        raise UsageError(_("this device has no recovery code: its data file is not encrypted yet"))
    if args.stdin:
        code = _line(_("--stdin: the first line must hold the recovery code"))
        password = _line(_("--stdin: the second line must hold the new password"))
    elif _interactive():
        import getpass

        code = getpass.getpass(_("Recovery code: "))
        password = _password(args, for_actor=False, prompt=_("New password for {user}: ").format(
            user=args.username), confirm=True)
    else:
        raise UsageError(_("no recovery code: use --stdin"))
    user = recover_password(path, code=code, username=args.username, new_password=password)
    return _done(args, user, _("The password of {user} is changed with the recovery code.").format(user=user.username))


def _line(missing: str) -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError(missing)
    return line


def _act(args: argparse.Namespace, action: Callable[..., UserChanged]) -> User:
    """`action(store, actor=…, username=…)` by the signed-in user on `args.username`: the user changed."""
    store = _open_store()
    try:
        return action(store, actor=_actor(args), username=args.username).user
    finally:
        store.close()


def _role(user: User) -> str:
    return role_label(user.role)


def _lock_end(user: User, now: datetime) -> datetime | None:
    """When the user's lock ends: on an encrypted device the keyring counts wrong passwords."""
    from collector_app import paths
    from collector_app.services import unlocking

    return user.lock_end(now) or unlocking.locked_until(paths.store_path(), user.username, now=now)


def _as_json(user: User, now: datetime) -> dict[str, object]:
    lock_end = _lock_end(user, now)
    return {"username": user.username, "full_name": user.full_name, "role": user.role.value,
            "active": user.active,
            "locked_until": lock_end.isoformat() if lock_end else None,
            "last_sign_in_at": user.last_sign_in_at.isoformat() if user.last_sign_in_at else None}


def _done(args: argparse.Namespace, user: User, line: str) -> int:
    if args.json:
        _print_json(_as_json(user, datetime.now(UTC)))
    else:
        print(line)
    return EXIT_OK
