"""The span of dates the app works with: a date outside it is refused where it enters.

So no month arithmetic ever leaves what `datetime.date` can hold: "9999-12-31" is a date to
Python, and the day after it is an OverflowError.
"""

from __future__ import annotations

from datetime import date

from collector_app.domain.problems import DomainError, Problem, ProblemCode

EARLIEST_DATE = date(1900, 1, 1)
"""No date the app handles is earlier: a citizen ID's century digit starts at 1900 (Decree 137/2015
Art. 13), so nobody it registers was born before, and every payment is much later."""

LATEST_DATE = date(2099, 12, 31)
"""No date the app handles is later: receipt numbers carry a two-digit year of this century
(`receipt_numbers`), and a card or period starting by then ends a few years later at most."""


def check_date(value: date) -> list[Problem]:
    """[] when `value` lies between EARLIEST_DATE and LATEST_DATE (inclusive), else DATE_OUT_OF_RANGE."""
    return [] if EARLIEST_DATE <= value <= LATEST_DATE else [out_of_range(value)]


def out_of_range(value: date) -> Problem:
    """DATE_OUT_OF_RANGE for `value` (also for a date computed from it that `datetime.date` cannot hold)."""
    return Problem(ProblemCode.DATE_OUT_OF_RANGE,
                   {"value": value, "earliest": EARLIEST_DATE, "latest": LATEST_DATE})


def require_dates(*values: date | None) -> None:
    """Raise DomainError(DATE_OUT_OF_RANGE) for the first given date outside the span; None is skipped."""
    for value in values:
        if value is not None and (problems := check_date(value)):
            raise DomainError(problems)
