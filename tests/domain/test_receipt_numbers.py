"""Receipt numbers: symbol from point and device codes, two-digit year, seven digits (domain.md §3.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_numbers import (
    ReceiptNumber,
    format_receipt_number,
    parse_receipt_number,
    series_symbol,
)


def test_a_receipt_number_is_symbol_year_and_seven_digits():
    assert format_receipt_number("BD01M1", 2026, 123) == "BD01M1-26-0000123"
    assert format_receipt_number("BD01M1", 2027, 1) == "BD01M1-27-0000001"
    assert format_receipt_number("X1", 2030, 9_999_999) == "X1-30-9999999"


def test_the_series_symbol_is_the_point_code_then_the_device_code():
    assert series_symbol("BD01", "M1") == "BD01M1"


def test_parsing_gives_back_symbol_full_year_and_number():
    assert parse_receipt_number("BD01M1-26-0000123") == ReceiptNumber("BD01M1", 2026, 123)
    assert parse_receipt_number(" bd01m1-26-0000123\n") == ReceiptNumber("BD01M1", 2026, 123)
    assert str(ReceiptNumber("BD01M1", 2026, 123)) == "BD01M1-26-0000123"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "BD01M1-26-123",
        "BD01M1-2026-0000123",
        "BD01M1-26-0000000",
        "BD01 M1-26-0000001",
        "BĐ01M1-26-0000001",
        "BD01M1/26/0000001",
        "BD01M1-26-00001234",
    ],
)
def test_anything_else_is_refused_with_a_problem(text):
    with pytest.raises(DomainError) as refused:
        parse_receipt_number(text)

    assert [p.code for p in refused.value.problems] == [ProblemCode.RECEIPT_NUMBER_FORMAT]
    assert refused.value.problems[0].params == {"text": text}


@pytest.mark.parametrize(
    ("point", "device", "codes"),
    [
        ("bd01", "M1", [ProblemCode.POINT_CODE_FORMAT]),
        ("BD01", "", [ProblemCode.DEVICE_CODE_FORMAT]),
        ("BĐ01", "máy1", [ProblemCode.POINT_CODE_FORMAT, ProblemCode.DEVICE_CODE_FORMAT]),
        ("BD0123456789X", "M1", [ProblemCode.POINT_CODE_FORMAT]),
    ],
)
def test_codes_must_be_capital_letters_and_digits(point, device, codes):
    with pytest.raises(DomainError) as refused:
        series_symbol(point, device)

    assert [p.code for p in refused.value.problems] == codes


@pytest.mark.parametrize(("year", "number"), [(1999, 1), (2100, 1), (2026, 0), (2026, 10_000_000)])
def test_numbers_outside_the_series_cannot_be_formatted(year, number):
    with pytest.raises(ValueError):
        format_receipt_number("BD01M1", year, number)


@given(
    symbol=st.from_regex(r"[A-Z0-9]{2,24}", fullmatch=True),
    year=st.integers(2000, 2099),
    number=st.integers(1, 9_999_999),
)
def test_format_and_parse_are_inverse(symbol, year, number):
    assert parse_receipt_number(format_receipt_number(symbol, year, number)) == ReceiptNumber(
        symbol, year, number
    )
