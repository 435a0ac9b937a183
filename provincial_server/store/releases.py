"""App releases, the public half of the province's release key and its handovers (`releases`, `release_key`,
`release_key_handovers`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from provincial_server.store.schema import release_key, release_key_handovers, releases
from provincial_server.store.sql import insert_new


@dataclass(frozen=True)
class ReleaseRow:
    release_id: int
    platform: str
    version: str
    file_name: str
    size: int
    sha256: str
    signature: str
    notes: str
    path: str
    published_at: datetime


@dataclass(frozen=True)
class HandoverRow:
    old_key: bytes
    new_key: bytes
    signature: str  # base64url Ed25519 by old_key of wire.handover_statement
    rotated_at: datetime


_COLUMNS = (releases.c.id.label("release_id"), releases.c.platform, releases.c.version, releases.c.file_name, releases.c.size,
            releases.c.sha256, releases.c.signature, releases.c.notes, releases.c.path, releases.c.published_at)


class Releases:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def key(self, *, lock: bool = False) -> bytes | None:
        """The release key's raw public half, or None before the first release. `lock`: its row is held
        until the transaction ends (PostgreSQL; SQLite writers take turns anyway), so that a release is
        never signed with a key a rotation is replacing."""
        query = select(release_key.c.public_key).where(release_key.c.id == 1)
        value = self._connection.scalar(query.with_for_update() if lock else query)
        return None if value is None else bytes(value)

    def hand_over(self, *, old_key: bytes, new_key: bytes, signature: str, now: datetime) -> None:
        """Make `new_key` the release key (the caller read `old_key` as it, locked) and keep the handover."""
        self._connection.execute(update(release_key).where(release_key.c.id == 1).values(public_key=new_key))
        self._connection.execute(release_key_handovers.insert().values(
            old_key=old_key, new_key=new_key, signature=signature, rotated_at=now))

    def replace_key(self, new_key: bytes, *, now: datetime) -> None:
        """Make `new_key` the release key in place of a lost or stolen one (the caller read it locked), and
        remove every handover: the chain restarts at `new_key`, which no link leads to. `created_at`
        becomes `now`: the row holds a key made then, not the first release's."""
        self._connection.execute(update(release_key).where(release_key.c.id == 1)
                                 .values(public_key=new_key, created_at=now))
        self._connection.execute(delete(release_key_handovers))

    def handovers(self) -> list[HandoverRow]:
        """Every handover of the release key, the oldest first."""
        query = select(release_key_handovers.c.old_key, release_key_handovers.c.new_key,
                       release_key_handovers.c.signature, release_key_handovers.c.rotated_at) \
            .order_by(release_key_handovers.c.id)
        return [HandoverRow(old_key=bytes(row.old_key), new_key=bytes(row.new_key), signature=row.signature,
                            rotated_at=row.rotated_at) for row in self._connection.execute(query)]

    def add_key(self, public_key: bytes, *, now: datetime) -> None:
        """Keep the release key unless one is kept already (the caller then compares the two)."""
        self._connection.execute(insert_new(self._connection, release_key)
                                 .values(id=1, public_key=public_key, created_at=now))

    def of_platform(self, platform: str) -> list[ReleaseRow]:
        """A platform's releases, the last published first."""
        query = select(*_COLUMNS).where(releases.c.platform == platform).order_by(releases.c.id.desc())
        return [ReleaseRow(**row._asdict()) for row in self._connection.execute(query)]

    def current(self) -> list[ReleaseRow]:
        """Each platform's last published release."""
        latest = select(releases.c.platform, func.max(releases.c.id).label("last_id")).group_by(releases.c.platform) \
            .subquery()
        query = select(*_COLUMNS).join(latest, latest.c.last_id == releases.c.id).order_by(releases.c.platform)
        return [ReleaseRow(**row._asdict()) for row in self._connection.execute(query)]

    def get(self, platform: str, version: str) -> ReleaseRow | None:
        row = self._connection.execute(select(*_COLUMNS).where(releases.c.platform == platform,
                                                               releases.c.version == version)).one_or_none()
        return None if row is None else ReleaseRow(**row._asdict())

    def sign_again(self, release_id: int, signature: str) -> None:
        self._connection.execute(update(releases).where(releases.c.id == release_id).values(signature=signature))

    def remove(self, platform: str, version: str) -> None:
        self._connection.execute(delete(releases).where(releases.c.platform == platform,
                                                        releases.c.version == version))

    def add(self, *, platform: str, version: str, file_name: str, size: int, sha256: str, signature: str,
            notes: str, path: str, now: datetime) -> None:
        self._connection.execute(releases.insert().values(
            platform=platform, version=version, file_name=file_name, size=size, sha256=sha256, signature=signature,
            notes=notes, path=path, published_at=now))
