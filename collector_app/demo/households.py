"""Realistic demo data: Vietnamese households in real communes, with valid citizen IDs, enrolments,
and payments with their receipts, recorded a few months back by this device's default collector.

Deterministic: the same seed on a store holding the same number of people gives the same data.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

from collector_app.admin_units import Commune, load_admin_units
from collector_app.domain.cccd_birth_places import BIRTH_PLACES
from collector_app.domain.contributions import family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.identity import age_on
from collector_app.domain.payments import (
    HiCover,
    NewPayment,
    PaymentMethod,
    family_hi_payment,
    top_up_province,
    vsi_payment,
)
from collector_app.domain.people import NewHousehold, NewPerson, Relationship, Sex, SupportGroup
from collector_app.domain.policy import Policy, PolicyTable
from collector_app.domain.problems import DomainError
from collector_app.policies import current_table
from collector_app.demo import names
from collector_app.demo.facilities import seed_sample_facilities, with_sample_facilities
from collector_app.services.device import acting_user, device_of
from collector_app.store.db import Store
from collector_app.store.payments import record_payments
from collector_app.store.people import (
    HouseholdView,
    count_people,
    existing_citizen_ids,
    existing_household_codes,
    get_household,
)
from collector_app.store.registration import add_enrolments, add_households

Progress = Callable[[int, int], None]
_T = TypeVar("_T")

# Demo provinces (administrative codes) with the CCCD birth-place codes of the old provinces each
# now covers, since most people were born where they live: Hà Nội (city wards and villages), Nghệ
# An (rural north-central), Đồng Tháp (Mekong delta; merged with Tiền Giang in 2025).
DEMO_PROVINCES: dict[str, tuple[str, ...]] = {"01": ("001",), "40": ("040",), "82": ("087", "082")}
SOUTHERN_PROVINCES = frozenset({"82"})
COMMUNES_PER_PROVINCE = 3
BORN_ELSEWHERE_SHARE = 0.12
ADULT_AGE = 18
PHONE_SHARE_OF_ADULTS = 0.85
HOUSEHOLD_SIZES: tuple[tuple[int, float], ...] = ((1, 12), (2, 18), (3, 22), (4, 24), (5, 13), (6, 7), (7, 4))
FAMILY_HI_SHARE_OF_HOUSEHOLDS = 0.8
VSI_SHARE_OF_WORKING_AGE = 0.3
WORKING_AGE = range(20, 60)
# Most voluntary participants choose the minimum income; the others a modest one.
VSI_AT_FLOOR_SHARE = 0.6
VSI_DEMO_INCOME_TOP = 10_000_000
# People choose round incomes (50.000 đ steps are common local practice, domain.md §1.3).
VSI_DEMO_INCOME_ROUNDING = 50_000
SUPPORT_GROUPS: tuple[tuple[SupportGroup, float], ...] = (
    (SupportGroup.OTHER, 70),
    (SupportGroup.ETHNIC_MINORITY, 12),
    (SupportGroup.NEAR_POOR, 10),
    (SupportGroup.POOR, 8),
)
ENROLLED_MONTHS_AGO = range(25)
# People born before this year get the middle names of their parents' generation (Văn, Thị...).
YOUNGER_GENERATION_FROM = 1990
DEMO_ACTOR = "demo"
BATCH_HOUSEHOLDS = 2000
SERIAL_DIGITS = 6
MIN_SIBLING_GAP = 2
MAX_SIBLING_GAP = 5
# VSS household codes are unconfirmed (domain.md §4.3); the demo writes 10 digits, the province code
# first, like the old SI code. Some households have none (registered before codes were issued).
HOUSEHOLD_CODE_SHARE = 0.85
HOUSEHOLD_CODE_SERIAL_DIGITS = 8
# Payments: a share of enrolments paid once, between PAID_DAYS_AGO days before the demo date.
PAID_HI_SHARE_OF_HOUSEHOLDS = 0.6
PAID_VSI_SHARE = 0.6
PAID_DAYS_AGO = range(7, 120)
HI_MONTHS: tuple[tuple[int, float], ...] = ((12, 6), (6, 3), (3, 1))
VSI_MONTHS: tuple[tuple[int, float], ...] = ((1, 3), (3, 3), (6, 2), (12, 2))
METHODS: tuple[tuple[PaymentMethod, float], ...] = ((PaymentMethod.CASH, 85), (PaymentMethod.TRANSFER, 15))
PAYMENTS_PER_TRANSACTION = 5000


@dataclass(frozen=True)
class DemoSummary:
    households: int
    people: int
    family_hi_enrolments: int
    vsi_enrolments: int
    payments: int

    @property
    def enrolments(self) -> int:
        return self.family_hi_enrolments + self.vsi_enrolments


class _Weighted(Generic[_T]):
    def __init__(self, pairs: Sequence[tuple[_T, float]]) -> None:
        self._values = [value for value, _ in pairs]
        self._cumulative = list(accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> _T:
        return rng.choices(self._values, cum_weights=self._cumulative)[0]


_SURNAMES = _Weighted(names.SURNAMES)
_MIDDLE = {
    (Sex.MALE, False): _Weighted(names.MIDDLE_MALE_OLDER),
    (Sex.MALE, True): _Weighted(names.MIDDLE_MALE_YOUNGER),
    (Sex.FEMALE, False): _Weighted(names.MIDDLE_FEMALE_OLDER),
    (Sex.FEMALE, True): _Weighted(names.MIDDLE_FEMALE_YOUNGER),
}
_GIVEN = {Sex.MALE: names.GIVEN_MALE, Sex.FEMALE: names.GIVEN_FEMALE}
_SIZES = _Weighted(HOUSEHOLD_SIZES)
_GROUPS = _Weighted(SUPPORT_GROUPS)
_HI_MONTHS = _Weighted(HI_MONTHS)
_VSI_MONTHS = _Weighted(VSI_MONTHS)
_METHODS = _Weighted(METHODS)
_ALL_BIRTH_PLACES = tuple(sorted(BIRTH_PLACES))


@dataclass(frozen=True)
class _Member:
    sex: Sex
    age: int
    paternal: bool  # carries the head's surname (the head, his children, his father)
    relationship: Relationship = Relationship.HEAD  # to the head, as the household form records it


def fill_demo(
    store: Store,
    *,
    people: int,
    seed: int = 2026,
    on: date,
    policy: Policy | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Add exactly `people` demo people in households of 1 to 7, with enrolments and payments.

    Every household gets family HI with probability 0.8, and some working-age adults voluntary SI
    with an income from the band of `policy` (default: the shipped table in force on `on`). Most
    households get a household code. About 60 % of family HI households and of voluntary SI
    participants have paid once, 1 to 4 months before `on`, with a receipt in this device's series.
    Each person gets an initial health-care facility of their province from the SAMPLE list
    (`demo.facilities`), which a store without facilities receives too.
    """
    if people < 0:
        raise ValueError("people must not be negative")
    table = current_table(store)
    policy = policy if policy is not None else table.in_force(on)
    # The store's size joins the seed, so a second call adds other people rather than namesakes.
    rng = random.Random(f"{seed}/{count_people(store)}")
    households = generate_households(rng, people=people, on=on, communes=demo_communes(seed))
    households = _with_unique_citizen_ids(store, rng, households)
    households = _with_household_codes(store, rng, households)
    households = with_sample_facilities(households, seed=seed)
    seed_sample_facilities(store)

    written = family_hi = vsi = 0
    payments: list[NewPayment] = []
    for start in range(0, len(households), BATCH_HOUSEHOLDS):
        batch = households[start : start + BATCH_HOUSEHOLDS]
        household_ids = add_households(store, batch, actor=DEMO_ACTOR)
        views = [get_household(store, household_id) for household_id in household_ids]
        enrolments = [e for view in views for e in _enrolments(rng, view, on=on, policy=policy)]
        enrolment_ids = add_enrolments(store, enrolments, actor=DEMO_ACTOR)
        with_ids = list(zip(enrolment_ids, enrolments, strict=True))
        payments += _payments(rng, views, with_ids, on=on, table=table)
        family_hi += sum(e.scheme is Scheme.FAMILY_HI for e in enrolments)
        vsi += sum(e.scheme is Scheme.VSI for e in enrolments)
        written += sum(len(h.members) for h in batch)
        if progress is not None:
            progress(written, people)
    if payments:
        device, collector = device_of(store), acting_user(store)
        # In date order, as a collector would have issued them: receipt numbers rise with dates.
        payments.sort(key=lambda p: p.paid_on)
        for start in range(0, len(payments), PAYMENTS_PER_TRANSACTION):
            record_payments(store, payments[start : start + PAYMENTS_PER_TRANSACTION], actor=collector,
                            device=device)
    return DemoSummary(
        households=len(households), people=written, family_hi_enrolments=family_hi, vsi_enrolments=vsi,
        payments=len(payments),
    )


def demo_communes(seed: int) -> tuple[Commune, ...]:
    """A few real communes in each demo province: the area one demo collection point serves."""
    rng = random.Random(f"{seed}/communes")
    units = load_admin_units()
    chosen: list[Commune] = []
    for province_code in DEMO_PROVINCES:
        chosen += rng.sample(units.communes_of(province_code), COMMUNES_PER_PROVINCE)
    return tuple(chosen)


def generate_households(
    rng: random.Random, *, people: int, on: date, communes: Sequence[Commune]
) -> list[NewHousehold]:
    """Households totalling exactly `people`, without touching any store (citizen IDs may repeat)."""
    households: list[NewHousehold] = []
    left = people
    while left > 0:
        size = min(_SIZES.draw(rng), left)
        commune = rng.choice(communes)
        members = _members(rng, _family(rng, size), on=on, province_code=commune.province_code)
        households.append(
            NewHousehold(
                household_code=None,
                address=_address(rng, commune),
                commune_code=commune.code,
                province_code=commune.province_code,
                members=members,
            )
        )
        left -= size
    return households


# ---- who lives together -----------------------------------------------------------------------


def _family(rng: random.Random, size: int) -> list[_Member]:
    """Sexes and ages of a plausible household of `size`, head first."""
    if size == 1:
        if rng.random() < 0.4:  # an older person living alone, more often a widow
            return [_Member(Sex.FEMALE if rng.random() < 0.7 else Sex.MALE, rng.randint(60, 88), True)]
        return [_Member(rng.choice((Sex.MALE, Sex.FEMALE)), rng.randint(22, 59), True)]
    if size == 2 and rng.random() < 0.25:  # a single parent and a child, the child of an absent father
        parent = _Member(Sex.FEMALE if rng.random() < 0.75 else Sex.MALE, rng.randint(28, 55), True)
        child_age = rng.randint(0, min(25, parent.age - 20))
        return [parent, _Member(rng.choice((Sex.MALE, Sex.FEMALE)), child_age, parent.sex is Sex.MALE,
                                Relationship.CHILD)]

    grandparents = 0
    if size >= 6:
        grandparents = rng.choice((1, 2))
    elif size >= 4:
        grandparents = rng.choices((0, 1, 2), weights=(5, 3, 2))[0]
    elif size == 3:
        grandparents = rng.choices((0, 1), weights=(8, 2))[0]
    children = size - 2 - grandparents

    head_age = rng.randint(24, 80) if children == 0 else rng.randint(26, 55)
    wife_age = max(20, head_age - rng.randint(0, 6))
    # Siblings are at least MIN_SIBLING_GAP years apart, so the eldest must be old enough for the rest.
    youngest_eldest = MIN_SIBLING_GAP * max(0, children - 1)
    wife_age = max(wife_age, youngest_eldest + 19)
    head_age = max(head_age, wife_age)
    family = [_Member(Sex.MALE, head_age, True), _Member(Sex.FEMALE, wife_age, False, Relationship.WIFE)]
    age = rng.randint(youngest_eldest, max(youngest_eldest, min(30, wife_age - 19)))
    for born_after in range(children - 1, -1, -1):
        family.append(_Member(rng.choice((Sex.MALE, Sex.FEMALE)), age, True, Relationship.CHILD))
        if born_after:
            room = age - MIN_SIBLING_GAP * born_after
            age -= MIN_SIBLING_GAP + rng.randint(0, min(MAX_SIBLING_GAP - MIN_SIBLING_GAP, room))
    grandfather_age = min(95, head_age + rng.randint(22, 32))
    grandmother_age = max(head_age + 18, grandfather_age - rng.randint(0, 5))
    if grandparents == 2:
        family += [_Member(Sex.MALE, grandfather_age, True, Relationship.FATHER),
                   _Member(Sex.FEMALE, grandmother_age, False, Relationship.MOTHER)]
    elif grandparents == 1:
        # More widows than widowers; a lone grandparent is as often the wife's parent as the husband's.
        sex = Sex.FEMALE if rng.random() < 0.65 else Sex.MALE
        relationship = Relationship.MOTHER if sex is Sex.FEMALE else Relationship.FATHER
        family.append(_Member(sex, grandmother_age if sex is Sex.FEMALE else grandfather_age, False, relationship))
    return family


def _members(
    rng: random.Random, family: list[_Member], *, on: date, province_code: str
) -> tuple[NewPerson, ...]:
    south = province_code in SOUTHERN_PROVINCES
    head_surname = _surname(rng, south=south)
    given_used: set[str] = set()
    people: list[NewPerson] = []
    for member in family:
        born = _date_of_birth(rng, member.age, on)
        younger = born.year >= YOUNGER_GENERATION_FROM
        surname = head_surname if member.paternal else _surname(rng, south=south)
        middle = _MIDDLE[member.sex, younger].draw(rng)
        given = rng.choice(_GIVEN[member.sex])
        # No two members share a given name, and nobody is called "Ngọc Ngọc".
        while given in given_used or given == middle:
            given = rng.choice(_GIVEN[member.sex])
        given_used.add(given)
        people.append(
            NewPerson(
                full_name=f"{surname} {middle} {given}",
                date_of_birth=born,
                sex=member.sex,
                citizen_id=_citizen_id(rng, born, member.sex, province_code),
                relationship=member.relationship,
                phone=_phone(rng)
                if member.age >= ADULT_AGE and rng.random() < PHONE_SHARE_OF_ADULTS
                else None,
            )
        )
    return tuple(people)


def _surname(rng: random.Random, *, south: bool) -> str:
    surname = _SURNAMES.draw(rng)
    return names.SOUTHERN_SPELLINGS.get(surname, surname) if south else surname


def _date_of_birth(rng: random.Random, age: int, on: date) -> date:
    """A date on which someone is `age` years old on `on`."""
    try:
        last_birthday = on.replace(year=on.year - age)
    except ValueError:  # 29 February
        last_birthday = on.replace(year=on.year - age, day=28)
    return last_birthday - timedelta(days=rng.randint(0, 364))


# ---- identifiers, phones, addresses -----------------------------------------------------------


def _citizen_id(rng: random.Random, born: date, sex: Sex, province_code: str) -> str:
    """A CCCD number PPP G YY RRRRRR consistent with the birth date and sex (domain.md §4.1)."""
    if rng.random() < BORN_ELSEWHERE_SHARE:
        place = rng.choice(_ALL_BIRTH_PLACES)
    else:
        place = rng.choice(DEMO_PROVINCES[province_code])
    century_sex = (born.year // 100 - 19) * 2 + (1 if sex is Sex.FEMALE else 0)
    return f"{place}{century_sex}{born.year % 100:02d}{_serial(rng)}"


def _serial(rng: random.Random) -> str:
    return f"{rng.randrange(10**SERIAL_DIGITS):0{SERIAL_DIGITS}d}"


def _phone(rng: random.Random) -> str:
    return rng.choice(names.MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"


def _address(rng: random.Random, commune: Commune) -> str:
    number = rng.randint(1, 250)
    if commune.full_name.startswith("Phường"):
        street = rng.choice(names.STREETS)
        if rng.random() < 0.5:
            return f"Số {number}, ngõ {rng.randint(1, 150)} đường {street}"
        return f"Số {number} đường {street}"
    south = commune.province_code in SOUTHERN_PROVINCES
    village = rng.choice(names.VILLAGES_SOUTH if south else names.VILLAGES_NORTH)
    return f"Số {number}, {village}"


def _with_unique_citizen_ids(
    store: Store, rng: random.Random, households: list[NewHousehold]
) -> list[NewHousehold]:
    """The households with every citizen ID unused, in the store and among themselves.

    A clash gets a new random serial (the last six digits), keeping birth place, sex and year.
    """
    members = [list(household.members) for household in households]
    taken = existing_citizen_ids(store, (p.citizen_id for people in members for p in people if p.citizen_id))
    used: set[str] = set()
    clashes: list[tuple[int, int]] = []
    for h, people in enumerate(members):
        for m, person in enumerate(people):
            assert person.citizen_id is not None
            if person.citizen_id in used or person.citizen_id in taken:
                clashes.append((h, m))
            used.add(person.citizen_id)
    used |= taken
    while clashes:
        fresh: dict[str, tuple[int, int]] = {}
        for h, m in clashes:
            old = members[h][m].citizen_id
            assert old is not None
            new = old[:-SERIAL_DIGITS] + _serial(rng)
            while new in used:
                new = old[:-SERIAL_DIGITS] + _serial(rng)
            used.add(new)
            fresh[new] = (h, m)
            members[h][m] = replace(members[h][m], citizen_id=new)
        clashes = [fresh[citizen_id] for citizen_id in sorted(existing_citizen_ids(store, fresh))]
    return [
        replace(household, members=tuple(people))
        for household, people in zip(households, members, strict=True)
    ]


# ---- enrolments -------------------------------------------------------------------------------


def _enrolments(
    rng: random.Random, household: HouseholdView, *, on: date, policy: Policy
) -> list[NewEnrolment]:
    enrolments: list[NewEnrolment] = []
    if rng.random() < FAMILY_HI_SHARE_OF_HOUSEHOLDS:
        start = _start_date(rng, on)
        # A baby born since the household joined is covered from birth.
        enrolments += [
            NewEnrolment(m.person_id, Scheme.FAMILY_HI, max(start, m.date_of_birth))
            for m in household.members
        ]
    for member in household.members:
        age = age_on(member.date_of_birth, on)
        if age in WORKING_AGE and age >= policy.vsi_min_age and rng.random() < VSI_SHARE_OF_WORKING_AGE:
            enrolments.append(
                NewEnrolment(
                    member.person_id,
                    Scheme.VSI,
                    _start_date(rng, on),
                    support_group=_GROUPS.draw(rng),
                    monthly_income=_income(rng, policy),
                )
            )
    return enrolments


def _income(rng: random.Random, policy: Policy) -> int:
    """A monthly income in the legal band, on the income step, mostly the floor."""
    floor = policy.vsi_income_floor
    step = math.lcm(policy.vsi_income_step, VSI_DEMO_INCOME_ROUNDING)
    top = min(policy.vsi_income_ceiling, VSI_DEMO_INCOME_TOP)
    if rng.random() < VSI_AT_FLOOR_SHARE or top - floor < step:
        return floor
    return floor + step * rng.randint(1, (top - floor) // step)


def _start_date(rng: random.Random, on: date) -> date:
    """The first day of a month in the last two years."""
    months_ago = rng.choice(ENROLLED_MONTHS_AGO)
    month_index = on.year * 12 + on.month - 1 - months_ago
    return date(month_index // 12, month_index % 12 + 1, 1)


# ---- household codes and payments ---------------------------------------------------------------


def _with_household_codes(
    store: Store, rng: random.Random, households: list[NewHousehold]
) -> list[NewHousehold]:
    """Most households with a household code unused in the store: province code + 8 digits."""
    coded: list[NewHousehold] = []
    for household in households:
        if rng.random() < HOUSEHOLD_CODE_SHARE:
            serial = rng.randrange(10**HOUSEHOLD_CODE_SERIAL_DIGITS)
            household = replace(
                household,
                household_code=f"{household.province_code}{serial:0{HOUSEHOLD_CODE_SERIAL_DIGITS}d}",
            )
        coded.append(household)
    codes = [h.household_code for h in coded if h.household_code]
    taken = existing_household_codes(store, codes) | {c for c, n in Counter(codes).items() if n > 1}
    # A clash (rare: 10^8 codes per province) leaves that household without a code.
    return [replace(h, household_code=None) if h.household_code in taken else h for h in coded]


def _payments(
    rng: random.Random,
    households: Sequence[HouseholdView],
    enrolments: Sequence[tuple[str, NewEnrolment]],
    *,
    on: date,
    table: PolicyTable,
) -> list[NewPayment]:
    """One payment for a share of the households with family HI and of the voluntary SI participants."""
    by_person = {m.person_id: (h, m) for h in households for m in h.members}
    family_hi: dict[str, list[tuple[str, NewEnrolment]]] = {}
    payments: list[NewPayment] = []
    for enrolment_id, enrolment in enrolments:
        household, member = by_person[enrolment.person_id]
        if enrolment.scheme is Scheme.FAMILY_HI:
            family_hi.setdefault(household.household_id, []).append((enrolment_id, enrolment))
            continue
        if rng.random() >= PAID_VSI_SHARE:
            continue
        paid_on = on - timedelta(days=rng.choice(PAID_DAYS_AGO))
        months, method = _VSI_MONTHS.draw(rng), _METHODS.draw(rng)
        if paid_on < enrolment.start or enrolment.monthly_income is None:
            continue
        try:
            quote = quote_vsi(table, on=paid_on, monthly_income=enrolment.monthly_income, months=months,
                              group=enrolment.support_group or SupportGroup.OTHER, supported_months_before=0,
                              province=top_up_province(table.in_force(paid_on), household.province_code))
        except DomainError:  # a payment date the policy table does not cover
            continue
        payments.append(vsi_payment(quote, enrolment_id=enrolment_id, household_id=household.household_id,
                                    residence_province=household.province_code, supported_months_before=0,
                                    payer_name=member.full_name, method=method, amount_handed=quote.payable))
    for household in households:
        members = family_hi.get(household.household_id)
        if members is None or rng.random() >= PAID_HI_SHARE_OF_HOUSEHOLDS:
            continue
        paid_on = on - timedelta(days=rng.choice(PAID_DAYS_AGO))
        months, method = _HI_MONTHS.draw(rng), _METHODS.draw(rng)
        if any(by_person[e.person_id][1].date_of_birth > paid_on for _, e in members):
            continue  # a baby born since: the household paid before it was complete
        try:
            hi_quote = quote_family_hi(table, on=paid_on, members=len(members), months=months)
        except DomainError:
            continue
        card = family_hi_card_validity(table, paid_on=paid_on, months=months, previous_card_end=None)
        in_order = sorted(members, key=lambda pair: by_person[pair[1].person_id][1].member_order)
        payments.append(family_hi_payment(
            hi_quote,
            members=[HiCover(enrolment_id, card.start, card.end,
                             member_order=by_person[enrolment.person_id][1].member_order, previous_card_end=None)
                     for enrolment_id, enrolment in in_order],
            household_id=household.household_id, residence_province=household.province_code,
            payer_name=household.members[0].full_name, method=method, amount_handed=hi_quote.total,
        ))
    return payments
