"""The province dashboard as the provincial server computes it (`GET /dashboard`), read into frozen rows.

Works through any `JsonSource`: a supervisor's session with the server (its token in memory only).
Every figure is the server's, computed from what it accepted; nothing here adds anything up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from collector_app.sync.client import ProtocolError
from collector_app.wire import parse_wire_time

ALL_POINTS = 1_000  # the most the server gives in one answer: more than a province's points


class JsonSource(Protocol):
    """What the dashboard needs of a supervisor's session: a GET under /api/v1 answered with JSON."""

    def get_json(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DashboardRequest:
    year: int
    month: int
    sort: str = "behind"
    descending: bool = False
    silent_only: bool = False
    province_code: str | None = None
    commune_code: str | None = None

    def params(self) -> dict[str, object]:
        params: dict[str, object] = {"year": self.year, "month": self.month, "sort": self.sort,
                                     "desc": "true" if self.descending else "false",
                                     "silent_only": "true" if self.silent_only else "false", "limit": ALL_POINTS}
        if self.province_code:
            params["province"] = self.province_code
        if self.commune_code:
            params["commune"] = self.commune_code
        return params


@dataclass(frozen=True)
class DeviceLine:
    series: str
    name: str
    last_contact: datetime
    silent: bool


@dataclass(frozen=True)
class SchemeLine:
    participants: int
    amount: int  # VND, since 1 January
    target_participants: int | None  # None: no target for the year
    target_amount: int | None


@dataclass(frozen=True)
class DashboardFigures:
    devices: int
    silent_devices: int
    batches_pending: int
    records_pending: int
    rejected_at_receipt: int
    rejected_by_supervisor: int
    this_month: int  # VND
    last_month: int
    vsi: SchemeLine
    family_hi: SchemeLine
    behind_permille: int | None  # the lowest figure against its target, in thousandths; None: no target


@dataclass(frozen=True)
class DashboardPoint:
    code: str
    name: str
    province_code: str | None
    commune_code: str | None
    devices: tuple[DeviceLine, ...]
    figures: DashboardFigures


@dataclass(frozen=True)
class Dashboard:
    year: int
    month: int
    silent_days: int
    as_of: datetime
    participants_on: date
    points: tuple[DashboardPoint, ...]
    totals: DashboardFigures
    # None: money and progress count every batch the server holds; else when the oldest figures were computed
    # (the server is counting batches received since).
    progress_as_of: datetime | None = None


def fetch_dashboard(source: JsonSource, request: DashboardRequest) -> Dashboard:
    """Every point the request selects, in its order; ProtocolError if the answer is not the dashboard's."""
    answer = source.get_json("/dashboard", request.params())
    try:
        return _dashboard(answer)
    except (KeyError, TypeError, ValueError) as error:
        raise ProtocolError(f"dashboard: {type(error).__name__}: {error}") from None


def _dashboard(answer: dict[str, Any]) -> Dashboard:
    return Dashboard(
        year=_int(answer["year"]), month=_int(answer["month"]), silent_days=_int(answer["silent_days"]),
        as_of=parse_wire_time(answer["as_of"]), participants_on=date.fromisoformat(answer["participants_on"]),
        points=tuple(DashboardPoint(
            code=_text(point["point_code"]), name=_text(point["name"]),
            province_code=_optional_text(point["province_code"]), commune_code=_optional_text(point["commune_code"]),
            devices=tuple(DeviceLine(series=_text(device["series"]), name=_text(device["name"]),
                                     last_contact=parse_wire_time(device["last_contact"]),
                                     silent=_bool(device["silent"])) for device in point["device_list"]),
            figures=_figures(point)) for point in answer["points"]),
        totals=_figures(answer["totals"]),
        progress_as_of=None if answer.get("progress_as_of") is None else parse_wire_time(answer["progress_as_of"]))


def _figures(figures: dict[str, Any]) -> DashboardFigures:
    return DashboardFigures(
        devices=_int(figures["devices"]), silent_devices=_int(figures["silent_devices"]),
        batches_pending=_int(figures["batches_pending"]), records_pending=_int(figures["records_pending"]),
        rejected_at_receipt=_int(figures["rejected_at_receipt"]),
        rejected_by_supervisor=_int(figures["rejected_by_supervisor"]),
        this_month=_int(figures["this_month"]), last_month=_int(figures["last_month"]),
        vsi=_scheme(figures["vsi"]), family_hi=_scheme(figures["family_hi"]),
        behind_permille=_optional_int(figures["behind_permille"]))


def _scheme(scheme: dict[str, Any]) -> SchemeLine:
    return SchemeLine(participants=_int(scheme["participants"]), amount=_int(scheme["amount"]),
                      target_participants=_optional_int(scheme["target_participants"]),
                      target_amount=_optional_int(scheme["target_amount"]))


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value
