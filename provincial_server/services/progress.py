"""Progress against the plan for a point, a commune (its points) or the province (every point), computed
by `collector_app.domain.progress` from the ledger (payments net of voids and of supervisors' rejections)
and held against the targets.

Each point's figures for a year are computed on their own and stored (`store.progress`) under the point's
ledger version, with the time they were computed; each worker also keeps them in memory. Whatever changes
a point's figures raises its version in the same transaction: a batch's payments or voids (for the point,
and for every point where those people paid: who is new follows a person's earliest period anywhere), a
supervisor rejecting a payment or undoing a rejection. Targets are not part of the figures: each question
reads the scope's targets and holds the figures against them (`with_targets`), so a plan written moves
nothing to compute. A commune or the province is its points' figures added up.

A question reads the versions (one small indexed read) and takes each point's figures from memory or the
stored row. A point a batch moved since its figures were computed is answered with those figures and the
time they were computed (`as_of`), and the worker's `Refresher` computes it at once, off the request: a
question never waits for a point's ledger to be read again (77-395 ms on a busy machine), only for a point
with no figures at all. Without a refresher (the command line) everything is computed as it stands.
`refresh` computes what is missing or out of date for every point, a few at a time (`serve` runs it in
the background).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
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
    with_targets,
)
from collector_app.wire import ErrorCode
from provincial_server.clock import iso, utc_now
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
ADDED_UP_KEPT = 256  # communes' and the province's sums kept per worker, with the points' figures they add


@dataclass(frozen=True)
class ScopeProgress:
    scope: Scope
    code: str | None  # the point's or commune's code; None for the province
    name: str | None  # the point's name
    points: tuple[str, ...]  # the points added up
    progress: Progress
    as_of: datetime | None = None  # None: the ledger as it stands; else when the oldest figures were computed


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
    as_of: datetime | None = None  # as ScopeProgress.as_of


@dataclass(frozen=True)
class Figures:
    """Points' figures held against their targets, and `as_of`: None when every one follows the ledger as it
    stands, else when the oldest of those a batch has moved since was computed (they are being computed)."""

    of: dict[str, Progress]
    as_of: datetime | None


class _Kept:
    """A point's figures as computed (without targets), and the last targets held against them with the result:
    targets seldom change, and making the figures again for every question cost as much as the question."""

    __slots__ = ("version", "figures", "computed_at", "_targeted")

    def __init__(self, version: int, figures: Progress, computed_at: datetime) -> None:
        self.version = version  # the point's ledger version they were computed under
        self.figures = figures
        self.computed_at = computed_at
        self._targeted: tuple[tuple[Target, ...], Progress] | None = None

    def against(self, targets: tuple[Target, ...]) -> Progress:
        held = self._targeted  # read once: another thread may replace it (with the same result) meanwhile
        if held is None or held[0] != targets:
            held = (targets, with_targets(self.figures, targets))
            self._targeted = held
        return held[1]


class _Cache:
    """A worker's newest figures of each point and year."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: OrderedDict[tuple[int, str], _Kept] = OrderedDict()

    def get(self, key: tuple[int, str]) -> _Kept | None:
        with self._lock:
            found = self._held.get(key)
            if found is not None:
                self._held.move_to_end(key)
            return found

    def put(self, key: tuple[int, str], kept: _Kept) -> None:
        with self._lock:
            held = self._held.get(key)
            if held is None or held.version <= kept.version:
                self._held[key] = kept
                self._held.move_to_end(key)
            while len(self._held) > CACHED:
                self._held.popitem(last=False)


_cache = _Cache()


def _window(year: int) -> tuple[date, date]:
    return date(year - 1, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class _Found:
    figures: Figures
    computed: dict[str, Stored]  # figures computed here, to be kept


def _scope(codes: Sequence[str]) -> Sequence[str] | None:
    return list(codes) if len(codes) <= ONE_QUERY else None


def _points_figures(uow: UnitOfWork, year: int, codes: Sequence[str], catch_up: Refresher | None) -> _Found:
    """Each of these points' figures for `year` (inside `uow`), held against their targets: from this worker's
    memory or the stored figures; a point with none is computed. A point whose figures a batch has moved since
    is computed too without `catch_up`; with it, its figures are taken as they are and `catch_up` computes it."""
    versions = uow.progress.versions(_scope(codes))
    held = _held(uow, year, codes, versions)
    behind = [code for code in codes if code in held and held[code].version < versions.get(code, 0)]
    missing = [code for code in codes if code not in held]
    computed: dict[str, Stored] = {}
    if missing or (behind and catch_up is None):
        now = utc_now()
        for code, figures in _compute(uow, year, missing if catch_up is not None else missing + behind).items():
            held[code] = _Kept(versions.get(code, 0), figures, now)
            _cache.put((year, code), held[code])
            computed[code] = Stored(held[code].version, pack(figures), now)
    behind = [code for code in behind if code not in computed]
    if behind and catch_up is not None:
        catch_up.asked(year, behind)
    planned: dict[str, list[Target]] = {}
    for row in uow.targets.of(year, _scope(codes)):
        planned.setdefault(row.point_code, []).append(Target(row.scheme, row.participants, row.amount))
    held_figures = {code: held[code].against(tuple(planned.get(code, ()))) for code in codes}
    as_of = min((held[code].computed_at for code in behind), default=None)
    return _Found(Figures(held_figures, as_of), computed)


def _held(uow: UnitOfWork, year: int, codes: Sequence[str], versions: dict[str, int]) -> dict[str, _Kept]:
    """The newest figures of these points in this worker's memory or stored (read into memory), whatever their
    version (the points' current `versions` say which to look for in the stored ones)."""
    found: dict[str, _Kept] = {}
    for code in codes:
        kept = _cache.get((year, code))
        if kept is not None:
            found[code] = kept
    # Another worker may have stored newer figures than this one holds: the stored rows are read for the points
    # not held and those held behind their version.
    unsure = [code for code in codes if code not in found or found[code].version < versions.get(code, 0)]
    if unsure:
        for code, stored in uow.progress.stored(year, _scope(unsure)).items():
            if code in unsure and (code not in found or found[code].version < stored.version):
                found[code] = _Kept(stored.version, unpack(year, stored.figures), stored.computed_at)
                _cache.put((year, code), found[code])
    return found


def _keep(uow: UnitOfWork, year: int, found: _Found) -> None:
    """Store the figures computed for a question, in a transaction of their own after it (a read may not
    take SQLite's write lock midway)."""
    if found.computed:
        with uow.another(write=True) as writer:
            writer.progress.store(year, found.computed.items())
            writer.commit()


def _compute(uow: UnitOfWork, year: int, codes: Sequence[str]) -> dict[str, Progress]:
    """These points' figures from the ledger, without targets."""
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
    # Who is new follows a person's earliest period anywhere. A period here that starts before the year
    # already makes its person renewing; for the others, only a period elsewhere (or before the window)
    # that starts before the year can, so only such periods are read (most people have none).
    first = uow.progress.first_covered(sorted({person for (_point, person, _scheme), began in earliest.items()
                                               if began.year >= year}), before=date(year, 1, 1))
    return {code: compute_progress(year, covers.get(code, []), first, takings.get(code, []), ())
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


def figures_of(uow: UnitOfWork, year: int, codes: Sequence[str], catch_up: Refresher | None = None) -> Figures:
    """These points' figures for `year` (`uow` not entered: this opens it, and another to keep what it computed);
    `catch_up`: as `_points_figures`."""
    with uow:
        found = _points_figures(uow, year, codes, catch_up)
    _keep(uow, year, found)
    return found.figures


class Refresher:
    """A worker's thread that computes again the figures batches moved, so that questions find them up to date.

    Points a question found behind (and answered with their figures as they were: `_points_figures`) are
    computed at once, a point at a time. Points batches moved that nobody asked about wait until no batch has
    come for `QUIET_SECONDS`: computing after each batch of a device syncing many took the worker's CPU from
    the uploads (measured: a sync twice as slow). `start`, before the worker serves, reads every point's
    stored figures into its memory, so that the first questions after a restart find them there.
    """

    def __init__(self, new_uow: Callable[[], UnitOfWork], this_year: Callable[[], int]) -> None:
        self._new_uow = new_uow
        self._this_year = this_year
        self._moved: set[str] = set()  # this year's points batches moved
        self._asked: set[tuple[int, str]] = set()  # (year, point) a question found behind
        self._last_batch = 0.0  # time.monotonic() of the latest batch that moved a point
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Read the stored figures into memory (a worker's start, before its first question), then run."""
        try:
            read_stored(self._new_uow(), self._this_year())
        except Exception as error:  # the database away for a moment: questions read the figures themselves
            _log.warning("stored progress figures not read at the start: %s", error)
        self._run_thread()

    def moved(self, codes: Iterable[str]) -> None:
        codes = set(codes)
        if codes:
            with self._wake:
                self._moved.update(codes)
                self._last_batch = time.monotonic()
                self._wake.notify()
            self._run_thread()

    def asked(self, year: int, codes: Iterable[str]) -> None:
        with self._wake:
            self._asked.update((year, code) for code in codes)
            self._wake.notify()
        self._run_thread()

    def _run_thread(self) -> None:
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="progress-refresher", daemon=True)
                self._thread.start()

    def _next(self) -> tuple[int, str]:
        with self._wake:
            while True:
                if self._asked:
                    year, code = self._asked.pop()
                    if year == self._this_year():
                        self._moved.discard(code)
                    return year, code
                quiet = self._last_batch + QUIET_SECONDS - time.monotonic()
                if self._moved and quiet <= 0:
                    return self._this_year(), self._moved.pop()
                self._wake.wait(quiet if self._moved else None)

    def _run(self) -> None:
        while True:
            year, code = self._next()
            try:
                figures_of(self._new_uow(), year, [code])
            except Exception as error:  # the database away for a moment: the next question computes them
                _log.warning("progress figures of %s not computed after its batches: %s", code, error)


def read_stored(uow: UnitOfWork, year: int) -> int:
    """Read every point's stored figures for `year` into this worker's memory; how many."""
    with uow:
        codes = uow.targets.point_codes(None)
        return len(_held(uow, year, codes, uow.progress.versions(None)))


def refresh(uow: UnitOfWork, *, year: int, progress: Callable[[int, int], None] | None = None) -> int:
    """Compute and store the figures of every point for `year` whose stored ones are missing or out of date,
    a few points at a time (each group one read and one short write); the number computed."""
    with uow:
        codes = uow.targets.point_codes(None)
    computed = 0
    for first in range(0, len(codes), REFRESHED_TOGETHER):
        with uow:
            found = _points_figures(uow, year, codes[first : first + REFRESHED_TOGETHER], None)
        _keep(uow, year, found)
        computed += len(found.computed)
        if progress is not None:
            progress(min(first + REFRESHED_TOGETHER, len(codes)), len(codes))
    return computed


def _only(progress: Progress, schemes: Sequence[str]) -> Progress:
    return replace(progress, schemes=tuple(figures for figures in progress.schemes if figures.scheme in schemes))


def scope_progress(uow: UnitOfWork, *, year: int, scope: Scope, code: str | None,
                   schemes: Sequence[str] = SCHEMES, catch_up: Refresher | None = None) -> ScopeProgress:
    """The figures of a point, a commune or the province (NotFound: no such point, or a commune with none);
    `catch_up`: as `_points_figures`."""
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
        found = _points_figures(uow, year, codes, catch_up)
    _keep(uow, year, found)
    figures = found.figures.of
    together = figures[codes[0]] if scope == "point" else _added_up(year, scope, code, [figures[c] for c in codes])
    return ScopeProgress(scope=scope, code=code, name=name, points=tuple(codes), progress=_only(together, schemes),
                         as_of=found.figures.as_of)


_ADDED_UP: OrderedDict[tuple[int, str, str | None], tuple[tuple[Progress, ...], Progress]] = OrderedDict()
_ADDED_UP_LOCK = threading.Lock()


def _added_up(year: int, scope: Scope, code: str | None, points: list[Progress]) -> Progress:
    """`add_up` of a commune's or the province's points, made again only when one of them is not the same object as
    last time (a point computed again, a target moved): adding up 300 points was most of a province question."""
    key = (year, scope, code)
    with _ADDED_UP_LOCK:
        last = _ADDED_UP.get(key)
    if last is not None and len(last[0]) == len(points) and all(a is b for a, b in zip(last[0], points)):
        return last[1]
    together = add_up(year, points)
    with _ADDED_UP_LOCK:
        _ADDED_UP[key] = (tuple(points), together)
        _ADDED_UP.move_to_end(key)
        while len(_ADDED_UP) > ADDED_UP_KEPT:
            _ADDED_UP.popitem(last=False)
    return together


def as_json(found: ScopeProgress) -> dict[str, object]:
    """The figures as the API and `provincial-server progress --json` give them."""
    return {
        "year": found.progress.year, "scope": found.scope, "code": found.code, "name": found.name,
        "points": list(found.points),
        "as_of": None if found.as_of is None else iso(found.as_of),
        "schemes": [{**{name: value for name, value in figures.__dict__.items() if name != "months"},
                     "participants_percent": figures.participants_percent,
                     "amount_percent": figures.amount_percent,
                     "months": [month.__dict__ for month in figures.months]} for figures in found.progress.schemes],
    }


def points_progress(uow: UnitOfWork, *, year: int, commune_code: str | None, sort: Sort, limit: int,
                    offset: int, catch_up: Refresher | None = None) -> PointsPage:
    """One row per point (of a commune, or every point) with its figures for the year, sorted and paged;
    `catch_up`: as `_points_figures`."""
    with uow:
        codes = uow.targets.point_codes(commune_code)
        names = uow.targets.point_names(codes if len(codes) <= ONE_QUERY else None)
        found = _points_figures(uow, year, codes, catch_up)
    _keep(uow, year, found)
    figures = found.figures.of
    rows = sorted((_point_row(code, names[code], figures[code]) for code in codes), key=_SORTS[sort])
    return PointsPage(total=len(rows), points=rows[offset : offset + limit], as_of=found.figures.as_of)


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
