"""Routes for sealed batches: upload (idempotent by batch id) and the stored answer.

The upload reads its body itself rather than through a FastAPI body parameter: it is parsed once
(`bodies.read_json_noting_floats`: msgspec, the stdlib for what msgspec refuses, bounded in depth),
noting whether any number in it is a float (then the payloads are encoded with `canonical_json`,
otherwise the faster way, see `services.canonical`), and the validated model is not dumped back
into copies. Its OpenAPI entry, errors and limits stay
those of a `SealedBatchModel` body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from provincial_server.api.bodies import JsonRoute, is_json, read_json_noting_floats
from provincial_server.api.deps import Context, Device
from provincial_server.api.responses import errors
from provincial_server.clock import utc_now
from provincial_server.schemas import UUID_PATTERN, BatchAnswerModel, SealedBatchModel
from provincial_server.services.batches import batch_answer, receive_batch

router = APIRouter(tags=["batches"], route_class=JsonRoute)
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
    if not is_json(request.headers.get("content-type")):
        raise RequestValidationError([{"type": "model_attributes_type", "loc": ("body",), "input": None,
                                       "msg": "the body must be JSON (Content-Type: application/json)"}])
    return await request.body()


def parse_batch(body: bytes) -> tuple[dict[str, Any], bool]:
    """A sealed batch from a request body, as plain data, and whether it holds no float (nor NaN or infinity).

    The errors are those FastAPI gives for a `SealedBatchModel` body read by `bodies.read_json`: 422
    for a body that is not JSON within the bounds or does not follow the schema.
    """
    document, floats = read_json_noting_floats(body)
    try:
        batch = SealedBatchModel.model_validate(document)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None
    return batch.as_wire(), not floats


@router.post("/batches", response_model=BatchAnswerModel, responses=errors(400, 401, 403, 409, 413, 422),
             openapi_extra=BODY_DOCUMENT)
def upload_batch(device: Device, body: Annotated[bytes, Depends(json_body)], context: Context) -> Response:
    """Store a sealed batch and answer each record; the same batch again gets the same bytes back."""
    batch, without_floats = parse_batch(body)
    received = receive_batch(context.uow(), batch, device=device, policies=context.policies, source="api",
                             now=utc_now(), without_floats=without_floats)
    context.refresher.moved(received.moved)
    return _json(received.answer)


@router.get("/batches/{batch_id}", response_model=BatchAnswerModel, responses=errors(401, 403, 404, 422))
def get_batch(batch_id: BatchId, device: Device, context: Context) -> Response:
    """The answer given to one of this device's batches."""
    return _json(batch_answer(context.uow(write=False), batch_id, device=device))
