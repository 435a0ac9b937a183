"""Progress against the plan for a point, a commune (its points) or the province (every point), computed
by `collector_app.domain.progress` from the ledger (payments net of voids and of supervisors' rejections)
and the targets.

Each point's figures for a year are computed on their own and stored (`store.progress`) under the point's
ledger version and a stamp of its targets; each worker also keeps them in memory. Whatever changes a
point's figures raises its version in the same transaction: a batch's payments or voids (for the point,
and for every point where those people paid: who is new follows a person's earliest period anywhere), a
supervisor rejecting a payment or undoing a rejection; a target written shows in the stamp. So a question
reads the versions and stamps (two small indexed reads), then the stored figures of points not in memory,
and computes only points whose version or targets moved; a commune or the province is its points' figures
added up. `refresh` computes what is missing or out of date for every point, a few at a time (`serve`
runs it in the background), so that no question waits for a whole province.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from collector_app.domain.progress import (
    SCHEMES,
    Cover,
    MonthFigures,
    Progress,
    SchemeProgress,
    Takings,
    Target,
    add_up,
    compute_progress,
)
from collector_app.wire import ErrorCode
from provincial_server.clock import utc_now
from provincial_server.services.errors import NotFound
from provincial_server.store.progress import Stored
from provincial_server.store.unit_of_work import UnitOfWork

Scope = Literal["point", "commune", "province"]
Sort = Literal["behind", "ahead", "code", "participants", "amount"]
_log = logging.getLogger(__name__)
CACHED = 20_000  # points' figures kept per worker (a few kilobytes each): every point of a province, some years
ONE_QUERY = 200  # more points than this to compute: read the whole province's ledger once, not a list of codes
QUIET_SECONDS = 2.0  # without a batch for this long, a worker's refresher computes the points batches moved
REFRESHED_TOGETHER = 20  # points computed in one read by `refresh`


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
        self._held: OrderedDict[tuple[object, ...], Progress] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> Progress | None:
        with self._lock:
            found = self._held.get(key)
            if found is not None:
                self._held.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: Progress) -> None:
        with self._lock:
            self._held[key] = value
            while len(self._held) > CACHED:
                self._held.popitem(last=False)


_cache = _Cache()


def _window(year: int) -> tuple[date, date]:
    return date(year - 1, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class _Found:
    figures: dict[str, Progress]
    computed: dict[str, Stored]  # figures computed here, to be kept


def _scope(codes: Sequence[str]) -> Sequence[str] | None:
    return list(codes) if len(codes) <= ONE_QUERY else None


def _points_figures(uow: UnitOfWork, year: int, codes: Sequence[str]) -> _Found:
    """Each of these points' figures for `year` (inside `uow`): from this worker's memory or the stored
    figures where the point's version and targets have not moved since, else computed."""
    found, stale, keys = _held(uow, year, codes)
    computed: dict[str, Stored] = {}
    if stale:
        for code, figures in _compute(uow, year, stale).items():
            found[code] = figures
            _cache.put((year, code, keys[code]), figures)
            computed[code] = Stored(keys[code][0], keys[code][1], pack(figures))
    return _Found(found, computed)


def _held(uow: UnitOfWork, year: int, codes: Sequence[str]
          ) -> tuple[dict[str, Progress], list[str], dict[str, tuple[int, str]]]:
    """The figures of these points held up to date in memory or stored (read into memory), the points whose
    figures are not, and each point's key (version, targets stamp)."""
    versions = uow.progress.versions(_scope(codes))
    stamps = uow.progress.targets_stamps(year, _scope(codes))
    keys = {code: (versions.get(code, 0), stamps.get(code, "")) for code in codes}
    found: dict[str, Progress] = {}
    unknown: list[str] = []
    for code in codes:
        held = _cache.get((year, code, keys[code]))
        if held is None:
            unknown.append(code)
        else:
            found[code] = held
    stale: list[str] = []
    if unknown:
        stored = uow.progress.stored(year, _scope(unknown))
        for code in unknown:
            kept = stored.get(code)
            if kept is not None and (kept.version, kept.targets_stamp) == keys[code]:
                found[code] = unpack(year, kept.figures)
                _cache.put((year, code, keys[code]), found[code])
            else:
                stale.append(code)
    return found, stale, keys


def _keep(uow: UnitOfWork, year: int, found: _Found) -> None:
    """Store the figures computed for a question, in a transaction of their own after it (a read may not
    take SQLite's write lock midway)."""
    if found.computed:
        with uow.another(write=True) as writer:
            writer.progress.store(year, found.computed.items(), now=utc_now())
            writer.commit()


def _compute(uow: UnitOfWork, year: int, codes: Sequence[str]) -> dict[str, Progress]:
    scope = _scope(codes)
    start, end = _window(year)
    covers: dict[str, list[Cover]] = {}
    earliest: dict[tuple[str, str, str], date] = {}  # (point, person, scheme) -> start of their earliest period
    periods, money = uow.progress.ledger(scope, start, end)
    for point, cover in periods:
        covers.setdefault(point, []).append(cover)
        key = (point, cover.person_key, cover.scheme)
        if key not in earliest or cover.start < earliest[key]:
            earliest[key] = cover.start
    takings: dict[str, list[Takings]] = {}
    for point, taken in money:
        takings.setdefault(point, []).append(taken)
    targets: dict[str, list[Target]] = {}
    for row in uow.targets.of(year, scope):
        targets.setdefault(row.point_code, []).append(Target(row.scheme, row.participants, row.amount))
    # Who is new follows a person's earliest period anywhere. A period here that starts before the year
    # already makes its person renewing; for the others, only a period elsewhere (or before the window)
    # that starts before the year can, so only such periods are read (most people have none).
    first = uow.progress.first_covered(sorted({person for (_point, person, _scheme), began in earliest.items()
                                               if began.year >= year}), before=date(year, 1, 1))
    return {code: compute_progress(year, covers.get(code, []), first, takings.get(code, []), targets.get(code, []))
            for code in codes}


# In the order of the fields of MonthFigures (after `month`) and of SchemeProgress (`months` apart), which
# `unpack` relies on (tests/server/test_progress_stored.py checks both ways).
_MONTH_FIELDS = ("participants", "new", "renewing", "amount", "last_year_participants", "last_year_amount")
_SCHEME_FIELDS = ("scheme", "participants", "new", "amount", "last_year_participants", "last_year_amount",
                  "target_participants", "target_amount")


def pack(progress: Progress) -> str:
    """A point's figures as the compact JSON they are stored as (lists by position, not objects by name)."""
    return json.dumps([[*(getattr(figures, name) for name in _SCHEME_FIELDS),
                        [[getattr(month, name) for name in _MONTH_FIELDS] for month in figures.months]]
                       for figures in progress.schemes], separators=(",", ":"))


def unpack(year: int, text: str) -> Progress:
    """The figures `pack` stored (built by position: a province is 8,000 of these objects)."""
    return Progress(year, tuple(
        SchemeProgress(scheme[0], tuple([MonthFigures(number, *month) for number, month in enumerate(scheme[-1], 1)]),
                       *scheme[1:-1])
        for scheme in json.loads(text)))


def figures_of(uow: UnitOfWork, year: int, codes: Sequence[str]) -> dict[str, Progress]:
    """These points' figures for `year` (`uow` not entered: this opens it, and another to keep what it computed)."""
    with uow:
        found = _points_figures(uow, year, codes)
    _keep(uow, year, found)
    return found.figures


class Refresher:
    """A worker's thread for this year's figures. At its start it reads every point's stored figures into the
    worker's memory, so that the first questions after a restart find them there; then it computes again the
    figures of the points batches moved, so that the next question about them finds them stored. No request
    waits for it: a question that comes first reads or computes what it needs itself.

    It works only once no batch has come for `QUIET_SECONDS`, a point at a time: computing after each batch
    of a device syncing many took the worker's CPU from the uploads (measured: a sync twice as slow); a
    busy province's uploads leave it idle, and questions compute what they need as without it.
    """

    def __init__(self, new_uow: Callable[[], UnitOfWork], this_year: Callable[[], int]) -> None:
        self._new_uow = new_uow
        self._this_year = this_year
        self._moved: set[str] = set()
        self._last_batch = 0.0  # time.monotonic() of the latest batch that moved a point
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="progress-refresher", daemon=True)
                self._thread.start()

    def moved(self, codes: Iterable[str]) -> None:
        codes = set(codes)
        if not codes:
            return
        self.start()
        with self._wake:
            self._moved.update(codes)
            self._last_batch = time.monotonic()
            self._wake.notify()

    def _run(self) -> None:
        try:
            read_stored(self._new_uow(), self._this_year())
        except Exception as error:  # the database away for a moment: questions read the figures themselves
            _log.warning("stored progress figures not read at the start: %s", error)
        while True:
            with self._wake:
                while not self._moved or (quiet := self._last_batch + QUIET_SECONDS - time.monotonic()) > 0:
                    self._wake.wait(None if not self._moved else quiet)
                code = self._moved.pop()
            try:
                figures_of(self._new_uow(), self._this_year(), [code])
            except Exception as error:  # the database away for a moment: the next question computes them
                _log.warning("progress figures of %s not computed after its batches: %s", code, error)


def read_stored(uow: UnitOfWork, year: int) -> int:
    """Read every point's stored figures for `year` that are up to date into this worker's memory; how many."""
    with uow:
        return len(_held(uow, year, uow.targets.point_codes(None))[0])


def refresh(uow: UnitOfWork, *, year: int, progress: Callable[[int, int], None] | None = None) -> int:
    """Compute and store the figures of every point for `year` whose stored ones are missing or out of date,
    a few points at a time (each group one read and one short write); the number computed."""
    with uow:
        codes = uow.targets.point_codes(None)
    computed = 0
    for first in range(0, len(codes), REFRESHED_TOGETHER):
        with uow:
            found = _points_figures(uow, year, codes[first : first + REFRESHED_TOGETHER])
        _keep(uow, year, found)
        computed += len(found.computed)
        if progress is not None:
            progress(min(first + REFRESHED_TOGETHER, len(codes)), len(codes))
    return computed


def _only(progress: Progress, schemes: Sequence[str]) -> Progress:
    return replace(progress, schemes=tuple(figures for figures in progress.schemes if figures.scheme in schemes))


def scope_progress(uow: UnitOfWork, *, year: int, scope: Scope, code: str | None,
                   schemes: Sequence[str] = SCHEMES) -> ScopeProgress:
    """The figures of a point, a commune or the province (NotFound: no such point, or a commune with none)."""
    with uow:
        name = None
        if scope == "point":
            assert code is not None
            names = uow.targets.point_names([code])
            if code not in names:
                raise NotFound(ErrorCode.NOT_FOUND, f"no collection point {code}")
            codes, name = [code], names[code][0]
        elif scope == "commune":
            assert code is not None
            codes = uow.targets.point_codes(code)
            if not codes:
                raise NotFound(ErrorCode.NOT_FOUND, f"no collection point is in commune {code}")
        else:
            codes = uow.targets.point_codes(None)
        found = _points_figures(uow, year, codes)
    _keep(uow, year, found)
    figures = found.figures
    together = figures[codes[0]] if scope == "point" else add_up(year, (figures[c] for c in codes))
    return ScopeProgress(scope=scope, code=code, name=name, points=tuple(codes), progress=_only(together, schemes))


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
        codes = uow.targets.point_codes(commune_code)
        names = uow.targets.point_names(codes if len(codes) <= ONE_QUERY else None)
        found = _points_figures(uow, year, codes)
    _keep(uow, year, found)
    figures = found.figures
    rows = sorted((_point_row(code, names[code], figures[code]) for code in codes), key=_SORTS[sort])
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
