"""This device's settings as a user changes them: default printer and layout, language, idle lock,
the names printed on receipts, the server's address and CA file; checked, then stored.

Everything here is in the store, so a command without a display (`collector-app print`) reads the
same default printer as the window. Only a role that may change settings may (`domain.payments`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.text import check_text
from collector_app.i18n import LANGUAGES
from collector_app.receipts.render import Layout
from collector_app.services.changes import NOTHING, Change, Changes
from collector_app.services.device import device_of, set_up
from collector_app.store.configuring import save_settings
from collector_app.store.db import Store
from collector_app.store.settings import stored_settings
from collector_app.domain.server_address import is_server_url
from collector_app.store.sync_state import save_ca_bundle, save_server_url, sync_state
from collector_app.store.users import User
from collector_app.wire import TextLimits

log = logging.getLogger(__name__)

IDLE_LOCK_MINUTES = (1, 240)  # at least a minute; at most a working morning
DEFAULT_IDLE_LOCK_MINUTES = 10
PRINTER_NAME_LIMIT = 127  # CUPS's limit on a queue name; Windows printer names are shorter
CA_FILE_LIMIT = 1_000_000  # a CA bundle of every public CA is ~220 kB
# keys of the `settings` table
_PRINTER, _LAYOUT, _IDLE_LOCK, _LANGUAGE = "default_printer", "default_layout", "idle_lock_minutes", "language"


@dataclass(frozen=True)
class Settings:
    """This device's settings (all roles read them; the defaults apply to what was never set)."""

    default_printer: str | None = None  # an operating-system queue name; None: ask, or the system's default
    default_layout: str = Layout.A5.value  # "a5" or "roll80"
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    language: str = "vi"  # the window's, from its next start


@dataclass(frozen=True)
class SettingsView:
    """What the Settings page shows: the settings, the names printed on receipts, the server."""

    settings: Settings
    point_name: str
    organisation: str
    form_number: str
    series: str  # read-only here: it numbers the receipts
    server_url: str | None
    ca_bundle: str | None
    enrolled: bool


def current_settings(store: Store) -> Settings:
    """The stored settings; a value the store holds but no longer allows gives way to its default."""
    stored = stored_settings(store)
    defaults = Settings()
    layout = stored.get(_LAYOUT, defaults.default_layout)
    language = stored.get(_LANGUAGE, defaults.language)
    try:
        minutes = int(stored.get(_IDLE_LOCK, ""))
    except ValueError:
        minutes = defaults.idle_lock_minutes
    low, high = IDLE_LOCK_MINUTES
    return Settings(
        default_printer=stored.get(_PRINTER) or None,
        default_layout=layout if layout in {item.value for item in Layout} else defaults.default_layout,
        idle_lock_minutes=minutes if low <= minutes <= high else defaults.idle_lock_minutes,
        language=language if language in LANGUAGES else defaults.language,
    )


def settings_view(store: Store) -> SettingsView:
    device = device_of(store)
    state = sync_state(store)
    return SettingsView(
        settings=current_settings(store),
        point_name=device.point_name,
        organisation=device.organisation,
        form_number=device.form_number,
        series=device.series,
        server_url=state.server_url,
        ca_bundle=state.ca_bundle,
        enrolled=state.token is not None,
    )


def server_address(store: Store) -> str | None:
    """The provincial server this device syncs with, if one is set (a supervisor's sign-in proposes it)."""
    return sync_state(store).server_url


class _Keep(Enum):
    KEEP = 0


KEEP = _Keep.KEEP
"""A setting left as it is."""


class SettingsRefused(DomainError):
    """Values that cannot be saved; `fields` says which setting each problem is about, so the
    Settings page can show each message beside its field. Nothing was saved."""

    def __init__(self, fields: dict[str, list[Problem]]) -> None:
        self.fields = fields
        super().__init__([problem for problems in fields.values() for problem in problems])


@dataclass(frozen=True)
class SettingsChanged:
    settings: Settings
    changed: tuple[str, ...]  # the names of the settings that changed, e.g. ("default_printer",)

    @property
    def changes(self) -> Changes:
        return frozenset({Change.SETTINGS}) if self.changed else NOTHING


def change_settings(
    store: Store,
    *,
    actor: User,
    default_printer: str | None | _Keep = KEEP,
    default_layout: str | _Keep = KEEP,
    idle_lock_minutes: int | _Keep = KEEP,
    language: str | _Keep = KEEP,
    point_name: str | _Keep = KEEP,
    organisation: str | _Keep = KEEP,
    form_number: str | _Keep = KEEP,
    server_url: str | _Keep = KEEP,
    ca_bundle: str | None | _Keep = KEEP,
) -> SettingsChanged:
    """Check the role and every value, then store what differs from what is stored.

    Refused as a whole: a role that may not change settings (collaborators) gets
    ROLE_MAY_NOT_CHANGE_SETTINGS; values that cannot be saved raise `SettingsRefused` naming each
    setting's problems. An empty printer or CA file forgets it (None).
    """
    if refusal := check_allowed(actor.role, Action.CHANGE_SETTINGS, user=actor.username):
        raise DomainError(refusal)
    problems: dict[str, list[Problem]] = {}

    def refuse(name: str, found: list[Problem]) -> None:
        if found:
            problems.setdefault(name, []).extend(found)

    if not isinstance(default_printer, _Keep):
        default_printer = (default_printer or "").strip() or None
        if default_printer is not None:
            refuse("default_printer", check_text(default_printer, field="printer", max_length=PRINTER_NAME_LIMIT))
    if not isinstance(default_layout, _Keep) and default_layout not in {item.value for item in Layout}:
        refuse("default_layout", [Problem(ProblemCode.SETTINGS_LAYOUT_UNKNOWN, {
            "value": default_layout, "allowed": ", ".join(item.value for item in Layout)})])
    if not isinstance(idle_lock_minutes, _Keep):
        low, high = IDLE_LOCK_MINUTES
        if not low <= idle_lock_minutes <= high:
            refuse("idle_lock_minutes", [Problem(ProblemCode.SETTINGS_IDLE_LOCK_OUT_OF_RANGE,
                                                 {"minutes": idle_lock_minutes, "low": low, "high": high})])
    if not isinstance(language, _Keep) and language not in LANGUAGES:
        refuse("language", [Problem(ProblemCode.SETTINGS_LANGUAGE_UNKNOWN,
                                    {"value": language, "allowed": ", ".join(LANGUAGES)})])
    names: dict[str, str] = {}
    for name, value, limit in (("point_name", point_name, TextLimits.POINT_NAME),
                               ("organisation", organisation, TextLimits.ORGANISATION),
                               ("form_number", form_number, TextLimits.FORM_NUMBER)):
        if isinstance(value, _Keep):
            continue
        value = " ".join(value.split())
        if not value:
            refuse(name, [Problem(ProblemCode.SETTINGS_TEXT_EMPTY, {"field": name})])
        else:
            refuse(name, check_text(value, field=name, max_length=limit))
        names[name] = value
    if not isinstance(server_url, _Keep):
        server_url = server_url.strip()
        if not is_server_url(server_url):
            refuse("server_url", [Problem(ProblemCode.SETTINGS_SERVER_URL_INVALID, {"value": server_url[:60]})])
    if not isinstance(ca_bundle, _Keep):
        ca_bundle = (ca_bundle or "").strip() or None
        if ca_bundle is not None and not _readable_pem(Path(ca_bundle)):
            refuse("ca_bundle", [Problem(ProblemCode.SETTINGS_CA_FILE_UNREADABLE, {"path": ca_bundle})])
    if problems:
        raise SettingsRefused(problems)

    before = settings_view(store)
    changed: list[str] = []
    values: dict[str, str | None] = {}
    wanted: tuple[tuple[str, str, object, object], ...] = (
        ("default_printer", _PRINTER, default_printer, before.settings.default_printer),
        ("default_layout", _LAYOUT, default_layout, before.settings.default_layout),
        ("idle_lock_minutes", _IDLE_LOCK, idle_lock_minutes, before.settings.idle_lock_minutes),
        ("language", _LANGUAGE, language, before.settings.language),
    )
    for name, key, new, old in wanted:
        if not isinstance(new, _Keep) and new != old:
            values[key] = None if new is None else str(new)
            changed.append(name)
    if values:
        save_settings(store, values, actor_id=actor.user_id)
    names = {name: value for name, value in names.items() if value != getattr(before, name)}
    if names:
        set_up(store, point_name=names.get("point_name"), organisation=names.get("organisation"),
               form_number=names.get("form_number"), actor=actor)
        changed += names
    if not isinstance(server_url, _Keep) and server_url != before.server_url:
        save_server_url(store, server_url)
        changed.append("server_url")
    if not isinstance(ca_bundle, _Keep) and ca_bundle != before.ca_bundle:
        save_ca_bundle(store, ca_bundle)
        changed.append("ca_bundle")
    return SettingsChanged(settings=current_settings(store), changed=tuple(changed))


def _readable_pem(path: Path) -> bool:
    """Whether `path` is a readable file that holds at least one PEM certificate."""
    try:
        if not path.is_file() or path.stat().st_size > CA_FILE_LIMIT or not os.access(path, os.R_OK):
            return False
        return b"-----BEGIN CERTIFICATE-----" in path.read_bytes()
    except OSError:
        return False


def settings_or_defaults(store: Store) -> Settings:
    """This device's settings, or the defaults when they cannot be read (a setting never stops the
    window from opening; a damaged store says so in its own banner)."""
    try:
        return current_settings(store)
    except Exception:  # noqa: BLE001
        log.warning("the settings could not be read; using the defaults", exc_info=True)
        return Settings()
