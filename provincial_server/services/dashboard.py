"""The province dashboard: per collection point, its devices and the silent ones, what waits for review, what
was rejected, the money of this month against last, and progress against the year's target.

Money and progress are the points' progress figures (`services.progress`, the one rule of
`collector_app.domain.progress`): a month of money is a calendar month of `paid_on` (the date on the
receipt); participants are the month's, counted on its last day (people whose paid period covers it);
payments voided or rejected by a supervisor do not count. Instants (a batch's `received_at`) fall into
the month of their date in Vietnam time (UTC+7, no daylight saving), the time the points work in: a
batch received at 23:30 on 31/10 in Hà Nội (16:30 UTC) is October's. A device is silent when more than
N days (N x 24 hours) have passed since its last contact with the server (its last call, its last batch
received, else its enrolment): exactly N days is not silent yet.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from threading import Lock
from typing import Any

from collector_app.domain.progress import Progress
from collector_app.wire import ErrorCode
from provincial_server.clock import VIETNAM, iso, vietnam_midnight
from provincial_server.services import progress as progress_figures
from provincial_server.services.errors import Invalid
from provincial_server.store.dashboard import DashboardDevice, PointFilter, Rejections, ReviewCounts
from provincial_server.store.unit_of_work import UnitOfWork

SORT_KEYS = ("behind", "point", "name", "commune", "devices", "silent", "pending", "rejected", "this_month",
             "last_month")
DEFAULT_SORT = "behind"  # the sprint view: the points furthest behind plan first
YEARS = (2000, 2099)
PAGE_LIMIT = 1_000  # more than a province's points (one has 276)
PERMILLE = 1_000
CACHED_VIEWS = 32  # filters x months a worker keeps figures for


def vietnam_month(now: datetime) -> tuple[int, int]:
    """The (year, month) it is in Vietnam at `now`."""
    local = now.astimezone(VIETNAM)
    return local.year, local.month


@dataclass(frozen=True)
class DashboardQuery:
    year: int
    month: int
    province_code: str | None = None
    commune_code: str | None = None
    silent_only: bool = False  # only points with at least one silent device
    sort: str = DEFAULT_SORT
    descending: bool = False
    limit: int = PAGE_LIMIT
    offset: int = 0

    def check(self) -> None:
        if not (YEARS[0] <= self.year <= YEARS[1] and 1 <= self.month <= 12):
            raise Invalid(ErrorCode.REQUEST_INVALID, f"no month {self.month} of year {self.year} on the dashboard")
        if self.sort not in SORT_KEYS:
            raise Invalid(ErrorCode.REQUEST_INVALID, f"cannot sort by {self.sort!r}: use one of {', '.join(SORT_KEYS)}")


@dataclass(frozen=True)
class DeviceStatus:
    series: str
    name: str
    last_contact: datetime  # its last call or batch received, else its enrolment
    last_seen_at: datetime | None
    last_batch_at: datetime | None
    silent: bool


@dataclass(frozen=True)
class SchemeProgress:
    """One scheme's figures for the year so far against its target (None: the plan gives none)."""

    participants: int = 0  # the month's participants (covered on its last day)
    amount: int = 0  # VND paid since 1 January, to the end of the month
    target_participants: int | None = None
    target_amount: int | None = None

    def permilles(self) -> list[int]:
        """Each figure that has a target, as thousandths of it (rounded down)."""
        pairs = ((self.participants, self.target_participants), (self.amount, self.target_amount))
        return [figure * PERMILLE // target for figure, target in pairs if target]

    def plus(self, other: SchemeProgress) -> SchemeProgress:
        def added(one: int | None, two: int | None) -> int | None:
            return None if one is None and two is None else (one or 0) + (two or 0)

        return SchemeProgress(self.participants + other.participants, self.amount + other.amount,
                              added(self.target_participants, other.target_participants),
                              added(self.target_amount, other.target_amount))


@dataclass(frozen=True)
class Figures:
    """What the dashboard counts, for one point or added up over many."""

    devices: int = 0
    silent_devices: int = 0
    batches_pending: int = 0
    records_pending: int = 0
    rejected_at_receipt: int = 0
    rejected_by_supervisor: int = 0
    this_month: int = 0  # VND
    last_month: int = 0
    vsi: SchemeProgress = field(default_factory=SchemeProgress)
    family_hi: SchemeProgress = field(default_factory=SchemeProgress)

    @property
    def behind_permille(self) -> int | None:
        """How far along the plan is where it is least far: the lowest of its figures against their
        targets, in thousandths; None when no target is set (never 0 %)."""
        permilles = self.vsi.permilles() + self.family_hi.permilles()
        return min(permilles) if permilles else None

    def plus(self, other: Figures) -> Figures:
        return Figures(
            self.devices + other.devices, self.silent_devices + other.silent_devices,
            self.batches_pending + other.batches_pending, self.records_pending + other.records_pending,
            self.rejected_at_receipt + other.rejected_at_receipt,
            self.rejected_by_supervisor + other.rejected_by_supervisor,
            self.this_month + other.this_month, self.last_month + other.last_month,
            self.vsi.plus(other.vsi), self.family_hi.plus(other.family_hi))


@dataclass(frozen=True)
class PointStatus:
    code: str
    name: str
    province_code: str | None
    commune_code: str | None
    devices: tuple[DeviceStatus, ...]
    figures: Figures


@dataclass(frozen=True)
class DashboardReport:
    year: int
    month: int
    silent_days: int
    as_of: datetime  # the server's time when the figures were read
    participants_on: date  # the day participants are counted on: the month's last
    total: int  # points the filter selects (the page holds `limit` of them from `offset`)
    points: tuple[PointStatus, ...]
    totals: Figures  # over every point the filter selects, not only the page
    # None: money and progress count every batch received. Else batches came after some points' figures were
    # computed (they are being computed again, off the request): when the oldest of those was computed.
    progress_as_of: datetime | None = None


@dataclass(frozen=True)
class _Held:
    """The review figures, which change only with a batch received or a decision made."""

    review: dict[str, ReviewCounts]
    rejections: dict[str, Rejections]


class DashboardCache:
    """Each worker's latest ledger figures of the last few filters and months, with the data version they
    were read at (`store.dashboard.Dashboard.version`); a newer version reads them again."""

    def __init__(self, size: int = CACHED_VIEWS) -> None:
        self._size = size
        self._lock = Lock()  # FastAPI runs sync routes on a thread pool
        self._entries: OrderedDict[Hashable, tuple[Any, _Held]] = OrderedDict()

    def get(self, key: Hashable, version: Any) -> _Held | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, version: Any, held: _Held) -> None:
        with self._lock:
            self._entries[key] = (version, held)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def province_dashboard(uow: UnitOfWork, query: DashboardQuery, *, silent_days: int, now: datetime,
                       cache: DashboardCache | None = None,
                       catch_up: progress_figures.Refresher | None = None) -> DashboardReport:
    """The dashboard for `query` at `now`; with a `cache`, the review figures are read again only when a
    batch or a decision has come since they were (sorting, paging, filtering cost one query). Money and
    progress are the points' stored progress figures (`catch_up`: as `services.progress.figures_of`)."""
    query.check()
    this_month = date(query.year, query.month, 1)
    next_month = _add_month(this_month, 1)
    where = PointFilter(province_code=query.province_code, commune_code=query.commune_code)
    with uow:
        # The version first: figures read after it are at least that new, so none is kept under a newer one.
        version = uow.dashboard.version() if cache is not None else None
        found = uow.dashboard.points(where)
        # The points the filter selects now are part of the key: a point moved to another commune is not
        # left out of (or counted in) figures kept from before.
        key = (where, query.year, query.month, tuple(point.code for point in found))
        held = cache.get(key, version) if cache is not None else None
        devices = uow.dashboard.devices(where)  # last contacts change by the minute: never kept
        if held is None:
            held = _Held(
                review=uow.dashboard.review_counts(where),
                rejections=uow.dashboard.rejections(where, received_from=vietnam_midnight(this_month),
                                                    received_before=vietnam_midnight(next_month)))
            if cache is not None:
                cache.put(key, version, held)
    review, rejections = held.review, held.rejections
    points_figures = progress_figures.figures_of(uow, query.year, [point.code for point in found], catch_up)

    silent_after = timedelta(days=silent_days)
    by_point: dict[str, list[DeviceStatus]] = {}
    for device in devices:
        by_point.setdefault(device.point_code, []).append(_status(device, now=now, silent_after=silent_after))

    statuses = []
    for point in found:
        listed = tuple(by_point.get(point.code, ()))
        waiting = review.get(point.code)
        rejected = rejections.get(point.code)
        progress = points_figures.of[point.code]
        figures = Figures(
            devices=len(listed), silent_devices=sum(device.silent for device in listed),
            batches_pending=waiting.batches_pending if waiting else 0,
            records_pending=waiting.records_pending if waiting else 0,
            rejected_at_receipt=rejected.at_receipt if rejected else 0,
            rejected_by_supervisor=rejected.by_supervisor if rejected else 0,
            this_month=_money(progress, query.month), last_month=_money(progress, query.month - 1),
            vsi=_scheme(progress, "vsi", query.month), family_hi=_scheme(progress, "family_hi", query.month))
        statuses.append(PointStatus(point.code, point.name, point.province_code, point.commune_code, listed, figures))
    if query.silent_only:
        statuses = [status for status in statuses if status.figures.silent_devices]

    totals = Figures()
    for status in statuses:
        totals = totals.plus(status.figures)
    ordered = _sorted(statuses, query.sort, descending=query.descending)
    return DashboardReport(year=query.year, month=query.month, silent_days=silent_days, as_of=now,
                           progress_as_of=points_figures.as_of,
                           participants_on=next_month - timedelta(days=1), total=len(ordered),
                           points=tuple(ordered[query.offset : query.offset + query.limit]), totals=totals)


def _money(progress: Progress, month: int) -> int:
    """Both schemes' money of a month of the year (0: last year's December)."""
    if month == 0:
        return sum(figures.months[-1].last_year_amount for figures in progress.schemes)
    return sum(figures.months[month - 1].amount for figures in progress.schemes)


def _scheme(progress: Progress, scheme: str, month: int) -> SchemeProgress:
    figures = progress.scheme(scheme)
    return SchemeProgress(participants=figures.months[month - 1].participants,
                          amount=sum(figures.months[m].amount for m in range(month)),
                          target_participants=figures.target_participants, target_amount=figures.target_amount)


def _status(device: DashboardDevice, *, now: datetime, silent_after: timedelta) -> DeviceStatus:
    contact = max(moment for moment in (device.last_seen_at, device.last_batch_at, device.enrolled_at)
                  if moment is not None)
    return DeviceStatus(series=device.series, name=device.name, last_contact=contact, last_seen_at=device.last_seen_at,
                        last_batch_at=device.last_batch_at, silent=now - contact > silent_after)


_SORT: dict[str, Callable[[PointStatus], Any]] = {
    "behind": lambda p: p.figures.behind_permille,
    "point": lambda p: p.code,
    "name": lambda p: p.name.casefold(),
    "commune": lambda p: p.commune_code,
    "devices": lambda p: p.figures.devices,
    "silent": lambda p: p.figures.silent_devices,
    "pending": lambda p: p.figures.batches_pending,
    "rejected": lambda p: p.figures.rejected_at_receipt + p.figures.rejected_by_supervisor,
    "this_month": lambda p: p.figures.this_month,
    "last_month": lambda p: p.figures.last_month,
}


def _sorted(statuses: list[PointStatus], sort: str, *, descending: bool) -> list[PointStatus]:
    """By `sort`, then by point code; points without the figure (no target, no commune) last either way."""
    key = _SORT[sort]
    known = sorted((s for s in statuses if key(s) is not None), key=lambda s: s.code)
    known.sort(key=key, reverse=descending)  # stable: equal figures stay in code order
    return known + sorted((s for s in statuses if key(s) is None), key=lambda s: s.code)


def _add_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def report_json(report: DashboardReport) -> dict[str, Any]:
    """The report as `GET /dashboard` and `provincial-server dashboard --json` give it (times in wire form)."""

    def when(moment: datetime | None) -> str | None:
        return None if moment is None else iso(moment)

    def progress(scheme: SchemeProgress) -> dict[str, Any]:
        return {"participants": scheme.participants, "amount": scheme.amount,
                "target_participants": scheme.target_participants, "target_amount": scheme.target_amount}

    def figures(counted: Figures) -> dict[str, Any]:
        return {"devices": counted.devices, "silent_devices": counted.silent_devices,
                "batches_pending": counted.batches_pending, "records_pending": counted.records_pending,
                "rejected_at_receipt": counted.rejected_at_receipt,
                "rejected_by_supervisor": counted.rejected_by_supervisor,
                "this_month": counted.this_month, "last_month": counted.last_month,
                "vsi": progress(counted.vsi), "family_hi": progress(counted.family_hi),
                "behind_permille": counted.behind_permille}

    return {
        "year": report.year, "month": report.month, "silent_days": report.silent_days, "as_of": iso(report.as_of),
        "progress_as_of": None if report.progress_as_of is None else iso(report.progress_as_of),
        "participants_on": report.participants_on.isoformat(), "total": report.total,
        "points": [{
            "point_code": point.code, "name": point.name, "province_code": point.province_code,
            "commune_code": point.commune_code,
            "device_list": [{"series": d.series, "name": d.name, "last_contact": iso(d.last_contact),
                             "last_seen_at": when(d.last_seen_at), "last_batch_at": when(d.last_batch_at),
                             "silent": d.silent} for d in point.devices],
            **figures(point.figures),
        } for point in report.points],
        "totals": figures(report.totals),
    }
