"""Reading a JSON request body, the one way every route does: bounded in depth, any fault a 422 `request.invalid`.

`read_json` parses (msgspec, then the standard library for what msgspec refuses, such as NaN) and
refuses a document nested deeper than `MAX_JSON_DEPTH`, text that is not UTF-8 or not JSON, and
numbers Python will not read; the size is bounded before, by `limits.BodySizeLimit`. Routes with a
pydantic body get it through `JsonRoute` (every router's `route_class`); the batch upload, which
reads its own body, calls `read_json` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

import msgspec
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

MAX_JSON_DEPTH = 32
"""Arrays and objects within each other, at most: a batch (the deepest body) nests 6."""


def read_json(body: bytes) -> Any:
    """The JSON document in `body`; RequestValidationError (422) for anything that is not one within the bounds."""
    return _read(body, None)


def read_json_noting_floats(body: bytes) -> tuple[Any, bool]:
    """`read_json`, and whether the document holds a float, NaN or an infinity (as opposed to integers only)."""
    floats = False

    def number(text: str) -> float:
        nonlocal floats
        floats = True
        return float(text)

    def again() -> None:
        nonlocal floats
        floats = False  # what msgspec saw before it stopped does not count

    return _read(body, number, again), floats


def _read(body: bytes, float_hook: Callable[[str], float] | None, retrying: Callable[[], None] = lambda: None) -> Any:
    # msgspec reads JSON twice as fast as the stdlib, into the very same values, and calls the hook
    # for each float as the stdlib would. What it refuses (malformed JSON, but also NaN, a byte
    # order mark or an encoded lone surrogate, which the stdlib reads) goes to the stdlib, which
    # reads it or says what is wrong.
    try:
        document = msgspec.json.Decoder(float_hook=float_hook).decode(body)
    except (msgspec.DecodeError, ValueError, RecursionError):
        retrying()
        document = _read_with_the_stdlib(body, float_hook or float)
    if _deeper_than(document, MAX_JSON_DEPTH):
        raise _invalid("too_deep", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    return document


def _read_with_the_stdlib(body: bytes, float_hook: Callable[[str], Any]) -> Any:
    try:
        return json.loads(body, parse_float=float_hook, parse_constant=float_hook)
    except json.JSONDecodeError as error:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "input": {},
                                       "msg": "JSON decode error", "ctx": {"error": error.msg}}]) from None
    except UnicodeDecodeError:
        raise _invalid("json_invalid", "the body is not UTF-8 text") from None
    except RecursionError:
        raise _invalid("too_deep", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise _invalid("json_invalid", f"the JSON cannot be read: {str(error).split(';')[0]}") from None


def _invalid(kind: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body",), "input": None, "msg": message}])


_CONTAINERS = frozenset((dict, list))


def _deeper_than(value: Any, room: int) -> bool:
    """Whether `value` holds arrays or objects more than `room` levels deep (`value` itself the first).

    About 1 ms for a batch of 500 payments: every container is visited, scalars only looked at.
    """
    if type(value) not in _CONTAINERS:
        return False
    if room == 0:
        return True
    for child in value.values() if type(value) is dict else value:
        if type(child) in _CONTAINERS and _deeper_than(child, room - 1):
            return True
    return False


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

    (FastAPI would read it with the standard library and answer 400 to what that cannot read.)
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
