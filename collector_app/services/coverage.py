"""A household as the collector sees it, and one person's cover: read-only, for the window and `collector-app person`.

`household_view` gathers the address (commune and province named), the members in declared order with
their cover today (`domain.coverage`, with the policy in force today) and the household's payments with
receipt number and sync state: a handful of indexed queries, however big the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from collector_app.admin_units import load_admin_units
from collector_app.domain.coverage import PaidPeriod, PersonCoverage, SchemeHistory, person_coverage as cover_of
from collector_app.domain.enrolments import Scheme
from collector_app.domain.people import Sex
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.policies import current_table
from collector_app.store.coverage import (
    HouseholdPayment,
    active_enrolments_of,
    household_payments,
    member_relationships,
    paid_items,
)
from collector_app.store.db import Store
from collector_app.store.people import get_household, person_by_citizen_id

PAYMENTS_SHOWN = 200
"""The household's most recent payments shown: years of monthly payments for every member."""


@dataclass(frozen=True)
class MemberCoverage:
    person_id: str
    member_order: int  # declared order, 1 = the head
    full_name: str
    relationship: str | None  # a domain.people.Relationship value; None when the store does not say
    date_of_birth: date
    sex: Sex
    citizen_id: str | None
    phone: str | None
    hi_facility_code: str | None  # family HI: the initial health-care facility registered for
    coverage: PersonCoverage

    @property
    def is_head(self) -> bool:
        return self.relationship == "head" if self.relationship else self.member_order == 1


@dataclass(frozen=True)
class HouseholdCoverage:
    household_id: str
    household_code: str | None
    address: str
    commune_code: str
    commune_name: str  # "Phường Hoàn Kiếm", or the code if the shipped list lacks it
    province_code: str
    province_name: str
    today: date  # the day the cover was worked out for
    policy_version: str
    members: tuple[MemberCoverage, ...]  # in declared order
    payments: tuple[HouseholdPayment, ...]  # newest receipt first, voided ones too

    def member(self, person_id: str) -> MemberCoverage | None:
        return next((m for m in self.members if m.person_id == person_id), None)


@dataclass(frozen=True)
class PersonCoverageView:
    member: MemberCoverage
    household: HouseholdCoverage


def household_view(store: Store, household_id: str, *, today: date, table: PolicyTable | None = None
                   ) -> HouseholdCoverage:
    """The household `household_id` with every member's cover on `today`; `KeyError` if there is none."""
    policy = (table or current_table(store)).in_force(today)
    household = get_household(store, household_id)
    person_ids = [m.person_id for m in household.members]
    enrolments = active_enrolments_of(store, person_ids)
    items = paid_items(store, [e.enrolment_id for e in enrolments.values()])
    relationships = member_relationships(store, household_id)

    def history(person_id: str, scheme: Scheme) -> SchemeHistory | None:
        enrolment = enrolments.get((person_id, scheme))
        if enrolment is None:
            return None
        paid = items.get(enrolment.enrolment_id, [])
        return SchemeHistory(
            periods=tuple(PaidPeriod(i.period_start, i.period_end) for i in paid),
            supported_months=sum(i.supported_months for i in paid),
            monthly_income=enrolment.monthly_income,
        )

    members = tuple(
        MemberCoverage(
            person_id=m.person_id,
            member_order=m.member_order,
            full_name=m.full_name,
            relationship=relationships.get(m.person_id),
            date_of_birth=m.date_of_birth,
            sex=m.sex,
            citizen_id=m.citizen_id,
            phone=m.phone,
            hi_facility_code=m.hi_facility_code,
            coverage=cover_of(policy, today=today, vsi=history(m.person_id, Scheme.VSI),
                              hi=history(m.person_id, Scheme.FAMILY_HI)),
        )
        for m in household.members
    )
    units = load_admin_units()
    commune, province = units.commune(household.commune_code), units.province(household.province_code)
    return HouseholdCoverage(
        household_id=household.household_id,
        household_code=household.household_code,
        address=household.address,
        commune_code=household.commune_code,
        commune_name=commune.full_name if commune else household.commune_code,
        province_code=household.province_code,
        province_name=province.full_name if province else household.province_code,
        today=today,
        policy_version=policy.version,
        members=members,
        payments=tuple(household_payments(store, household_id, limit=PAYMENTS_SHOWN)),
    )


def person_coverage(store: Store, citizen_id: str, *, today: date, table: PolicyTable | None = None
                    ) -> PersonCoverageView:
    """The person with `citizen_id`, their cover on `today` and their household; PERSON_NOT_FOUND if none."""
    person = person_by_citizen_id(store, citizen_id.strip())
    if person is None:
        raise DomainError(Problem(ProblemCode.PERSON_NOT_FOUND, {"citizen_id": citizen_id}))
    household = household_view(store, person.household_id, today=today, table=table)
    member = household.member(person.person_id)
    assert member is not None  # read from the same household a moment ago
    return PersonCoverageView(member=member, household=household)
