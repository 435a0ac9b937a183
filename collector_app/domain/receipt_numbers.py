"""Receipt numbers: a series per device, a 7-digit number restarting every year (domain.md §3.2).

The canonical text `BD01M1-26-0000123` is `{symbol}-{yy}-{number:07d}`: the symbol is the collection
point's code followed by the device's code, so numbers are unique in a province without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from collector_app.domain.problems import DomainError, Problem, ProblemCode

MAX_NUMBER = 9_999_999
# Upper-case ASCII letters and digits only: the symbol is printed, typed and read from QR codes.
_CODE = re.compile(r"[A-Z0-9]{1,12}")
_RECEIPT_NUMBER = re.compile(r"([A-Z0-9]{2,24})-([0-9]{2})-([0-9]{7})")
# Two-digit years on receipts: the app runs this century.
_CENTURY = 2000


@dataclass(frozen=True, order=True)
class ReceiptNumber:
    """One number of one series: `symbol` (e.g. "BD01M1"), the full `year` and the `number`."""

    symbol: str
    year: int
    number: int

    def __str__(self) -> str:
        return format_receipt_number(self.symbol, self.year, self.number)


def check_point_code(value: str) -> list[Problem]:
    """A collection-point code: 1-12 upper-case letters or digits (e.g. "BD01")."""
    return [] if _CODE.fullmatch(value) else [Problem(ProblemCode.POINT_CODE_FORMAT, {"value": value})]


def check_device_code(value: str) -> list[Problem]:
    """A device code within its point: 1-12 upper-case letters or digits (e.g. "M1")."""
    return [] if _CODE.fullmatch(value) else [Problem(ProblemCode.DEVICE_CODE_FORMAT, {"value": value})]


def series_symbol(point_code: str, device_code: str) -> str:
    """The series symbol of a device: point code + device code ("BD01" + "M1" -> "BD01M1")."""
    problems = check_point_code(point_code) + check_device_code(device_code)
    if problems:
        raise DomainError(problems)
    return point_code + device_code


def format_receipt_number(symbol: str, year: int, number: int) -> str:
    """`format_receipt_number("BD01M1", 2026, 123)` -> "BD01M1-26-0000123"."""
    if not _CENTURY <= year < _CENTURY + 100:
        raise ValueError(f"receipt years run from {_CENTURY} to {_CENTURY + 99}, not {year}")
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"receipt numbers run from 1 to {MAX_NUMBER}, not {number}")
    return f"{symbol}-{year % 100:02d}-{number:07d}"


def parse_receipt_number(text: str) -> ReceiptNumber:
    """Read "BD01M1-26-0000123" (surrounding spaces and lower case tolerated) or raise a DomainError."""
    match = _RECEIPT_NUMBER.fullmatch(text.strip().upper())
    if match is None or int(match.group(3)) == 0:
        raise DomainError(Problem(ProblemCode.RECEIPT_NUMBER_FORMAT, {"text": text}))
    symbol, yy, number = match.groups()
    return ReceiptNumber(symbol=symbol, year=_CENTURY + int(yy), number=int(number))
