"""The facts the declaration form TK1-TS is filled with (domain.md §3.1): one registered person, their
household with each member's relationship to the head, and their voluntary SI registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DeclaredMember:
    full_name: str
    date_of_birth: date
    sex: str  # "male" | "female"
    citizen_id: str | None
    relationship: str | None  # a domain.people.Relationship value, None when not recorded
    is_declarant: bool


@dataclass(frozen=True)
class DeclarationFacts:
    full_name: str
    date_of_birth: date
    sex: str
    citizen_id: str | None
    si_code: str | None
    phone: str | None
    address: str
    household_code: str | None
    facility: str | None  # "code - name", or the code alone
    monthly_income: int | None  # the active voluntary SI enrolment's chosen income
    support_group: str | None
    vsi_months: int | None  # months of the person's latest valid voluntary SI payment (the method)
    members: tuple[DeclaredMember, ...]  # the household in declared order
