"""Collection points, one-time enrolment codes, and enrolling a device with one of them.

A device signs its enrolment request with its key (`wire.sign_enrolment`). The signature is what
lets it ask again with a spent code when the reply was lost, and enrol again with a new code; an
unsigned request (a client from before the proof) can only enrol a device the server never saw.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector_app.admin_units import load_admin_units
from collector_app.domain.problems import DomainError
from collector_app.domain.receipt_numbers import check_device_code, check_point_code, series_symbol
from collector_app.domain.text import describe_characters, unsafe_characters
from collector_app.wire import ErrorCode, TextLimits, normalise_enrolment_code, verify_enrolment
from provincial_server.services.auth import DEVICE_TOKEN_PREFIX, hash_token, new_token
from provincial_server.services.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from provincial_server.services.keys import server_keys
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork

# No 0/O or 1/I: the code is read aloud over the phone and typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # 80 bits: not guessable in its lifetime
DEFAULT_DEVICE_PREFIX = "M"


PROVINCE_CODE = re.compile(r"[0-9]{2}")


def add_point(uow: UnitOfWork, code: str, name: str, *, province_code: str | None = None,
              commune_code: str | None = None, now: datetime) -> bool:
    """Add a collection point; True if added, False if it exists with this name (idempotent).

    `province_code` (34-province code, e.g. "01") says where the point is: its devices' payments may
    then carry only that province's voluntary SI top-up. `commune_code` (e.g. "00070") is checked
    against the shipped administrative units and gives the province when none is given. Either may be
    given later for a point without one.
    """
    problems = check_point_code(code)
    if problems:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"the point code {code!r} must be 1-12 capital letters or digits")
    name = name.strip()
    if not name:
        raise Invalid(ErrorCode.REQUEST_INVALID, "the point needs a name")
    if province_code is not None and not PROVINCE_CODE.fullmatch(province_code):
        raise Invalid(ErrorCode.REQUEST_INVALID,
                      f"the province code {province_code!r} must be two digits, e.g. 01 for Hà Nội")
    if commune_code is not None:
        commune_code, province_code = _commune_of(commune_code, province_code)
    if len(name) > TextLimits.POINT_NAME:  # devices print it on receipts
        raise Invalid(ErrorCode.REQUEST_INVALID, f"a point's name has at most {TextLimits.POINT_NAME} characters")
    unsafe = unsafe_characters(name)
    if unsafe:
        raise Invalid(ErrorCode.REQUEST_INVALID,
                      f"the point's name holds control or invisible characters ({describe_characters(unsafe)})")
    with uow:
        if uow.points.add(code, name, province_code=province_code, commune_code=commune_code, now=now):
            uow.commit()
            return True
        existing = uow.points.get(code)
        if (existing is not None and existing.name == name
                and (existing.province_code is None or existing.province_code == province_code)
                and (existing.commune_code is None or existing.commune_code == commune_code)
                and ((province_code and not existing.province_code) or (commune_code and not existing.commune_code))):
            uow.points.set_place(code, province_code=None if existing.province_code else province_code,
                                 commune_code=None if existing.commune_code else commune_code)
            uow.commit()
            return False
    if existing is not None and existing.name != name:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"point {code} exists with the name {existing.name!r}")
    if existing is not None and province_code is not None and existing.province_code != province_code:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"point {code} is in province {existing.province_code}")
    if existing is not None and commune_code is not None and existing.commune_code != commune_code:
        raise Conflict(ErrorCode.ALREADY_EXISTS, f"point {code} is in commune {existing.commune_code}")
    return False


def _commune_of(text: str, province_code: str | None) -> tuple[str, str]:
    """The commune code `text` names (a code of the shipped units) and its province, checked against `province_code`."""
    commune = load_admin_units().commune(text) if text.strip().isdigit() else None
    if commune is None:
        raise Invalid(ErrorCode.REQUEST_INVALID,
                      f"no commune has the code {text!r} in the administrative units (e.g. 00070 for Phường Hoàn Kiếm)")
    if province_code is not None and commune.province_code != province_code:
        raise Invalid(ErrorCode.REQUEST_INVALID,
                      f"commune {commune.code} ({commune.full_name}) is in province {commune.province_code}, "
                      f"not {province_code}")
    return commune.code, commune.province_code


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
    signature: str | None = None  # wire.sign_enrolment of the code, id and key; None from older clients


@dataclass(frozen=True)
class Enrolled:
    device: DeviceRow
    point_name: str
    token: str  # shown once: only its hash is stored
    server_public_key: bytes


def enrol_device(uow: UnitOfWork, request: EnrolmentRequest, *, now: datetime) -> Enrolled:
    """Spend a one-time code: the device joins the code's point and gets a token.

    A device enrolled before (same id, same key, same point) may enrol again with a new code, if
    signed: it gets a new token and the old one stops working. A signed request with a code this
    very device spent (the reply was lost) gets a fresh token in place of the one it never received,
    while the code is unexpired and that token was never used. A device's series (point code +
    device code) must be unique: a device that already issued receipts says which device code it used.
    Nothing is spent when the request is refused.
    """
    if request.device_code is not None and check_device_code(request.device_code):
        raise Invalid(ErrorCode.REQUEST_INVALID, "device_code must be 1-12 capital letters or digits")
    signed = request.signature is not None
    if request.signature is not None and not verify_enrolment(
        request.signature, code=request.code, device_id=request.device_id, public_key=request.public_key
    ):
        raise Unauthenticated(ErrorCode.ENROLMENT_PROOF_INVALID,
                              "the signature does not match the code, the device id and the public key")
    token = new_token(DEVICE_TOKEN_PREFIX)
    code_hash = hash_token(normalise_enrolment_code(request.code))
    with uow:
        point_code = uow.points.use_enrolment_code(code_hash, device_id=request.device_id, now=now)
        if point_code is None:
            device = _enrol_again_after_a_lost_reply(uow, code_hash, request, signed=signed, now=now,
                                                     token_hash=hash_token(token))
        else:
            existing = uow.points.device(request.device_id)
            if existing is not None:
                _check_same_device(existing, point_code, request)
                if not signed:
                    raise Unauthenticated(ErrorCode.ENROLMENT_PROOF_INVALID,
                                          "this device is enrolled already: enrolling it again needs its signature")
                uow.points.replace_token(existing.device_id, token_hash=hash_token(token), name=request.device_name,
                                         now=now)
                device = existing
            else:
                device = _add_device(uow, request, point_code, token_hash=hash_token(token), now=now)
        point = uow.points.get(device.point_code)
        assert point is not None  # devices reference their point
        _, server_public = server_keys(uow, now=now)
        uow.commit()
    return Enrolled(device=device, point_name=point.name, token=token, server_public_key=server_public)


def _check_same_device(existing: DeviceRow, point_code: str, request: EnrolmentRequest) -> None:
    if (existing.point_code, existing.public_key) != (point_code, request.public_key) or (
        request.device_code not in (None, existing.device_code)
    ):
        raise Conflict(ErrorCode.DEVICE_CONFLICT, "this device id is enrolled with another key, point or device code")
    if existing.revoked_at is not None:
        raise Forbidden(ErrorCode.DEVICE_REVOKED, "this device was revoked: it cannot enrol again")


def _enrol_again_after_a_lost_reply(uow: UnitOfWork, code_hash: str, request: EnrolmentRequest, *, signed: bool,
                                    now: datetime, token_hash: str) -> DeviceRow:
    """The device that spent this code, with `token_hash` in place of a token it never used; else refused.

    Both conditions bound the repeat: within the code's lifetime, and only until the device has
    made a call with its token (then it has the token, and a repeat could only take it away).
    """
    refused = Unauthenticated(ErrorCode.ENROLMENT_CODE_INVALID, "the enrolment code is unknown, already used or expired")
    code = uow.points.enrolment_code(code_hash)
    if code is None or code.used_at is None or code.expires_at <= now or code.device_id != request.device_id:
        raise refused
    if not signed:  # the device id and public key are no secrets: only the key's signature proves the device
        raise refused
    device = uow.points.device(request.device_id)
    if device is None or (device.point_code, device.public_key) != (code.point_code, request.public_key) or (
        request.device_code not in (None, device.device_code)
    ):
        raise refused
    if device.revoked_at is not None:
        raise Forbidden(ErrorCode.DEVICE_REVOKED, "this device was revoked: it cannot enrol again")
    if device.token_used_at is not None or not uow.points.reissue_token(device.device_id, token_hash=token_hash):
        raise refused
    return device


def _add_device(uow: UnitOfWork, request: EnrolmentRequest, point_code: str, *, token_hash: str,
                now: datetime) -> DeviceRow:
    device_code = request.device_code or _free_device_code(uow, point_code)
    try:
        series = series_symbol(point_code, device_code)
    except DomainError:
        raise Invalid(ErrorCode.REQUEST_INVALID, "device_code must be 1-12 capital letters or digits") from None
    if device_code in uow.points.device_codes(point_code) or uow.points.device_by_series(series):
        raise Conflict(ErrorCode.DEVICE_CODE_TAKEN, f"another device already uses the receipt series {series}")
    device = DeviceRow(device_id=request.device_id, point_code=point_code, device_code=device_code,
                       series=series, name=request.device_name, public_key=request.public_key, enrolled_at=now)
    if not uow.points.add_device(device, token_hash=token_hash, now=now):
        raise Conflict(ErrorCode.DEVICE_CONFLICT, "another enrolment of this device or series won the race")
    return device


def _free_device_code(uow: UnitOfWork, point_code: str) -> str:
    taken = uow.points.device_codes(point_code)
    number = 1
    while (code := f"{DEFAULT_DEVICE_PREFIX}{number}") in taken or uow.points.device_by_series(point_code + code):
        number += 1
    return code
