"""Every error leaves the API as `{"error": {"code", "message"}}` with its status, whatever raised it."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from collector_app.wire import ErrorCode
from provincial_server.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
    Throttled,
    Unauthenticated,
)

log = logging.getLogger("provincial_server")

_STATUS: list[tuple[type[ServiceError], int]] = [
    (Unauthenticated, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409), (Invalid, 422), (Throttled, 429),
]
_HTTP_CODES = {
    400: ErrorCode.REQUEST_INVALID, 404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.REQUEST_TOO_LARGE,
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


async def _service_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    status = next((status for kind, status in _STATUS if isinstance(error, kind)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, Throttled):
        headers = {"Retry-After": str(error.retry_after)}
    return error_response(status, str(error.code), error.message, headers)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid request"))
    extra = len(error.errors()) - 1
    if extra > 0:
        message += f" (and {extra} more)"
    return error_response(422, ErrorCode.REQUEST_INVALID.value, message)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = _HTTP_CODES.get(error.status_code, f"http.{error.status_code}")
    headers = dict(error.headers or {})
    if error.status_code == 413:
        headers["Connection"] = "close"
    return error_response(error.status_code, str(code), str(error.detail), headers or None)


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return error_response(500, ErrorCode.SERVER_ERROR.value, "the server failed to handle this request")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
