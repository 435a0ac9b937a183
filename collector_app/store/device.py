"""This device's identity: its row in `devices` (point and device codes, keys) and its receipt settings.

The point code and device code make the receipt series symbol; the organisation name and form
number are printed on receipts. They live in the store (not the JSON preferences) because the
server owns them and receipts depend on them (style.md §10). Set up once, idempotently.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.backups import restart_symbol
from collector_app.domain.receipt_numbers import check_device_code, check_point_code, series_symbol
from collector_app.store.db import Store
from collector_app.store.schema import devices, receipts
from collector_app.store.stamps import new_id, utc_now
from collector_app.store.accounts import insert_user

KeyFactory = Callable[[], tuple[bytes, bytes]]
"""Makes a new Ed25519 key pair as raw bytes: (private, public)."""


@dataclass(frozen=True)
class DeviceDefaults:
    """What a device gets when `init` is not told otherwise: a demo collection point."""

    organisation: str = "Bưu điện thành phố Hà Nội"
    point_code: str = "BD01"
    point_name: str = "Điểm Bưu điện - Văn hóa xã Đông Anh"
    device_code: str = "M1"
    # Ký hiệu mẫu (form number): a placeholder until the province says which form its receipts use.
    form_number: str = "C45-BB"
    username: str = "collector"
    user_full_name: str = "Nhân viên thu"


DEFAULTS = DeviceDefaults()

# meta keys
_DEVICE_ID = "device_id"
_ORGANISATION = "organisation_name"
_FORM_NUMBER = "form_number"
_DEFAULT_USER = "default_user_id"
SERIES_RESTARTS = "receipt_series_restarts"


@dataclass(frozen=True)
class Device:
    device_id: str
    name: str
    point_code: str
    point_name: str
    device_code: str
    organisation: str
    form_number: str
    default_user_id: str
    public_key: bytes
    private_key: bytes
    series_restarts: int = 0  # new series begun after restores that could not know every number issued

    @property
    def series(self) -> str:
        """The device's series symbol, e.g. "BD01M1": its identity on the server and in receipt codes."""
        return series_symbol(self.point_code, self.device_code)

    @property
    def receipt_series(self) -> str:
        """The symbol new receipts are numbered in: `series`, or after a restart "BD01M1R1" (`domain.backups`)."""
        return restart_symbol(self.series, self.series_restarts)


def this_device(store: Store) -> Device | None:
    """This device, or None before it is set up."""
    with store.read() as connection:
        return _load(connection)


def set_up_device(
    store: Store,
    *,
    new_keys: KeyFactory,
    point_code: str | None = None,
    point_name: str | None = None,
    device_code: str | None = None,
    organisation: str | None = None,
    form_number: str | None = None,
    actor: str = "init",
) -> Device:
    """Create this device (with its keys and default user) or change the given settings; idempotent.

    Values left None keep what is stored (or the defaults on first set-up). Once this device has
    issued receipts, its point and device codes (the series) cannot change: SERIES_LOCKED.
    """
    problems: list[Problem] = []
    if point_code is not None:
        problems += check_point_code(point_code)
    if device_code is not None:
        problems += check_device_code(device_code)
    if problems:
        raise DomainError(problems)
    with store.begin() as connection:
        current = _load(connection)
        if current is None:
            return _create(
                connection,
                new_keys=new_keys,
                point_code=point_code or DEFAULTS.point_code,
                point_name=point_name or DEFAULTS.point_name,
                device_code=device_code or DEFAULTS.device_code,
                organisation=organisation or DEFAULTS.organisation,
                form_number=form_number or DEFAULTS.form_number,
                actor=actor,
            )
        wanted = (point_code or current.point_code, device_code or current.device_code)
        if wanted != (current.point_code, current.device_code):
            issued = connection.scalar(
                select(func.count()).select_from(receipts).where(receipts.c.series == current.series)
            )
            if issued:
                raise DomainError(Problem(ProblemCode.SERIES_LOCKED, {"series": current.series}))
        changes = {
            "collection_point_code": wanted[0],
            "device_code": wanted[1],
            "collection_point_name": point_name or current.point_name,
        }
        if changes != {
            "collection_point_code": current.point_code,
            "device_code": current.device_code,
            "collection_point_name": current.point_name,
        }:
            connection.execute(
                devices.update()
                .where(devices.c.id == current.device_id)
                .values(**changes, updated_at=utc_now())
            )
        if organisation is not None:
            _set(connection, _ORGANISATION, organisation)
        if form_number is not None:
            _set(connection, _FORM_NUMBER, form_number)
        loaded = _load(connection)
        assert loaded is not None
        return loaded


def _create(
    connection: Connection,
    *,
    new_keys: KeyFactory,
    point_code: str,
    point_name: str,
    device_code: str,
    organisation: str,
    form_number: str,
    actor: str,
) -> Device:
    device_id = new_id()
    private_key, public_key = new_keys()
    now = utc_now()
    connection.execute(
        devices.insert().values(
            id=device_id,
            name=platform.node() or f"{point_code}{device_code}",
            collection_point_code=point_code,
            collection_point_name=point_name,
            device_code=device_code,
            public_key=public_key,
            private_key=private_key,
            created_at=now,
            updated_at=now,
            created_by=actor,
            device_id=device_id,
        )
    )
    user = insert_user(
        connection,
        username=DEFAULTS.username,
        full_name=DEFAULTS.user_full_name,
        role=Role.COLLECTOR,
        actor=actor,
        device_id=device_id,
    )
    for key, value in (
        (_DEVICE_ID, device_id),
        (_ORGANISATION, organisation),
        (_FORM_NUMBER, form_number),
        (_DEFAULT_USER, user.user_id),
    ):
        _set(connection, key, value)
    loaded = _load(connection)
    assert loaded is not None
    return loaded


def set_default_user(store: Store, user_id: str) -> None:
    """The user who acts when no one is named (the device's first user)."""
    with store.begin() as connection:
        _set(connection, _DEFAULT_USER, user_id)


def _set(connection: Connection, key: str, value: str) -> None:
    connection.exec_driver_sql(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


_LOAD_SETTINGS = "SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?, ?)"
_LOAD_DEVICE = (
    "SELECT name, collection_point_code, collection_point_name, device_code, public_key, private_key "
    "FROM devices WHERE id = ?"
)


def _load(connection: Connection) -> Device | None:
    # Driver-level SQL: every payment reads this device first, and two Core selects cost a millisecond.
    rows = connection.exec_driver_sql(
        _LOAD_SETTINGS, (_DEVICE_ID, _ORGANISATION, _FORM_NUMBER, _DEFAULT_USER, SERIES_RESTARTS)
    )
    settings: dict[str, str] = {key: value for key, value in rows}
    device_id = settings.get(_DEVICE_ID)
    if device_id is None:
        return None
    name, point_code, point_name, device_code, public_key, private_key = connection.exec_driver_sql(
        _LOAD_DEVICE, (device_id,)
    ).one()
    return Device(
        device_id=device_id,
        name=name,
        point_code=point_code,
        point_name=point_name,
        device_code=device_code,
        organisation=settings[_ORGANISATION],
        form_number=settings[_FORM_NUMBER],
        default_user_id=settings[_DEFAULT_USER],
        public_key=public_key,
        private_key=private_key,
        series_restarts=int(settings.get(SERIES_RESTARTS) or 0),
    )
