"""Identity checks: CCCD decoding (domain.md §4.1), SI code, mobile phones, names, voluntary SI age."""

from __future__ import annotations

import json
import string
import unicodedata
from datetime import date

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector_app import i18n
from collector_app.domain.cccd_birth_places import BIRTH_PLACES
from collector_app.domain.identity import (
    MAX_NAME_LENGTH,
    age_on,
    check_citizen_id,
    check_full_name,
    check_si_code,
    check_vsi_age,
    normalise_phone,
)
from collector_app.domain.people import Sex
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.domain.text import fold_digits, foreign_digits
from collector_app.messages import TEMPLATES, message

TODAY = date(2026, 11, 23)
VSI_MIN_AGE = 15  # the policy value in force (domain.md §1.2); the check itself takes it as a parameter


def codes(problems: tuple[Problem, ...] | list[Problem]) -> list[ProblemCode]:
    return [problem.code for problem in problems]


# --- CCCD: the worked example -------------------------------------------------------------------


def test_citizen_id_of_a_woman_born_1995_in_lam_dong_is_valid_and_decoded() -> None:
    result = check_citizen_id("068195000123", on=TODAY, date_of_birth=date(1995, 4, 2), sex=Sex.FEMALE)

    assert result.valid
    assert result.problems == ()
    assert result.birth_place_code == "068"
    assert result.birth_place == "Lâm Đồng"
    assert not result.born_abroad
    assert result.sex is Sex.FEMALE
    assert result.birth_year == 1995


def test_citizen_id_of_a_woman_entered_as_a_man_is_a_sex_mismatch_and_still_decoded() -> None:
    result = check_citizen_id("068195000123", on=TODAY, date_of_birth=date(1995, 4, 2), sex=Sex.MALE)

    assert not result.valid
    assert codes(result.problems) == [ProblemCode.CCCD_SEX_MISMATCH]
    assert result.problems[0].params == {"digit": "1"}
    assert (result.birth_place, result.sex, result.birth_year) == ("Lâm Đồng", Sex.FEMALE, 1995)


# --- CCCD: format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "06819500012",  # 11 digits
        "0681950001234",  # 13 digits
        "",
        "06819500012A",
        "068 195 000 123",  # inner spaces are not stripped
        "068-195-000-123",
    ],
)
def test_citizen_id_that_is_not_exactly_twelve_ascii_digits_is_a_format_problem(number: str) -> None:
    result = check_citizen_id(number, on=TODAY)

    assert codes(result.problems) == [ProblemCode.CCCD_FORMAT]
    assert not result.valid
    assert (result.birth_place_code, result.birth_place, result.sex, result.birth_year) == (
        None,
        None,
        None,
        None,
    )


def test_citizen_id_in_full_width_digits_is_read_as_the_same_ascii_digits() -> None:
    result = check_citizen_id("０６８１９５０００１２３", on=TODAY)

    assert result.valid
    assert result.number == "068195000123"


@pytest.mark.parametrize(
    ("number", "characters"),
    [
        ("٠٦٨١٩٥٠٠٠١٢٣", "U+0660, U+0666, U+0668, U+0661, U+0669, U+0665, U+0662, U+0663"),  # Arabic-Indic
        ("06819500012١", "U+0661"),  # int() would read "١" as 1
        ("०68195000123", "U+0966"),  # Devanagari zero
    ],
)
def test_citizen_id_with_digits_of_another_script_is_refused_naming_them(number: str, characters: str) -> None:
    result = check_citizen_id(number, on=TODAY)

    assert result.problems == (Problem(ProblemCode.FOREIGN_DIGITS, {"characters": characters}),)
    assert not result.valid and result.birth_year is None


def test_si_code_and_phone_read_full_width_digits_and_refuse_other_scripts() -> None:
    assert check_si_code("０１２３４５６７８９") == []
    assert check_si_code("012345678٩") == [Problem(ProblemCode.FOREIGN_DIGITS, {"characters": "U+0669"})]
    assert normalise_phone("０９１２ ３４５ ６７８") == ("0912345678", [])
    assert normalise_phone("091234567٨") == (None, [Problem(ProblemCode.FOREIGN_DIGITS, {"characters": "U+0668"})])


def test_citizen_id_with_surrounding_spaces_is_accepted_and_returned_stripped() -> None:
    result = check_citizen_id("  068195000123\t", on=TODAY)

    assert result.valid
    assert result.number == "068195000123"


# --- CCCD: birth place ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["003", "099", "000", "097", "098"])
def test_citizen_id_with_an_unassigned_province_code_is_invalid(code: str) -> None:
    result = check_citizen_id(f"{code}195000123", on=TODAY)

    assert codes(result.problems) == [ProblemCode.CCCD_UNKNOWN_PROVINCE]
    assert result.problems[0].params == {"code": code}
    # The rest of the number is still decoded.
    assert (result.birth_place_code, result.birth_place, result.sex, result.birth_year) == (
        code,
        None,
        Sex.FEMALE,
        1995,
    )


def test_every_one_of_the_63_province_codes_is_accepted_with_its_name() -> None:
    assert len(BIRTH_PLACES) == 63
    for code, name in BIRTH_PLACES.items():
        result = check_citizen_id(f"{code}089000001", on=TODAY)
        assert result.valid, code
        assert result.birth_place == name
        assert not result.born_abroad


def test_province_names_are_stored_composed_so_they_compare_equal_to_typed_text() -> None:
    assert all(unicodedata.is_normalized("NFC", name) for name in BIRTH_PLACES.values())


def test_a_new_birth_place_code_needs_only_a_wider_mapping() -> None:
    number = "003195000123"
    assert not check_citizen_id(number, on=TODAY).valid

    wider = {**BIRTH_PLACES, "003": "Tỉnh mới"}
    result = check_citizen_id(number, on=TODAY, birth_places=wider)

    assert result.valid
    assert result.birth_place == "Tỉnh mới"


def test_a_mapping_passed_in_replaces_the_built_in_table() -> None:
    result = check_citizen_id("068195000123", on=TODAY, birth_places={"001": "Hà Nội"})

    assert codes(result.problems) == [ProblemCode.CCCD_UNKNOWN_PROVINCE]


def test_citizen_id_born_in_the_united_states_is_decoded_as_born_abroad() -> None:
    result = check_citizen_id("840098123456", on=TODAY, date_of_birth=date(1998, 7, 1), sex=Sex.MALE)

    assert result.valid
    assert result.born_abroad
    assert result.birth_place_code == "840"
    assert result.birth_place == "United States"
    assert (result.sex, result.birth_year) == (Sex.MALE, 1998)


@pytest.mark.parametrize("code", ["999", "111", "704"])
def test_citizen_id_with_an_unknown_country_code_is_invalid(code: str) -> None:
    # 704 is Viet Nam itself: a birth in Viet Nam is registered under a province code instead.
    result = check_citizen_id(f"{code}301000123", on=TODAY)

    assert codes(result.problems) == [ProblemCode.CCCD_UNKNOWN_COUNTRY]
    assert result.problems[0].params == {"code": code}
    assert result.born_abroad
    assert result.birth_place is None
    assert (result.sex, result.birth_year) == (Sex.FEMALE, 2001)


def test_every_iso_country_code_from_100_up_except_viet_nam_is_a_valid_birth_place_abroad() -> None:
    for country in pycountry.countries:
        if int(country.numeric) < 100 or country.numeric == "704":
            continue
        result = check_citizen_id(f"{country.numeric}090000001", on=TODAY)
        assert result.valid, country.numeric
        assert result.birth_place == country.name


def test_iso_codes_below_100_read_as_provinces_so_036_is_nam_dinh_not_australia() -> None:
    result = check_citizen_id("036310123456", on=TODAY)

    assert result.valid
    assert not result.born_abroad
    assert result.birth_place == "Nam Định"


def test_the_six_iso_codes_below_100_that_are_no_province_are_rejected() -> None:
    # domain.md §4.1 "Derived" (pycountry 26.2.16): 30 ISO codes start with 0; 24 coincide with a
    # province code and 6 are rejected.
    below_100 = {c.numeric for c in pycountry.countries if int(c.numeric) < 100}
    not_provinces = sorted(below_100 - set(BIRTH_PLACES))

    assert not_provinces == ["016", "028", "032", "050", "076", "090"]
    for code in not_provinces:
        result = check_citizen_id(f"{code}195000123", on=TODAY)
        assert codes(result.problems) == [ProblemCode.CCCD_UNKNOWN_PROVINCE]


# --- CCCD: century and sex digit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digit", "sex", "century"),
    [
        ("0", Sex.MALE, 1900),
        ("1", Sex.FEMALE, 1900),
        ("2", Sex.MALE, 2000),
        ("3", Sex.FEMALE, 2000),
        ("4", Sex.MALE, 2100),
        ("5", Sex.FEMALE, 2100),
        ("6", Sex.MALE, 2200),
        ("7", Sex.FEMALE, 2200),
        ("8", Sex.MALE, 2300),
        ("9", Sex.FEMALE, 2300),
    ],
)
def test_century_and_sex_digit_follows_the_decree_table(digit: str, sex: Sex, century: int) -> None:
    result = check_citizen_id(f"001{digit}07000001", on=date(2399, 12, 31))

    assert result.valid
    assert result.sex is sex
    assert result.birth_year == century + 7


@pytest.mark.parametrize(
    ("number", "date_of_birth", "sex"),
    [
        ("001089012345", date(1989, 12, 31), Sex.MALE),
        ("001189012345", date(1989, 1, 1), Sex.FEMALE),
        ("079205001234", date(2005, 6, 15), Sex.MALE),
        ("079310001234", date(2010, 2, 28), Sex.FEMALE),
        ("001000000001", date(1900, 1, 1), Sex.MALE),
        ("001399000001", date(2099, 12, 31), Sex.FEMALE),
    ],
)
def test_citizen_ids_of_both_sexes_in_both_centuries_in_use_are_valid(
    number: str, date_of_birth: date, sex: Sex
) -> None:
    on = max(TODAY, date_of_birth)
    assert check_citizen_id(number, on=on, date_of_birth=date_of_birth, sex=sex).valid


@pytest.mark.parametrize(("number", "wrong_sex"), [("001089012345", Sex.FEMALE), ("079310001234", Sex.MALE)])
def test_citizen_id_sex_mismatch_is_reported_for_either_sex(number: str, wrong_sex: Sex) -> None:
    result = check_citizen_id(number, on=TODAY, sex=wrong_sex)

    assert codes(result.problems) == [ProblemCode.CCCD_SEX_MISMATCH]


# --- CCCD: birth year -----------------------------------------------------------------------------


def test_citizen_id_year_differing_from_the_date_of_birth_is_a_mismatch() -> None:
    result = check_citizen_id("068195000123", on=TODAY, date_of_birth=date(1996, 4, 2))

    assert codes(result.problems) == [ProblemCode.CCCD_BIRTH_YEAR_MISMATCH]
    assert result.problems[0].params == {"decoded_year": 1995, "year": 1996}
    assert result.birth_year == 1995


def test_citizen_id_year_mismatch_across_the_century_digit_is_caught() -> None:
    # Same YY, other century: 1905 is not 2005.
    result = check_citizen_id("068005000123", on=TODAY, date_of_birth=date(2005, 1, 1))

    assert codes(result.problems) == [ProblemCode.CCCD_BIRTH_YEAR_MISMATCH]


def test_citizen_id_birth_year_this_year_is_accepted_but_next_year_is_in_the_future() -> None:
    assert check_citizen_id("068226000123", on=date(2026, 1, 1)).valid

    result = check_citizen_id("068226000123", on=date(2025, 12, 31))
    assert codes(result.problems) == [ProblemCode.CCCD_BIRTH_YEAR_IN_FUTURE]
    assert result.problems[0].params == {"birth_year": 2026}


@pytest.mark.parametrize("digit", "456789")
def test_century_digits_after_2099_cannot_be_valid_today(digit: str) -> None:
    result = check_citizen_id(f"068{digit}00000123", on=TODAY)

    assert ProblemCode.CCCD_BIRTH_YEAR_IN_FUTURE in codes(result.problems)


def test_date_of_birth_after_the_check_date_is_reported() -> None:
    on = date(2026, 11, 23)
    result = check_citizen_id("068226000123", on=on, date_of_birth=date(2026, 11, 24))
    assert codes(result.problems) == [ProblemCode.DATE_OF_BIRTH_IN_FUTURE]

    assert check_citizen_id("068226000123", on=on, date_of_birth=on).valid


def test_every_failing_rule_is_reported_at_once() -> None:
    result = check_citizen_id("003299000123", on=TODAY, date_of_birth=date(1999, 1, 1), sex=Sex.FEMALE)

    assert codes(result.problems) == [
        ProblemCode.CCCD_UNKNOWN_PROVINCE,
        ProblemCode.CCCD_BIRTH_YEAR_IN_FUTURE,
        ProblemCode.CCCD_BIRTH_YEAR_MISMATCH,
        ProblemCode.CCCD_SEX_MISMATCH,
    ]


def test_citizen_id_check_turns_into_plain_json() -> None:
    result = check_citizen_id("068195000123", on=TODAY, sex=Sex.MALE)

    as_json = json.loads(json.dumps(result.as_dict()))

    assert as_json == {
        "number": "068195000123",
        "valid": False,
        "problems": [{"code": "cccd.sex_mismatch", "params": {"digit": "1"}}],
        "birth_place_code": "068",
        "birth_place": "Lâm Đồng",
        "born_abroad": False,
        "sex": "female",
        "birth_year": 1995,
    }


# --- CCCD: properties -----------------------------------------------------------------------------


@st.composite
def cccd_parts(draw: st.DrawFn) -> tuple[str, int, int, str]:
    province = draw(st.sampled_from(sorted(BIRTH_PLACES)))
    century_sex = draw(st.integers(0, 9))
    yy = draw(st.integers(0, 99))
    random_part = draw(st.text(string.digits, min_size=6, max_size=6))
    return province, century_sex, yy, random_part


@given(cccd_parts(), st.integers(1, 12), st.integers(1, 28))
def test_any_well_formed_citizen_id_round_trips_its_decoded_fields(
    parts: tuple[str, int, int, str], month: int, day: int
) -> None:
    province, century_sex, yy, random_part = parts
    year = 1900 + 100 * (century_sex // 2) + yy
    sex = Sex.FEMALE if century_sex % 2 else Sex.MALE
    number = f"{province}{century_sex}{yy:02d}{random_part}"

    result = check_citizen_id(number, on=date(2399, 12, 31), date_of_birth=date(year, month, day), sex=sex)

    assert result.valid, result.problems
    assert result.number == number
    assert (result.birth_place_code, result.birth_place) == (province, BIRTH_PLACES[province])
    assert (result.sex, result.birth_year) == (sex, year)


@given(st.text(max_size=20))
def test_any_text_that_is_not_twelve_digits_gets_exactly_one_format_problem(text: str) -> None:
    stripped = fold_digits(text.strip())
    if len(stripped) == 12 and all(ch in string.digits for ch in stripped):
        return
    expected = ProblemCode.FOREIGN_DIGITS if foreign_digits(stripped) else ProblemCode.CCCD_FORMAT
    assert codes(check_citizen_id(text, on=TODAY).problems) == [expected]


# --- SI code --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0123456789", "7912345678", " 0123456789 "])
def test_ten_digit_si_code_is_accepted(code: str) -> None:
    assert check_si_code(code) == []


@pytest.mark.parametrize(
    "code", ["012345678", "01234567890", "01234A6789", "", "012 345 6789", "０１２３４５６７８"]
)
def test_si_code_that_is_not_ten_digits_is_a_format_problem(code: str) -> None:
    assert codes(check_si_code(code)) == [ProblemCode.SI_CODE_FORMAT]


# --- phone ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),  # Vinaphone
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(+84) 912-345-678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0862345678", "0862345678"),  # Viettel
        ("0972345678", "0972345678"),  # Viettel
        ("0332345678", "0332345678"),  # Viettel
        ("0842345678", "0842345678"),  # Vinaphone
        ("0902345678", "0902345678"),  # Mobifone
        ("0702345678", "0702345678"),  # Mobifone
        ("0792345678", "0792345678"),  # Mobifone
        ("0562345678", "0562345678"),  # Vietnamobile
    ],
)
def test_vietnamese_mobile_numbers_are_normalised_to_ten_digits(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == (expected, [])


@pytest.mark.parametrize("raw", ["024 3826 1234", "02838221234", "1900 1234"])
def test_landline_and_service_numbers_are_refused_as_not_mobile(raw: str) -> None:
    number, problems = normalise_phone(raw)

    assert number is None
    assert codes(problems) == [ProblemCode.PHONE_NOT_MOBILE]


def test_a_foreign_number_is_refused_as_not_vietnamese() -> None:
    assert normalise_phone("+1 202 555 0123") == (None, [Problem(ProblemCode.PHONE_NOT_VIETNAMESE)])


@pytest.mark.parametrize(
    "raw", ["", "abc", "091234567", "09123456789", "0912 ABC DEF", "0912345678 ext 12"]
)
def test_malformed_phone_numbers_are_invalid(raw: str) -> None:
    # "ABC" would otherwise be read as keypad digits 222 and give a valid-looking number.
    assert normalise_phone(raw) == (None, [Problem(ProblemCode.PHONE_INVALID)])


# --- full name ------------------------------------------------------------------------------------


def test_invisible_characters_in_a_name_are_named_by_code_point_not_printed() -> None:
    assert check_full_name("Nguyễn\u200b Văn\x1b An!") == [
        Problem(ProblemCode.NAME_INVALID_CHARACTERS, {"characters": "U+001B ! U+200B"})
    ]



@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn An",
        "  Trần   Thị  Hằng ",
        unicodedata.normalize("NFD", "Đặng Thị Hằng"),  # typed with combining marks
        "H'Hen Niê",
        "Nguyễn-Trần Minh Khôi",
        "Hoàng Thị Ngọc Ánh Dương",
        "Lò Văn Páo",
    ],
)
def test_ordinary_full_names_pass(name: str) -> None:
    assert check_full_name(name) == []


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_empty_name_is_reported(name: str) -> None:
    assert codes(check_full_name(name)) == [ProblemCode.NAME_EMPTY]


@pytest.mark.parametrize("name", ["Nguyễn", "Nguyễn -", "An '"])
def test_a_single_word_is_not_a_full_name(name: str) -> None:
    assert codes(check_full_name(name)) == [ProblemCode.NAME_SINGLE_WORD]


@pytest.mark.parametrize(
    ("name", "characters"),
    [
        ("Nguyễn Văn 2", "2"),
        ("Nguyễn Văn An!", "!"),
        ("Nguyễn@Văn #An", "# @"),
        ("Иван Петров", "И П а в е н о р т"),
    ],
)
def test_digits_symbols_and_other_scripts_are_refused_in_names(name: str, characters: str) -> None:
    problems = check_full_name(name)

    assert codes(problems) == [ProblemCode.NAME_INVALID_CHARACTERS]
    assert problems[0].params == {"characters": characters}


def test_a_name_of_the_maximum_length_passes_and_one_more_letter_fails() -> None:
    longest = "Nguyễn " + "a" * (MAX_NAME_LENGTH - len("Nguyễn "))
    assert len(longest) == MAX_NAME_LENGTH
    assert check_full_name(longest) == []

    assert codes(check_full_name(longest + "a")) == [ProblemCode.NAME_TOO_LONG]


def test_name_length_is_counted_after_composing_and_collapsing_spaces() -> None:
    longest = "Nguyễn " + "a" * (MAX_NAME_LENGTH - len("Nguyễn "))
    decomposed_and_spaced = unicodedata.normalize("NFD", longest).replace(" ", "    ")

    assert check_full_name(decomposed_and_spaced) == []


# --- voluntary SI age -----------------------------------------------------------------------------


def test_the_day_before_the_fifteenth_birthday_is_too_young() -> None:
    problems = check_vsi_age(date(2011, 11, 23), on=date(2026, 11, 22), min_age=VSI_MIN_AGE)

    assert problems == [Problem(ProblemCode.VSI_UNDER_MIN_AGE, {"min_age": 15, "age": 14})]


def test_the_fifteenth_birthday_itself_is_old_enough() -> None:
    assert check_vsi_age(date(2011, 11, 23), on=date(2026, 11, 23), min_age=VSI_MIN_AGE) == []


def test_the_minimum_age_comes_from_the_caller() -> None:
    born, on = date(2010, 1, 1), date(2026, 11, 23)  # 16 years old

    assert check_vsi_age(born, on=on, min_age=16) == []
    assert codes(check_vsi_age(born, on=on, min_age=17)) == [ProblemCode.VSI_UNDER_MIN_AGE]


def test_someone_born_on_29_february_turns_fifteen_on_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)

    assert codes(check_vsi_age(born, on=date(2023, 2, 28), min_age=VSI_MIN_AGE)) == [
        ProblemCode.VSI_UNDER_MIN_AGE
    ]
    assert check_vsi_age(born, on=date(2023, 3, 1), min_age=VSI_MIN_AGE) == []


def test_someone_born_on_29_february_has_a_birthday_on_29_february_in_a_leap_year() -> None:
    born = date(2008, 2, 29)

    assert codes(check_vsi_age(born, on=date(2024, 2, 28), min_age=16)) == [ProblemCode.VSI_UNDER_MIN_AGE]
    assert check_vsi_age(born, on=date(2024, 2, 29), min_age=16) == []


def test_age_check_with_a_date_of_birth_after_the_check_date_reports_that() -> None:
    assert codes(check_vsi_age(date(2026, 11, 24), on=date(2026, 11, 23), min_age=VSI_MIN_AGE)) == [
        ProblemCode.DATE_OF_BIRTH_IN_FUTURE
    ]


def _anniversary(born: date, years: int) -> date:
    """`born` moved `years` on; 29 February falls to 1 March in common years."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
)
def test_age_is_the_number_of_anniversaries_reached(born: date, on: date) -> None:
    if on < born:
        born, on = on, born
    expected = 0
    while _anniversary(born, expected + 1) <= on:
        expected += 1

    assert age_on(born, on) == expected


# --- messages -------------------------------------------------------------------------------------


SAMPLE_PROBLEMS = [
    *check_citizen_id("06819500012", on=TODAY).problems,
    *check_citizen_id("003299000123", on=TODAY, date_of_birth=date(2027, 1, 1), sex=Sex.FEMALE).problems,
    *check_citizen_id("999195000123", on=TODAY).problems,
    *check_si_code("1"),
    *check_si_code("١"),
    *normalise_phone("abc")[1],
    *normalise_phone("+1 202 555 0123")[1],
    *normalise_phone("024 3826 1234")[1],
    *check_full_name(""),
    *check_full_name("N" * 101 + "!"),
    *check_vsi_age(date(2020, 1, 1), on=TODAY, min_age=VSI_MIN_AGE),
]


def test_samples_cover_every_identity_problem_code() -> None:
    identity_codes = {
        code for code in ProblemCode if code.value.split(".")[0] in {"cccd", "si_code", "phone", "name"}
    } | {ProblemCode.DATE_OF_BIRTH_IN_FUTURE, ProblemCode.VSI_UNDER_MIN_AGE, ProblemCode.FOREIGN_DIGITS}

    assert set(codes(SAMPLE_PROBLEMS)) == identity_codes


@pytest.mark.parametrize("problem", SAMPLE_PROBLEMS, ids=lambda p: str(p.code))
def test_identity_message_placeholders_are_exactly_the_problem_params(problem: Problem) -> None:
    placeholders = {field for _, field, _, _ in string.Formatter().parse(TEMPLATES[problem.code]) if field}

    assert placeholders == set(problem.params)


@pytest.mark.parametrize("problem", SAMPLE_PROBLEMS, ids=lambda p: str(p.code))
@pytest.mark.parametrize("language", ["en", "vi"])
def test_identity_problems_have_a_message_in_each_language(problem: Problem, language: str) -> None:
    before = i18n.language()
    i18n.set_language(language)
    try:
        text = message(problem)
    finally:
        i18n.set_language(before)

    assert "{" not in text
    if language == "vi":
        assert text != TEMPLATES[problem.code].format(**problem.params), "no Vietnamese translation"
