"""Initial health-care facilities from the provincial server on 127.0.0.1 to a device and back: the list
loaded on the server reaches the device through the changes feed (incrementally, withdrawals too), family
HI payments carry each member's facility code to the server, and the receipt prints it."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sync_helpers import RunningServer, _collector, new_collector

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import resource_path
from collector_app.receipts.render import render_receipt
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import receipt_document
from collector_app.store.db import Store
from collector_app.store.facilities import Facility, count_facilities, facilities, facility_by_code
from collector_app.store.outbox import payloads
from collector_app.store.registration import add_households
from collector_app.sync.engine import client_for, seal, sync_once
from provincial_server.store.schema import payment_items

SAMPLE = resource_path("facilities/sample-facilities.csv")
HEADER = "code,name,province_code,address\n"
FACILITY_HOUSEHOLD = "0187654321"


def sync(store: Store) -> int:
    """Seal what is pending and sync; how many facilities it added, changed or withdrew on the device."""
    seal(store, actor="test")
    with client_for(store) as client:
        report = sync_once(store, client)
    assert report.refused_facilities == () and report.clean, report
    return report.facilities


def test_the_list_loaded_on_the_server_reaches_the_device_and_only_what_changed_comes_again(
    own_server: RunningServer, tmp_path: Path
):
    first = tmp_path / "first.csv"
    # More than one page of changes (500 a page): the device asks again while the page is full.
    first.write_text(HEADER + "".join(f"01{n:03d},Trạm Y tế số {n},01,\n" for n in range(1, 601))
                     + "00001,Bệnh viện Trung ương,,\n", encoding="utf-8")
    own_server.admin("load-facilities", str(first))
    collector = new_collector(tmp_path / "device", own_server)

    with collector.open() as store:
        assert sync(store) == 601
        assert count_facilities(store) == 601
        assert facility_by_code(store, "01007") == Facility(code="01007", name="Trạm Y tế số 7", province_code="01")
        assert [f.code for f in facilities(store, "01")][:3] == ["00001", "01001", "01002"]
        assert facilities(store, "79") == [Facility(code="00001", name="Bệnh viện Trung ương", province_code=None)]

        assert sync(store) == 0  # nothing new: nothing pulled again

        second = tmp_path / "second.csv"
        second.write_text(HEADER + "01001,Trạm Y tế phường Phúc Xá,01,Số 2 phố Phúc Xá\n"
                          + "".join(f"01{n:03d},Trạm Y tế số {n},01,\n" for n in range(2, 600))
                          + "00001,Bệnh viện Trung ương,,\n", encoding="utf-8")
        own_server.admin("load-facilities", str(second))  # 01001 renamed, 01600 left out

        assert sync(store) == 2
        assert facility_by_code(store, "01001") == Facility(
            code="01001", name="Trạm Y tế phường Phúc Xá", province_code="01", address="Số 2 phố Phúc Xá")
        withdrawn = facility_by_code(store, "01600")
        assert withdrawn is not None and withdrawn.withdrawn  # kept: people may still name it
        assert "01600" not in {f.code for f in facilities(store, "01")}
        assert count_facilities(store) == 601


def test_family_hi_payments_carry_each_members_facility_to_the_server_and_onto_the_receipt(
    own_server: RunningServer, tmp_path: Path
):
    own_server.admin("load-facilities", str(SAMPLE))
    collector = new_collector(tmp_path / "device", own_server)
    with collector.open() as store:
        sync(store)  # the sample list, so that the receipt can name the facilities
        add_households(store, [NewHousehold(FACILITY_HOUSEHOLD, "Số 9, phố Đội Cấn", "00004", "01", (
            NewPerson("Phạm Văn Toàn", date(1975, 2, 3), Sex.MALE, "001075000901", hi_facility_code="MAU-01-002"),
            NewPerson("Ngô Thị Lụa", date(1978, 6, 7), Sex.FEMALE, "001178000902", hi_facility_code="MAU-01-001"),
            NewPerson("Phạm Minh Khôi", date(2010, 9, 1), Sex.MALE, "001210000903"),  # none chosen yet
        ))], actor="test")
        user = _collector(store)
        family = record_family_hi_payment(store, household_code=FACILITY_HOUSEHOLD, months=12,
                                          on=date(2026, 1, 5), actor=user)
        vsi = record_vsi_payment(store, citizen_id="001075000901", monthly_income=2_000_000, months=1,
                                 on=date(2026, 2, 10), actor=user)

        payload = json.loads(payloads(store, [family.payment_id])[family.payment_id])
        assert [item.get("facility_code") for item in payload["items"]] == ["MAU-01-002", "MAU-01-001", None]
        assert "facility_code" not in payload["items"][2]  # unknown: left out, as an older device would
        vsi_payload = json.loads(payloads(store, [vsi.payment_id])[vsi.payment_id])
        assert "facility_code" not in vsi_payload["items"][0]

        sync(store)
        with own_server.engine.connect() as connection:
            held = [row[0] for row in connection.execute(
                select(payment_items.c.facility_code).where(payment_items.c.payment_id == family.payment_id)
                .order_by(payment_items.c.position))]
        assert held == ["MAU-01-002", "MAU-01-001", None]

        for layout in ("a5", "roll80"):
            text = _pdf_text(render_receipt(receipt_document(store, family.receipt_number, copy=False), layout))
            assert "MAU-01-002 – Trạm Y tế phường Ba Đình (mẫu)" in text, layout
            assert "MAU-01-001 – Bệnh viện đa khoa mẫu" in text, layout
            assert text.count("Nơi đăng ký KCB ban đầu") == 2, layout
            assert "Nơi đăng ký KCB ban đầu" not in _pdf_text(render_receipt(
                receipt_document(store, vsi.receipt_number, copy=False), layout))


def _pdf_text(pdf: bytes) -> str:
    # -raw: the text in drawing order, so that a wrapped line comes out whole on a wide page.
    done = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


def test_a_page_from_a_server_older_than_the_facility_list_reads_as_one_without_facilities():
    from collector_app.sync.client import _changes_page

    page = _changes_page({"cursor": "7", "decisions": [], "policy_tables": [], "reference": {}, "more": False})
    assert page["facilities"] == []


def test_a_facility_notice_the_device_could_not_show_safely_is_skipped_and_named():
    from collector_app.sync.engine import _valid_facilities
    from collector_app.wire import FacilityNotice

    def notice(code: str, name: str = "Trạm Y tế", province: str | None = "01") -> FacilityNotice:
        return FacilityNotice(code=code, name=name, province_code=province, address=None, withdrawn=False,
                              version=3)

    valid, refused = _valid_facilities([notice("01001"), notice("01002", "Trạm\u202eY tế"), notice("bad code"),
                                        notice("01003", province="1"), notice("01004", "x" * 201)])
    assert [update.code for update in valid] == ["01001"]
    assert refused == ["01002", "bad code", "01003", "01004"]
