"""SAMPLE initial health-care facilities for the demo: made-up codes ("MAU-...") and names marked "(mẫu)".

Never an official list (resources/facilities/README.md). The demo writes them into a store that has
no facilities yet, at version 0, so that any list the server's feed brings replaces them, and gives
each demo person one of their province's for family HI.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from collector_app.domain.people import NewHousehold
from collector_app.paths import resource_path
from collector_app.store.db import Store
from collector_app.store.facilities import count_facilities
from collector_app.store.facility_updates import FacilityUpdate, apply_facility_updates
from collector_app.store.stamps import utc_now

SAMPLE_FILE = "facilities/sample-facilities.csv"
SAMPLE_PREFIX = "MAU-"
SAMPLE_VERSION = 0
"""Below every version the server gives (change ids start at 1): the server's list always wins."""
SAME_AS_HEAD_SHARE = 0.85  # most of a household registers at the same facility


@dataclass(frozen=True)
class SampleFacility:
    code: str
    name: str
    province_code: str | None
    address: str | None


def sample_facilities() -> list[SampleFacility]:
    """The shipped sample, in file order (the file is the one `provincial-server load-facilities` reads)."""
    text = resource_path(SAMPLE_FILE).read_text(encoding="utf-8-sig")
    return [
        SampleFacility(code=row["code"], name=row["name"], province_code=row["province_code"] or None,
                       address=row.get("address") or None)
        for row in csv.DictReader(io.StringIO(text, newline=""))
    ]


def seed_sample_facilities(store: Store) -> int:
    """Write the sample into a store that holds no facilities (a new demo store); how many were written."""
    if count_facilities(store):
        return 0
    updates = [FacilityUpdate(code=f.code, name=f.name, province_code=f.province_code, address=f.address,
                              withdrawn=False, version=SAMPLE_VERSION) for f in sample_facilities()]
    with store.begin() as connection:
        return apply_facility_updates(connection, updates, now=utc_now())


def with_sample_facilities(households: Sequence[NewHousehold], *, seed: int) -> list[NewHousehold]:
    """`households` with each member's family HI facility chosen from the sample of their province.

    A random generator of its own, so that the rest of the demo data is the same with or without it.
    """
    rng = random.Random(f"{seed}/facilities")
    by_province: dict[str, list[str]] = {}
    for facility in sample_facilities():
        if facility.province_code is not None:
            by_province.setdefault(facility.province_code, []).append(facility.code)
    chosen: list[NewHousehold] = []
    for household in households:
        codes = by_province.get(household.province_code)
        if not codes:
            chosen.append(household)
            continue
        usual = rng.choice(codes)
        members = tuple(replace(member, hi_facility_code=usual if rng.random() < SAME_AS_HEAD_SHARE
                                else rng.choice(codes)) for member in household.members)
        chosen.append(replace(household, members=members))
    return chosen
