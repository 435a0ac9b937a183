"""Setting up this device (point, device code, keys, default user) and finding who is acting."""

from __future__ import annotations

from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.domain.text import check_text
from collector_app.store.db import Store
from collector_app.store.device import Device, set_up_device, this_device
from collector_app.store.users import User, user_by_id, user_by_username
from collector_app.wire import TextLimits


def set_up(
    store: Store,
    *,
    point_code: str | None = None,
    point_name: str | None = None,
    device_code: str | None = None,
    organisation: str | None = None,
    form_number: str | None = None,
    actor: User | None = None,
) -> Device:
    """Create this device with a new Ed25519 key pair and a default collector, or change its settings.

    Idempotent; the series (point and device codes) is locked once receipts exist (SERIES_LOCKED).
    The names printed on receipts are checked as text (`domain.text.check_text`, `wire.TextLimits`).
    A signed-in `actor` changing any of them must be allowed to change settings (not a collaborator).
    """
    changing = any(value is not None for value in (point_code, point_name, device_code, organisation, form_number))
    if actor is not None and changing:
        refusal = check_allowed(actor.role, Action.CHANGE_SETTINGS, user=actor.username)
        if refusal:
            raise DomainError(refusal)
    problems = []
    for field, value, limit in (("point_name", point_name, TextLimits.POINT_NAME),
                                ("organisation", organisation, TextLimits.ORGANISATION),
                                ("form_number", form_number, TextLimits.FORM_NUMBER)):
        if value is not None:
            problems += check_text(value, field=field, max_length=limit)
    if problems:
        raise DomainError(problems)
    return set_up_device(
        store,
        new_keys=generate_device_keys,
        point_code=point_code,
        point_name=point_name,
        device_code=device_code,
        organisation=organisation,
        form_number=form_number,
    )


def device_if_set_up(store: Store) -> Device | None:
    """This device as set up, or None before `init`: a read, which never sets it up (a damaged store
    still answers it)."""
    return this_device(store)


def device_of(store: Store) -> Device:
    """This device, set up with the defaults if nobody ran `init` first."""
    return this_device(store) or set_up(store)


def acting_user(store: Store, username: str | None = None) -> User:
    """The user `username`, or the device's default user; UNKNOWN_USER if there is no such active user."""
    device = device_of(store)
    if username is None:
        user = user_by_id(store, device.default_user_id)
    else:
        user = user_by_username(store, username)
    if user is None or not user.active:
        raise DomainError(Problem(ProblemCode.UNKNOWN_USER, {"user": username or device.default_user_id}))
    return user
