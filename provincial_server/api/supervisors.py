"""Routes for supervisors: login, the batches to review, and decisions on records."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from collector_app.wire import Decision
from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Supervisor
from provincial_server.api.responses import errors
from provincial_server.clock import iso, utc_now
from provincial_server.schemas import (
    UUID_PATTERN,
    BatchDetailModel,
    BatchListModel,
    BatchSummaryModel,
    DayListModel,
    DayModel,
    DecisionModel,
    DecisionRequest,
    LoginRequest,
    LoginResponse,
)
from provincial_server.services.auth import LoginLimits, login
from provincial_server.services.days import DayRow, list_days
from provincial_server.services.review import batch_detail, decide, list_batches, review_status
from provincial_server.store.batches import BatchSummaryRow

router = APIRouter(tags=["supervisors"], route_class=JsonRoute)


@router.post("/auth/login", response_model=LoginResponse, responses=errors(400, 401, 413, 422, 429))
def log_in(body: LoginRequest, context: Context) -> LoginResponse:
    """A supervisor's session token, valid until `expires_at`.

    After 5 failed logins with one username within 15 minutes (the defaults), that username gets 429
    `auth.throttled` (with Retry-After), even with the right password, until the oldest is 15 minutes old.
    """
    settings = context.settings
    session = login(context.uow, body.username, body.password, now=utc_now(),
                    lifetime=timedelta(minutes=settings.session_minutes),
                    limits=LoginLimits(failures=settings.login_failures,
                                       window=timedelta(minutes=settings.login_window_minutes)))
    return LoginResponse(token=session.token, expires_at=iso(session.expires_at))


def _summary(row: BatchSummaryRow) -> dict[str, object]:
    return {**row.__dict__, "received_at": iso(row.received_at), "status": review_status(row)}


@router.get("/review/batches", response_model=BatchListModel, responses=errors(401, 403, 422))
def review_batches(
    _who: Supervisor,
    context: Context,
    point: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{1,12}$")] = None,
    status: Literal["pending", "reviewed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> BatchListModel:
    """Batches, newest first, of one point or all; `pending` ones still have records to decide."""
    rows = list_batches(context.uow(write=False), point_code=point, status=status, limit=limit, offset=offset)
    return BatchListModel(batches=[BatchSummaryModel.model_validate(_summary(row)) for row in rows])


@router.get("/review/batches/{batch_id}", response_model=BatchDetailModel, responses=errors(401, 403, 404, 422))
def review_batch(batch_id: Annotated[str, Path(pattern=UUID_PATTERN)], _who: Supervisor,
                 context: Context) -> BatchDetailModel:
    """One batch with every record as received, the server's answer and the review so far."""
    summary, records = batch_detail(context.uow(write=False), batch_id)
    return BatchDetailModel.model_validate({**_summary(summary), "records": [
        {**r.__dict__, "payload": None if r.payload is None else json.loads(r.payload)} for r in records
    ]})


def day_model(row: DayRow) -> DayModel:
    return DayModel.model_validate({**row.__dict__, "closed_on": row.closed_on.isoformat(),
                                    "received_at": iso(row.received_at), "matches": row.matches})


@router.get("/review/days", response_model=DayListModel, responses=errors(401, 403, 422))
def review_days(
    _who: Supervisor,
    context: Context,
    point: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{1,12}$")] = None,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
) -> DayListModel:
    """Each point's closed days, newest first: the device's count and figures, and the server's own
    expected cash from the payments and voids it holds (`matches` when the two agree)."""
    rows = list_days(context.uow(write=False), point_code=point, since=since, until=until)
    return DayListModel(days=[day_model(row) for row in rows])


@router.post("/review/records/{record_id}", response_model=DecisionModel,
             responses=errors(400, 401, 403, 404, 409, 413, 422))
def review_record(record_id: Annotated[str, Path(pattern=UUID_PATTERN)], body: DecisionRequest, who: Supervisor,
                  context: Context) -> DecisionModel:
    """Approve or reject an accepted record; the device hears of it on its next pull."""
    made = decide(context.uow(), record_id, decision=Decision(body.decision), reason=body.reason,
                  supervisor_id=who.supervisor_id, now=utc_now())
    return DecisionModel.model_validate({**made.__dict__, "decided_at": iso(made.decided_at)})
