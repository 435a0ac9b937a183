"""The error responses each route documents in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from provincial_server.schemas import ErrorModel


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "The body is not JSON.",
        401: "No token, or an unknown, expired or revoked one (`device.revoked`).",
        403: "The caller may not do this (wrong role, or another point's data).",
        404: "No such batch or record.",
        409: "The request contradicts what the server holds.",
        413: "The body is over the size limit.",
        422: "The request does not follow the schema, or cannot be accepted as it is.",
        429: "Too many failed attempts lately: try again after Retry-After seconds.",
    }
    return {status: {"model": ErrorModel, "description": described[status]} for status in statuses}
