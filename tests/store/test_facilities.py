"""Initial health-care facilities in the local store: written from the feed, read by code and province."""

from __future__ import annotations

from collector_app.store.db import Store
from collector_app.store.facilities import Facility, count_facilities, facilities, facility_by_code
from collector_app.store.facility_updates import FacilityUpdate, apply_facility_updates


def _apply(store: Store, *updates: FacilityUpdate) -> int:
    with store.begin() as connection:
        return apply_facility_updates(connection, updates, now="2026-12-08T08:00:00Z")


def _update(code: str, name: str, province: str | None = "01", *, version: int, withdrawn: bool = False,
            address: str | None = None) -> FacilityUpdate:
    return FacilityUpdate(code=code, name=name, province_code=province, address=address, withdrawn=withdrawn,
                          version=version)


def test_a_new_store_holds_no_facilities(store: Store):
    assert facilities(store) == []
    assert facility_by_code(store, "01001") is None
    assert count_facilities(store) == 0


def test_facilities_of_a_province_include_those_tied_to_no_province_in_code_order(store: Store):
    _apply(store, _update("79002", "Trạm Y tế phường Bến Nghé", "79", version=1),
           _update("01002", "Trạm Y tế phường Hàng Bạc", "01", version=2, address="Hàng Bạc, Hà Nội"),
           _update("01001", "Trạm Y tế phường Phúc Xá", "01", version=3),
           _update("00001", "Bệnh viện Trung ương", None, version=4))

    assert [f.code for f in facilities(store, "01")] == ["00001", "01001", "01002"]
    assert [f.code for f in facilities(store)] == ["00001", "01001", "01002", "79002"]
    assert facility_by_code(store, "01002") == Facility(
        code="01002", name="Trạm Y tế phường Hàng Bạc", province_code="01", address="Hàng Bạc, Hà Nội")


def test_a_withdrawn_facility_leaves_the_list_but_is_still_found_by_its_code(store: Store):
    _apply(store, _update("01001", "Trạm Y tế phường Phúc Xá", version=1))
    _apply(store, _update("01001", "Trạm Y tế phường Phúc Xá", version=5, withdrawn=True))

    assert facilities(store, "01") == []
    assert [f.code for f in facilities(store, "01", include_withdrawn=True)] == ["01001"]
    found = facility_by_code(store, "01001")
    assert found is not None and found.withdrawn


def test_an_older_or_repeated_notice_changes_nothing(store: Store):
    assert _apply(store, _update("01001", "Tên mới", version=7)) == 1
    assert _apply(store, _update("01001", "Tên mới", version=7)) == 0
    assert _apply(store, _update("01001", "Tên cũ", version=3)) == 0

    found = facility_by_code(store, "01001")
    assert found is not None and found.name == "Tên mới"
