"""The server's settings: typed, with defaults, read from the command line or the environment.

Workers started by uvicorn (`--workers N`) get their settings from the environment variables below,
which `provincial-server serve` sets before starting them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from provincial_server.store.db import sqlite_url

DATA_DIR_VARIABLE = "PROVINCIAL_SERVER_DATA_DIR"
DATABASE_URL_VARIABLE = "PROVINCIAL_SERVER_DATABASE_URL"
MAX_BODY_VARIABLE = "PROVINCIAL_SERVER_MAX_BODY_BYTES"
SESSION_MINUTES_VARIABLE = "PROVINCIAL_SERVER_SESSION_MINUTES"
POOL_SIZE_VARIABLE = "PROVINCIAL_SERVER_POOL_SIZE"
DATABASE_FILE = "server.sqlite3"
DEFAULT_DATA_DIR = "server-data"
MIB = 1024 * 1024


def data_dir() -> Path:
    """`$PROVINCIAL_SERVER_DATA_DIR`, else `./server-data`: where the embedded SQLite database lives."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR).expanduser()


def default_database_url() -> str:
    """`$PROVINCIAL_SERVER_DATABASE_URL`, else the SQLite file in `data_dir()`."""
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

    @classmethod
    def from_environment(cls) -> ServerSettings:
        return cls(
            database_url=default_database_url(),
            max_body_bytes=int(os.environ.get(MAX_BODY_VARIABLE) or 8 * MIB),
            session_minutes=int(os.environ.get(SESSION_MINUTES_VARIABLE) or 8 * 60),
            pool_size=int(os.environ.get(POOL_SIZE_VARIABLE) or 5),
        )

    def environment(self) -> dict[str, str]:
        """The variables that give a worker process these settings."""
        return {
            DATABASE_URL_VARIABLE: self.database_url,
            MAX_BODY_VARIABLE: str(self.max_body_bytes),
            SESSION_MINUTES_VARIABLE: str(self.session_minutes),
            POOL_SIZE_VARIABLE: str(self.pool_size),
        }
