"""The server's settings: typed, with defaults, read from the command line or the environment.

Workers started by uvicorn (`--workers N`) get their settings from the environment variables below,
which `provincial-server serve` sets before starting them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collector_app.domain.server_address import is_public_url

DATA_DIR_VARIABLE = "PROVINCIAL_SERVER_DATA_DIR"
DATABASE_URL_VARIABLE = "PROVINCIAL_SERVER_DATABASE_URL"
MAX_BODY_VARIABLE = "PROVINCIAL_SERVER_MAX_BODY_BYTES"
SESSION_MINUTES_VARIABLE = "PROVINCIAL_SERVER_SESSION_MINUTES"
POOL_SIZE_VARIABLE = "PROVINCIAL_SERVER_POOL_SIZE"
SILENT_DAYS_VARIABLE = "PROVINCIAL_SERVER_SILENT_DAYS"
PUBLIC_URL_VARIABLE = "PROVINCIAL_SERVER_PUBLIC_URL"
CHECKS_PER_MINUTE_VARIABLE = "PROVINCIAL_SERVER_CHECKS_PER_MINUTE"
CLIENT_IP_HEADER_VARIABLE = "PROVINCIAL_SERVER_CLIENT_IP_HEADER"
RELEASES_DIR_VARIABLE = "PROVINCIAL_SERVER_RELEASES_DIR"
DATABASE_FILE = "server.sqlite3"
DEFAULT_DATA_DIR = "server-data"
MIB = 1024 * 1024

# The values a setting may take, (lowest, highest): the command line and the environment alike.
PORTS = (1, 65_535)
WORKERS = (1, 64)
POOL_SIZES = (1, 1_000)
BODY_BYTES = (1_024, 1_024 * MIB)
SESSION_MINUTES = (1, 7 * 24 * 60)
SILENT_DAYS = (1, 366)
DEFAULT_SILENT_DAYS = 7
CHECKS_PER_MINUTE = (1, 100_000)
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")


def data_dir() -> Path:
    """`$PROVINCIAL_SERVER_DATA_DIR`, else `./server-data`: where the embedded SQLite database lives."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR).expanduser()


def releases_dir() -> Path:
    """`$PROVINCIAL_SERVER_RELEASES_DIR`, else `releases` in `data_dir()`: where `publish-release` puts
    installers (the database records each one's whole path, which the server then serves)."""
    return Path(os.environ.get(RELEASES_DIR_VARIABLE) or data_dir() / "releases").expanduser()


def default_database_url() -> str:
    """`$PROVINCIAL_SERVER_DATABASE_URL`, else the SQLite file in `data_dir()`."""
    from provincial_server.store.db import sqlite_url  # SQLAlchemy only when needed: the command line starts faster

    return os.environ.get(DATABASE_URL_VARIABLE) or sqlite_url(data_dir().resolve() / DATABASE_FILE).render_as_string(
        hide_password=False
    )


@dataclass(frozen=True)
class ServerSettings:
    database_url: str
    max_body_bytes: int = 8 * MIB
    session_minutes: int = 8 * 60  # a supervisor's working day
    login_failures: int = 5  # failed logins per username within `login_window_minutes`, then 429
    login_window_minutes: int = 15
    enrolment_code_hours: int = 72
    changes_page: int = 500  # changes per pull; the device asks again while `more` is true
    pool_size: int = 5  # database connections each worker keeps open (up to 3x at peaks)
    # The dashboard flags a device that has not called for longer than this (a request may ask otherwise).
    silent_days: int = DEFAULT_SILENT_DAYS
    # The province's public verification address printed in receipts' QR codes (`public_url`); None:
    # the address each device reached the server at.
    public_url: str | None = None
    checks_per_minute: int = 60  # public receipt checks (GET /v/...) per client address, per worker
    # Behind a reverse proxy: the header it puts the client's address in (e.g. X-Forwarded-For); None:
    # the connecting address, and no header is believed (any client could write one).
    client_ip_header: str | None = None

    @classmethod
    def from_environment(cls) -> ServerSettings:
        """The settings the environment gives; ValueError naming the variable that holds no allowed value."""
        return cls(
            database_url=default_database_url(),
            max_body_bytes=int_from_environment(MAX_BODY_VARIABLE, 8 * MIB, BODY_BYTES),
            session_minutes=int_from_environment(SESSION_MINUTES_VARIABLE, 8 * 60, SESSION_MINUTES),
            pool_size=int_from_environment(POOL_SIZE_VARIABLE, 5, POOL_SIZES),
            silent_days=int_from_environment(SILENT_DAYS_VARIABLE, DEFAULT_SILENT_DAYS, SILENT_DAYS),
            public_url=text_from_environment(PUBLIC_URL_VARIABLE, public_url),
            checks_per_minute=int_from_environment(CHECKS_PER_MINUTE_VARIABLE, 60, CHECKS_PER_MINUTE),
            client_ip_header=text_from_environment(CLIENT_IP_HEADER_VARIABLE, header_name),
        )

    def environment(self) -> dict[str, str]:
        """The variables that give a worker process these settings."""
        return {
            DATABASE_URL_VARIABLE: self.database_url,
            MAX_BODY_VARIABLE: str(self.max_body_bytes),
            SESSION_MINUTES_VARIABLE: str(self.session_minutes),
            POOL_SIZE_VARIABLE: str(self.pool_size),
            SILENT_DAYS_VARIABLE: str(self.silent_days),
            PUBLIC_URL_VARIABLE: self.public_url or "",
            CHECKS_PER_MINUTE_VARIABLE: str(self.checks_per_minute),
            CLIENT_IP_HEADER_VARIABLE: self.client_ip_header or "",
        }


def int_from_environment(name: str, default: int, bounds: tuple[int, int]) -> int:
    """The whole number in `$name` (`default` when unset or empty); ValueError saying what is wrong otherwise."""
    text = os.environ.get(name) or ""
    if not text:
        return default
    low, high = bounds
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and low <= int(text) <= high):
        raise ValueError(f"${name} must be a whole number from {low:,} to {high:,}, not {text[:20]!r}")
    return int(text)


def public_url(text: str) -> str:
    """`text` as the public verification address: http(s), a host, maybe a port and a path, nothing else.

    ValueError saying what is wrong. The trailing "/" is dropped: receipts add "/V/<payload>".
    """
    if not is_public_url(text):
        raise ValueError("must be an http:// or https:// address with a host and no user, query or fragment, "
                         f"not {text[:80]!r}")
    return text.rstrip("/")


def header_name(text: str) -> str:
    """`text` as an HTTP header name; ValueError if it cannot be one."""
    if not _HEADER_NAME.fullmatch(text):
        raise ValueError(f"a header name is 1-64 letters, digits or '-', not {text[:80]!r}")
    return text


def text_from_environment(name: str, parse: Callable[[str], str]) -> str | None:
    """`$name` as `parse` reads it, None when unset or empty; ValueError naming the variable otherwise."""
    text = os.environ.get(name) or ""
    if not text:
        return None
    try:
        return parse(text)
    except ValueError as error:
        raise ValueError(f"${name}: {error}") from None
