"""Each person a search finds says what matched: the name, the citizen ID, the SI code or the phone;
a whole phone number finds phones before citizen IDs that happen to start with the same digits."""

from __future__ import annotations

from datetime import date

import pytest

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from collector_app.store.search import search_people


@pytest.fixture
def numbers_store(store: Store) -> Store:
    add_households(store, [NewHousehold(None, "1 Lê Lợi", "00070", "01", (
        NewPerson("Phạm Văn Bình", date(1991, 1, 1), Sex.MALE, "091234567801"),  # ID starts with the phone
        NewPerson("Lê Thị Cúc", date(1992, 2, 2), Sex.FEMALE, "001192000001", "0912345678", "0912345678"),
        NewPerson("Trần Văn Dũng", date(1993, 3, 3), Sex.MALE, "001093000002", None, "0912999999"),
    ))], actor="test")
    return store


def found(store: Store, text: str) -> list[tuple[str, str]]:
    return [(hit.full_name, hit.matched_on) for hit in search_people(store, text)]


def test_a_name_search_says_it_matched_the_name(numbers_store: Store) -> None:
    assert found(numbers_store, "binh") == [("Phạm Văn Bình", "name")]


def test_a_partial_number_lists_citizen_ids_then_si_codes_then_phones_each_saying_which(
    numbers_store: Store,
) -> None:
    assert found(numbers_store, "0912") == [
        ("Phạm Văn Bình", "citizen_id"),
        ("Lê Thị Cúc", "si_code"),
        ("Trần Văn Dũng", "phone"),
    ]


@pytest.mark.parametrize("typed", ["0912345678", "0912 345 678", "+84 912 345 678"])
def test_a_whole_phone_number_lists_the_phone_match_before_a_citizen_id_starting_alike(
    numbers_store: Store, typed: str
) -> None:
    hits = found(numbers_store, typed)

    assert hits[0] == ("Lê Thị Cúc", "phone")
    assert ("Phạm Văn Bình", "citizen_id") in hits or typed.startswith("+")
