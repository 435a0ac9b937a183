"""Collection points, devices and their one-time enrolment codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from provincial_server.store.schema import devices, enrolment_codes, points
from provincial_server.store.sql import insert_new


@dataclass(frozen=True)
class PointRow:
    code: str
    name: str


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    point_code: str
    device_code: str
    series: str
    name: str
    public_key: bytes


_DEVICE_COLUMNS = (devices.c.id, devices.c.point_code, devices.c.device_code, devices.c.series,
                   devices.c.name, devices.c.public_key)


def _device(row: tuple[str, str, str, str, str, bytes]) -> DeviceRow:
    return DeviceRow(device_id=row[0], point_code=row[1], device_code=row[2], series=row[3], name=row[4],
                     public_key=bytes(row[5]))


class Points:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # ---- points

    def add(self, code: str, name: str, *, now: datetime) -> bool:
        """Add a point unless its code exists; True if added."""
        return bool(self._connection.execute(
            insert_new(self._connection, points).values(code=code, name=name, created_at=now)
            .returning(points.c.code)
        ).all())

    def get(self, code: str) -> PointRow | None:
        row = self._connection.execute(select(points.c.code, points.c.name).where(points.c.code == code)).first()
        return None if row is None else PointRow(code=row[0], name=row[1])

    def count(self) -> int:
        return int(self._connection.scalar(select(func.count()).select_from(points)) or 0)

    # ---- enrolment codes

    def add_enrolment_code(self, code_hash: str, point_code: str, *, now: datetime, expires_at: datetime) -> None:
        self._connection.execute(enrolment_codes.insert().values(
            code_hash=code_hash, point_code=point_code, created_at=now, expires_at=expires_at,
        ))

    def use_enrolment_code(self, code_hash: str, *, device_id: str, now: datetime) -> str | None:
        """Mark the code used by `device_id` if it is unused and unexpired; its point code, else None.

        One UPDATE: of two devices racing for the same code, exactly one gets the point.
        """
        row = self._connection.execute(
            update(enrolment_codes)
            .where(enrolment_codes.c.code_hash == code_hash, enrolment_codes.c.used_at.is_(None),
                   enrolment_codes.c.expires_at > now)
            .values(used_at=now, device_id=device_id)
            .returning(enrolment_codes.c.point_code)
        ).first()
        return None if row is None else str(row[0])

    # ---- devices

    def device(self, device_id: str) -> DeviceRow | None:
        row = self._connection.execute(select(*_DEVICE_COLUMNS).where(devices.c.id == device_id)).first()
        return None if row is None else _device(tuple(row))

    def device_by_token(self, token_hash: str) -> DeviceRow | None:
        row = self._connection.execute(select(*_DEVICE_COLUMNS).where(devices.c.token_hash == token_hash)).first()
        return None if row is None else _device(tuple(row))

    def device_by_series(self, series: str) -> DeviceRow | None:
        row = self._connection.execute(select(*_DEVICE_COLUMNS).where(devices.c.series == series)).first()
        return None if row is None else _device(tuple(row))

    def device_codes(self, point_code: str) -> set[str]:
        return set(self._connection.scalars(select(devices.c.device_code).where(devices.c.point_code == point_code)))

    def add_device(self, device: DeviceRow, *, token_hash: str, now: datetime) -> bool:
        """Add the device unless its id, series or code in its point is taken (by a concurrent enrolment)."""
        return bool(self._connection.execute(
            insert_new(self._connection, devices).values(
                id=device.device_id, point_code=device.point_code, device_code=device.device_code,
                series=device.series, name=device.name, public_key=device.public_key, token_hash=token_hash,
                enrolled_at=now,
            ).returning(devices.c.id)
        ).all())

    def replace_token(self, device_id: str, *, token_hash: str, name: str, now: datetime) -> None:
        self._connection.execute(
            update(devices).where(devices.c.id == device_id)
            .values(token_hash=token_hash, name=name, enrolled_at=now)
        )

    def device_count(self) -> int:
        return int(self._connection.scalar(select(func.count()).select_from(devices)) or 0)
