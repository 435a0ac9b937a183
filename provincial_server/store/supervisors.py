"""Supervisors (argon2 password hashes) and their login sessions (hashed tokens that expire)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from provincial_server.store.schema import sessions, supervisors
from provincial_server.store.sql import insert_new


@dataclass(frozen=True)
class SupervisorRow:
    supervisor_id: int
    username: str
    password_hash: str
    active: bool


class Supervisors:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, username: str, password_hash: str, *, now: datetime) -> bool:
        """Add a supervisor unless the username exists; True if added."""
        return bool(self._connection.execute(
            insert_new(self._connection, supervisors)
            .values(username=username, password_hash=password_hash, active=True, created_at=now)
            .returning(supervisors.c.id)
        ).all())

    def set_password_hash(self, supervisor_id: int, password_hash: str) -> None:
        self._connection.execute(
            update(supervisors).where(supervisors.c.id == supervisor_id).values(password_hash=password_hash)
        )

    def by_username(self, username: str) -> SupervisorRow | None:
        row = self._connection.execute(
            select(supervisors.c.id, supervisors.c.username, supervisors.c.password_hash, supervisors.c.active)
            .where(supervisors.c.username == username)
        ).first()
        return None if row is None else SupervisorRow(row[0], row[1], row[2], bool(row[3]))

    def add_session(self, token_hash: str, supervisor_id: int, *, now: datetime, expires_at: datetime) -> None:
        self._connection.execute(sessions.insert().values(
            token_hash=token_hash, supervisor_id=supervisor_id, created_at=now, expires_at=expires_at,
        ))

    def by_session(self, token_hash: str, *, now: datetime) -> SupervisorRow | None:
        """The active supervisor holding this unexpired session token, or None."""
        row = self._connection.execute(
            select(supervisors.c.id, supervisors.c.username, supervisors.c.password_hash, supervisors.c.active)
            .join(sessions, sessions.c.supervisor_id == supervisors.c.id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now, supervisors.c.active)
        ).first()
        return None if row is None else SupervisorRow(row[0], row[1], row[2], bool(row[3]))

    def delete_expired_sessions(self, *, now: datetime) -> None:
        self._connection.execute(delete(sessions).where(sessions.c.expires_at <= now))
