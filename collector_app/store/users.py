"""Local users of this device and their roles (collector, collaborator, supervisor), looked up.

The writes are in `store.accounts`. A `User` never carries its password hash: only signing in
reads it (`password_hash_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, select

from collector_app.domain.payments import Role
from collector_app.store.db import Store
from collector_app.store.schema import users

NO_PASSWORD = "!"
"""The hash of a user with no password yet (the placeholder a device is set up with): argon2 hashes
start with "$argon2", so no password matches it."""


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    full_name: str
    role: Role
    active: bool
    has_password: bool = True
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    last_sign_in_at: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.lock_end(now) is not None

    def lock_end(self, now: datetime) -> datetime | None:
        """When the lock on this user ends, if they are locked at `now`."""
        return self.locked_until if self.locked_until is not None and now < self.locked_until else None


def user_by_username(store: Store, username: str) -> User | None:
    """The active user with this username, or None."""
    with store.read() as connection:
        row = connection.execute(
            select(users).where(users.c.username == username, users.c.active)
        ).one_or_none()
    return None if row is None else _from_row(row._mapping)


def any_user_by_username(store: Store, username: str) -> User | None:
    """The user with this username, active or disabled, or None."""
    with store.read() as connection:
        row = connection.execute(select(users).where(users.c.username == username)).one_or_none()
    return None if row is None else _from_row(row._mapping)


def user_by_id(store: Store, user_id: str) -> User | None:
    """The user with this id (active or not: old receipts name users who have left), or None."""
    with store.read() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).one_or_none()
    return None if row is None else _from_row(row._mapping)


def all_users(store: Store, *, include_disabled: bool = False) -> list[User]:
    """The device's users by username; the placeholder without a password is left out."""
    query = select(users).where(users.c.password_hash != NO_PASSWORD).order_by(users.c.username)
    if not include_disabled:
        query = query.where(users.c.active)
    with store.read() as connection:
        return [_from_row(row._mapping) for row in connection.execute(query)]


def has_signing_users(store: Store) -> bool:
    """Whether any user of this device has a password (else the first user is still to be made)."""
    with store.read() as connection:
        return connection.scalar(select(users.c.id).where(users.c.password_hash != NO_PASSWORD).limit(1)) is not None


def password_hash_of(store: Store, user_id: str) -> str:
    with store.read() as connection:
        return str(connection.scalar(select(users.c.password_hash).where(users.c.id == user_id)))


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _from_row(row: RowMapping) -> User:
    return User(
        user_id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        active=bool(row["active"]),
        has_password=row["password_hash"] != NO_PASSWORD,
        failed_sign_ins=row["failed_sign_ins"],
        locked_until=_instant(row["locked_until"]),
        last_sign_in_at=_instant(row["last_sign_in_at"]),
    )
