"""Limits: a request body limit that answers 413 in the API's JSON shape, before the body is read;
token buckets for the public receipt page.

A declared Content-Length over the limit is refused at once; a body without one (chunked) is
counted as it arrives and refused once it passes the limit, so it is never held whole.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from collector_app.wire import ErrorCode


def too_large_message(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = {"error": {"code": ErrorCode.REQUEST_TOO_LARGE.value, "message": too_large_message(self.max_bytes)}}
            # Connection: close, since the unread body cannot be skipped to reach a next request.
            await JSONResponse(body, status_code=413, headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    await _discard_rest(receive, self.max_bytes)
                    # Raised inside the request handler's body read: FastAPI re-raises an
                    # HTTPException and the API's handler turns it into the JSON 413.
                    raise HTTPException(status_code=413, detail=too_large_message(self.max_bytes))
            return message

        await self.app(scope, counting_receive, send)


async def _discard_rest(receive: Receive, limit: int) -> None:
    """Read and drop what is left of the body, up to another `limit` bytes, before answering.

    Closing the connection on a client still sending makes its kernel reset the connection and
    the client never reads the 413 (nginx's "lingering close" does the same); a body beyond twice
    the limit is cut off anyway.
    """
    discarded = 0
    while discarded <= limit:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        discarded += len(message.get("body", b""))


class TokenBuckets:
    """A token bucket per client address: up to `per_minute` requests at once, then one every
    60 / `per_minute` seconds. In the worker's memory (each worker counts apart): enough to keep one
    address from scraping or hammering the public page, which needs no account.
    """

    _MAX_CLIENTS = 10_000  # past this, full buckets (clients quiet for a minute) are forgotten

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._per_second = per_minute / 60
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when counted)
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def take(self, client: str) -> float:
        """0 when `client` may go ahead (a token is spent); else the seconds until its next token."""
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(client, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - then) * self._per_second)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return (1 - tokens) / self._per_second
            if len(self._buckets) >= self._MAX_CLIENTS and client not in self._buckets:
                self._forget_full(now)
                if len(self._buckets) >= self._MAX_CLIENTS:  # that many busy addresses: memory stays bounded
                    self._buckets.clear()
            self._buckets[client] = (tokens - 1, now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        full = [client for client, (tokens, then) in self._buckets.items()
                if tokens + (now - then) * self._per_second >= self._capacity]
        for client in full:
            del self._buckets[client]
