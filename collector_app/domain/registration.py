"""Registering people: the checks of a new person or household before it is written, and what makes two
people possible duplicates (the same folded name, or names one letter apart, with the same date of birth).

Pure: the caller passes the date (`on`) and the administrative units' answers; no store, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from collector_app.domain.dates import check_date
from collector_app.domain.identity import check_citizen_id, check_full_name, normalise_phone
from collector_app.domain.people import NewPerson, Relationship, Sex
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.domain.text import check_text, fold


class DuplicateReason(StrEnum):
    """Why another person in the store may be the one being registered."""

    SAME_CITIZEN_ID = "same_citizen_id"  # refused: one person, one record
    SAME_NAME = "same_name"  # the same folded name and date of birth: asked
    SIMILAR_NAME = "similar_name"  # names one letter apart, the same date of birth: asked


REFUSED_REASONS = frozenset({DuplicateReason.SAME_CITIZEN_ID})


def within_one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by at most one insertion, deletion or substitution (Levenshtein <= 1).

    Linear, without the full distance table: it runs for each person born on the same day.
    """
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            # substitution (same lengths) or insertion into the shorter one
            return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]
    return True  # b is a with one letter added at the end


def duplicate_reason(folded_name: str, other_folded_name: str) -> DuplicateReason | None:
    """The name part of the rule, for two people born on the same day (names already `fold`ed)."""
    if folded_name == other_folded_name:
        return DuplicateReason.SAME_NAME
    if within_one_edit(folded_name, other_folded_name):
        return DuplicateReason.SIMILAR_NAME
    return None


@dataclass(frozen=True)
class PersonCheck:
    """A person's problems by field (`full_name`, `date_of_birth`, `sex`, `citizen_id`, `phone`,
    `relationship`), and the phone in national form when it is valid."""

    problems: Mapping[str, tuple[Problem, ...]]
    phone: str | None

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def all(self) -> list[Problem]:
        return [problem for problems in self.problems.values() for problem in problems]


def check_person(
    *,
    full_name: str,
    date_of_birth: date | None,
    sex: Sex | None,
    citizen_id: str | None,
    phone: str | None,
    on: date,
    max_phone_length: int,
) -> PersonCheck:
    """Every check of one person's details as of `on`, each beside the field it concerns.

    The citizen ID is optional (children not yet issued one keep their birth certificate); when
    given, its decoded year and sex must agree with the date of birth and sex, and a mismatch is
    said beside the citizen ID.
    """
    problems: dict[str, list[Problem]] = {
        "full_name": [], "date_of_birth": [], "sex": [], "citizen_id": [], "phone": []
    }
    problems["full_name"] += check_full_name(full_name)
    if date_of_birth is not None and (out_of_range := check_date(date_of_birth)):
        problems["date_of_birth"] += out_of_range  # before 1900 (no citizen ID's century) or past 2099
    elif date_of_birth is not None and date_of_birth > on:
        problems["date_of_birth"].append(Problem(ProblemCode.DATE_OF_BIRTH_IN_FUTURE))
    if citizen_id:
        checked = check_citizen_id(citizen_id, on=on, date_of_birth=date_of_birth, sex=sex)
        problems["citizen_id"] += [
            p for p in checked.problems if p.code is not ProblemCode.DATE_OF_BIRTH_IN_FUTURE
        ]
    national: str | None = None
    if phone and phone.strip():
        problems["phone"] += check_text(phone, field="phone", max_length=max_phone_length)
        if not problems["phone"]:
            national, phone_problems = normalise_phone(phone)
            problems["phone"] += phone_problems
    return PersonCheck({k: tuple(v) for k, v in problems.items()}, national)


def check_members(members: Sequence[NewPerson]) -> list[Problem]:
    """The household's shape: at least one member; the head first and only first; no citizen ID twice."""
    problems: list[Problem] = []
    if not members:
        return [Problem(ProblemCode.REGISTER_NO_MEMBERS)]
    relationships = [member.relationship for member in members]
    if any(r is not None for r in relationships) and (
        relationships[0] is not Relationship.HEAD or Relationship.HEAD in relationships[1:]
    ):
        problems.append(Problem(ProblemCode.REGISTER_HEAD_FIRST))
    seen: set[str] = set()
    for member in members:
        if member.citizen_id and member.citizen_id in seen:
            problems.append(Problem(ProblemCode.REGISTER_CITIZEN_ID_TWICE, {"citizen_id": member.citizen_id}))
        if member.citizen_id:
            seen.add(member.citizen_id)
    return problems


def folded_name(full_name: str) -> str:
    return fold(full_name)
