"""Counting a day's cash: the count parsed and checked, the difference, and when a reason is needed."""

from __future__ import annotations

import pytest

from collector_app.domain.closing import DENOMINATIONS, MAX_NOTES, DayFigures, cash_count, close, parse_count
from collector_app.domain.problems import DomainError, ProblemCode


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[ProblemCode]:
    return [problem.code for problem in error.value.problems]


def test_a_count_adds_up_every_denomination_and_keeps_them_all_largest_first() -> None:
    # 3 × 500.000 + 1 × 200.000 + 2 × 50.000 + 7 × 2.000 + 4 × 1.000 = 1.818.000 đ
    count = parse_count("500000=3, 200000=1,50000=2,2000=7,1000=4")
    assert count.total == 1_818_000
    assert [value for value, _ in count.notes] == list(DENOMINATIONS)
    assert count.as_dict()["100000"] == 0 and count.as_dict()["500000"] == 3


def test_the_difference_is_counted_minus_expected_and_a_difference_needs_a_reason() -> None:
    # Worked example: receipts say 1.263.600 đ in cash (3 VSI receipts of 374.000 đ and one family HI
    # receipt of 141.600 đ); the drawer holds 2 × 500.000 + 1 × 200.000 + 1 × 50.000 + 1 × 10.000 +
    # 2 × 2.000 = 1.264.000 đ: 400 đ too much (the payer left the change).
    figures = DayFigures(expected_cash=3 * 374_000 + 141_600, transfers=0)
    count = parse_count("500000=2,200000=1,50000=1,10000=1,2000=2")
    with pytest.raises(DomainError) as error:
        close(figures, count, "  ")
    assert codes(error) == [ProblemCode.DAY_REASON_REQUIRED]
    assert error.value.problems[0].params["amount"] == 400
    closing = close(figures, count, " Người nộp không lấy tiền thừa ")
    assert (closing.expected_cash, closing.counted_cash, closing.difference) == (1_263_600, 1_264_000, 400)
    assert closing.reason == "Người nộp không lấy tiền thừa"
    short = close(figures, parse_count("500000=2,200000=1,50000=1"), "Thiếu 13.600 đ, sẽ bù ngày mai")
    assert short.difference == -13_600


def test_a_count_that_matches_needs_no_reason() -> None:
    closing = close(DayFigures(expected_cash=374_000, transfers=1_000_000),
                    parse_count("200000=1,100000=1,50000=1,20000=1,2000=2"), None)
    assert (closing.difference, closing.reason, closing.figures.transfers) == (0, "", 1_000_000)


@pytest.mark.parametrize("text", ["", ",", "500000", "500000=", "=3", "500000=-1", "500000=3.5", "500.000=1",
                                  "500000=3,500000=1", "abc=1", "500000=1;200000=1", "５00000=1", "500000 = ３"])
def test_a_malformed_count_is_refused_naming_the_item(text: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_count(text)
    assert codes(error) == [ProblemCode.DAY_COUNT_MALFORMED]


def test_unknown_denominations_and_impossible_numbers_of_notes_are_refused_together() -> None:
    with pytest.raises(DomainError) as error:
        parse_count("300000=1,500=2,100000=100000,50000=99999999999")
    assert codes(error) == [ProblemCode.DAY_UNKNOWN_DENOMINATION, ProblemCode.DAY_UNKNOWN_DENOMINATION,
                            ProblemCode.DAY_NOTES_OUT_OF_RANGE, ProblemCode.DAY_NOTES_OUT_OF_RANGE]
    assert parse_count(f"1000={MAX_NOTES}").total == MAX_NOTES * 1_000
    with pytest.raises(DomainError):
        cash_count({1_000: -1})
