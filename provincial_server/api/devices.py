"""Routes for devices: enrolment with a one-time code, and pulling decisions and policy tables."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from collector_app.wire import decode_key, encode_key
from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Device, PublicUrl
from provincial_server.api.responses import errors
from provincial_server.clock import iso, utc_now
from provincial_server.schemas import (
    ChangesModel,
    DecisionModel,
    EnrolRequest,
    EnrolResponse,
    FacilityModel,
    ReferenceModel,
    RoundNoticeModel,
    TargetNoticeModel,
)
from provincial_server.services.changes import changes_since, parse_cursor
from provincial_server.services.enrolment import EnrolmentRequest, enrol_device

router = APIRouter(tags=["devices"], route_class=JsonRoute)


@router.post("/devices/enrol", response_model=EnrolResponse, responses=errors(400, 401, 403, 409, 413, 422))
def enrol(body: EnrolRequest, context: Context, public_url: PublicUrl) -> EnrolResponse:
    """Spend a one-time enrolment code: the device gets its token and the server's public key.

    The code is the credential here; no bearer token is needed. With `signature` (the device key's
    signature of the code, device id and key), the same request may be sent again after a lost
    reply: until the token is first used, and while the code is valid, it gets a fresh token in
    place of the first. Enrolling a known device again with a new code needs the signature too.
    """
    request = EnrolmentRequest(code=body.code, device_id=body.device_id, device_name=body.device_name,
                               public_key=decode_key(body.public_key), device_code=body.device_code,
                               signature=body.signature)
    enrolled = enrol_device(context.uow(), request, now=utc_now())
    device = enrolled.device
    return EnrolResponse(
        device_id=device.device_id, point_code=device.point_code, point_name=enrolled.point_name,
        device_code=device.device_code, series=device.series, token=enrolled.token,
        server_public_key=encode_key(enrolled.server_public_key), public_url=public_url,
    )


@router.get("/changes", response_model=ChangesModel, responses=errors(401, 403, 422))
def changes(
    device: Device,
    context: Context,
    public_url: PublicUrl,
    since: Annotated[str | None, Query(max_length=18, pattern=r"^[0-9]*$",
                                       description="The cursor of the previous pull; none for all.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> ChangesModel:
    """Decisions on this device's point's records, policy tables, initial health-care facilities and the
    point's yearly targets, published after `since`."""
    found = changes_since(context.uow(write=False), device, parse_cursor(since),
                          limit=limit or context.settings.changes_page)
    return ChangesModel(
        cursor=str(found.cursor),
        decisions=[DecisionModel.model_validate({**d.__dict__, "decided_at": iso(d.decided_at)})
                   for d in found.decisions],
        policy_tables=found.policy_tables,
        reference=ReferenceModel(**found.reference.__dict__, public_url=public_url),
        more=found.more,
        facilities=[FacilityModel(**facility.__dict__) for facility in found.facilities],
        targets=[TargetNoticeModel(**target.__dict__) for target in found.targets],
        rounds=[RoundNoticeModel(**notice.__dict__) for notice in found.rounds],
    )
