"""The collection organisation's commission statement (domain.md §5, P13): a share of what participants
paid themselves, at the dated rate for the scheme and for a new or a continuing participant.

The base of each payment item is what the payer handed over for that participant (`amount`): state
support is excluded (P13), and so is the provincial (local) support, which the participant does not pay
either. A voided receipt earns nothing; the caller passes only valid items. The device and the
provincial server both compute statements with `commission_statement`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from collector_app.domain.enrolments import Scheme
from collector_app.domain.money import RoundingRule, round_vnd
from collector_app.domain.policy import CommissionRates
from collector_app.domain.problems import DomainError, Problem, ProblemCode


@dataclass(frozen=True)
class CommissionItem:
    """One participant's share of one valid payment."""

    scheme: str  # "vsi" | "family_hi"
    paid_on: date  # chooses the rate in force
    amount: int  # VND the payer handed over for this participant
    new: bool  # the participant's first valid payment of this scheme


@dataclass(frozen=True)
class CommissionLine:
    scheme: str
    new: bool
    rate: Fraction
    participants: int  # items counted
    base: int  # VND paid by participants
    commission: int  # VND, rounded once per line


@dataclass(frozen=True)
class CommissionStatement:
    lines: tuple[CommissionLine, ...]  # by scheme (voluntary SI first), new before continuing, then rate

    @property
    def base(self) -> int:
        return sum(line.base for line in self.lines)

    @property
    def commission(self) -> int:
        return sum(line.commission for line in self.lines)

    @property
    def participants(self) -> int:
        return sum(line.participants for line in self.lines)


def rate_of(rates: CommissionRates, scheme: str, new: bool) -> Fraction:
    if scheme == Scheme.VSI.value:
        return rates.vsi_new if new else rates.vsi_continuing
    return rates.hi_new if new else rates.hi_continuing


def commission_statement(
    items: Iterable[CommissionItem],
    *,
    rates_on: Callable[[date], CommissionRates | None],
    rounding: RoundingRule,
) -> CommissionStatement:
    """The statement for `items`: one line per scheme, new or continuing, and rate (a rate that changes
    within the period gives two lines), each line's commission its base times its rate, rounded once.

    `rates_on(day)` gives the rates in force on a payment day (from the policy table); a day with none
    is refused (COMMISSION_RATES_MISSING) rather than paid at a guessed rate."""
    sums: dict[tuple[str, bool, Fraction], list[int]] = {}
    cache: dict[date, CommissionRates | None] = {}
    for item in items:
        if item.paid_on not in cache:
            cache[item.paid_on] = rates_on(item.paid_on)
        rates = cache[item.paid_on]
        if rates is None:
            raise DomainError(Problem(ProblemCode.COMMISSION_RATES_MISSING, {"date": item.paid_on}))
        key = (item.scheme, item.new, rate_of(rates, item.scheme, item.new))
        counted = sums.setdefault(key, [0, 0])
        counted[0] += 1
        counted[1] += item.amount
    order = {Scheme.VSI.value: 0, Scheme.FAMILY_HI.value: 1}
    lines = [
        CommissionLine(scheme, new, rate, count, base, round_vnd(base * rate, rounding))
        for (scheme, new, rate), (count, base) in sums.items()
    ]
    lines.sort(key=lambda line: (order.get(line.scheme, 2), not line.new, line.rate))
    return CommissionStatement(tuple(lines))


@dataclass(frozen=True)
class CollectorCommission:
    username: str
    full_name: str
    statement: CommissionStatement


@dataclass(frozen=True)
class MonthlyCommission:
    month: date  # its first day
    organisation: str
    collection_point: str  # name and code
    point: CommissionStatement  # every collector of the point together
    collectors: tuple[CollectorCommission, ...]  # by username


SCHEME_WORDS = {Scheme.VSI.value: "BHXH tự nguyện", Scheme.FAMILY_HI.value: "BHYT hộ gia đình"}


def rate_text(rate: Fraction) -> str:
    """A rate as the statement prints it, the Vietnamese way: Fraction(15, 200) -> "7,5 %"."""
    value = Decimal(rate.numerator * 100) / Decimal(rate.denominator)
    return f"{value.normalize():f}".replace(".", ",") + " %"


def kind_text(new: bool) -> str:
    return "Tham gia mới" if new else "Tham gia tiếp"
