"""Local users of this device and their roles (collector, collaborator, supervisor), looked up.

The writes are in `store.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import RowMapping, select

from collector_app.domain.payments import Role
from collector_app.store.db import Store
from collector_app.store.schema import users


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    full_name: str
    role: Role
    active: bool


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
