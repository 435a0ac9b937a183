"""The shipped list of provinces and communes, and finding them by code or name."""

from __future__ import annotations

import pytest

from collector_app.admin_units import AdminUnits, Commune, Province, load_admin_units


@pytest.fixture(scope="module")
def units() -> AdminUnits:
    return load_admin_units()


def test_the_shipped_list_has_34_provinces_and_3321_communes(units: AdminUnits) -> None:
    assert len(units.provinces) == 34
    assert sum(len(units.communes_of(p.code)) for p in units.provinces) == 3321


def test_the_list_is_read_once_per_process() -> None:
    assert load_admin_units() is load_admin_units()


def test_a_province_is_found_by_its_code(units: AdminUnits) -> None:
    assert units.province("01") == Province("01", "Hà Nội", "Thành phố Hà Nội")


def test_a_code_without_its_leading_zero_still_finds_the_unit(units: AdminUnits) -> None:
    # A spreadsheet column typed as numbers turns "01" into 1 and "00004" into 4.
    assert units.find_province("1") == units.province("01")
    assert units.find_commune("4", "01") == units.commune("00004")


def test_an_unknown_code_finds_nothing(units: AdminUnits) -> None:
    assert units.province("03") is None
    assert units.commune("99999") is None
    assert units.find_province("03") is None


@pytest.mark.parametrize(
    "text", ["Hồ Chí Minh", "Thành phố Hồ Chí Minh", "ho chi minh", "TP Hồ Chí Minh", "tp. ho chi minh"]
)
def test_a_province_is_found_by_short_or_full_name_with_or_without_accents(
    units: AdminUnits, text: str
) -> None:
    province = units.find_province(text)
    assert province is not None and province.code == "79"


def test_a_province_spelt_with_the_other_tone_mark_placement_is_found(units: AdminUnits) -> None:
    # The list writes "Thanh Hoá"; many people write "Thanh Hóa".
    province = units.find_province("Thanh Hóa")
    assert province is not None and province.code == "38"


@pytest.mark.parametrize("text", ["Ba Đình", "Phường Ba Đình", "ba dinh", "PHUONG BA DINH", "  Ba   Đình "])
def test_a_commune_is_found_by_short_or_full_name_with_or_without_accents(
    units: AdminUnits, text: str
) -> None:
    assert units.find_commune(text, "01") == Commune("00004", "Ba Đình", "Phường Ba Đình", "01")


def test_a_commune_is_found_only_in_its_own_province(units: AdminUnits) -> None:
    assert units.find_commune("Ba Đình", "79") is None
    assert units.find_commune("00004", "79") is None


def test_the_exact_spelling_tells_apart_communes_whose_names_fold_alike(units: AdminUnits) -> None:
    lang = units.find_commune("Văn Lang", "19")
    lang_with_breve = units.find_commune("Xã Văn Lăng", "19")
    assert lang is not None and lang_with_breve is not None
    assert lang.code != lang_with_breve.code
    assert lang.name == "Văn Lang" and lang_with_breve.name == "Văn Lăng"


def test_a_name_without_accents_that_fits_two_communes_is_ambiguous(units: AdminUnits) -> None:
    assert units.find_commune("van lang", "19") is None
    assert {c.name for c in units.match_communes("van lang", "19")} == {"Văn Lang", "Văn Lăng"}


def test_a_common_commune_name_is_matched_in_several_provinces(units: AdminUnits) -> None:
    provinces = {c.province_code for c in units.match_communes("Tân Thành")}
    assert len(provinces) > 1


def test_every_commune_is_found_by_its_own_full_name(units: AdminUnits) -> None:
    for province in units.provinces:
        for commune in units.communes_of(province.code):
            assert units.find_commune(commune.full_name, province.code) == commune
