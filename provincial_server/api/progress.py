"""Routes for the year's plan: targets (supervisors) and progress against them (supervisors: any scope; a
device: its own point only)."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from collector_app.domain.progress import SCHEMES
from collector_app.wire import ErrorCode
from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Device, Supervisor
from provincial_server.api.responses import errors
from provincial_server.clock import iso, utc_now
from provincial_server.schemas import (
    PointProgressModel,
    PointsProgressModel,
    ProgressModel,
    Scheme,
    TargetListModel,
    TargetModel,
    TargetRequest,
    TargetsImportModel,
    TargetsImportRequest,
)
from provincial_server.services import progress, targets
from provincial_server.services.errors import Invalid
from provincial_server.store.targets import TargetRow

router = APIRouter(tags=["progress"], route_class=JsonRoute)

PointCode = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,12}$")]
CommuneCode = Annotated[str | None, Query(pattern=r"^[0-9]{5}$")]
Year = Annotated[int, Query(ge=targets.YEARS[0], le=targets.YEARS[1])]


@router.put("/targets/{year}/{point}/{scheme}", response_model=TargetModel,
            responses=errors(400, 401, 403, 404, 413, 422))
def put_target(year: Annotated[int, Path(ge=targets.YEARS[0], le=targets.YEARS[1])], point: PointCode,
               scheme: Scheme, body: TargetRequest, _who: Supervisor, context: Context) -> TargetModel:
    """Set one point's target for a year and scheme (in place of any); its devices pull it on their next sync."""
    row = TargetRow(year, point, scheme, body.participants, body.amount)
    targets.set_targets(context.uow(), [row], now=utc_now())
    return TargetModel(**row._asdict())


@router.post("/targets/import", response_model=TargetsImportModel, responses=errors(400, 401, 403, 404, 413, 422))
def import_targets(body: TargetsImportRequest, _who: Supervisor, context: Context) -> TargetsImportModel:
    """Set the province's plan from a file, as `provincial-server import-targets` does: every line is checked
    first, and one wrong line (named in the message) means nothing is written."""
    try:
        data = base64.b64decode(body.content, validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII at all
        raise Invalid(ErrorCode.REQUEST_INVALID, "content is not base64") from None
    read = targets.read_targets(data)
    if read.error is not None:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"{read.error}; nothing imported")
    written = targets.set_targets(context.uow(), read.targets, now=utc_now())
    return TargetsImportModel(imported=len(read.targets), written=written.written, unchanged=written.unchanged,
                              points=written.points)


@router.get("/targets", response_model=TargetListModel, responses=errors(401, 403, 422))
def get_targets(_who: Supervisor, context: Context, year: Year | None = None,
                point: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{1,12}$")] = None,
                commune: CommuneCode = None) -> TargetListModel:
    """Targets by year, point and scheme: of one point, of a commune's points, or of every point."""
    rows = targets.list_targets(context.uow(write=False), year=year, point_code=point, commune_code=commune)
    return TargetListModel(targets=[TargetModel(**row._asdict()) for row in rows])


def _model(found: progress.ScopeProgress) -> ProgressModel:
    return ProgressModel.model_validate(progress.as_json(found))


@router.get("/progress", response_model=ProgressModel, responses=errors(401, 403, 404, 422))
def get_progress(_who: Supervisor, context: Context, year: Year,
                 scope: Literal["point", "commune", "province"] = "province",
                 code: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{1,12}$")] = None,
                 scheme: Scheme | None = None) -> ProgressModel:
    """Participants (new and renewing), amounts, targets and last year's same months, by month and scheme, of a
    point (`code`: its code), a commune (`code`: the commune's) or the province."""
    if scope != "province" and code is None:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"scope {scope} needs a code")
    found = progress.scope_progress(context.uow(write=False), year=year, scope=scope,
                                    code=None if scope == "province" else code,
                                    schemes=(scheme,) if scheme else SCHEMES, catch_up=context.refresher)
    return _model(found)


@router.get("/progress/mine", response_model=ProgressModel, responses=errors(401, 403, 422))
def get_my_progress(device: Device, context: Context, year: Year) -> ProgressModel:
    """The calling device's point's figures (and no other point's)."""
    return _model(progress.scope_progress(context.uow(write=False), year=year, scope="point",
                                          code=device.point_code, catch_up=context.refresher))


@router.get("/progress/points", response_model=PointsProgressModel, responses=errors(401, 403, 422))
def get_points_progress(
    _who: Supervisor, context: Context, year: Year, commune: CommuneCode = None,
    sort: Literal["behind", "ahead", "code", "participants", "amount"] = "behind",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PointsProgressModel:
    """One row per point (of a commune, or every point) with the year's figures and % of target; `behind`:
    furthest behind plan first (points without a target last)."""
    page = progress.points_progress(context.uow(write=False), year=year, commune_code=commune, sort=sort,
                                    limit=limit, offset=offset, catch_up=context.refresher)
    return PointsProgressModel(year=year, total=page.total, as_of=None if page.as_of is None else iso(page.as_of),
                               points=[PointProgressModel(**row.__dict__) for row in page.points])
