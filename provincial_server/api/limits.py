"""A request body limit that answers 413 in the API's JSON shape, before the body is read.

A declared Content-Length over the limit is refused at once; a body without one (chunked) is
counted as it arrives and refused once it passes the limit, so it is never held whole.
"""

from __future__ import annotations

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
