"""Identity checks: citizen ID (CCCD) decoding, legacy SI code, mobile phone, full name, minimum age.

Every check returns `Problem`s (never text) so the UI, the CLI and the server speak the same codes.
Rules: domain.md §4 (identifiers) and §1.2 (who may join voluntary SI).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers
import pycountry

from collector_app.domain.cccd_birth_places import BIRTH_PLACES
from collector_app.domain.people import Sex
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.domain.text import (
    describe_characters,
    fold_digits,
    foreign_digits,
    normalise_name,
    unsafe_characters,
)

_CCCD = re.compile(r"[0-9]{12}")
_SI_CODE = re.compile(r"[0-9]{10}")
# What people type around a phone number; anything else (letters, other scripts' digits) is refused
# before phonenumbers sees it, because phonenumbers reads letters as keypad digits ("ABC" -> 222).
# Full-width digits are read as 0-9 first (`text.fold_digits`).
_PHONE_CHARACTERS = re.compile(r"[0-9+().\- ]+")
_VIET_NAM_ISO_NUMERIC = "704"
_VIET_NAM_CALLING_CODE = 84

MAX_NAME_LENGTH = 100
# Vietnamese and minority names are written in the Latin script; a hyphen or an apostrophe
# (straight or typographic) appears in some minority and foreign-origin names.
_NAME_PUNCTUATION = frozenset("-'’")


@dataclass(frozen=True)
class CitizenIdCheck:
    """A citizen ID number, what its digits say, and what is wrong with it.

    Decoded fields are filled wherever the digits allow, even when `valid` is false, so a form can
    show "born 1995 in Lâm Đồng" next to the problem that the sex does not match.
    """

    number: str
    valid: bool
    problems: tuple[Problem, ...]
    birth_place_code: str | None
    birth_place: str | None
    born_abroad: bool
    sex: Sex | None
    birth_year: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "valid": self.valid,
            "problems": [problem.as_dict() for problem in self.problems],
            "birth_place_code": self.birth_place_code,
            "birth_place": self.birth_place,
            "born_abroad": self.born_abroad,
            "sex": None if self.sex is None else str(self.sex),
            "birth_year": self.birth_year,
        }


def check_citizen_id(
    number: str,
    *,
    on: date,
    date_of_birth: date | None = None,
    sex: Sex | None = None,
    birth_places: Mapping[str, str] | None = None,
) -> CitizenIdCheck:
    """Decode and check a 12-digit CCCD number `PPP G YY RRRRRR` as of the date `on`.

    PPP starting with 0 is a birth-place province code from `birth_places` (default: the 63 codes
    of Circular 07/2016; pass a wider mapping when new codes appear). Otherwise PPP is the ISO
    3166-1 numeric code of the country of birth abroad. So an ISO code below 100 (036 Australia)
    always reads as a province (036 Nam Định), as domain.md §4.1 "Derived" notes. G gives the
    century and sex; there is no check digit.
    """
    places = BIRTH_PLACES if birth_places is None else birth_places
    cleaned = fold_digits(number.strip())
    problems: list[Problem] = []
    well_formed = _CCCD.fullmatch(cleaned) is not None
    if not well_formed:
        problems.append(_foreign_digits_problem(cleaned) or Problem(ProblemCode.CCCD_FORMAT))
    if date_of_birth is not None and date_of_birth > on:
        problems.append(Problem(ProblemCode.DATE_OF_BIRTH_IN_FUTURE))
    if not well_formed:
        return CitizenIdCheck(
            number=cleaned,
            valid=False,
            problems=tuple(problems),
            birth_place_code=None,
            birth_place=None,
            born_abroad=False,
            sex=None,
            birth_year=None,
        )

    place_code = cleaned[:3]
    born_abroad = not place_code.startswith("0")
    if born_abroad:
        birth_place = _country_of_birth(place_code)
        if birth_place is None:
            problems.append(Problem(ProblemCode.CCCD_UNKNOWN_COUNTRY, {"code": place_code}))
    else:
        birth_place = places.get(place_code)
        if birth_place is None:
            problems.append(Problem(ProblemCode.CCCD_UNKNOWN_PROVINCE, {"code": place_code}))

    # Decree 137/2015 Art. 13: G even = male, odd = female; each pair of G values is one century
    # from 1900 (0/1) to 2300 (8/9).
    century_sex_digit = int(cleaned[3])
    decoded_sex = Sex.MALE if century_sex_digit % 2 == 0 else Sex.FEMALE
    birth_year = (century_sex_digit // 2 + 19) * 100 + int(cleaned[4:6])

    if birth_year > on.year:
        problems.append(Problem(ProblemCode.CCCD_BIRTH_YEAR_IN_FUTURE, {"birth_year": birth_year}))
    if date_of_birth is not None and date_of_birth.year != birth_year:
        problems.append(
            Problem(
                ProblemCode.CCCD_BIRTH_YEAR_MISMATCH,
                {"decoded_year": birth_year, "year": date_of_birth.year},
            )
        )
    if sex is not None and sex != decoded_sex:
        problems.append(Problem(ProblemCode.CCCD_SEX_MISMATCH, {"digit": cleaned[3]}))

    return CitizenIdCheck(
        number=cleaned,
        valid=not problems,
        problems=tuple(problems),
        birth_place_code=place_code,
        birth_place=birth_place,
        born_abroad=born_abroad,
        sex=decoded_sex,
        birth_year=birth_year,
    )


def _country_of_birth(iso_numeric: str) -> str | None:
    """The English short name of a country other than Viet Nam, or None.

    A birth in Viet Nam is registered under a province code, so 704 cannot name a birth abroad.
    """
    if iso_numeric == _VIET_NAM_ISO_NUMERIC:
        return None
    country = pycountry.countries.get(numeric=iso_numeric)
    return None if country is None else str(country.name)


def _foreign_digits_problem(text: str) -> Problem | None:
    """FOREIGN_DIGITS when `text` holds digits of another script than 0-9 (full-width ones are read)."""
    found = foreign_digits(text)
    return Problem(ProblemCode.FOREIGN_DIGITS, {"characters": describe_characters(found)}) if found else None


def check_si_code(code: str) -> list[Problem]:
    """The legacy 10-digit SI code (mã số BHXH), treated as opaque digits (domain.md §4.2).

    Full-width digits count as 0-9 (store `text.fold_digits(code)`); other scripts' digits are refused.
    """
    if _SI_CODE.fullmatch(fold_digits(code.strip())):
        return []
    return [_foreign_digits_problem(code) or Problem(ProblemCode.SI_CODE_FORMAT)]


def normalise_phone(raw: str) -> tuple[str | None, list[Problem]]:
    """A Vietnamese mobile number in national form without spaces ("0912345678"), or the problems.

    Accepts "0912 345 678", "+84912345678", "84912345678" and the like; refuses landlines,
    service numbers and numbers of other countries.
    """
    text = fold_digits(raw.strip())
    if not _PHONE_CHARACTERS.fullmatch(text):
        return None, [_foreign_digits_problem(text) or Problem(ProblemCode.PHONE_INVALID)]
    try:
        parsed = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None, [Problem(ProblemCode.PHONE_INVALID)]
    if not phonenumbers.is_valid_number(parsed):
        return None, [Problem(ProblemCode.PHONE_INVALID)]
    if parsed.country_code != _VIET_NAM_CALLING_CODE:
        return None, [Problem(ProblemCode.PHONE_NOT_VIETNAMESE)]
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        return None, [Problem(ProblemCode.PHONE_NOT_MOBILE)]
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit()), []


def check_full_name(name: str) -> list[Problem]:
    """A full name: Latin letters (with Vietnamese marks), spaces, hyphens, apostrophes; 2+ words."""
    normalised = normalise_name(name)
    if not normalised:
        return [Problem(ProblemCode.NAME_EMPTY)]
    problems: list[Problem] = []
    if len(normalised) > MAX_NAME_LENGTH:
        problems.append(Problem(ProblemCode.NAME_TOO_LONG, {"max_length": MAX_NAME_LENGTH}))
    bad = sorted({ch for ch in normalised if not _allowed_in_name(ch)})
    if bad:
        # Invisible ones by code point ("U+200B"): printed as they are, they would show nothing, or worse.
        shown = [describe_characters([ch]) if unsafe_characters(ch) else ch for ch in bad]
        problems.append(Problem(ProblemCode.NAME_INVALID_CHARACTERS, {"characters": " ".join(shown)}))
    words = [word for word in normalised.split(" ") if any(ch.isalpha() for ch in word)]
    if len(words) < 2:
        problems.append(Problem(ProblemCode.NAME_SINGLE_WORD))
    return problems


def _allowed_in_name(ch: str) -> bool:
    if ch == " " or ch in _NAME_PUNCTUATION:
        return True
    category = unicodedata.category(ch)
    if category.startswith("M"):
        # A combining mark left over after NFC (a letter with no precomposed form).
        return True
    return category.startswith("L") and unicodedata.name(ch, "").startswith("LATIN ")


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years of age on `on`.

    Someone born on 29 February completes a year on 1 March in common years: the conservative
    reading, since no source says which day counts (*Unconfirmed*).
    """
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


def check_vsi_age(date_of_birth: date, *, on: date, min_age: int) -> list[Problem]:
    """Voluntary SI is open to people aged `min_age` (policy: 15) or over on `on`.

    Law SI 41/2024/QH15 Art. 2(4); the age comes from the policy table, never a literal.
    """
    if date_of_birth > on:
        return [Problem(ProblemCode.DATE_OF_BIRTH_IN_FUTURE)]
    age = age_on(date_of_birth, on)
    if age < min_age:
        return [Problem(ProblemCode.VSI_UNDER_MIN_AGE, {"min_age": min_age, "age": age})]
    return []
