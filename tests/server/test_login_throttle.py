"""Supervisor login throttling: 5 failures for a username within 15 minutes, then 429 until the window passes.

The failures are counted in the database, so every worker (PostgreSQL runs two) sees the same.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from server_helpers import SUPERVISOR_PASSWORD, Server, add_supervisor, log_in
from sqlalchemy import update

from provincial_server.store.schema import login_failures

LIMIT = 5
WINDOW_SECONDS = 15 * 60


def _fail(server: Server, username: str, times: int = LIMIT) -> None:
    for _ in range(times):
        response = log_in(server, username, "wrong password!")
        assert (response.status_code, response.json()["error"]["code"]) == (401, "auth.invalid")


def _throttled(response: requests.Response) -> bool:
    if response.status_code != 429:
        return False
    assert response.json()["error"]["code"] == "auth.throttled"
    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW_SECONDS
    return True


def _age_failures(server: Server, username: str, minutes: int) -> None:
    server.execute(update(login_failures).where(login_failures.c.username == username)
                   .values(failed_at=datetime.now(UTC) - timedelta(minutes=minutes)))


def test_after_five_failures_even_the_right_password_gets_429_with_retry_after(server: Server):
    username = add_supervisor(server)
    _fail(server, username)
    assert _throttled(log_in(server, username))
    assert _throttled(log_in(server, username, "wrong password!"))


def test_an_unknown_username_is_throttled_the_same_way(server: Server):
    _fail(server, "nobody-by-this-name")
    assert _throttled(log_in(server, "nobody-by-this-name", "wrong password!"))


def test_other_usernames_are_not_affected(server: Server):
    locked, other = add_supervisor(server), add_supervisor(server)
    _fail(server, locked)
    assert log_in(server, other).status_code == 200


def test_once_the_failures_are_older_than_the_window_the_right_password_works_again(server: Server):
    username = add_supervisor(server)
    _fail(server, username)
    for _ in range(3):  # refused attempts do not count: the wait does not grow
        assert _throttled(log_in(server, username))
    _age_failures(server, username, minutes=14)
    assert _throttled(log_in(server, username))
    _age_failures(server, username, minutes=16)
    assert log_in(server, username).status_code == 200


def test_a_successful_login_forgets_the_earlier_failures(server: Server):
    username = add_supervisor(server)
    _fail(server, username, LIMIT - 1)
    assert log_in(server, username).status_code == 200
    _fail(server, username, LIMIT - 1)
    assert log_in(server, username).status_code == 200


def test_unlock_supervisor_lets_the_username_log_in_at_once(server: Server):
    username = add_supervisor(server)
    _fail(server, username)
    assert server.admin("unlock-supervisor", username).startswith(f"{LIMIT} failed logins of {username} forgotten")
    assert log_in(server, username, SUPERVISOR_PASSWORD).status_code == 200


def test_attempts_made_at_once_get_no_more_password_checks_than_the_limit(server: Server):
    username = add_supervisor(server)
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: log_in(server, username, "wrong password!").status_code, range(12)))
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= LIMIT
