"""Collection points, one-time enrolment codes, and enrolling a device with one of them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector_app.domain.problems import DomainError
from collector_app.domain.receipt_numbers import check_device_code, check_point_code, series_symbol
from collector_app.sync.wire import ErrorCode
from provincial_server.services.auth import DEVICE_TOKEN_PREFIX, hash_token, new_token
from provincial_server.services.errors import Conflict, Invalid, NotFound, Unauthenticated
from provincial_server.services.keys import server_keys
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

# No 0/O or 1/I: the code is read aloud over the phone and typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # 80 bits: not guessable in its lifetime
DEFAULT_DEVICE_PREFIX = "M"


def add_point(uow: UnitOfWork, code: str, name: str, *, now: datetime) -> bool:
    """Add a collection point; True if added, False if it exists with this name (idempotent)."""
    problems = check_point_code(code)
    if problems:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"the point code {code!r} must be 1-12 capital letters or digits")
    name = name.strip()
    if not name:
        raise Invalid(ErrorCode.REQUEST_INVALID, "the point needs a name")
    with uow:
        if uow.points.add(code, name, now=now):
            uow.commit()
            return True
        existing = uow.points.get(code)
    if existing is not None and existing.name != name:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"point {code} exists with the name {existing.name!r}")
    return False


def normalise_code(text: str) -> str:
    """What the user typed, without spaces and dashes, in capitals."""
    return "".join(text.split()).replace("-", "").upper()


@dataclass(frozen=True)
class EnrolmentCode:
    code: str  # shown once: only its hash is stored
    point_code: str
    expires_at: datetime


def new_enrolment_code(uow: UnitOfWork, point_code: str, *, now: datetime, lifetime: timedelta) -> EnrolmentCode:
    """A one-time code that enrols one device into `point_code` until it expires."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
    with uow:
        if uow.points.get(point_code) is None:
            raise NotFound(ErrorCode.NOT_FOUND, f"there is no point {point_code!r}: add it with add-point first")
        uow.points.add_enrolment_code(hash_token(raw), point_code, now=now, expires_at=now + lifetime)
        uow.commit()
    return EnrolmentCode(code=code, point_code=point_code, expires_at=now + lifetime)


@dataclass(frozen=True)
class EnrolmentRequest:
    code: str
    device_id: str
    device_name: str
    public_key: bytes
    device_code: str | None  # the code the device already uses in its receipt series, if any


@dataclass(frozen=True)
class Enrolled:
    device: DeviceRow
    point_name: str
    token: str  # shown once: only its hash is stored
    server_public_key: bytes


def enrol_device(uow: UnitOfWork, request: EnrolmentRequest, *, now: datetime) -> Enrolled:
    """Spend a one-time code: the device joins the code's point and gets a token.

    A device enrolled before (same id, same key, same point) gets a new token, the old one stops
    working. Its series (point code + device code) must be unique: a device that already issued
    receipts says which device code it used.
    """
    if request.device_code is not None and check_device_code(request.device_code):
        raise Invalid(ErrorCode.REQUEST_INVALID, "device_code must be 1-12 capital letters or digits")
    token = new_token(DEVICE_TOKEN_PREFIX)
    with uow:
        point_code = uow.points.use_enrolment_code(hash_token(normalise_code(request.code)),
                                                   device_id=request.device_id, now=now)
        if point_code is None:
            raise Unauthenticated(ErrorCode.ENROLMENT_CODE_INVALID,
                                  "the enrolment code is unknown, already used or expired")
        point = uow.points.get(point_code)
        assert point is not None  # enrolment codes reference their point
        existing = uow.points.device(request.device_id)
        if existing is not None:
            if (existing.point_code, existing.public_key) != (point_code, request.public_key) or (
                request.device_code not in (None, existing.device_code)
            ):
                raise Conflict(ErrorCode.DEVICE_CONFLICT,
                               "this device id is enrolled with another key, point or device code")
            uow.points.replace_token(existing.device_id, token_hash=hash_token(token), name=request.device_name,
                                     now=now)
            device = existing
        else:
            device_code = request.device_code or _free_device_code(uow, point_code)
            try:
                series = series_symbol(point_code, device_code)
            except DomainError:
                raise Invalid(ErrorCode.REQUEST_INVALID, "device_code must be 1-12 capital letters or digits") from None
            if device_code in uow.points.device_codes(point_code) or uow.points.device_by_series(series):
                raise Conflict(ErrorCode.DEVICE_CODE_TAKEN,
                               f"another device already uses the receipt series {series}")
            device = DeviceRow(device_id=request.device_id, point_code=point_code, device_code=device_code,
                               series=series, name=request.device_name, public_key=request.public_key)
            if not uow.points.add_device(device, token_hash=hash_token(token), now=now):
                raise Conflict(ErrorCode.DEVICE_CONFLICT, "another enrolment of this device or series won the race")
        _, server_public = server_keys(uow, now=now)
        uow.commit()
    return Enrolled(device=device, point_name=point.name, token=token, server_public_key=server_public)


def _free_device_code(uow: UnitOfWork, point_code: str) -> str:
    taken = uow.points.device_codes(point_code)
    number = 1
    while (code := f"{DEFAULT_DEVICE_PREFIX}{number}") in taken or uow.points.device_by_series(point_code + code):
        number += 1
    return code
