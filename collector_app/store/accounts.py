"""Writing this device's local users: a new user, alone or inside the device's set-up.

The writes of `store.users` (which keeps the look-ups): the window and the command line reach these
only through `services`. Passwords come with the security work: until then a user's hash is
`NO_PASSWORD`, which no password matches (argon2 hashes start with "$argon2").
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from collector_app.domain.payments import Role
from collector_app.store.db import Store
from collector_app.store.registration import DuplicateError
from collector_app.store.schema import users
from collector_app.store.stamps import new_id, utc_now
from collector_app.store.users import User


NO_PASSWORD = "!"


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
