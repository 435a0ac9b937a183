"""Routes for sealed batches: upload (idempotent by batch id) and the stored answer.

The upload reads its body itself rather than through a FastAPI body parameter: it is parsed once
(by msgspec; by the stdlib what msgspec refuses), noting whether any number in it is a float (then
the payloads are encoded with `canonical_json`, otherwise the faster way, see `services.canonical`),
and the validated model is not dumped back into copies. Its OpenAPI entry, errors and limits stay
those of a `SealedBatchModel` body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.message import Message
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from provincial_server.api.deps import Context, Device
from provincial_server.api.responses import errors
from provincial_server.clock import utc_now
from provincial_server.schemas import UUID_PATTERN, BatchAnswerModel, SealedBatchModel
from provincial_server.services.batches import batch_answer, receive_batch

router = APIRouter(tags=["batches"])
BatchId = Annotated[str, Path(pattern=UUID_PATTERN)]

BODY_DOCUMENT = {"requestBody": {
    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{SealedBatchModel.__name__}"}}},
    "required": True,
}}
"""The request body as the OpenAPI document shows it (`app.py` adds the model's schemas to the components)."""


def _json(text: str) -> Response:
    return Response(content=text.encode("utf-8"), media_type="application/json")


async def json_body(request: Request) -> bytes:
    """The body (within the size limit) of a request sent as JSON; 422 for another content type."""
    message = Message()
    message["content-type"] = request.headers.get("content-type", "")
    if message.get_content_type() != "application/json" and not message.get_content_type().endswith("+json"):
        raise RequestValidationError([{"type": "model_attributes_type", "loc": ("body",), "input": None,
                                       "msg": "the body must be JSON (Content-Type: application/json)"}])
    return await request.body()


def parse_batch(body: bytes) -> tuple[dict[str, Any], bool]:
    """A sealed batch from a request body, as plain data, and whether it holds no float (nor NaN or infinity).

    The errors are those FastAPI gives for a `SealedBatchModel` body: 422 for JSON that does not
    parse or does not follow the schema, 400 for bytes that are not text.
    """
    floats = False

    def number(text: str) -> float:
        nonlocal floats
        floats = True
        return float(text)

    # msgspec reads JSON twice as fast as the stdlib, into the very same values, and calls `number`
    # for each float as the stdlib would. What it refuses (malformed JSON, but also NaN, a byte
    # order mark or an encoded lone surrogate, which the stdlib reads) goes to the stdlib, which
    # reads it or raises the error FastAPI would.
    try:
        document = msgspec.json.Decoder(float_hook=number).decode(body)
    except (msgspec.DecodeError, ValueError, RecursionError):
        floats = False  # what msgspec saw before it stopped does not count
        document = _parse_with_the_stdlib(body, number)
    try:
        batch = SealedBatchModel.model_validate(document)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None
    return batch.as_wire(), not floats


def _parse_with_the_stdlib(body: bytes, number: Callable[[str], float]) -> Any:
    try:
        return json.loads(body, parse_float=number, parse_constant=number)
    except json.JSONDecodeError as error:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "input": {},
                                       "msg": "JSON decode error", "ctx": {"error": error.msg}}]) from None
    except ValueError:
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from None


@router.post("/batches", response_model=BatchAnswerModel, responses=errors(400, 401, 403, 409, 413, 422),
             openapi_extra=BODY_DOCUMENT)
def upload_batch(device: Device, body: Annotated[bytes, Depends(json_body)], context: Context) -> Response:
    """Store a sealed batch and answer each record; the same batch again gets the same bytes back."""
    batch, without_floats = parse_batch(body)
    received = receive_batch(context.uow(), batch, device=device, policies=context.policies, source="api",
                             now=utc_now(), without_floats=without_floats)
    return _json(received.answer)


@router.get("/batches/{batch_id}", response_model=BatchAnswerModel, responses=errors(401, 403, 404, 422))
def get_batch(batch_id: BatchId, device: Device, context: Context) -> Response:
    """The answer given to one of this device's batches."""
    return _json(batch_answer(context.uow(write=False), batch_id, device=device))
