"""The user tests sign in as: the same name and password as `../shared/checks/cli-contract` uses.

`tests/conftest.py` exports them as COLLECTOR_APP_USER / COLLECTOR_APP_PASSWORD for every command a
test runs; a store made through the services gets that user with `give_first_user`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # conftest imports the name and password before anything of the app is loaded
    from collector_app.store.db import Store
    from collector_app.store.users import User

USERNAME = "collector"
PASSWORD = "Mật khẩu thử 2026"
FULL_NAME = "Nguyễn Thị Thu"


def give_first_user(store: Store) -> User:
    """The device's first user (a collector) with the test password; the same user when it exists."""
    from collector_app.services.users import create_first_user
    from collector_app.store.users import has_signing_users, user_by_username

    if has_signing_users(store):
        user = user_by_username(store, USERNAME)
        assert user is not None
        return user
    return create_first_user(store, username=USERNAME, full_name=FULL_NAME, password=PASSWORD).user


_KEYS: dict[Path, bytes] = {}  # the data key of each encrypted store this test process made or unlocked


def open_test_store(path: Path | None = None, *, user: str = USERNAME, password: str = PASSWORD) -> Store:
    """The store at `path` (default: the data folder's), encrypted as the app makes it.

    A new store gets a data key and a keyring whose first copy is `user`'s (the test user's unless
    told), as `init` does before the store exists; an encrypted one is unlocked with `user`'s
    password (a store a command made); a plain one (an older store, or one a test built with
    sqlite3) opens plain, as the app opens it before the first sign-in encrypts it.
    """
    from collector_app import paths
    from collector_app.store.cipher import is_plain_file
    from collector_app.store.db import open_store

    path = path or paths.store_path()
    return open_store(path, key=store_key(path, user=user, password=password, create=not is_plain_file(path)))


def store_key(path: Path | str, *, user: str = USERNAME, password: str = PASSWORD, create: bool = False
              ) -> bytes | None:
    """The data key of the store at `path` (None: a plain store); a new one (and its keyring) when
    `create` and the store has none yet."""
    from collector_app.services import unlocking
    from collector_app.store.cipher import is_plain_file

    path = Path(path)
    resolved = path.resolve()
    if resolved in _KEYS and unlocking.is_encrypted(path):
        return _KEYS[resolved]
    if unlocking.is_encrypted(path):
        key = unlocking.unlock(path, user, password)
    elif create and not (path.exists() and path.stat().st_size > 0):
        key = unlocking.new_data_key()
        unlocking.start(path, key, user, password)
    elif not is_plain_file(path) and path.exists() and path.stat().st_size > 0:
        key = _key_of_its_store(path, user=user, password=password)
        if key is None:
            raise AssertionError(f"{path} is encrypted but has no keyring")
    else:
        return None
    _KEYS[resolved] = key
    return key


def _key_of_its_store(copy: Path, *, user: str, password: str) -> bytes | None:
    """The key of a copy of a store (a backup in `backups/`, or beside it): its store's data key, as
    the app opens backups with the signed-in store's key."""
    from collector_app.services import unlocking
    from collector_app.store.cipher import cipher_connector, key_fits

    for folder in (copy.parent, copy.parent.parent):
        for store in sorted(folder.glob("*.sqlite3")):
            if store.resolve() == copy.resolve() or not unlocking.is_encrypted(store):
                continue
            key = store_key(store, user=user, password=password)
            if key is not None and key_fits(copy, cipher_connector(key)):
                return key
    return None


def raw_connection(path: Path | str) -> sqlite3.Connection:
    """A bare DB-API connection to the store file (to inspect or damage it as a test must), with its key."""
    from collector_app.store.cipher import cipher_connector, connect_plain

    key = store_key(path)
    connection = connect_plain(path) if key is None else cipher_connector(key)(path)
    connection.isolation_level = None
    return connection
