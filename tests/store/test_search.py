"""Searching people: accent- and case-insensitive word prefixes, citizen ID, SI code and phone."""

from __future__ import annotations

from datetime import date

import pytest

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from collector_app.store.search import STATEMENTS, search_people

PEOPLE = [
    # name, citizen ID, SI code, phone
    ("Đặng Thị Hằng", "001190000001", "0123456789", "0912345678"),
    ("Nguyễn Thị Thu Hằng", "036185000002", None, "0987654321"),
    ("Phạm Thị Hằng", None, "7912345678", None),
    ("Nguyễn Văn An", "001080000004", None, None),
    ("ĐỖ VĂN ĐẠT", "079082000005", None, "0356000111"),
    ("Thi Văn Bình", None, None, None),
    ("H'Hen Niê", "066195000007", None, None),
    ("Trần Đức Anh", None, None, None),
]


@pytest.fixture
def people_store(store: Store) -> Store:
    members = [
        NewPerson(name, date(1985, 1, 1), Sex.FEMALE, citizen_id=cid, si_code=si, phone=phone)
        for name, cid, si, phone in PEOPLE
    ]
    households = [
        NewHousehold(f"HD{n}", f"Số {n}, thôn Đông", "00004", "01", (m,)) for n, m in enumerate(members)
    ]
    add_households(store, households, actor="t")
    return store


def names(store: Store, text: str, **options: int) -> list[str]:
    return [hit.full_name for hit in search_people(store, text, **options)]


@pytest.mark.parametrize("text", ["dang thi hang", "Đặng Thị Hằng", "DANG THI HANG", "đặng thị hằng", "ĐẶNG"])
def test_search_without_accents_or_case_finds_names_with_accents(people_store: Store, text: str):
    assert names(people_store, text) == ["Đặng Thị Hằng"]


def test_d_with_stroke_folds_to_plain_d_both_ways(people_store: Store):
    assert names(people_store, "dat") == ["ĐỖ VĂN ĐẠT"]
    assert names(people_store, "đạt") == ["ĐỖ VĂN ĐẠT"]
    assert names(people_store, "Đo van") == ["ĐỖ VĂN ĐẠT"]


def test_partial_words_match_the_start_of_name_words(people_store: Store):
    assert names(people_store, "dang thi h") == ["Đặng Thị Hằng"]
    assert names(people_store, "hằ") == ["Đặng Thị Hằng", "Nguyễn Thị Thu Hằng", "Phạm Thị Hằng"]
    assert names(people_store, "ng v") == ["Nguyễn Văn An"]
    assert names(people_store, "ang") == []  # inside a word is not the start of a word


def test_a_given_name_alone_finds_everyone_with_it(people_store: Store):
    assert names(people_store, "hang") == ["Đặng Thị Hằng", "Nguyễn Thị Thu Hằng", "Phạm Thị Hằng"]


def test_words_may_come_in_any_order_and_skip_middle_names(people_store: Store):
    assert names(people_store, "hang dang") == ["Đặng Thị Hằng"]
    assert names(people_store, "nguyen hang") == ["Nguyễn Thị Thu Hằng"]
    assert names(people_store, "thu nguyen hang thi") == ["Nguyễn Thị Thu Hằng"]


def test_every_word_must_match_some_word_of_the_name(people_store: Store):
    assert names(people_store, "dang an") == []
    assert names(people_store, "nguyen thi hang x") == []


def test_names_starting_with_the_text_come_first_then_others_by_name(people_store: Store):
    # "Thi Văn Bình" starts with "thi"; the others only have "Thị" as a middle name.
    assert names(people_store, "thi") == [
        "Thi Văn Bình",
        "Đặng Thị Hằng",
        "Nguyễn Thị Thu Hằng",
        "Phạm Thị Hằng",
    ]


def test_names_with_apostrophes_are_found_by_their_parts(people_store: Store):
    assert names(people_store, "h'hen") == ["H'Hen Niê"]
    assert names(people_store, "hen nie") == ["H'Hen Niê"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0011900", ["Đặng Thị Hằng"]),  # citizen ID prefix
        ("001 190 000 001", ["Đặng Thị Hằng"]),
        ("79123", ["Phạm Thị Hằng"]),  # SI code prefix
        ("0987", ["Nguyễn Thị Thu Hằng"]),  # phone prefix
        ("0987.654.321", ["Nguyễn Thị Thu Hằng"]),
        ("+84 987 654", ["Nguyễn Thị Thu Hằng"]),
        ("84987654321", ["Nguyễn Thị Thu Hằng"]),
        ("+1 987", []),
        ("0790", ["ĐỖ VĂN ĐẠT"]),
        ("555", []),
    ],
)
def test_digits_search_citizen_ids_si_codes_and_phones_by_prefix(
    people_store: Store, text: str, expected: list[str]
):
    assert names(people_store, text) == expected


def test_digits_matching_several_kinds_list_citizen_ids_then_si_codes_then_phones(people_store: Store):
    # Everyone with a citizen ID has one starting with 0, and some also an SI code or phone: once each.
    assert names(people_store, "0") == [
        "Nguyễn Văn An",  # 001080...
        "Đặng Thị Hằng",  # 001190...
        "Nguyễn Thị Thu Hằng",  # 036185...
        "H'Hen Niê",  # 066195...
        "ĐỖ VĂN ĐẠT",  # 079082...
    ]
    assert names(people_store, "03") == ["Nguyễn Thị Thu Hằng", "ĐỖ VĂN ĐẠT"]  # citizen ID, then phone


def test_a_hit_carries_the_person_and_their_household(people_store: Store):
    [hit] = search_people(people_store, "pham thi hang")

    assert (hit.full_name, hit.date_of_birth, hit.sex, hit.citizen_id, hit.si_code, hit.phone) == (
        "Phạm Thị Hằng",
        date(1985, 1, 1),
        Sex.FEMALE,
        None,
        "7912345678",
        None,
    )
    assert (hit.household_code, hit.address, hit.commune_code) == ("HD2", "Số 2, thôn Đông", "00004")


def test_the_limit_is_honoured_by_both_name_steps_and_numbers(store: Store):
    members = [
        NewPerson(f"Nguyễn Văn {n:03d}", date(1990, 1, 1), Sex.MALE, citizen_id=f"001090{n:06d}")
        for n in range(30)
    ]
    others = [NewPerson(f"Lê Văn Nguyên {n}", date(1990, 1, 1), Sex.MALE) for n in range(30)]
    add_households(store, [NewHousehold(None, "x", "00004", "01", (m,)) for m in members + others], actor="t")

    assert len(search_people(store, "nguyen", limit=10)) == 10
    assert len(search_people(store, "nguyen", limit=45)) == 45  # 30 from the name start, 15 more
    assert len(search_people(store, "nguyen")) == 50
    assert len(search_people(store, "001090", limit=7)) == 7
    assert search_people(store, "nguyen", limit=0) == []


@pytest.mark.parametrize("text", ["%", "_", "%%", "%ang", "p_am", "ph_m"])
def test_like_wildcards_in_the_text_are_not_wildcards(people_store: Store, text: str):
    assert names(people_store, text) == []


def test_punctuation_separates_words_as_spaces_do(people_store: Store):
    assert names(people_store, "hang%dang") == names(people_store, "hang dang") == ["Đặng Thị Hằng"]


@pytest.mark.parametrize("text", ["", "   ", "\t", "-", '"'])
def test_an_empty_query_finds_nobody(people_store: Store, text: str):
    assert search_people(people_store, text) == []


def test_a_renamed_person_is_found_by_the_new_name_only(people_store: Store):
    with people_store.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE people SET full_name = 'Đặng Thị Hương', name_folded = 'dang thi huong' "
            "WHERE full_name = 'Đặng Thị Hằng'"
        )

    assert names(people_store, "huong") == ["Đặng Thị Hương"]
    assert names(people_store, "hang") == ["Nguyễn Thị Thu Hằng", "Phạm Thị Hằng"]


def test_a_removed_person_is_no_longer_found(people_store: Store):
    with people_store.begin() as connection:
        connection.exec_driver_sql("DELETE FROM people WHERE full_name = 'Trần Đức Anh'")

    assert names(people_store, "duc anh") == []
    assert names(people_store, "anh") == []


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_search_statement_uses_an_index_and_sorts_nothing(people_store: Store, name: str):
    parameters = {"low": "a", "high": "b", "limit": 50, "match": '"a"*'}
    plan = [
        row[3] for row in people_store.reader().execute(f"EXPLAIN QUERY PLAN {STATEMENTS[name]}", parameters)
    ]

    assert not any(step.startswith(("SCAN p", "SCAN h")) for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert any(
        "USING INDEX" in step or "USING COVERING INDEX" in step or "VIRTUAL TABLE" in step for step in plan
    )
    assert any(step.startswith("SEARCH h USING INDEX") for step in plan), plan
