"""The ledger's payments for a visit round's people, for the device that made the round."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Device
from provincial_server.api.responses import errors
from provincial_server.schemas import UUID_PATTERN, RoundPaymentModel, RoundPaymentsModel
from provincial_server.services.rounds import round_payments

router = APIRouter(tags=["rounds"], route_class=JsonRoute)

RoundId = Annotated[str, Path(pattern=UUID_PATTERN)]


@router.get("/rounds/{round_id}/payments", response_model=RoundPaymentsModel, responses=errors(401, 403, 404, 422))
def payments_of_round(round_id: RoundId, device: Device, context: Context) -> RoundPaymentsModel:
    """The point's payments for the people of a visit round this device made, since the round's day, with
    the server's figure of each person's share and whether the receipt was voided."""
    found = round_payments(context.uow(write=False), device, round_id)
    return RoundPaymentsModel(round_id=round_id, receipts=[RoundPaymentModel(
        receipt_number=p.receipt_number, person_key=p.person_key, scheme=p.scheme, paid_on=p.paid_on.isoformat(),
        amount=p.amount, voided=p.voided) for p in found])
