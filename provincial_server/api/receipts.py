"""Route for checking a receipt's QR code (devices of the receipt's point, and supervisors)."""

from __future__ import annotations

from fastapi import APIRouter

from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import AnyCaller, Context
from provincial_server.api.responses import errors
from provincial_server.clock import utc_now
from provincial_server.schemas import VerificationModel, VerifyRequest
from provincial_server.services.receipts import verify_receipt

router = APIRouter(tags=["receipts"], route_class=JsonRoute)


@router.post("/receipts/verify", response_model=VerificationModel, responses=errors(400, 401, 403, 413, 422))
def verify(body: VerifyRequest, who: AnyCaller, context: Context) -> VerificationModel:
    """Whether the QR text was signed by the device it names, and whether the server holds its payment as claimed."""
    found = verify_receipt(context.uow(write=False), body.payload, caller=who, now=utc_now())
    return VerificationModel(**found.__dict__)
