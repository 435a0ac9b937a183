"""Vietnamese display formats: "1.263.600 đ" and dd/mm/yyyy, and reading dates back."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector_app.formatting import format_date, format_signed_vnd, format_vnd, parse_date


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1_263_600, "1.263.600 đ"),
        (0, "0 đ"),
        (999, "999 đ"),
        (1000, "1.000 đ"),
        (50_600_000, "50.600.000 đ"),
        (1_000_000_000_000, "1.000.000.000.000 đ"),
        (-66_000, "-66.000 đ"),
    ],
)
def test_amounts_are_grouped_with_dots_and_followed_by_dong(amount: int, text: str) -> None:
    assert format_vnd(amount) == text


def test_amount_uses_an_ordinary_space_before_the_unit() -> None:
    text = format_vnd(1_263_600)

    assert text[-2:] == " đ"
    assert not {"\u00a0", "\u202f", "\u2009"} & set(text)


@pytest.mark.parametrize("amount", [1.5, 1000.0, True])
def test_anything_but_an_int_of_vnd_is_refused(amount: object) -> None:
    with pytest.raises(TypeError):
        format_vnd(amount)  # type: ignore[arg-type]


def test_an_amount_longer_than_decimal_precision_is_shown_not_raised() -> None:
    # Refusing an income of 10**30 once ended in a traceback: the message formatted the amount.
    from collector_app import i18n
    from collector_app.domain.problems import Problem, ProblemCode
    from collector_app.messages import message

    assert format_vnd(10**30) == "1" + ".000" * 10 + " đ"
    before = i18n.language()
    i18n.set_language("en")
    try:
        text = message(Problem(ProblemCode.INCOME_ABOVE_CEILING,
                               {"income": 10**30, "ceiling": 50_600_000, "date": date(2026, 8, 1)}))
    finally:
        i18n.set_language(before)
    assert text.startswith("The monthly income 1.000.000.000.000.000.000.000.000.000.000 đ is above")


@given(st.integers(min_value=0, max_value=10**40))
def test_formatted_amount_reads_back_as_the_same_integer(amount: int) -> None:
    text = format_vnd(amount)
    digits = text.removesuffix(" đ")

    assert int(digits.replace(".", "")) == amount
    groups = digits.split(".")
    assert all(len(group) == 3 for group in groups[1:]) and 1 <= len(groups[0]) <= 3


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2026, 3, 5), "05/03/2026"), (date(2026, 11, 23), "23/11/2026"), (date(1900, 1, 1), "01/01/1900")],
)
def test_dates_are_written_day_month_year_with_leading_zeros(day: date, text: str) -> None:
    assert format_date(day) == text


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("05/03/2026", date(2026, 3, 5)),
        ("5/3/2026", date(2026, 3, 5)),
        (" 23/11/2026 ", date(2026, 11, 23)),
        ("29/02/2024", date(2024, 2, 29)),
        ("2026-03-05", date(2026, 3, 5)),
    ],
)
def test_dates_are_read_as_day_month_year_or_iso(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "",
        "05/03/26",  # two-digit year: which century?
        "2026/03/05",
        "05-03-2026",
        "05.03.2026",
        "2026-3-5",
        "03/05/2026x",
        "31/02/2026",  # no such day
        "29/02/2025",
        "00/01/2026",
        "01/13/2026",
        "０５/０３/２０２６",
    ],
)
def test_anything_else_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@given(st.dates())
def test_any_formatted_date_reads_back_as_itself(day: date) -> None:
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (999, "999"), (3000, "3.000"), (1_000_000, "1.000.000")])
def test_counts_are_grouped_as_amounts_are_in_every_language(count: int, text: str) -> None:
    from collector_app import i18n
    from collector_app.formatting import format_count

    previous = i18n.language()
    try:
        for language in i18n.LANGUAGES:
            i18n.set_language(language)
            assert format_count(count) == text
            assert format_vnd(count) == f"{text} đ"
    finally:
        i18n.set_language(previous)


def test_a_share_in_thousandths_reads_as_a_percentage_with_a_decimal_comma():
    from collector_app.formatting import format_permille

    assert [format_permille(value) for value in (537, 0, 1000, 12345, 5)] == [
        "53,7 %", "0,0 %", "100,0 %", "1.234,5 %", "0,5 %"]


def test_a_difference_shows_its_sign_with_a_true_minus():
    assert format_signed_vnd(20_000) == "+20.000 đ"
    assert format_signed_vnd(-1_263_600) == "\u22121.263.600 đ"
    assert format_signed_vnd(0) == "0 đ"


@pytest.mark.parametrize(("size", "text"), [(0, "0,0 MB"), (49_999, "0,0 MB"), (50_000, "0,1 MB"),
                                            (148_212_736, "148,2 MB"), (2_500_000_000, "2.500,0 MB")])
def test_file_sizes_are_megabytes_to_a_tenth(size: int, text: str) -> None:
    from collector_app.formatting import format_megabytes

    assert format_megabytes(size) == text
