"""The server's own Ed25519 key pair (one row), made on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from provincial_server.store.schema import server_keys
from provincial_server.store.sql import insert_new


class ServerKeys:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self) -> tuple[bytes, bytes] | None:
        """(private, public) raw bytes, or None before the key is made."""
        row = self._connection.execute(
            select(server_keys.c.private_key, server_keys.c.public_key).where(server_keys.c.id == 1)
        ).one_or_none()
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def add(self, private_key: bytes, public_key: bytes, *, now: datetime) -> bool:
        """Store the key pair unless one exists (several workers may start at once); True if stored."""
        inserted = self._connection.execute(
            insert_new(self._connection, server_keys)
            .values(id=1, private_key=private_key, public_key=public_key, created_at=now)
            .returning(server_keys.c.id)
        ).all()
        return bool(inserted)
