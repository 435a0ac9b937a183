"""Local users of this device and their roles (collector, collaborator, supervisor).

Passwords come with the security issue: until then a user's hash is `NO_PASSWORD`, which no
password matches (argon2 hashes start with "$argon2").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, select

from collector_app.domain.payments import Role
from collector_app.store.db import Store
from collector_app.store.people import DuplicateError
from collector_app.store.schema import users
from collector_app.store.stamps import new_id, utc_now

NO_PASSWORD = "!"


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    full_name: str
    role: Role
    active: bool


def add_user(
    store: Store, *, username: str, full_name: str, role: Role, actor: str, device_id: str | None = None
) -> User:
    """Write a new active user; `DuplicateError` if the username is taken."""
    with store.begin() as connection:
        return insert_user(
            connection, username=username, full_name=full_name, role=role, actor=actor, device_id=device_id
        )


def insert_user(
    connection: Connection, *, username: str, full_name: str, role: Role, actor: str, device_id: str | None
) -> User:
    """`add_user` inside the caller's transaction (device set-up writes its default user with it)."""
    if connection.scalar(select(users.c.id).where(users.c.username == username)) is not None:
        raise DuplicateError(users.name, ("username",))
    now = utc_now()
    user = User(user_id=new_id(), username=username, full_name=full_name, role=Role(role), active=True)
    connection.execute(
        users.insert().values(
            id=user.user_id,
            username=username,
            full_name=full_name,
            role=user.role.value,
            password_hash=NO_PASSWORD,
            created_at=now,
            updated_at=now,
            created_by=actor,
            device_id=device_id,
        )
    )
    return user


def user_by_username(store: Store, username: str) -> User | None:
    """The active user with this username, or None."""
    with store.read() as connection:
        row = connection.execute(
            select(users).where(users.c.username == username, users.c.active)
        ).one_or_none()
    return None if row is None else _from_row(row._mapping)


def user_by_id(store: Store, user_id: str) -> User | None:
    """The user with this id (active or not: old receipts name users who have left), or None."""
    with store.read() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).one_or_none()
    return None if row is None else _from_row(row._mapping)


def _from_row(row: RowMapping) -> User:
    return User(
        user_id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        active=bool(row["active"]),
    )
