"""The server's Ed25519 key pair: made once, shared by every worker through the database."""

from __future__ import annotations

from datetime import datetime

from collector_app.domain.receipt_codes import generate_device_keys
from provincial_server.store.unit_of_work import UnitOfWork


def server_keys(uow: UnitOfWork, *, now: datetime) -> tuple[bytes, bytes]:
    """(private, public) raw keys, made and stored on first use; call inside `with uow`."""
    keys = uow.keys.get()
    if keys is None:
        private, public = generate_device_keys()
        uow.keys.add(private, public, now=now)  # a worker that lost the race keeps the winner's key
        keys = uow.keys.get()
        assert keys is not None
    return keys


def ensure_server_keys(uow: UnitOfWork, *, now: datetime) -> bytes:
    """Make the key pair if there is none yet; the public key."""
    with uow:
        _, public = server_keys(uow, now=now)
        uow.commit()
    return public
