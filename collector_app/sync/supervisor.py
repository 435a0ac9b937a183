"""A supervisor's session on the provincial server (requests, no Qt): log in with the server account, then
call the review API with the session token, which lives in this object only, never on disk.

Failures are the classes of `client.py`, each with one line for the user: a wrong name or password, a
name throttled after too many failures (with the wait), a session the server no longer accepts
(`SessionExpired`: the window asks for the password again and repeats the action).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from collector_app.i18n import _, ngettext
from collector_app.sync.client import (
    Backoff,
    ProtocolError,
    ServerRefused,
    SyncClient,
    SyncError,
    json_object,
    refused,
)
from collector_app.wire import ErrorCode, parse_wire_time

# A person waits for these calls: fewer, shorter tries than a background sync's.
SUPERVISOR_BACKOFF = Backoff(attempts=3, base=0.5, cap=4.0)
SUPERVISOR_TIMEOUT = 20.0


class SessionExpired(ServerRefused):
    """The server answered 401 to a call with the session token: sign in again."""

    @staticmethod
    def text(code: str, message: str) -> str:
        return _("Your supervisor session has ended: sign in to the provincial server again.")


class WrongPassword(ServerRefused):
    """The server refused the username and password."""

    @staticmethod
    def text(code: str, message: str) -> str:
        return _("The username or password is wrong.")


class LoginThrottled(ServerRefused):
    """Too many failed logins with this username lately: `retry_after` seconds to wait."""

    def __init__(self, status: int, code: str, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(status, code, message)
        self.args = (self.wait_text(retry_after),)

    @staticmethod
    def wait_text(seconds: int) -> str:
        minutes = max(1, math.ceil(seconds / 60))
        return ngettext("Too many failed sign-ins with this name: try again in {n} minute.",
                        "Too many failed sign-ins with this name: try again in {n} minutes.", minutes).format(n=minutes)


@dataclass
class SupervisorSession:
    """A signed-in supervisor; `path` of each call is relative to /api/v1 (e.g. "/review/batches")."""

    server_url: str
    username: str
    expires_at: datetime
    _client: SyncClient | None = field(repr=False)  # holds the token; None once closed

    def get_json(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        query = None if params is None else {name: str(value) for name, value in params.items() if value is not None}
        return self._answer(self._open().call("GET", path, params=query, allow=frozenset({401})))

    def post_json(self, path: str, body: Mapping[str, object]) -> dict[str, Any]:
        return self._answer(self._open().call("POST", path, json_body=body, allow=frozenset({401})))

    def put_json(self, path: str, body: Mapping[str, object]) -> dict[str, Any]:
        return self._answer(self._open().call("PUT", path, json_body=body, allow=frozenset({401})))

    def log_out(self) -> None:
        """End the session on the server, then `close`. A server that cannot be reached, or no longer
        knows the session, is no failure: the session then ends when it expires."""
        client = self._client
        if client is not None:
            try:
                client.call("POST", "/auth/logout", allow=frozenset({401, 403}))
            except SyncError:
                pass
        self.close()

    def close(self) -> None:
        """Forget the token (the server lets it expire) and close the connections."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _open(self) -> SyncClient:
        if self._client is None:
            raise SessionExpired(401, ErrorCode.AUTH_MISSING, "signed out")
        return self._client

    def _answer(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code == 401:
            error = refused(response)
            raise SessionExpired(error.status, error.code, error.server_message)
        return json_object(response)


def log_in(server_url: str, username: str, password: str) -> SupervisorSession:
    """Log in with the server account (argon2 on the server, throttled after repeated failures)."""
    login = SyncClient(server_url, None, backoff=SUPERVISOR_BACKOFF, timeout=SUPERVISOR_TIMEOUT)
    try:
        response = login.call("POST", "/auth/login", json_body={"username": username, "password": password},
                              allow=frozenset({401, 429}))
    except Exception:
        login.close()
        raise
    if response.status_code in (401, 429):
        login.close()
        error = refused(response)
        if response.status_code == 429 or error.code == ErrorCode.AUTH_THROTTLED:
            retry_after = response.headers.get("Retry-After", "")
            raise LoginThrottled(error.status, error.code, error.server_message,
                                 int(retry_after) if retry_after.isdigit() else 60)
        raise WrongPassword(error.status, error.code, error.server_message)
    answer = json_object(response)
    token, expires = answer.get("token"), answer.get("expires_at")
    login.close()
    try:
        if not isinstance(token, str) or not isinstance(expires, str):
            raise ValueError("login")
        expires_at = parse_wire_time(expires)
    except ValueError as error:
        raise ProtocolError("login") from error
    session_client = SyncClient(server_url, token, backoff=SUPERVISOR_BACKOFF, timeout=SUPERVISOR_TIMEOUT)
    return SupervisorSession(server_url=login.base_url, username=username, expires_at=expires_at.astimezone(UTC),
                             _client=session_client)
