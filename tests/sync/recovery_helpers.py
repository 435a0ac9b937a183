"""Helpers of the recovery tests (tests/sync/test_recovery.py, tests/ui/test_recovery_page.py): a second
laptop enrolled for a collector's point, and a household registered the window's way (to the outbox)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sync_helpers import Collector, RunningServer, new_collector

from collector_app.domain.people import NewPerson, Sex
from collector_app.services.device import device_of
from collector_app.services.registration import HouseholdDraft, register_household
from collector_app.store.users import User, user_by_username
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import enrol
from signing import USERNAME, give_first_user


def user_of(collector: Collector) -> User:
    with collector.open() as store:
        user = user_by_username(store, USERNAME)
    assert user is not None
    return user


def point_of(collector: Collector) -> str:
    with collector.open() as store:
        return device_of(store).point_code


def second_device(folder: Path, server: RunningServer, point_code: str) -> Collector:
    """A new laptop for `point_code`: its own store and user, enrolled with a new one-time code."""
    device = new_collector(folder, server, enrolled=False)
    code = server.admin("enrolment-code", point_code).strip()
    with device.open() as store, SyncClient(server.url) as client:
        enrol(store, client, code=code)
    return device


def register(collector: Collector, citizen_ids: tuple[str, str], *, household_code: str) -> tuple[str, ...]:
    """A household of two registered in the window's way (its records go to the outbox). The citizen IDs
    must say born 1975 (a man) and 1978 (a woman): 001075xxxxxx, 001178xxxxxx."""
    with collector.open() as store:
        registered = register_household(
            store, actor=give_first_user(store),
            household=HouseholdDraft(province_code="01", commune_code="00004", address="Số 9, ngõ Chợ",
                                     household_code=household_code),
            members=[NewPerson("Trần Văn Bình", date(1975, 2, 3), Sex.MALE, citizen_ids[0]),
                     NewPerson("Phạm Thị Dung", date(1978, 8, 9), Sex.FEMALE, citizen_ids[1])],
            on=date(2026, 3, 1))
    return registered.person_ids
