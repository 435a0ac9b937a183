"""The official list PDF read back with pdftotext: a long list runs over pages with the column header
on each, "Trang x/y" on each, and the totals and signatures after the last row."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from collector_app.domain.official_lists import ListForm, ListRow, OfficialList, list_totals, template_for
from collector_app.receipts.official_lists import render_list_pdf
from collector_app.services.official_lists import shipped_templates

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is missing")


def _rows(count: int) -> tuple[ListRow, ...]:
    return tuple(
        ListRow(full_name=f"Nguyễn Thị Người Tham Gia Số {n}", citizen_id=f"0011820{n:05d}", si_code=None,
                date_of_birth=date(1982, 5, 6) + timedelta(days=n), sex="female",
                address=f"Số {n}, ngõ {n % 40}, thôn Đông, xã Đông Anh, Hà Nội", paid_on=date(2026, 8, 1 + n % 28),
                receipt_number=f"DA07M2-26-{n:07d}", period_start=date(2026, 8, 1), period_end=date(2026, 10, 31),
                months=3, monthly_income=1_500_000, member_rank=None, facility=None, gross=990_000,
                state_support=198_000, local_support=99_000, amount=693_000)
        for n in range(1, count + 1))


def _list(count: int) -> OfficialList:
    rows = _rows(count)
    return OfficialList(template=template_for(shipped_templates(), ListForm.D05, date(2026, 8, 31)),
                        organisation="Bưu điện thành phố Hà Nội", collection_point="Điểm thu xã Đông Hội (DA07)",
                        since=date(2026, 8, 1), until=date(2026, 8, 31), made_on=date(2026, 9, 1),
                        prepared_by="Nguyễn Thị Thu", rows=rows, totals=list_totals(rows))


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def test_a_long_list_repeats_the_column_header_and_numbers_every_page(tmp_path: Path):
    pages = _pages(render_list_pdf(_list(120)), tmp_path)

    with_rows = [page for page in pages if "DA07M2-26-" in page]
    assert len(with_rows) >= 3
    for page in with_rows:
        assert "Họ và tên" in page and "Biên lai số" in page and "STT" in page
    for number, page in enumerate(pages, start=1):
        assert f"Trang {number}/{len(pages)}" in page
    whole = "".join(pages)
    assert whole.index("Tham Gia Số 119") < whole.index("Tham Gia Số 120") < whole.index("Tổng cộng: 120 người")
    assert "83.160.000 đ" in whole  # 120 × 693.000
    assert "NGƯỜI LẬP BIỂU" in pages[-1] and "Nguyễn Thị Thu" in pages[-1]
    assert "NGƯỜI LẬP BIỂU" not in pages[0]


def test_an_empty_period_gives_a_list_with_zero_totals(tmp_path: Path):
    [page] = _pages(render_list_pdf(_list(0)), tmp_path)

    assert "Tổng cộng: 0 người" in page and "Trang 1/1" in page


def test_progress_reaches_the_end(tmp_path: Path):
    seen: list[tuple[int, int]] = []
    render_list_pdf(_list(1000), progress=lambda done, total: seen.append((done, total)))

    assert seen[-1] == (1000, 1000) and seen == sorted(seen)
