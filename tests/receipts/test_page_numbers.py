"""Every multi-page PDF the app writes says "Trang x/y" (or the interface's "Page x of y") at the foot of each
page, with the true total: the day report, the commission statement, the visit round and the TK1-TS
declaration, read back with pdftotext one page at a time. (The official lists D05/D03:
tests/receipts/test_official_lists_pdf.py; receipts: tests/receipts/test_render.py.)"""

from __future__ import annotations

import subprocess
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from collector_app import i18n
from collector_app.domain.commission import CollectorCommission, CommissionLine, CommissionStatement, MonthlyCommission
from collector_app.domain.declaration import DeclarationFacts, DeclaredMember
from collector_app.domain.enrolments import Scheme
from collector_app.domain.renewal import DueState
from collector_app.receipts.commission import render_commission_pdf
from collector_app.receipts.day_report import DayReportDocument, DayReportReceipt, render_day_report
from collector_app.receipts.declaration import render_declaration
from collector_app.store.rounds import RoundHeader, RoundHousehold, RoundMember
from collector_app.services.rounds import round_pdf

ON = date(2026, 3, 5)


def pages_of(data: bytes, tmp_path: Path) -> list[str]:
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def assert_numbered(pages: list[str], footer: str = "Trang {page}/{pages}") -> None:
    for number, page in enumerate(pages, start=1):
        last_line = [line.strip() for line in page.splitlines() if line.strip()][-1]
        assert last_line == footer.format(page=number, pages=len(pages))


def test_the_day_report_numbers_its_pages_with_the_total(tmp_path: Path) -> None:
    receipts = tuple(DayReportReceipt(f"BD01M1-26-{n:07d}", f"Người nộp {n}", "vsi", "cash", 374_000, voided=False)
                     for n in range(1, 131))
    doc = DayReportDocument(
        on=ON, organisation="Bưu điện tỉnh", point_name="Điểm thu Hòa Vang", point_code="BD01", device_code="M1",
        collector_name="Nguyễn Thị Thu", receipts=receipts, by_scheme=(("vsi", 130, 130 * 374_000),),
        by_method=(("cash", 130, 130 * 374_000),), total=(130, 130 * 374_000), voided=(0, 0),
        expected_cash=130 * 374_000, transfers=0, handovers=0, count=None)
    pages = pages_of(render_day_report(doc), tmp_path)
    assert len(pages) >= 3
    assert_numbered(pages)
    assert "Người nộp 130" in pages[-1] or "Người nộp 130" in pages[-2]


def test_the_commission_statement_numbers_its_pages_with_the_total(tmp_path: Path) -> None:
    statement = CommissionStatement(lines=(
        CommissionLine("vsi", True, Fraction(15, 200), 12, 4_488_000, 336_600),
        CommissionLine("family_hi", False, Fraction(1, 20), 30, 9_000_000, 450_000)))
    report = MonthlyCommission(
        month=ON.replace(day=1), organisation="Bưu điện tỉnh", collection_point="Điểm thu Hòa Vang (BD01)",
        point=statement, collectors=tuple(CollectorCommission(f"thu{n}", f"Người thu {n}", statement)
                                          for n in range(1, 25)))
    pages = pages_of(render_commission_pdf(report), tmp_path)
    assert len(pages) >= 2
    assert_numbered(pages)


def test_the_declaration_says_it_is_one_page_of_one(tmp_path: Path) -> None:
    member = DeclaredMember("Trần Văn An", date(1980, 1, 2), "male", "048080000111", None, is_declarant=True)
    facts = DeclarationFacts(
        full_name="Trần Văn An", date_of_birth=date(1980, 1, 2), sex="male", citizen_id="048080000111", si_code=None,
        phone=None, address="Thôn An Hải, xã Hòa Vang", household_code=None, facility=None, monthly_income=2_000_000,
        support_group=None, vsi_months=1, members=(member,))
    pages = pages_of(render_declaration(facts, made_on=ON), tmp_path)
    assert_numbered(pages)


@pytest.mark.parametrize(("language", "footer"), [("vi", "Trang {page}/{pages}"), ("en", "Page {page} of {pages}")])
def test_the_visit_round_numbers_its_pages_in_the_interface_language(tmp_path: Path, language: str,
                                                                     footer: str) -> None:
    previous = i18n.language()
    i18n.set_language(language)
    try:
        households = tuple(RoundHousehold(f"h{n}", f"48000{n:05d}", f"Thôn {n}", tuple(
            RoundMember(person_id=f"p{n}-{m}", scheme=Scheme.FAMILY_HI.value, full_name=f"Thành viên {n}.{m}",
                        citizen_id=None, phone=None, state=DueState.DUE.value, ends_on=ON, pay_by=ON, months=12,
                        amount=1_263_600)
            for m in range(1, 4))) for n in range(1, 41))
        header = RoundHeader(round_id="r1", number=1, point_code="BD01", origin_device_id="d1",
                             origin_public_key="", collaborator="ctv.lan", collaborator_name="Phạm Thị Lan",
                             made_on=ON, imported_at=None, created_at="2026-08-03T00:00:00+00:00")
        data = round_pdf(header, households, point="BD01")
    finally:
        i18n.set_language(previous)
    pages = pages_of(data, tmp_path)
    assert len(pages) >= 2
    assert_numbered(pages, footer)
