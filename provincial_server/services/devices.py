"""Enrolled devices as administrators see them: the list, and revoking a lost or stolen one.

A revoked device's token is refused on every call (401 `device.revoked`) and it cannot enrol again;
what it delivered before stays, and its receipts up to the day of revocation still verify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from collector_app.wire import ErrorCode
from provincial_server.services.errors import NotFound
from provincial_server.store.chains import ForkRow
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def list_devices(uow: UnitOfWork, *, point_code: str | None = None) -> list[DeviceRow]:
    """Every enrolled device, revoked ones included, by point and device code; NotFound for an unknown point."""
    with uow:
        if point_code is not None and uow.points.get(point_code) is None:
            raise NotFound(ErrorCode.NOT_FOUND, f"there is no point {point_code!r}")
        return uow.points.all_devices(point_code=point_code)


def find_device(uow: UnitOfWork, which: str) -> DeviceRow:
    """The device named by its id (a UUID) or its receipt series (point code + device code, e.g. BD01M1)."""
    with uow:
        return _find(uow, which)


def _find(uow: UnitOfWork, which: str) -> DeviceRow:
    text = which.strip()
    device = uow.points.device(text) if _UUID.fullmatch(text) else uow.points.device_by_series(text.upper())
    if device is None:
        raise NotFound(ErrorCode.NOT_FOUND,
                       f"no device is enrolled as {which!r}: give its id or its series, e.g. BD01M1 (see list-devices)")
    return device


@dataclass(frozen=True)
class Revocation:
    device: DeviceRow
    revoked_at: datetime
    new: bool  # False: it had been revoked before


def revoke_device(uow: UnitOfWork, which: str, *, now: datetime) -> Revocation:
    """Revoke the device named by its id or series (idempotent: revoking again changes nothing)."""
    with uow:
        device = _find(uow, which)
        new = uow.points.revoke(device.device_id, now=now)
        if not new:  # read again: it may have been revoked by someone else since it was read
            device = uow.points.device(device.device_id) or device
        uow.commit()
    revoked_at = now if new else device.revoked_at
    assert revoked_at is not None  # not revoked now: it had been before
    return Revocation(device=device, revoked_at=revoked_at, new=new)


def chain_forks(uow: UnitOfWork, which: str | None = None) -> list[tuple[DeviceRow, ForkRow]]:
    """The forks of devices' money chains (a restore from an older backup), of one device or all, oldest first."""
    with uow:
        device = _find(uow, which) if which is not None else None
        forks = uow.chains.forks(None if device is None else device.device_id)
        by_id = {row.device_id: row for row in uow.points.all_devices(point_code=None)}
    return [(by_id[fork.device_id], fork) for fork in forks if fork.device_id in by_id]
