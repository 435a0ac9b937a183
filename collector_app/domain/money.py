"""Money: integer VND, exact fractions for rates, and the one place amounts are rounded."""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction

Vnd = int


class RoundingRule(StrEnum):
    """How an exact amount becomes whole đồng; the rule in force comes from the policy table."""

    HALF_UP = "half_up"
    DOWN = "down"
    UP = "up"


def round_vnd(amount: Fraction, rule: RoundingRule) -> Vnd:
    """Round an exact, non-negative amount to whole đồng by `rule` (VND has no minor unit)."""
    if amount < 0:
        raise ValueError("amounts are never negative")
    whole, remainder = divmod(amount.numerator, amount.denominator)
    if remainder == 0:
        return whole
    if rule is RoundingRule.DOWN:
        return whole
    if rule is RoundingRule.UP:
        return whole + 1
    return whole + 1 if 2 * remainder >= amount.denominator else whole


def parse_fraction(text: str) -> Fraction:
    """'45/1000', '0.5/100' or '0.005' -> an exact Fraction.

    Floats are refused so no binary rounding creeps in; a decimal numerator is allowed because VSS
    publishes the fund return as a percentage with decimals (0,6583 %/month = '0.6583/100').
    """
    if not isinstance(text, str):
        raise ValueError(f"a rate must be written as a string such as '45/1000', not {text!r}")
    numerator, _, denominator = text.strip().partition("/")
    try:
        return Fraction(numerator) / Fraction(denominator or "1")
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a rate: {text!r}") from None
