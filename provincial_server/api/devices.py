"""Routes for devices: enrolment with a one-time code, pulling decisions and policy tables, and downloading
the app's releases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

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
    ReleaseKeyHandoverModel,
    ReleaseModel,
    RoundNoticeModel,
    TargetNoticeModel,
)
from provincial_server.services.changes import changes_since, parse_cursor
from provincial_server.services.enrolment import EnrolmentRequest, enrol_device
from provincial_server.services.releases import ReleaseKeys, offered, release_keys
from provincial_server.services.releases import release_file as found_release

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
        **_release_key_fields(release_keys(context.uow(write=False))),
    )


def _release_key_fields(keys: ReleaseKeys) -> dict[str, Any]:
    """`release_key` and `release_key_handovers`, as the enrolment answer and every changes page carry them."""
    return {"release_key": None if keys.current is None else encode_key(keys.current),
            "release_key_handovers": [ReleaseKeyHandoverModel(key=encode_key(handover.new_key),
                                                              signature=handover.signature)
                                      for handover in keys.handovers]}


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
    releases = offered(context.uow(write=False))
    return ChangesModel(
        cursor=str(found.cursor),
        decisions=[DecisionModel.model_validate({**d.__dict__, "decided_at": iso(d.decided_at)})
                   for d in found.decisions],
        policy_tables=found.policy_tables,
        reference=ReferenceModel(**found.reference.__dict__, public_url=public_url,
                                 **_release_key_fields(releases.keys)),
        more=found.more,
        facilities=[FacilityModel(**facility.__dict__) for facility in found.facilities],
        targets=[TargetNoticeModel(**target.__dict__) for target in found.targets],
        rounds=[RoundNoticeModel(**notice.__dict__) for notice in found.rounds],
        releases=[ReleaseModel(platform=r.platform, version=r.version, file_name=r.file_name, size=r.size,
                               sha256=r.sha256, signature=r.signature, notes=r.notes,
                               published_at=iso(r.published_at)) for r in releases.releases],
    )


@router.get("/releases/{platform}/{version}/file", response_class=FileResponse,
            responses={**errors(401, 403, 404, 422), 200: {"content": {"application/octet-stream": {}}},
                       206: {"description": "The part asked for with Range (a download resumed)."}})
def release_file(
    _device: Device,
    context: Context,
    platform: Annotated[str, Path(pattern=r"^(linux-deb|windows)$")],
    version: Annotated[str, Path(max_length=32, pattern=r"^[0-9]{1,6}(\.[0-9]{1,6}){1,3}$")],
) -> FileResponse:
    """A published installer, to enrolled devices: streamed, and resumable with `Range: bytes=N-`. The device
    checks its size, SHA-256 and the release key's signature (`releases` in `GET /changes`) before use."""
    row = found_release(context.uow(write=False), platform, version)
    return FileResponse(row.path, media_type="application/octet-stream", filename=row.file_name)
