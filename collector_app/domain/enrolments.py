"""Enrolments: a person joining a scheme (voluntary SI or family HI) from a start date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from collector_app.domain.people import SupportGroup


class Scheme(StrEnum):
    VSI = "vsi"
    FAMILY_HI = "family_hi"


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


@dataclass(frozen=True)
class NewEnrolment:
    """An enrolment about to be written to the store.

    `support_group` and `monthly_income` (VND) belong to voluntary SI only; family HI leaves them None.
    """

    person_id: str
    scheme: Scheme
    start: date
    support_group: SupportGroup | None = None
    monthly_income: int | None = None
