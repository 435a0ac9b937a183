"""Where the app keeps its data and finds its shipped resources (Qt-free, every layer may use it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "collector-app"
STORE_FILE_NAME = "collector.sqlite3"


def data_dir() -> Path:
    """The folder of the local store: `COLLECTOR_APP_DATA_DIR` if set, else the user's data folder."""
    override = os.environ.get("COLLECTOR_APP_DATA_DIR")
    folder = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return folder.expanduser()


def store_path() -> Path:
    return data_dir() / STORE_FILE_NAME


def config_dir() -> Path:
    override = os.environ.get("COLLECTOR_APP_DATA_DIR")
    if override:
        return Path(override).expanduser() / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """`resources/` of a PyInstaller bundle, of a checkout or editable install, or of a wheel's install.

    A wheel installs them as data files under the environment's prefix (pyproject.toml's
    `tool.setuptools.data-files`): how the server's package carries them without a clone.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / APP_NAME / "resources"


def resource_path(relative: str) -> Path:
    return resources_dir() / relative
