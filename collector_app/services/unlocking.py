"""Unlocking the store: a user's password (or the recovery code) opens their copy of the data key.

The rules of signing in that must hold before the store can be read live here: the fifth wrong
password in a row locks the user for `LOCK_DURATION` (kept in the keyring, `store.keyring`), a locked
user's password is not even tried, a right one clears the count. Adding a user wraps the key for
them, a new password re-wraps their copy (the store is never re-encrypted), a disabled user's copy
is deleted. The recovery code (6 groups of 5 base32 characters, shown once at set-up) opens one more
copy, with which a new password can be set for any user.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from collector_app.domain.accounts import LOCK_DURATION, MAX_FAILED_SIGN_INS, normalise_password, normalise_username
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.i18n import _
from collector_app.store import keyring as keyring_
from collector_app.store.keyring import Copy, Kdf, Keyring, UserEntry

RECOVERY_GROUPS = 6
RECOVERY_GROUP_LENGTH = 5
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# What people misread or mistype when copying a code from paper: 0 for O, 1 for I, 8 for B.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_data_key() -> bytes:
    return secrets.token_bytes(keyring_.DATA_KEY_BYTES)


def is_encrypted(store_path: Path) -> bool:
    """The device's store is encrypted: its keyring exists."""
    return keyring_.exists(store_path)


def check_not_orphaned(store_path: Path) -> None:
    """KeyringError when the store file is encrypted but its keyring is gone: nothing can open it,
    and a new keyring must not be made over it (the data would stay unreadable)."""
    from collector_app.store.cipher import is_plain_file

    if (not keyring_.exists(store_path) and store_path.exists() and store_path.stat().st_size > 0
            and not is_plain_file(store_path)):
        raise keyring_.KeyringError(keyring_.keyring_path(store_path), _("it is missing"))


def usernames(store_path: Path) -> list[str]:
    """The usernames that can sign in (from the keyring: nothing personal is read before sign-in)."""
    ring = keyring_.read(store_path)
    return [] if ring is None else sorted(ring.users)


def unlock(store_path: Path, username: str, password: str, *, now: datetime | None = None) -> bytes:
    """The data key, if `password` is `username`'s; else why not, and the wrong password counted."""
    now = now or datetime.now(UTC)
    ring = _ring(store_path)
    username = normalise_username(username)
    entry = ring.users.get(username)
    if entry is None:
        if username in ring.disabled:
            raise DomainError(Problem(ProblemCode.SIGN_IN_DISABLED, {"user": username}))
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": username}))
    if entry.locked_until is not None and now < entry.locked_until:
        raise DomainError(Problem(ProblemCode.SIGN_IN_LOCKED, {"user": username, "until": entry.locked_until}))
    key = _open(entry.copy, password, username)
    if key is None:
        failures = (0 if entry.locked_until is not None else entry.failed_sign_ins) + 1  # a lock that ran out starts afresh
        entry.failed_sign_ins = failures
        entry.locked_until = now + LOCK_DURATION if failures >= MAX_FAILED_SIGN_INS else None
        ring.save()
        if entry.locked_until is not None:
            raise DomainError(Problem(ProblemCode.SIGN_IN_LOCKED, {"user": username, "until": entry.locked_until}))
        raise DomainError(Problem(ProblemCode.SIGN_IN_FAILED, {
            "user": username, "left": MAX_FAILED_SIGN_INS - failures,
            "minutes": int(LOCK_DURATION.total_seconds() // 60)}))
    if entry.failed_sign_ins or entry.locked_until is not None:
        entry.failed_sign_ins, entry.locked_until = 0, None
        ring.save()
    return key


def password_fits(store_path: Path, username: str, password: str) -> bool:
    """Whether `password` opens `username`'s copy (a change of one's own password asks for it)."""
    entry = _ring(store_path).users.get(normalise_username(username))
    return entry is not None and _open(entry.copy, password, normalise_username(username)) is not None


def start(store_path: Path, data_key: bytes, username: str, password: str) -> str:
    """A new keyring with the first user's copy and the recovery code's; returns the code (shown once)."""
    code = new_recovery_code()
    ring = keyring_.new(store_path)
    ring.users[normalise_username(username)] = UserEntry(_wrap(data_key, password, normalise_username(username)))
    ring.recovery = keyring_.wrap_with_secret(data_key, normal_code(code), keyring_.RECOVERY)
    ring.save()
    return code


def set_password(store_path: Path, data_key: bytes, username: str, password: str) -> None:
    """Wrap the data key for `username` under `password` (a new user, or a new password: their copy
    alone is replaced; the lock is lifted with it)."""
    ring = _ring(store_path)
    username = normalise_username(username)
    ring.users[username] = UserEntry(_wrap(data_key, password, username))
    ring.disabled.discard(username)
    ring.save()


def remove(store_path: Path, username: str) -> None:
    """Delete `username`'s copy (a disabled user can no longer unlock the store)."""
    ring = _ring(store_path)
    username = normalise_username(username)
    ring.users.pop(username, None)
    ring.disabled.add(username)
    ring.save()


def lift_lock(store_path: Path, username: str) -> None:
    ring = _ring(store_path)
    entry = ring.users.get(normalise_username(username))
    if entry is not None and (entry.failed_sign_ins or entry.locked_until is not None):
        entry.failed_sign_ins, entry.locked_until = 0, None
        ring.save()


def locked_until(store_path: Path, username: str, *, now: datetime | None = None) -> datetime | None:
    ring = keyring_.read(store_path)
    entry = None if ring is None else ring.users.get(normalise_username(username))
    if entry is None or entry.locked_until is None or (now or datetime.now(UTC)) >= entry.locked_until:
        return None
    return entry.locked_until


def recover(store_path: Path, code: str) -> bytes:
    """The data key the recovery code opens; RECOVERY_CODE_WRONG otherwise."""
    ring = _ring(store_path)
    key = None if ring.recovery is None else ring.recovery.open_with(
        ring.recovery.kdf.derive(normal_code(code)), keyring_.RECOVERY)
    if key is None:
        raise DomainError(Problem(ProblemCode.RECOVERY_CODE_WRONG, {}))
    return key


def new_recovery_code() -> str:
    """6 groups of 5 base32 characters (150 random bits), e.g. "K7QXM-2RTAV-…", for the office safe."""
    groups = ("".join(secrets.choice(_BASE32) for _ in range(RECOVERY_GROUP_LENGTH)) for _ in range(RECOVERY_GROUPS))
    return "-".join(groups)


def copy_from_password_hash(data_key: bytes, username: str, password_hash: str) -> Copy | None:
    """A copy for a user of a plain store, made from their argon2id hash without their password.

    The hash's output IS argon2id(password, salt) at the hash's parameters: it wraps the key now,
    and the same password derives it again at their next sign-in. None for a hash of another kind.
    """
    parts = password_hash.split("$")
    if len(parts) != 6 or parts[1] != "argon2id":
        return None
    try:
        params = dict(item.split("=", 1) for item in parts[3].split(","))
        salt = _unpadded_b64(parts[4])
        raw = _unpadded_b64(parts[5])
        kdf = Kdf(salt=salt, time_cost=int(params["t"]), memory_cost=int(params["m"]),
                  parallelism=int(params["p"]), hash_len=len(raw))
    except (ValueError, KeyError):
        return None
    if len(raw) != keyring_.DATA_KEY_BYTES:
        return None
    return keyring_.wrap(data_key, raw, kdf, normalise_username(username))


def _unpadded_b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _ring(store_path: Path) -> Keyring:
    ring = keyring_.read(store_path)
    if ring is None:
        raise keyring_.KeyringError(keyring_.keyring_path(store_path), _("it is missing"))
    return ring


def _wrap(data_key: bytes, password: str, username: str) -> Copy:
    return keyring_.wrap_with_secret(data_key, normalise_password(password), username)


def _open(copy: Copy, password: str, username: str) -> bytes | None:
    return copy.open_with(copy.kdf.derive(normalise_password(password)), username)


def normal_code(code: str) -> str:
    return re.sub(r"[^A-Z2-7]", "", code.upper().translate(_LOOKALIKES))
