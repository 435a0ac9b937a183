"""Progress against the year's plan: the one rule that turns the ledger's payments into monthly figures.

Pure: the caller hands in what the ledger holds (payments net of voids and of supervisors' rejections,
each payment once, however many times it was delivered) and the targets; nothing here reads a clock or
a database.

Definitions (per scheme, for year Y):
- A person takes part in a month when one of their paid periods covers the month's **last day**:
  the month-end count the plan is reported by. A family HI card from 05/04 to 04/04 of the next year
  thus counts twelve months (April to March), a voluntary SI period of whole months counts each month.
- Of them, **new** in year Y: the earliest period the ledger holds for that person in that scheme
  (at any point, in any year) starts in year Y; the others are **renewing**. A person paying both
  schemes is counted once in each scheme.
- **Amount**: the payments' amounts (what the citizen paid, VND) by the month of `paid_on`.
- **Participants of the year**: distinct people taking part in at least one month of Y (a period paid
  ahead counts for the months it covers); the figure held against the participants target.
- Last year: the same month of Y-1, by the same rules.
- A commune's or the province's figures are its points' added up (`add_up`), as their targets are: a
  person who paid at two points counts at each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

SCHEMES = ("vsi", "family_hi")
MONTHS = 12


@dataclass(frozen=True)
class Cover:
    """One paid period of one person (a payment item whose payment was not voided)."""

    person_key: str
    scheme: str
    start: date
    end: date


@dataclass(frozen=True)
class Takings:
    """Money taken for one scheme on one day (payments not voided)."""

    scheme: str
    paid_on: date
    amount: int


@dataclass(frozen=True)
class Target:
    scheme: str
    participants: int
    amount: int | None  # None: the plan gives no amount


@dataclass(frozen=True)
class MonthFigures:
    month: int  # 1..12
    participants: int
    new: int
    renewing: int
    amount: int
    last_year_participants: int
    last_year_amount: int


@dataclass(frozen=True)
class SchemeProgress:
    scheme: str
    months: tuple[MonthFigures, ...]  # January to December
    participants: int  # distinct people taking part in some month of the year
    new: int  # of them, new this year
    amount: int  # taken in the year
    last_year_participants: int
    last_year_amount: int
    target_participants: int | None
    target_amount: int | None

    @property
    def participants_percent(self) -> float | None:
        """Participants of the year as a percentage of the target (None: no target)."""
        if not self.target_participants:
            return None
        return 100.0 * self.participants / self.target_participants

    @property
    def amount_percent(self) -> float | None:
        if not self.target_amount:
            return None
        return 100.0 * self.amount / self.target_amount


@dataclass(frozen=True)
class Progress:
    year: int
    schemes: tuple[SchemeProgress, ...]  # in SCHEMES order

    def scheme(self, scheme: str) -> SchemeProgress:
        return next(figures for figures in self.schemes if figures.scheme == scheme)


def month_end(year: int, month: int) -> date:
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_of_next - timedelta(days=1)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _covered_months(cover: Cover) -> range:
    """The months (as `_month_index`) whose last day the period covers: from the start's month (its last day
    is never before the start) to the end's, unless the end falls before that month's last day."""
    last = _month_index(cover.end)
    if (cover.end + timedelta(days=1)).day != 1:
        last -= 1
    return range(_month_index(cover.start), last + 1)


def compute_progress(year: int, covers: Iterable[Cover], first_covered: Mapping[tuple[str, str], date],
                     takings: Iterable[Takings], targets: Iterable[Target],
                     schemes: Iterable[str] = SCHEMES) -> Progress:
    """The figures of `year` for each scheme of `schemes`.

    `covers`: the periods (of the scope's payments) that may touch year-1 or year; `first_covered`:
    for each (person_key, scheme) of those covers, the start of the earliest period the ledger holds
    for them anywhere (a person missing from it is taken from `covers`); `takings`: the scope's money
    by day; `targets`: the scope's targets for `year` (several for one scheme are added up: a commune's
    points).
    """
    wanted = tuple(schemes)
    window = range((year - 1) * 12, (year + 1) * 12)  # January of year-1 to December of year
    people: dict[tuple[str, int], set[str]] = {}  # (scheme, month index) -> person keys
    earliest: dict[tuple[str, str], date] = {}  # first periods the caller did not give, from `covers`
    for cover in covers:
        key = (cover.person_key, cover.scheme)
        if key not in first_covered and (key not in earliest or cover.start < earliest[key]):
            earliest[key] = cover.start
        covered = _covered_months(cover)
        for index in range(max(covered.start, window.start), min(covered.stop, window.stop)):
            people.setdefault((cover.scheme, index), set()).add(cover.person_key)
    money: dict[tuple[str, int, int], int] = {}
    for taken in takings:
        day = (taken.scheme, taken.paid_on.year, taken.paid_on.month)
        money[day] = money.get(day, 0) + taken.amount
    planned = _planned(targets)

    def first(key: tuple[str, str]) -> date:
        return first_covered[key] if key in first_covered else earliest[key]

    return Progress(year=year, schemes=tuple(
        _scheme(year, scheme, people, money, first, planned.get(scheme)) for scheme in wanted))


def _planned(targets: Iterable[Target]) -> dict[str, tuple[int, int | None]]:
    """Each scheme's participants and amount planned, several targets of one scheme (a commune's points) added."""
    planned: dict[str, tuple[int, int | None]] = {}
    for target in targets:
        participants, amount = planned.get(target.scheme, (0, None))
        planned[target.scheme] = (participants + target.participants,
                                  None if target.amount is None and amount is None else
                                  (amount or 0) + (target.amount or 0))
    return planned


def with_targets(progress: Progress, targets: Iterable[Target]) -> Progress:
    """The same figures held against these targets instead (what `compute_progress` gives with them): the
    targets change nothing else, so figures need not be computed again when only the plan moved."""
    planned = _planned(targets)
    return replace(progress, schemes=tuple(
        replace(figures, target_participants=None if figures.scheme not in planned else planned[figures.scheme][0],
                target_amount=None if figures.scheme not in planned else planned[figures.scheme][1])
        for figures in progress.schemes))


def _scheme(year: int, scheme: str, people: Mapping[tuple[str, int], set[str]],
            money: Mapping[tuple[str, int, int], int], first: Callable[[tuple[str, str]], date],
            planned: tuple[int, int | None] | None) -> SchemeProgress:
    this_year: set[str] = set().union(*(people.get((scheme, year * 12 + m), set()) for m in range(MONTHS)))
    last_year: set[str] = set().union(*(people.get((scheme, (year - 1) * 12 + m), set()) for m in range(MONTHS)))
    newcomers = {person for person in this_year if first((person, scheme)).year >= year}
    months = []
    for month in range(1, MONTHS + 1):
        now = people.get((scheme, year * 12 + month - 1), set())
        before = people.get((scheme, (year - 1) * 12 + month - 1), set())
        new = len(now & newcomers)
        months.append(MonthFigures(month=month, participants=len(now), new=new, renewing=len(now) - new,
                                   amount=money.get((scheme, year, month), 0),
                                   last_year_participants=len(before),
                                   last_year_amount=money.get((scheme, year - 1, month), 0)))
    return SchemeProgress(
        scheme=scheme, months=tuple(months), participants=len(this_year), new=len(newcomers),
        amount=sum(figures.amount for figures in months), last_year_participants=len(last_year),
        last_year_amount=sum(figures.last_year_amount for figures in months),
        target_participants=None if planned is None else planned[0],
        target_amount=None if planned is None else planned[1])


def add_up(year: int, points: Iterable[Progress], schemes: Iterable[str] = SCHEMES) -> Progress:
    """The figures of several points together: every count, amount and target added, month by month."""
    points = list(points)
    added = []
    for scheme in schemes:
        figures = [point.scheme(scheme) for point in points if any(s.scheme == scheme for s in point.schemes)]
        planned = [f.target_participants for f in figures if f.target_participants is not None]
        amounts = [f.target_amount for f in figures if f.target_amount is not None]
        months = tuple(
            MonthFigures(month=month, **{name: sum(getattr(f.months[month - 1], name) for f in figures)
                                         for name in ("participants", "new", "renewing", "amount",
                                                      "last_year_participants", "last_year_amount")})
            for month in range(1, MONTHS + 1))
        added.append(SchemeProgress(
            scheme=scheme, months=months, participants=sum(f.participants for f in figures),
            new=sum(f.new for f in figures), amount=sum(f.amount for f in figures),
            last_year_participants=sum(f.last_year_participants for f in figures),
            last_year_amount=sum(f.last_year_amount for f in figures),
            target_participants=sum(planned) if planned else None, target_amount=sum(amounts) if amounts else None))
    return Progress(year=year, schemes=tuple(added))
