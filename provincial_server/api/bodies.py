"""Reading a JSON request body, the one way every route does: `services.json_input`, faults a 422 `request.invalid`.

Routes with a pydantic body get it through `JsonRoute` (every router's `route_class`); the batch
upload, which reads its own body, calls `read_json_noting_floats` itself. The size is bounded
before, by `limits.BodySizeLimit`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from provincial_server.services import json_input
from provincial_server.services.json_input import NotJson


def read_json(body: bytes) -> Any:
    """The JSON document in `body`; RequestValidationError (422) for anything that is not one within the bounds."""
    try:
        return json_input.read_json(body)
    except NotJson as error:
        raise _invalid(error) from None


def read_json_noting_floats(body: bytes) -> tuple[Any, bool]:
    """`read_json`, and whether the document holds a float, NaN or an infinity."""
    try:
        return json_input.read_json_noting_floats(body)
    except NotJson as error:
        raise _invalid(error) from None


def _invalid(error: NotJson) -> RequestValidationError:
    if error.fault == "json_invalid":  # as FastAPI words it
        return RequestValidationError([{"type": "json_invalid", "loc": ("body", error.position), "input": {},
                                        "msg": error.message, "ctx": {"error": error.detail}}])
    return RequestValidationError([{"type": error.fault, "loc": ("body",), "input": None, "msg": error.message}])


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON (`application/json`, `application/…+json`)."""
    message = Message()
    message["content-type"] = content_type or ""
    return message.get_content_type() == "application/json" or message.get_content_type().endswith("+json")


class _BoundedRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_document"):
            self._document = read_json(await self.body())
        return self._document


class JsonRoute(APIRoute):
    """A route whose JSON body is read by `read_json`, its faults answered 422 before FastAPI sees the body.

    (FastAPI would read it with the standard library and answer 400 to what that cannot read, or 500.)
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def bounded(request: Request) -> Response:
            request = _BoundedRequest(request.scope, request.receive)
            if is_json(request.headers.get("content-type")) and await request.body():
                await request.json()  # read here, so that its RequestValidationError reaches the 422 handler
            return await handler(request)

        return bounded
