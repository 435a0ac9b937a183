"""Writing this device's local users: a new user (alone or inside the device's set-up), a password,
signing in counted, disabling.

The writes of `store.users` (which keeps the look-ups): the window and the command line reach these
only through `services`, which hash passwords (argon2id) and check who may do what.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from collector_app.domain.payments import Role
from collector_app.store.db import Store
from collector_app.store.registration import DuplicateError
from collector_app.store.schema import users
from collector_app.store.stamps import new_id, utc_now
from collector_app.store.users import NO_PASSWORD, User, user_by_id


def add_user(
    store: Store, *, username: str, full_name: str, role: Role, actor: str, device_id: str | None = None,
    password_hash: str = NO_PASSWORD,
) -> User:
    """Write a new active user; `DuplicateError` if the username is taken."""
    with store.begin() as connection:
        user = insert_user(connection, username=username, full_name=full_name, role=role, actor=actor,
                           device_id=device_id, password_hash=password_hash)
    found = user_by_id(store, user.user_id)
    assert found is not None
    return found


def insert_user(
    connection: Connection, *, username: str, full_name: str, role: Role, actor: str, device_id: str | None,
    password_hash: str = NO_PASSWORD,
) -> User:
    """`add_user` inside the caller's transaction (device set-up writes its placeholder user with it)."""
    if connection.scalar(select(users.c.id).where(users.c.username == username)) is not None:
        raise DuplicateError(users.name, ("username",))
    now = utc_now()
    user = User(user_id=new_id(), username=username, full_name=full_name, role=Role(role), active=True,
                has_password=password_hash != NO_PASSWORD)
    connection.execute(
        users.insert().values(
            id=user.user_id,
            username=username,
            full_name=full_name,
            role=user.role.value,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
            created_by=actor,
            device_id=device_id,
        )
    )
    return user


def set_password_hash(store: Store, user_id: str, password_hash: str, *, full_name: str | None = None) -> None:
    """A new password (and a lock lifted with it); `full_name` too when given (a placeholder claimed)."""
    values: dict[str, object] = {"password_hash": password_hash, "failed_sign_ins": 0, "locked_until": None,
                                 "updated_at": utc_now()}
    if full_name is not None:
        values["full_name"] = full_name
    _update(store, user_id, values)


def record_failed_sign_in(store: Store, user_id: str, *, failures: int, locked_until: datetime | None) -> None:
    _update(store, user_id, {"failed_sign_ins": failures,
                             "locked_until": None if locked_until is None else locked_until.isoformat()})


def record_sign_in(store: Store, user_id: str, *, at: datetime) -> None:
    _update(store, user_id, {"failed_sign_ins": 0, "locked_until": None, "last_sign_in_at": at.isoformat()})


def unlock(store: Store, user_id: str) -> None:
    _update(store, user_id, {"failed_sign_ins": 0, "locked_until": None, "updated_at": utc_now()})


def set_active(store: Store, user_id: str, active: bool) -> None:
    _update(store, user_id, {"active": active, "updated_at": utc_now()})


def _update(store: Store, user_id: str, values: dict[str, object]) -> None:
    with store.begin() as connection:
        connection.execute(users.update().where(users.c.id == user_id).values(**values))
