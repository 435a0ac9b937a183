"""The nouns shared by registration, import, search and payments: people and households."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_HOUSEHOLD_MEMBERS = 100
"""The most members one household may have, for a family HI quote and for a household list.

No rule caps a household: it is everyone registered at the same lawful residence (HI Law as amended
by Law 51/2024; domain.md §2.3), and the ladder's last step applies to every member from the fifth
(Decree 188/2025/NĐ-CP Art. 6(5)). Religious communities (pagodas, convents) and social-protection
facilities may also join as a household and list dozens of people, so the bound is generous: it is
there so that a mistyped count ("1000000" members) is refused at once instead of filling the memory.
"""


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class SupportGroup(StrEnum):
    """Voluntary SI state-support group (Decree 159/2025); `POOR` also covers island communes."""

    POOR = "poor"
    NEAR_POOR = "near-poor"
    ETHNIC_MINORITY = "ethnic-minority"
    OTHER = "other"


class Relationship(StrEnum):
    """A member's relationship to the head of the household, as the TK1-TS annex lists them."""

    HEAD = "head"  # chủ hộ
    WIFE = "wife"
    HUSBAND = "husband"
    CHILD = "child"
    FATHER = "father"
    MOTHER = "mother"
    GRANDFATHER = "grandfather"
    GRANDMOTHER = "grandmother"
    OLDER_BROTHER = "older_brother"  # anh
    OLDER_SISTER = "older_sister"  # chị
    YOUNGER_SIBLING = "younger_sibling"  # em
    GRANDCHILD = "grandchild"  # cháu
    OTHER = "other"


@dataclass(frozen=True)
class NewPerson:
    """A person about to be written to the store (from a form, an import row or demo data)."""

    full_name: str
    date_of_birth: date
    sex: Sex
    citizen_id: str | None = None
    si_code: str | None = None
    phone: str | None = None
    # Registered in the window; None from an import or a list that does not say.
    relationship: Relationship | None = None
    # For family HI: the initial health-care facility chosen (nơi đăng ký KCB ban đầu), a facility code.
    hi_facility_code: str | None = None


@dataclass(frozen=True)
class NewHousehold:
    """A household with its members in declared order (the order drives the family HI ladder)."""

    household_code: str | None
    address: str
    commune_code: str
    province_code: str
    members: tuple[NewPerson, ...]
