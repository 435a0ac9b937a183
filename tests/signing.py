"""The user tests sign in as: the same name and password as `../shared/checks/cli-contract` uses.

`tests/conftest.py` exports them as COLLECTOR_APP_USER / COLLECTOR_APP_PASSWORD for every command a
test runs; a store made through the services gets that user with `give_first_user`.
"""

from __future__ import annotations

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
