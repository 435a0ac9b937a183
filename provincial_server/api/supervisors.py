"""Routes for supervisors: login, the batches to review with their records and histories, and decisions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from collector_app.wire import Decision
from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Supervisor, SupervisorToken
from provincial_server.api.responses import errors
from provincial_server.clock import iso, utc_now
from provincial_server.schemas import (
    UUID_PATTERN,
    ApprovedRestModel,
    BatchDetailModel,
    BatchListModel,
    BatchSummaryModel,
    BatchTotalsModel,
    DayListModel,
    DayModel,
    DecisionModel,
    DecisionRequest,
    HistoryEventModel,
    LoginRequest,
    LoginResponse,
    RecordHistoryModel,
)
from provincial_server.services.auth import LoginLimits, login, logout
from provincial_server.services.review import (
    BatchFilter,
    approve_rest,
    batch_detail,
    decide,
    list_batches,
    record_history,
    review_state,
    review_status,
)
from provincial_server.services.days import DayRow, list_days
from provincial_server.store.batches import BatchSummaryRow
from provincial_server.store.feed import DecisionRow

# A day a supervisor filters by: within the years the province's records can hold, so that the day
# after the last one (the end of a range) and the first one's instant in UTC both exist.
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]

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


@router.post("/auth/logout", status_code=204, response_class=Response, responses=errors(401, 403, 413))
def log_out(token: SupervisorToken, context: Context) -> Response:
    """End the supervisor's session now: its token is refused from then on (401). The window signs out
    this way, and when it locks."""
    logout(context.uow(), token)
    return Response(status_code=204)


def _summary(row: BatchSummaryRow) -> dict[str, object]:
    return {**row.__dict__, "received_at": iso(row.received_at), "status": review_status(row),
            "state": review_state(row)}


def _decision(row: DecisionRow | None) -> dict[str, object] | None:
    return None if row is None else {"decision": row.decision, "reason": row.reason,
                                     "decided_at": iso(row.decided_at), "supervisor": row.supervisor}


@router.get("/review/batches", response_model=BatchListModel, responses=errors(401, 403, 422))
def review_batches(
    _who: Supervisor,
    context: Context,
    province: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    commune: Annotated[str | None, Query(pattern=r"^[0-9]{5}$")] = None,
    point: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{1,12}$")] = None,
    device: Annotated[str | None, Query(pattern=rf"{UUID_PATTERN}|^[A-Z0-9]{{1,24}}$")] = None,
    received_from: Day | None = None,
    received_to: Day | None = None,
    state: Literal["new", "partly", "reviewed"] | None = None,
    status: Literal["pending", "reviewed"] | None = None,
    sort: Literal["received_at", "point", "total", "pending"] = "received_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    totals: bool = True,
) -> BatchListModel:
    """A page of batches (newest first unless `sort`/`order` say otherwise), with the count and totals of
    every batch the filter matches. Dates are days in Vietnam, `received_to` included. `state`: new (no
    record decided), partly, reviewed (none pending); `status` is the older filter (pending: new or partly).
    `device`: its id or its receipt series. `totals=false` leaves `total` and `totals` out (null): a list
    paging on has them from its first page, and they cost a pass over every matching batch."""
    where = BatchFilter(province=province, commune=commune, point=point, device=device,
                        received_from=received_from, received_to=received_to, state=state or status)
    page = list_batches(context.uow(write=False), where, sort=sort, descending=order == "desc", limit=limit,
                        offset=offset, totals=totals)
    found = page.totals
    return BatchListModel(
        batches=[BatchSummaryModel.model_validate(_summary(row)) for row in page.batches],
        total=None if found is None else found.batches,
        totals=None if found is None else BatchTotalsModel(records=found.records, amount=found.amount,
                                                           pending=found.pending))


@router.get("/review/batches/{batch_id}", response_model=BatchDetailModel, responses=errors(401, 403, 404, 422))
def review_batch(batch_id: Annotated[str, Path(pattern=UUID_PATTERN)], _who: Supervisor,
                 context: Context) -> BatchDetailModel:
    """One batch with every record as received and as a supervisor checks it: the person (citizen ID
    masked), the figures, the server's check, the receipt code's check and the latest decision."""
    summary, records = batch_detail(context.uow(write=False), batch_id, today=utc_now().date())
    return BatchDetailModel.model_validate({**_summary(summary), "records": [
        {**record.__dict__, "decision": _decision(record.decision)} for record in records
    ]})


@router.get("/review/records/{record_id}/history", response_model=RecordHistoryModel,
            responses=errors(401, 403, 404, 422))
def review_history(record_id: Annotated[str, Path(pattern=UUID_PATTERN)], _who: Supervisor,
                   context: Context) -> RecordHistoryModel:
    """Every delivery of the record and every decision on it (who, when, what, why), oldest first."""
    history = record_history(context.uow(write=False), record_id)
    events = [(d.received_at, 0, HistoryEventModel.model_validate({
        "kind": "delivery", "at": iso(d.received_at), "batch_id": d.batch_id, "device_id": d.device_id,
        "point_code": d.point_code, "status": d.status, "code": d.code, "message": d.message,
        "duplicate_of": d.duplicate_of})) for d in history.deliveries]
    events += [(d.decided_at, d.change_id, HistoryEventModel.model_validate({
        "kind": "decision", "at": iso(d.decided_at), "batch_id": d.batch_id, "decision": d.decision,
        "reason": d.reason, "supervisor": d.supervisor, "supersedes": d.supersedes, "change_id": d.change_id}))
        for d in history.decisions]
    # Deliveries come before decisions of the same second (a decision needs the record delivered).
    events.sort(key=lambda event: (event[0], event[1]))
    return RecordHistoryModel(record_id=record_id, events=[event for _at, _id, event in events])


@router.post("/review/batches/{batch_id}/approve-rest", response_model=ApprovedRestModel,
             responses=errors(401, 403, 404, 413, 422))
def review_approve_rest(batch_id: Annotated[str, Path(pattern=UUID_PATTERN)], who: Supervisor,
                        context: Context) -> ApprovedRestModel:
    """Approve every record of the batch still awaiting a decision, in one transaction (again: none)."""
    approved = approve_rest(context.uow(), batch_id, supervisor_id=who.supervisor_id, now=utc_now())
    return ApprovedRestModel(batch_id=batch_id, approved=approved)
def day_model(row: DayRow) -> DayModel:
    return DayModel.model_validate({**row.__dict__, "closed_on": row.closed_on.isoformat(),
                                    "received_at": iso(row.received_at), "matches": row.matches})


@router.get("/review/days", response_model=DayListModel, responses=errors(401, 403, 422))
def review_days(
    _who: Supervisor,
    context: Context,
    point: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{1,12}$")] = None,
    since: Annotated[Day | None, Query(alias="from")] = None,
    until: Annotated[Day | None, Query(alias="to")] = None,
) -> DayListModel:
    """Each point's closed days, newest first: the device's count and figures, and the server's own
    expected cash from the payments and voids it holds (`matches` when the two agree)."""
    rows = list_days(context.uow(write=False), point_code=point, since=since, until=until)
    return DayListModel(days=[day_model(row) for row in rows])


@router.post("/review/records/{record_id}", response_model=DecisionModel,
             responses=errors(400, 401, 403, 404, 409, 413, 422))
def review_record(record_id: Annotated[str, Path(pattern=UUID_PATTERN)], body: DecisionRequest, who: Supervisor,
                  context: Context) -> DecisionModel:
    """Approve or reject an accepted record; the device hears of it on its next pull. A decision on a
    record already decided supersedes the earlier one (kept as it was) and needs a reason."""
    made = decide(context.uow(), record_id, decision=Decision(body.decision), reason=body.reason,
                  supervisor_id=who.supervisor_id, now=utc_now())
    return DecisionModel.model_validate({"record_id": made.record_id, "batch_id": made.batch_id,
                                         "decision": made.decision, "reason": made.reason,
                                         "decided_at": iso(made.decided_at)})
