"""Who is calling: device tokens, supervisors' argon2 passwords and the session tokens they get.

Tokens are random and stored only as SHA-256 hashes (a leaked table gives no usable token); the
prefix says which kind of token it is, so each call costs one look-up. A device's use of its token
is written down at most once a minute. Failed logins are counted per username in the database
(workers share nothing else), and too many in a while refuse that username for the rest of it.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collector_app.wire import ErrorCode
from provincial_server.services.errors import Conflict, Invalid, Throttled, Unauthenticated
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

DEVICE_TOKEN_PREFIX = "dev_"
SESSION_TOKEN_PREFIX = "sup_"
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SEEN_EVERY = timedelta(minutes=1)
"""How stale a device's `last_seen_at` may get: a busy device costs one write a minute, not one per call."""

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
    """The device or supervisor holding `token`; Unauthenticated for none, an unknown, expired or revoked one."""
    if not token:
        raise Unauthenticated(ErrorCode.AUTH_MISSING, "this call needs an Authorization: Bearer token")
    with uow:
        if token.startswith(DEVICE_TOKEN_PREFIX):
            device = uow.points.device_by_token(hash_token(token))
            if device is not None:
                if device.revoked_at is not None:
                    raise Unauthenticated(ErrorCode.DEVICE_REVOKED,
                                          f"this device was revoked on {device.revoked_at:%Y-%m-%d}: ask the province")
                return DeviceCaller(device)
        elif token.startswith(SESSION_TOKEN_PREFIX):
            supervisor = uow.supervisors.by_session(hash_token(token), now=now)
            if supervisor is not None:
                return SupervisorCaller(supervisor.supervisor_id, supervisor.username)
    raise Unauthenticated(ErrorCode.AUTH_INVALID, "the token is unknown or has expired")


def seen_is_due(device: DeviceRow, *, now: datetime) -> bool:
    """Whether a call by `device` must be written down: its token's first use, or a minute since it was last seen."""
    return device.token_used_at is None or device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY


def note_seen(uow: UnitOfWork, token: str, *, now: datetime) -> None:
    """Write down a call made with the device token `token` (see `seen_is_due`)."""
    with uow:
        uow.points.note_seen(hash_token(token), now=now, every=SEEN_EVERY)
        uow.commit()


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


@dataclass(frozen=True)
class LoginLimits:
    """At most `failures` failed logins per username within `window`; more wait until the oldest is older."""

    failures: int = 5
    window: timedelta = timedelta(minutes=15)


def login(new_uow: Callable[[], UnitOfWork], username: str, password: str, *, now: datetime, lifetime: timedelta,
          limits: LoginLimits) -> Session:
    """A session token for a supervisor whose password matches.

    Unauthenticated for a wrong username or password (both cost one argon2 check); Throttled, even
    with the right password, after `limits.failures` failures for this username within the window.
    The attempt is written down, committed, before the others are counted: of attempts made at
    once, only as many as the limit allows get their password checked. No transaction is open
    while the password hash is computed.
    """
    since = now - limits.window
    with new_uow() as uow:
        uow.supervisors.prune_failures(before=since)
        attempt = uow.supervisors.add_attempt(username, now=now)
        uow.commit()
    with new_uow() as uow:
        earlier = uow.supervisors.failures(username, since=since, excluding=attempt)
        supervisor = uow.supervisors.by_username(username)
    if len(earlier) >= limits.failures:
        with new_uow() as uow:  # a refused attempt does not count: the wait does not grow with each one
            uow.supervisors.forget_attempt(attempt)
            uow.commit()
        free_at = earlier[len(earlier) - limits.failures] + limits.window
        raise Throttled(ErrorCode.AUTH_THROTTLED, "too many failed logins for this username: try again later",
                        retry_after=max(1, math.ceil((free_at - now).total_seconds())))
    stored = supervisor.password_hash if supervisor is not None and supervisor.active else _decoy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated(ErrorCode.AUTH_INVALID, "wrong username or password") from None  # the attempt stays
    if supervisor is None or not supervisor.active:
        raise Unauthenticated(ErrorCode.AUTH_INVALID, "wrong username or password")
    token = new_token(SESSION_TOKEN_PREFIX)
    expires_at = now + lifetime
    with new_uow() as uow:
        uow.supervisors.clear_failures(username)  # this attempt's and the earlier mistakes
        if _hasher.check_needs_rehash(stored):
            uow.supervisors.set_password_hash(supervisor.supervisor_id, _hasher.hash(password))
        uow.supervisors.delete_expired_sessions(now=now)
        uow.supervisors.add_session(hash_token(token), supervisor.supervisor_id, now=now, expires_at=expires_at)
        uow.commit()
    return Session(token=token, expires_at=expires_at)


def logout(uow: UnitOfWork, token: str) -> None:
    """End the supervisor's session holding `token` now, not when it expires (the window signed out or locked)."""
    with uow:
        uow.supervisors.delete_session(hash_token(token))
        uow.commit()


def unlock(uow: UnitOfWork, username: str) -> int:
    """Forget the failed logins with `username` (an administrator's command); how many there were."""
    with uow:
        forgotten = uow.supervisors.clear_failures(username)
        uow.commit()
    return forgotten
