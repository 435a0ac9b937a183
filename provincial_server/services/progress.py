"""Progress against the plan for a point, a commune (its points) or the province (every point), computed
by `collector_app.domain.progress` from the ledger (payments net of voids) and the targets.

Cached: each worker keeps the latest figures it computed, keyed by the question and a stamp of the
data (batches received, the feed's last change). A new batch (the only way payments and voids arrive)
or a target changed (it appends a change) makes a new stamp, so a figure is never served stale; asking
the stamp costs two index reads, against a scan of the scope's payments.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from collector_app.domain.progress import SCHEMES, Cover, Progress, Takings, Target, compute_progress
from collector_app.wire import ErrorCode
from provincial_server.services.errors import NotFound
from provincial_server.store.unit_of_work import UnitOfWork

Scope = Literal["point", "commune", "province"]
Sort = Literal["behind", "ahead", "code", "participants", "amount"]
CACHED = 256  # answers kept per worker


@dataclass(frozen=True)
class ScopeProgress:
    scope: Scope
    code: str | None  # the point's or commune's code; None for the province
    name: str | None  # the point's name
    points: tuple[str, ...]  # the points added up
    progress: Progress


@dataclass(frozen=True)
class PointProgress:
    """One point's figures for the year, both schemes added up where a sum means something."""

    code: str
    name: str
    commune_code: str | None
    participants: int  # per scheme, added: a person in both schemes counts twice, as the plan counts them
    new: int
    amount: int
    target_participants: int | None
    target_amount: int | None
    percent: float | None  # participants of the target; None without a target


@dataclass(frozen=True)
class PointsPage:
    total: int
    points: list[PointProgress]


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: OrderedDict[tuple[object, ...], object] = OrderedDict()

    def get(self, key: tuple[object, ...], compute: Callable[[], object]) -> object:
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
                return self._held[key]
        value = compute()
        with self._lock:
            self._held[key] = value
            while len(self._held) > CACHED:
                self._held.popitem(last=False)
        return value


_cache = _Cache()


def _window(year: int) -> tuple[date, date]:
    return date(year - 1, 1, 1), date(year, 12, 31)


def scope_progress(uow: UnitOfWork, *, year: int, scope: Scope, code: str | None,
                   schemes: Sequence[str] = SCHEMES) -> ScopeProgress:
    """The figures of a point, a commune or the province (NotFound: no such point, or a commune with none)."""
    with uow:
        if scope == "point":
            assert code is not None
            names = uow.targets.point_names([code])
            if code not in names:
                raise NotFound(ErrorCode.NOT_FOUND, f"no collection point {code}")
            codes: list[str] | None = [code]
        elif scope == "commune":
            assert code is not None
            codes = uow.targets.point_codes(code)
            if not codes:
                raise NotFound(ErrorCode.NOT_FOUND, f"no collection point is in commune {code}")
            names = {}
        else:
            codes, names = None, {}  # every point: no list in the queries
        key = ("scope", year, scope, code, tuple(schemes), uow.progress.stamp())

        def compute() -> ScopeProgress:
            start, end = _window(year)
            covers = [cover for _point, cover in uow.progress.covers(codes, start, end)]
            takings = [taken for _point, taken in uow.progress.takings(codes, start, end)]
            targets = [Target(row.scheme, row.participants, row.amount) for row in uow.targets.of(year, codes)]
            progress = compute_progress(year, covers, uow.progress.first_covered(codes, start, end), takings,
                                        targets, schemes)
            return ScopeProgress(scope=scope, code=code, name=names[code][0] if scope == "point" and code else None,
                                 points=tuple(codes if codes is not None else uow.targets.point_codes(None)),
                                 progress=progress)

        found = _cache.get(key, compute)
    assert isinstance(found, ScopeProgress)
    return found


def as_json(found: ScopeProgress) -> dict[str, object]:
    """The figures as the API and `provincial-server progress --json` give them."""
    return {
        "year": found.progress.year, "scope": found.scope, "code": found.code, "name": found.name,
        "points": list(found.points),
        "schemes": [{**{name: value for name, value in figures.__dict__.items() if name != "months"},
                     "participants_percent": figures.participants_percent,
                     "amount_percent": figures.amount_percent,
                     "months": [month.__dict__ for month in figures.months]} for figures in found.progress.schemes],
    }


def points_progress(uow: UnitOfWork, *, year: int, commune_code: str | None, sort: Sort, limit: int,
                    offset: int) -> PointsPage:
    """One row per point (of a commune, or every point) with its figures for the year, sorted and paged."""
    with uow:
        key = ("points", year, commune_code, uow.progress.stamp())

        def compute() -> list[PointProgress]:
            codes = uow.targets.point_codes(commune_code)
            names = uow.targets.point_names(codes if commune_code is not None else None)
            scope = codes if commune_code is not None else None
            start, end = _window(year)
            covers: dict[str, list[Cover]] = {}
            for point, cover in uow.progress.covers(scope, start, end):
                covers.setdefault(point, []).append(cover)
            takings: dict[str, list[Takings]] = {}
            for point, taken in uow.progress.takings(scope, start, end):
                takings.setdefault(point, []).append(taken)
            targets: dict[str, list[Target]] = {}
            for row in uow.targets.of(year, scope):
                targets.setdefault(row.point_code, []).append(Target(row.scheme, row.participants, row.amount))
            first = uow.progress.first_covered(scope, start, end)
            rows = []
            for point in codes:
                progress = compute_progress(year, covers.get(point, []), first, takings.get(point, []),
                                            targets.get(point, []))
                rows.append(_point_row(point, names[point], progress))
            return rows

        found = _cache.get(key, compute)
    assert isinstance(found, list)
    rows: list[PointProgress] = sorted(found, key=_SORTS[sort])
    return PointsPage(total=len(rows), points=rows[offset : offset + limit])


def _point_row(code: str, named: tuple[str, str | None], progress: Progress) -> PointProgress:
    schemes = progress.schemes
    planned = [figures.target_participants for figures in schemes if figures.target_participants is not None]
    amounts = [figures.target_amount for figures in schemes if figures.target_amount is not None]
    participants = sum(figures.participants for figures in schemes)
    target = sum(planned) if planned else None
    return PointProgress(
        code=code, name=named[0], commune_code=named[1], participants=participants,
        new=sum(figures.new for figures in schemes), amount=sum(figures.amount for figures in schemes),
        target_participants=target, target_amount=sum(amounts) if amounts else None,
        percent=100.0 * participants / target if target else None)


def _behind(row: PointProgress) -> tuple[object, ...]:
    # Points with no target go last: how far behind they are cannot be said.
    return (row.percent is None, row.percent if row.percent is not None else 0.0, row.code)


_SORTS: dict[str, Callable[[PointProgress], tuple[object, ...]]] = {
    "behind": _behind,
    "ahead": lambda row: (row.percent is None, -(row.percent or 0.0), row.code),
    "code": lambda row: (row.code,),
    "participants": lambda row: (-row.participants, row.code),
    "amount": lambda row: (-row.amount, row.code),
}
