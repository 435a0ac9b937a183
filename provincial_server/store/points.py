"""Collection points, devices and their one-time enrolment codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, literal, or_, select, update

from provincial_server.store.schema import UtcDateTime, devices, enrolment_codes, points
from provincial_server.store.sql import insert_new


@dataclass(frozen=True)
class PointRow:
    code: str
    name: str
    province_code: str | None = None  # where the point is: its devices may give only this province's top-up
    commune_code: str | None = None  # the commune it is in (supervisors filter by it)


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    point_code: str
    device_code: str
    series: str
    name: str
    public_key: bytes
    enrolled_at: datetime | None = None  # None only before the row is stored
    token_used_at: datetime | None = None  # the first call with the current token
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class EnrolmentCodeRow:
    point_code: str
    expires_at: datetime
    used_at: datetime | None
    device_id: str | None  # the device that used it


_DEVICE_COLUMNS = (devices.c.id, devices.c.point_code, devices.c.device_code, devices.c.series,
                   devices.c.name, devices.c.public_key, devices.c.enrolled_at, devices.c.token_used_at,
                   devices.c.last_seen_at, devices.c.revoked_at)


def _device(row: Sequence[Any]) -> DeviceRow:
    return DeviceRow(device_id=row[0], point_code=row[1], device_code=row[2], series=row[3], name=row[4],
                     public_key=bytes(row[5]), enrolled_at=row[6], token_used_at=row[7], last_seen_at=row[8],
                     revoked_at=row[9])


class Points:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # ---- points

    def add(self, code: str, name: str, *, province_code: str | None, commune_code: str | None = None,
            now: datetime) -> bool:
        """Add a point unless its code exists; True if added."""
        return bool(self._connection.execute(
            insert_new(self._connection, points)
            .values(code=code, name=name, province_code=province_code, commune_code=commune_code, created_at=now)
            .returning(points.c.code)
        ).all())

    def set_place(self, code: str, *, province_code: str | None, commune_code: str | None) -> None:
        """Give a point the province and commune it had none of (a value None leaves the column as it is)."""
        values = {name: value for name, value in (("province_code", province_code), ("commune_code", commune_code))
                  if value is not None}
        self._connection.execute(update(points).where(points.c.code == code).values(**values))

    def get(self, code: str) -> PointRow | None:
        row = self._connection.execute(
            select(points.c.code, points.c.name, points.c.province_code, points.c.commune_code)
            .where(points.c.code == code)).first()
        return None if row is None else PointRow(code=row[0], name=row[1], province_code=row[2], commune_code=row[3])

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

    def enrolment_code(self, code_hash: str) -> EnrolmentCodeRow | None:
        row = self._connection.execute(
            select(enrolment_codes.c.point_code, enrolment_codes.c.expires_at, enrolment_codes.c.used_at,
                   enrolment_codes.c.device_id)
            .where(enrolment_codes.c.code_hash == code_hash)
        ).first()
        return None if row is None else EnrolmentCodeRow(point_code=row[0], expires_at=row[1], used_at=row[2],
                                                         device_id=row[3])

    # ---- devices

    def device(self, device_id: str) -> DeviceRow | None:
        row = self._connection.execute(select(*_DEVICE_COLUMNS).where(devices.c.id == device_id)).first()
        return None if row is None else _device(row)

    def device_by_token(self, token_hash: str) -> DeviceRow | None:
        row = self._connection.execute(select(*_DEVICE_COLUMNS).where(devices.c.token_hash == token_hash)).first()
        return None if row is None else _device(row)

    def device_by_series(self, series: str) -> DeviceRow | None:
        row = self._connection.execute(select(*_DEVICE_COLUMNS).where(devices.c.series == series)).first()
        return None if row is None else _device(row)

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
        """Enrolled again with a new code: a new, unused token."""
        self._connection.execute(
            update(devices).where(devices.c.id == device_id)
            .values(token_hash=token_hash, name=name, enrolled_at=now, token_used_at=None)
        )

    def reissue_token(self, device_id: str, *, token_hash: str) -> bool:
        """Replace a token that was never used (its enrolment's reply was lost); False if it has been used
        or the device revoked since it was read (a concurrent call)."""
        return bool(self._connection.execute(
            update(devices)
            .where(devices.c.id == device_id, devices.c.token_used_at.is_(None), devices.c.revoked_at.is_(None))
            .values(token_hash=token_hash)
            .returning(devices.c.id)
        ).all())

    def note_seen(self, token_hash: str, *, now: datetime, every: timedelta) -> None:
        """Record a call made with this token: its first use, and `last_seen_at` unless noted within `every`.

        The condition is in the UPDATE, so workers noting the same device at once write it once.
        """
        self._connection.execute(
            update(devices)
            .where(devices.c.token_hash == token_hash,
                   or_(devices.c.token_used_at.is_(None), devices.c.last_seen_at.is_(None),
                       devices.c.last_seen_at <= now - every))
            .values(last_seen_at=now,
                    token_used_at=func.coalesce(devices.c.token_used_at, literal(now, UtcDateTime())))
        )

    def revoke(self, device_id: str, *, now: datetime) -> bool:
        """Revoke the device unless it already is; True if revoked now."""
        return bool(self._connection.execute(
            update(devices).where(devices.c.id == device_id, devices.c.revoked_at.is_(None))
            .values(revoked_at=now).returning(devices.c.id)
        ).all())

    def all_devices(self, *, point_code: str | None = None) -> list[DeviceRow]:
        """Every device (of one point), by point and device code."""
        query = select(*_DEVICE_COLUMNS).order_by(devices.c.point_code, devices.c.device_code)
        if point_code is not None:
            query = query.where(devices.c.point_code == point_code)
        return [_device(row) for row in self._connection.execute(query)]

    def device_count(self) -> int:
        return int(self._connection.scalar(select(func.count()).select_from(devices)) or 0)
