"""The province dashboard for supervisors: one row per collection point, and the totals of the filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Supervisor
from provincial_server.api.responses import errors
from provincial_server.clock import utc_now
from provincial_server.schemas import DashboardModel
from provincial_server.services.dashboard import (
    DEFAULT_SORT,
    PAGE_LIMIT,
    SORT_KEYS,
    YEARS,
    DashboardQuery,
    province_dashboard,
    report_json,
    vietnam_month,
)
from provincial_server.settings import SILENT_DAYS

router = APIRouter(tags=["dashboard"], route_class=JsonRoute)

SortKey = Annotated[str, Query(pattern=f"^({'|'.join(SORT_KEYS)})$")]


@router.get("/dashboard", response_model=DashboardModel, responses=errors(401, 403, 422))
def dashboard(
    _who: Supervisor,
    context: Context,
    year: Annotated[int | None, Query(ge=YEARS[0], le=YEARS[1])] = None,
    month: Annotated[int | None, Query(ge=1, le=12, description="with year; default: this month in Vietnam")] = None,
    province: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
    commune: Annotated[str | None, Query(pattern=r"^[0-9]{5}$")] = None,
    silent_only: bool = False,
    silent_days: Annotated[int | None, Query(ge=SILENT_DAYS[0], le=SILENT_DAYS[1],
                                             description="default: the server's setting (7)")] = None,
    sort: SortKey = DEFAULT_SORT,
    desc: bool = False,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = PAGE_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DashboardModel:
    """Per point: devices and when each last reached the server (silent ones flagged), batches waiting for
    review, records rejected (at receipt, by a supervisor) of the month's batches, money of the month
    against the month before, progress of the year against its target. Default order: furthest behind
    plan first; points without a target last."""
    now = utc_now()
    this_year, this_month = vietnam_month(now)
    year = this_year if year is None else year
    month = month if month is not None else this_month if year == this_year else 12
    query = DashboardQuery(year=year, month=month, province_code=province, commune_code=commune,
                           silent_only=silent_only, sort=sort, descending=desc, limit=limit, offset=offset)
    report = province_dashboard(context.uow(write=False), query,
                                silent_days=silent_days or context.settings.silent_days, now=now,
                                cache=context.dashboard, catch_up=context.refresher)
    return DashboardModel.model_validate(report_json(report))
