"""Who is calling: device tokens, supervisors' argon2 passwords and the session tokens they get.

Tokens are random and stored only as SHA-256 hashes (a leaked table gives no usable token); the
prefix says which kind of token it is, so each call costs one look-up.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collector_app.sync.wire import ErrorCode
from provincial_server.services.errors import Conflict, Invalid, Unauthenticated
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

DEVICE_TOKEN_PREFIX = "dev_"
SESSION_TOKEN_PREFIX = "sup_"
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_hasher = PasswordHasher()


@cache
def _decoy_hash() -> str:
    # Verified against when the username is unknown, so that a wrong username takes as long as a
    # wrong password and does not reveal which usernames exist.
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class DeviceCaller:
    device: DeviceRow


@dataclass(frozen=True)
class SupervisorCaller:
    supervisor_id: int
    username: str


Caller = DeviceCaller | SupervisorCaller


def identify(uow: UnitOfWork, token: str | None, *, now: datetime) -> Caller:
    """The device or supervisor holding `token`; Unauthenticated for none, an unknown or an expired one."""
    if not token:
        raise Unauthenticated(ErrorCode.AUTH_MISSING, "this call needs an Authorization: Bearer token")
    with uow:
        if token.startswith(DEVICE_TOKEN_PREFIX):
            device = uow.points.device_by_token(hash_token(token))
            if device is not None:
                return DeviceCaller(device)
        elif token.startswith(SESSION_TOKEN_PREFIX):
            supervisor = uow.supervisors.by_session(hash_token(token), now=now)
            if supervisor is not None:
                return SupervisorCaller(supervisor.supervisor_id, supervisor.username)
    raise Unauthenticated(ErrorCode.AUTH_INVALID, "the token is unknown or has expired")


def add_supervisor(uow: UnitOfWork, username: str, password: str, *, now: datetime) -> None:
    """A new supervisor account; Invalid for a poor username or password, Conflict if the name is taken."""
    if not USERNAME.fullmatch(username):
        raise Invalid(ErrorCode.REQUEST_INVALID,
                      "a username is 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    password_hash = _hasher.hash(password)
    with uow:
        if not uow.supervisors.add(username, password_hash, now=now):
            raise Conflict(ErrorCode.ALREADY_EXISTS, f"there is already a supervisor {username!r}")
        uow.commit()


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime


def login(uow: UnitOfWork, username: str, password: str, *, now: datetime, lifetime: timedelta) -> Session:
    """A session token for a supervisor whose password matches; Unauthenticated otherwise."""
    refused = Unauthenticated(ErrorCode.AUTH_INVALID, "wrong username or password")
    with uow:
        supervisor = uow.supervisors.by_username(username)
        stored = supervisor.password_hash if supervisor is not None and supervisor.active else _decoy_hash()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise refused from None
        if supervisor is None or not supervisor.active:
            raise refused
        if _hasher.check_needs_rehash(stored):
            uow.supervisors.set_password_hash(supervisor.supervisor_id, _hasher.hash(password))
        token = new_token(SESSION_TOKEN_PREFIX)
        expires_at = now + lifetime
        uow.supervisors.delete_expired_sessions(now=now)
        uow.supervisors.add_session(hash_token(token), supervisor.supervisor_id, now=now, expires_at=expires_at)
        uow.commit()
    return Session(token=token, expires_at=expires_at)
