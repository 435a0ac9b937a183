"""Signing in and managing this device's users: argon2id hashes, locks after wrong passwords, roles.

Every check of who may do what to whom is here (with the rules in `domain.accounts`), so that the
window and the command line refuse the same things. A password is hashed with argon2id at the
parameters of RFC 9106's low-memory profile (argon2-cffi's defaults, 64 MiB), which a thief with the
laptop must pay for every guess; a hash made with older parameters is renewed at the next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collector_app.domain.accounts import (
    LOCK_DURATION,
    MAX_FAILED_SIGN_INS,
    UserAction,
    check_may_manage,
    check_password,
    check_username,
    normalise_password,
    normalise_username,
)
from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.text import check_text
from collector_app.services.changes import Change, Changes
from collector_app.services import unlocking
from collector_app.services.device import device_of
from collector_app.store import accounts
from collector_app.store.db import Store
from collector_app.store.device import set_default_user
from collector_app.store.registration import DuplicateError
from collector_app.store.users import (
    User,
    any_user_by_username,
    has_signing_users,
    password_hash_of,
    user_by_id,
)
from collector_app.wire import TextLimits

_HASHER = PasswordHasher()  # argon2id


@dataclass(frozen=True)
class UserChanged:
    """A user added or changed: pages listing users (and the status bar) refresh."""

    user: User
    recovery_code: str | None = None
    """The first user of an encrypted store: the code that opens the key without a password, to
    show once (for the office safe); None otherwise."""

    @property
    def changes(self) -> Changes:
        return frozenset({Change.USERS})


def hash_password(password: str) -> str:
    return _HASHER.hash(normalise_password(password))


def sign_in(store: Store, username: str, password: str, *, now: datetime | None = None,
            remember: bool = False) -> User:
    """The user `username` if `password` is theirs; else why not, and the wrong password counted.

    The fifth wrong password in a row locks the user for `LOCK_DURATION`; while locked no password
    is even tried. A right password clears the count; with `remember` (the window) it is kept as the
    device's last sign-in, the user the window offers first. A command's sign-in writes nothing when
    the password is right and no wrong one is counted, so that reading a damaged store still works.
    """
    now = now or datetime.now(UTC)
    if store.key is not None:  # an encrypted store: the keyring checks the password (and counts)
        if unlocking.unlock(store.path, username, password, now=now) != store.key:
            raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": username}))  # a keyring from elsewhere
        return signed_in(store, username, now=now, remember=remember)
    user = any_user_by_username(store, normalise_username(username))
    if user is None or not user.has_password:
        if not has_signing_users(store):
            raise DomainError(Problem(ProblemCode.SIGN_IN_NO_USERS, {}))
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": username}))
    if not user.active:
        raise DomainError(Problem(ProblemCode.SIGN_IN_DISABLED, {"user": user.username}))
    if user.locked_at(now):
        raise DomainError(_locked(user.username, user.locked_until))
    stored = password_hash_of(store, user.user_id)
    if not _matches(stored, password):
        failures = (0 if user.locked_until is not None else user.failed_sign_ins) + 1  # a lock that ran out starts afresh
        locked_until = now + LOCK_DURATION if failures >= MAX_FAILED_SIGN_INS else None
        accounts.record_failed_sign_in(store, user.user_id, failures=failures, locked_until=locked_until)
        if locked_until is not None:
            raise DomainError(_locked(user.username, locked_until))
        raise DomainError(Problem(ProblemCode.SIGN_IN_FAILED, {
            "user": user.username, "left": MAX_FAILED_SIGN_INS - failures, "minutes": int(LOCK_DURATION.total_seconds() // 60)}))
    if _HASHER.check_needs_rehash(stored):
        accounts.set_password_hash(store, user.user_id, hash_password(password))
    if remember:
        accounts.record_sign_in(store, user.user_id, at=now)
    elif user.failed_sign_ins or user.locked_until is not None:
        accounts.unlock(store, user.user_id)
    return _reloaded(store, user)


def signed_in(store: Store, username: str, *, now: datetime | None = None, remember: bool = False) -> User:
    """The user `username` of an encrypted store the keyring just unlocked with their password
    (`unlocking.unlock`, which checked the password and the lock): still active here?"""
    user = any_user_by_username(store, normalise_username(username))
    if user is None or not user.has_password:
        if not has_signing_users(store):  # a keyring started before its first user was written
            raise DomainError(Problem(ProblemCode.SIGN_IN_NO_USERS, {}))
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": username}))
    if not user.active:
        raise DomainError(Problem(ProblemCode.SIGN_IN_DISABLED, {"user": user.username}))
    if remember:
        accounts.record_sign_in(store, user.user_id, at=now or datetime.now(UTC))
    return _reloaded(store, user)


def check_password_of(store: Store, user: User, password: str) -> None:
    """PASSWORD_WRONG unless `password` is `user`'s (a change of one's own password asks for it)."""
    if store.key is not None:
        fits = unlocking.password_fits(store.path, user.username, password)
    else:
        fits = _matches(password_hash_of(store, user.user_id), password)
    if not fits:
        raise DomainError(Problem(ProblemCode.PASSWORD_WRONG, {}))


def create_first_user(store: Store, *, username: str, full_name: str | None, password: str) -> UserChanged:
    """The device's first user (a collector) on a device where nobody has a password yet.

    A device set up before users had passwords holds a placeholder collector: the first user with
    its username takes it over (the receipts it recorded stay theirs); any other first user replaces
    it, and the placeholder is disabled.
    """
    if has_signing_users(store):
        raise DomainError(Problem(ProblemCode.FIRST_USER_EXISTS, {}))
    username = normalise_username(username)
    full_name = (full_name or "").strip() or username
    _check_new(username, full_name, password)
    device = device_of(store)
    placeholder = user_by_id(store, device.default_user_id)
    if placeholder is not None and placeholder.username == username:
        accounts.set_password_hash(store, placeholder.user_id, hash_password(password), full_name=full_name)
        accounts.set_active(store, placeholder.user_id, True)
        return UserChanged(_reloaded(store, placeholder), _first_copy(store, username, password))
    user = _add(store, username=username, full_name=full_name, role=Role.COLLECTOR, password=password,
                actor="init", device_id=device.device_id, wrap=False)
    set_default_user(store, user.user_id)
    if placeholder is not None and not placeholder.has_password:
        accounts.set_active(store, placeholder.user_id, False)
    return UserChanged(user, _first_copy(store, username, password))


def recover_password(store_path: Path, *, code: str, username: str, new_password: str) -> User:
    """A new password for `username`, set with the recovery code (every password forgotten): the code
    opens the key, the user must still be active, and their copy is wrapped under the new password."""
    from collector_app.store.db import open_store

    _check(check_password(new_password))
    key = unlocking.recover(store_path, code)
    with open_store(store_path, key=key) as store:
        target = _existing(store, username)
        if not target.active:
            raise DomainError(Problem(ProblemCode.SIGN_IN_DISABLED, {"user": target.username}))
        accounts.set_password_hash(store, target.user_id, hash_password(new_password))
        unlocking.set_password(store_path, key, target.username, new_password)
        return _reloaded(store, target)


@dataclass(frozen=True)
class Opened:
    """A store opened by signing in: who, and the recovery code to show once when one was just made."""

    store: Store
    user: User
    recovery_code: str | None = None


def unlock_store(store_path: Path, username: str, password: str) -> tuple[bytes, str | None]:
    """The store's data key, unlocked by the password (and a recovery code shown once when the store
    was encrypted just now). A store from before encryption is checked against its own argon2id hash,
    then encrypted in place (`services.encrypting`). The keyring is read even when the store itself
    cannot be: a damaged store's backups can still be named and restored."""
    from collector_app.services.encrypting import encrypt_store
    from collector_app.store.cipher import is_plain_file
    from collector_app.store.db import open_store

    if unlocking.is_encrypted(store_path):
        key = unlocking.unlock(store_path, username, password)
        if is_plain_file(store_path):  # an encryption interrupted after the keyring was written
            key = encrypt_store(store_path, key=key).key
        return key, None
    if not store_path.exists():
        raise DomainError(Problem(ProblemCode.SIGN_IN_NO_USERS, {}))
    with open_store(store_path) as plain:
        sign_in(plain, username, password)
    done = encrypt_store(store_path)
    return done.key, done.recovery_code


def open_signed_in(store_path: Path, username: str, password: str, *, remember: bool = False) -> Opened:
    """Sign in before the store opens: the password unlocks the data key (`unlock_store`), the store
    opens with it, and the user must still be active there."""
    from collector_app.services.backups import restore_hint
    from collector_app.store.cipher import cipher_connector
    from collector_app.store.db import StoreError, StoreTooNewError
    from collector_app.store.health import StoreFailure

    key, code = unlock_store(store_path, username, password)
    try:
        return open_unlocked(store_path, key, username, recovery_code=code, remember=remember)
    except StoreTooNewError as error:  # a downgrade: the newer version opens it; a backup would lose its records
        raise StoreUnopenable(" ".join(str(error).split())) from error
    except (StoreError, StoreFailure) as error:  # the key is known: the backups it opens can be named
        hint = restore_hint(store_path, connector=cipher_connector(key))
        raise StoreUnopenable(f"{' '.join(str(error).split())} {hint}") from error


class StoreUnopenable(Exception):
    """The password unlocked the data key, yet the store cannot be opened (damaged, or not this key's):
    the message says so and names the newest good backup with the command that restores it."""


def open_unlocked(store_path: Path, key: bytes, username: str, *, recovery_code: str | None = None,
                  remember: bool = False) -> Opened:
    """The store opened with the key `username`'s password unlocked; the user must be active there."""
    from collector_app.store.db import open_store

    store = open_store(store_path, key=key)
    try:
        return Opened(store, signed_in(store, username, remember=remember), recovery_code)
    except BaseException:
        store.close()
        raise


def open_new_device(store_path: Path, *, username: str, full_name: str | None, password: str) -> Opened:
    """A new device: its first user's password wraps a new data key (the keyring, with the recovery
    code) before the encrypted store is created, set up, and given that user."""
    from collector_app.services.device import set_up
    from collector_app.store.db import open_store

    check_first_user(username, full_name, password)
    unlocking.check_not_orphaned(store_path)
    key = unlocking.new_data_key()
    code = unlocking.start(store_path, key, username, password)
    store = open_store(store_path, key=key)
    try:
        set_up(store)
        user = create_first_user(store, username=username, full_name=full_name, password=password).user
        return Opened(store, user, code)
    except BaseException:
        store.close()
        raise


def check_first_user(username: str, full_name: str | None, password: str) -> None:
    """The checks `create_first_user` makes of its values, before anything is written (`init` starts
    the keyring with them before the store exists)."""
    username = normalise_username(username)
    _check_new(username, (full_name or "").strip() or username, password)


def _first_copy(store: Store, username: str, password: str) -> str | None:
    """On an encrypted store: the keyring started with the first user's copy; its recovery code."""
    if store.key is None:
        return None
    if unlocking.is_encrypted(store.path):  # the keyring was started first (`init`): their copy is in it
        if username not in unlocking.usernames(store.path):
            unlocking.set_password(store.path, store.key, username, password)
        return None
    return unlocking.start(store.path, store.key, username, password)


def add_user(store: Store, *, actor: User, username: str, role: Role | str, password: str,
             full_name: str | None = None) -> UserChanged:
    """A new user with `role`, if `actor` may add one (a collector adds collaborators; a supervisor anyone)."""
    role = _role(role)
    _check(check_may_manage(actor.role, role, UserAction.ADD, user=actor.username))
    username = normalise_username(username)
    full_name = (full_name or "").strip() or username
    _check_new(username, full_name, password)
    return UserChanged(_add(store, username=username, full_name=full_name, role=role, password=password,
                            actor=actor.user_id, device_id=device_of(store).device_id))


def change_password(store: Store, *, actor: User, username: str, new_password: str,
                    current_password: str | None = None) -> UserChanged:
    """A new password for `username`: one's own (with the current password when given), or a user
    `actor` may manage. The user's lock is lifted with it."""
    target = _existing(store, username)
    if target.user_id == actor.user_id:
        if current_password is not None:
            check_password_of(store, target, current_password)
    else:
        _check(check_may_manage(actor.role, target.role, UserAction.CHANGE_PASSWORD, user=actor.username))
    _check(check_password(new_password))
    accounts.set_password_hash(store, target.user_id, hash_password(new_password))
    if store.key is not None:  # their copy of the key re-wrapped; the store is not re-encrypted
        unlocking.set_password(store.path, store.key, target.username, new_password)
    return UserChanged(_reloaded(store, target))


def disable_user(store: Store, *, actor: User, username: str) -> UserChanged:
    """`username` may no longer sign in (their records keep their name); never oneself."""
    target = _existing(store, username)
    if target.user_id == actor.user_id:
        raise DomainError(Problem(ProblemCode.USER_CANNOT_DISABLE_SELF, {"user": actor.username}))
    _check(check_may_manage(actor.role, target.role, UserAction.DISABLE, user=actor.username))
    accounts.set_active(store, target.user_id, False)
    if store.key is not None:  # they can no longer unlock the store
        unlocking.remove(store.path, target.username)
    return UserChanged(_reloaded(store, target))


def unlock_user(store: Store, *, actor: User, username: str) -> UserChanged:
    """Lift the lock wrong passwords put on `username` before it runs out (a supervisor only)."""
    target = _existing(store, username)
    _check(check_may_manage(actor.role, target.role, UserAction.UNLOCK, user=actor.username))
    accounts.unlock(store, target.user_id)
    if store.key is not None:
        unlocking.lift_lock(store.path, target.username)
    return UserChanged(_reloaded(store, target))


def _matches(stored: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(stored, normalise_password(password)))
    except (VerificationError, InvalidHashError):
        return False


def _locked(username: str, until: datetime | None) -> Problem:
    return Problem(ProblemCode.SIGN_IN_LOCKED, {"user": username, "until": until})


def _check(problems: list[Problem]) -> None:
    if problems:
        raise DomainError(problems)


def _check_new(username: str, full_name: str, password: str) -> None:
    _check(check_username(username) + check_text(full_name, field="full_name", max_length=TextLimits.FULL_NAME)
           + check_password(password))


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise DomainError(Problem(ProblemCode.ROLE_UNKNOWN, {
            "role": role, "allowed": ", ".join(r.value for r in Role)})) from None


def _add(store: Store, *, username: str, full_name: str, role: Role, password: str, actor: str,
         device_id: str, wrap: bool = True) -> User:
    try:
        user = accounts.add_user(store, username=username, full_name=full_name, role=role, actor=actor,
                                 device_id=device_id, password_hash=hash_password(password))
    except DuplicateError:
        raise DomainError(Problem(ProblemCode.USERNAME_TAKEN, {"username": username})) from None
    if wrap and store.key is not None:  # the key wrapped for them: they can unlock the store
        unlocking.set_password(store.path, store.key, username, password)
    return user


def _existing(store: Store, username: str) -> User:
    user = any_user_by_username(store, normalise_username(username))
    if user is None or not user.has_password:
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": username}))
    return user


def _reloaded(store: Store, user: User) -> User:
    found = user_by_id(store, user.user_id)
    assert found is not None
    return found
