"""Supervisors (argon2 password hashes), their login sessions (hashed tokens that expire) and failed logins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from provincial_server.store.schema import login_failures, sessions, supervisors
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

    def delete_session(self, token_hash: str) -> None:
        self._connection.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def delete_expired_sessions(self, *, now: datetime) -> None:
        self._connection.execute(delete(sessions).where(sessions.c.expires_at <= now))

    # ---- failed logins (throttling)

    def add_attempt(self, username: str, *, now: datetime) -> int:
        """Count a login attempt as failed until it succeeds; its id."""
        return int(self._connection.execute(
            login_failures.insert().values(username=username, failed_at=now).returning(login_failures.c.id)
        ).scalar_one())

    def forget_attempt(self, attempt_id: int) -> None:
        self._connection.execute(delete(login_failures).where(login_failures.c.id == attempt_id))

    def failures(self, username: str, *, since: datetime, excluding: int) -> list[datetime]:
        """When the logins with this username failed (or are being tried) after `since`, oldest first."""
        return list(self._connection.scalars(
            select(login_failures.c.failed_at)
            .where(login_failures.c.username == username, login_failures.c.failed_at > since,
                   login_failures.c.id != excluding)
            .order_by(login_failures.c.failed_at)
        ))

    def clear_failures(self, username: str) -> int:
        """Forget the failed logins with this username; how many there were."""
        return len(self._connection.execute(
            delete(login_failures).where(login_failures.c.username == username).returning(login_failures.c.id)
        ).all())

    def prune_failures(self, *, before: datetime) -> None:
        """Forget failures too old to count (every username's: most are never tried again)."""
        self._connection.execute(delete(login_failures).where(login_failures.c.failed_at <= before))
