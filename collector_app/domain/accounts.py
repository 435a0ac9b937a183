"""Local users: what a username and a password must be, how many wrong passwords lock a user, and
who may manage whom. Pure: hashing (argon2id) and the clock are the services' business.

A password is compared as typed, after Unicode NFC: the same Vietnamese letters typed with a
composing input method (precomposed "ệ") or a decomposing one ("e" + two marks) are one password.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from enum import StrEnum

from collector_app.domain.payments import Role
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.domain.text import unsafe_characters

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; a bound keeps a pasted file out
MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=5)
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
"""2 to 32 ASCII letters, digits, dots, underscores or hyphens, starting with a letter or digit:
typed the same on every keyboard layout, with or without a Vietnamese input method on."""


class UserAction(StrEnum):
    ADD = "add"
    CHANGE_PASSWORD = "change_password"
    DISABLE = "disable"
    UNLOCK = "unlock"


def normalise_password(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> list[Problem]:
    if USERNAME_PATTERN.fullmatch(username):
        return []
    return [Problem(ProblemCode.USERNAME_FORMAT, {"username": username})]


def check_password(password: str) -> list[Problem]:
    """[] when `password` may be set: 8 to 256 characters of any script, no control characters."""
    password = normalise_password(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem(ProblemCode.PASSWORD_TOO_SHORT, {"least": MIN_PASSWORD_LENGTH})]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [Problem(ProblemCode.PASSWORD_TOO_LONG, {"most": MAX_PASSWORD_LENGTH})]
    if unsafe_characters(password):
        return [Problem(ProblemCode.PASSWORD_UNSAFE, {})]
    return []


def check_may_manage(actor: Role | str, target: Role | str, action: UserAction, *, user: str) -> list[Problem]:
    """[] when a user with role `actor` may do `action` to a user with role `target`.

    A supervisor manages everyone; a collector adds, resets and disables the collaborators who work
    with the point, nobody else; only a supervisor unlocks a user before the lock runs out.
    A user's own password is changed with `UserAction.CHANGE_PASSWORD` on themselves, which everyone may.
    """
    actor, target = Role(actor), Role(target)
    if actor is Role.SUPERVISOR:
        return []
    if actor is Role.COLLECTOR and target is Role.COLLABORATOR and action is not UserAction.UNLOCK:
        return []
    code = ProblemCode.ROLE_MAY_NOT_UNLOCK_USERS if action is UserAction.UNLOCK else ProblemCode.ROLE_MAY_NOT_MANAGE_USER
    return [Problem(code, {"user": user, "role": target.value})]
