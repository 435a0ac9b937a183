"""Why an action was refused, as a wire error code and an English message; the API maps each to a status."""

from __future__ import annotations

from collector_app.wire import ErrorCode


class ServiceError(Exception):
    """An action refused; `code` goes out in the error body, `message` says why in English."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Unauthenticated(ServiceError):
    """No valid credential (token, password, enrolment code)."""


class Forbidden(ServiceError):
    """A valid caller asking for what is not theirs."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    """The request contradicts what the server already holds."""


class Invalid(ServiceError):
    """The request is well-formed but cannot be accepted as it is."""


class Throttled(ServiceError):
    """Too many attempts lately: try again in `retry_after` seconds."""

    def __init__(self, code: ErrorCode, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after
