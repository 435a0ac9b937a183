"""Closing a day: the cash counted by denomination, compared with what the day's receipts say.

Pure: the expected figures come from the store (`store.closing`), the count from the collector. The
difference is counted minus expected (a shortfall is negative); a difference needs a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from collector_app.domain.money import Vnd
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.text import describe_characters, unsafe_characters

# The Vietnamese notes a collection point handles, largest first: the polymer and cotton notes the
# State Bank issues from 1.000 đ up (coins and the 500 đ and smaller notes are no longer taken in
# practice), the list of issue 13 §4.
DENOMINATIONS: tuple[Vnd, ...] = (500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000)
MAX_NOTES = 99_999
"""Notes of one denomination in one count: a drawer never holds more; a typo such as a pasted
citizen ID is refused rather than shown as billions."""
MAX_REASON = 500
"""Characters in a difference's reason (wire.TextLimits.DAY_CLOSE_REASON: it travels to the server)."""


@dataclass(frozen=True)
class CashCount:
    """How many notes of each denomination, every denomination present (0 when none), largest first."""

    notes: tuple[tuple[Vnd, int], ...]

    @property
    def total(self) -> Vnd:
        return sum(value * count for value, count in self.notes)

    def as_dict(self) -> dict[str, int]:
        """{"500000": 3, ...}: the stored and sent form (JSON keys are text)."""
        return {str(value): count for value, count in self.notes}


def cash_count(counts: Mapping[int, int]) -> CashCount:
    """A count from {denomination: notes}; DomainError for an unknown denomination, a negative or
    too large number of notes (every problem at once)."""
    problems = [Problem(ProblemCode.DAY_UNKNOWN_DENOMINATION, {"denomination": value, "allowed": _allowed()})
                for value in counts if value not in DENOMINATIONS]
    problems += [Problem(ProblemCode.DAY_NOTES_OUT_OF_RANGE, {"denomination": value, "count": count, "max": MAX_NOTES})
                 for value, count in counts.items()
                 if value in DENOMINATIONS and not 0 <= count <= MAX_NOTES]
    if problems:
        raise DomainError(problems)
    return CashCount(tuple((value, counts.get(value, 0)) for value in DENOMINATIONS))


def parse_count(text: str) -> CashCount:
    """`500000=3,200000=1,1000=7` (spaces allowed, dots or commas inside numbers not): a count.

    A denomination given twice, a missing `=` or a number that is not plain digits is refused with
    the item named, so that the collector sees which one was mistyped."""
    counts: dict[int, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        value, sep, count = (piece.strip() for piece in item.partition("="))
        if not sep or not _digits(value) or not _digits(count):
            raise DomainError(Problem(ProblemCode.DAY_COUNT_MALFORMED, {"item": item[:40]}))
        denomination = int(value)
        if denomination in counts:
            raise DomainError(Problem(ProblemCode.DAY_COUNT_MALFORMED, {"item": item[:40]}))
        # A number too long to be a count is out of range whatever it says (never parsed to a huge int).
        counts[denomination] = int(count) if len(count) <= 9 else MAX_NOTES + 1
    if not counts:
        raise DomainError(Problem(ProblemCode.DAY_COUNT_MALFORMED, {"item": text.strip()[:40]}))
    return cash_count(counts)


def _digits(text: str) -> bool:
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def _allowed() -> str:
    return ", ".join(str(value) for value in DENOMINATIONS)  # as the --count option takes them


@dataclass(frozen=True)
class DayFigures:
    """What the receipts of a day say (VND): the cash that should be in the drawer (the user's cash
    receipts net of the day's voids, plus the cash collaborators handed over to the user that day),
    transfers apart."""

    expected_cash: Vnd
    transfers: Vnd
    handovers: Vnd = 0  # of expected_cash, received from collaborators


@dataclass(frozen=True)
class Closing:
    """A day's close as decided: the figures, the count, the difference and its reason."""

    figures: DayFigures
    count: CashCount
    reason: str  # "" when the count matches

    @property
    def expected_cash(self) -> Vnd:
        return self.figures.expected_cash

    @property
    def counted_cash(self) -> Vnd:
        return self.count.total

    @property
    def difference(self) -> Vnd:
        """Counted minus expected: negative when cash is missing, positive when there is too much."""
        return self.count.total - self.figures.expected_cash


def close(figures: DayFigures, count: CashCount, reason: str | None) -> Closing:
    """The closing of a day, or DomainError: a difference without a reason, a reason too long or unreadable."""
    text = (reason or "").strip()
    closing = Closing(figures=figures, count=count, reason=text)
    problems = check_reason(closing.difference, text)
    if problems:
        raise DomainError(problems)
    return closing


def check_reason(difference: Vnd, reason: str) -> list[Problem]:
    """A difference needs a reason; any reason must be short and visible text ([] when fine)."""
    text = reason.strip()
    problems: list[Problem] = []
    if difference and not text:
        problems.append(Problem(ProblemCode.DAY_REASON_REQUIRED, {"amount": difference}))
    if len(text) > MAX_REASON:
        problems.append(Problem(ProblemCode.DAY_REASON_TOO_LONG, {"length": len(text), "max_length": MAX_REASON}))
    unsafe = unsafe_characters(text)
    if unsafe:
        problems.append(Problem(ProblemCode.VOID_REASON_UNSAFE, {"characters": describe_characters(unsafe)}))
    return problems



# ---- collaborators handing cash over to the point -------------------------------------------------


@dataclass(frozen=True)
class Handover:
    """Cash a collaborator hands to the point for a set of their receipts (VND)."""

    expected: Vnd  # the covered receipts' cash, less those voided (the payer got it back)
    amount: Vnd  # what was handed over
    reason: str  # "" when the two agree

    @property
    def difference(self) -> Vnd:
        """Handed over minus expected: negative when the collaborator handed over less."""
        return self.amount - self.expected


def hand_over(expected: Vnd, amount: Vnd | None, reason: str | None) -> Handover:
    """A hand-over of `amount` (the expected cash when None) for receipts worth `expected` in cash;
    DomainError for a negative or impossible amount, or a difference without a reason."""
    handed = expected if amount is None else amount
    if not 0 <= handed <= MAX_NOTES * DENOMINATIONS[0]:
        raise DomainError(Problem(ProblemCode.HANDOVER_AMOUNT_INVALID, {"amount": handed}))
    handover = Handover(expected=expected, amount=handed, reason=(reason or "").strip())
    problems = check_reason(handover.difference, handover.reason)
    if problems:
        raise DomainError(problems)
    return handover
