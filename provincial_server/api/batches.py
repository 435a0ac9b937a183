"""Routes for sealed batches: upload (idempotent by batch id) and the stored answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from provincial_server.api.deps import Context, Device
from provincial_server.api.responses import errors
from provincial_server.clock import utc_now
from provincial_server.schemas import UUID_PATTERN, BatchAnswerModel, SealedBatchModel
from provincial_server.services.batches import batch_answer, receive_batch

router = APIRouter(tags=["batches"])
BatchId = Annotated[str, Path(pattern=UUID_PATTERN)]


def _json(text: str) -> Response:
    return Response(content=text.encode("utf-8"), media_type="application/json")


@router.post("/batches", response_model=BatchAnswerModel, responses=errors(400, 401, 403, 409, 413, 422))
def upload_batch(batch: SealedBatchModel, device: Device, context: Context) -> Response:
    """Store a sealed batch and answer each record; the same batch again gets the same bytes back."""
    received = receive_batch(context.uow(), batch.model_dump(), device=device, policies=context.policies,
                             source="api", now=utc_now())
    return _json(received.answer)


@router.get("/batches/{batch_id}", response_model=BatchAnswerModel, responses=errors(401, 403, 404, 422))
def get_batch(batch_id: BatchId, device: Device, context: Context) -> Response:
    """The answer given to one of this device's batches."""
    return _json(batch_answer(context.uow(write=False), batch_id, device=device))
