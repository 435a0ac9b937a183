"""`collector-app lists d05|d03`: the official participant lists from real payments, as XLSX (read back
with openpyxl) and PDF (read back with pdftotext); their totals equal the payments; bad input is one line."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.store.registration import add_households
from signing import open_test_store
from test_cli_payments import ok_json, one_line_error, run

HEAD, WIFE, SON = "001080012345", "001182012345", "001206012345"
HEADER_ROW = 6


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Point DA07, a household of three in Hà Nội; the head pays voluntary SI twice (one receipt then
    voided), the household pays family HI; one payment falls outside the period."""
    folder = tmp_path / "store"
    ok_json(run(folder, "init", "--point-code", "DA07", "--point-name", "Điểm thu xã Đông Hội",
                "--device-code", "M2", "--json"))
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, [NewHousehold(
            "0112345678", "=HYPERLINK(\"http://x\") thôn Đông", "00004", "01",
            (NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
             NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
             NewPerson("Đặng Minh Khôi", date(2006, 9, 1), Sex.MALE, SON)))], actor="test")
    pay_vsi = ("pay", "vsi", "--citizen-id", HEAD, "--income", "1500000", "--group", "other", "--json")
    ok_json(run(folder, *pay_vsi, "--months", "3", "--date", "2026-08-03"))
    voided = ok_json(run(folder, *pay_vsi, "--months", "1", "--date", "2026-08-10", "--period-from", "2026-11"))
    ok_json(run(folder, "void", voided["receipt_number"], "--reason", "nhầm kỳ", "--json"))
    ok_json(run(folder, *pay_vsi, "--months", "6", "--date", "2026-08-20", "--period-from", "2026-11"))
    ok_json(run(folder, "pay", "hi", "--household", "0112345678", "--months", "12", "--date", "2026-08-05",
                "--json"))
    ok_json(run(folder, *pay_vsi, "--months", "1", "--date", "2026-09-01", "--period-from", "2027-05"))
    return folder


def test_the_d05_xlsx_lists_each_valid_payment_and_its_foot_equals_the_payments(data_dir: Path, tmp_path: Path):
    out = tmp_path / "d05.xlsx"
    made = ok_json(run(data_dir, "lists", "d05", "--from", "2026-08-01", "--to", "2026-08-31", "--out", str(out),
                       "--json"))

    # 3 months and 6 months at 1.500.000 in Hà Nội: 330.000 − 66.000 − 33.000 = 231.000 a month.
    assert (made["participants"], made["gross"], made["state_support"], made["local_support"], made["amount"]) == (
        2, 9 * 330_000, 9 * 66_000, 9 * 33_000, 9 * 231_000)
    assert made["template"] == "595-2017-cccd"
    sheet = load_workbook(out).active
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers[:3] == ["STT", "Họ và tên", "Số CCCD / mã số BHXH"]
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    first, second, foot = sheet[HEADER_ROW + 1], sheet[HEADER_ROW + 2], sheet[HEADER_ROW + 3]
    column = {name: index for index, name in enumerate(headers)}
    assert first[column["Họ và tên"]].value == "Đặng Văn Hùng"
    assert first[column["Số CCCD / mã số BHXH"]].value == HEAD
    assert first[column["Phương thức đóng"]].value == "3 tháng"
    assert second[column["Phương thức đóng"]].value == "6 tháng"
    # A hostile address is text in the sheet, never a formula.
    assert first[column["Địa chỉ"]].value.startswith("'=HYPERLINK")
    amount = first[column["Số tiền thực nộp"]]
    assert amount.value == 3 * 231_000 and isinstance(amount.value, int) and "đ" in amount.number_format
    assert first[column["Ngày sinh"]].value.date() == date(1980, 3, 4)
    paid = [row[column["Số tiền thực nộp"]].value for row in (first, second)]
    assert foot[column["Số tiền thực nộp"]].value == sum(paid) == made["amount"]
    assert foot[column["NSNN hỗ trợ"]].value == made["state_support"]


def test_the_d03_list_has_the_households_members_with_rank_and_card_dates(data_dir: Path, tmp_path: Path):
    out = tmp_path / "d03.xlsx"
    made = ok_json(run(data_dir, "lists", "d03", "--from", "2026-08-01", "--to", "2026-08-31", "--out", str(out),
                       "--json"))

    # 12 months at 2.530.000: 1.366.200 + 956.340 + 819.720 (domain.md §7.1).
    assert (made["participants"], made["amount"]) == (3, 3_142_260)
    sheet = load_workbook(out).active
    headers = [c.value for c in sheet[HEADER_ROW]]
    column = {name: index for index, name in enumerate(headers)}
    rows = [sheet[HEADER_ROW + n] for n in (1, 2, 3)]
    assert [r[column["Thành viên thứ"]].value for r in rows] == [1, 2, 3]
    assert [r[column["Số tiền thực nộp"]].value for r in rows] == [1_366_200, 956_340, 819_720]
    assert rows[0][column["Thẻ có giá trị từ ngày"]].number_format == "DD/MM/YYYY"
    assert sheet[HEADER_ROW + 4][column["Số tiền thực nộp"]].value == 3_142_260


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_d05_pdf_has_the_form_the_period_the_page_number_totals_and_signatures(
        data_dir: Path, tmp_path: Path):
    out = tmp_path / "d05.pdf"
    ok_json(run(data_dir, "lists", "d05", "--from", "2026-08-01", "--to", "2026-08-31", "--out", str(out), "--json"))

    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "DANH SÁCH NGƯỜI THAM GIA BẢO HIỂM XÃ HỘI TỰ NGUYỆN" in text and "Mẫu D05-TS" in text
    assert "Từ ngày 01/08/2026 đến ngày 31/08/2026" in text
    assert "Trang 1/1" in text
    assert "Tổng cộng: 2 người" in text and "NGƯỜI LẬP BIỂU" in text


@pytest.mark.parametrize("args, words", [
    (("d05", "--from", "2026-08-31", "--to", "2026-08-01", "--out", "x.xlsx"), "31/08/2026"),
    (("d05", "--from", "2026-02-30", "--to", "2026-03-01", "--out", "x.xlsx"), "2026-02-30"),
    (("d03", "--from", "2026-08-01", "--to", "2026-08-31", "--out", "x.docx"), "x.docx"),
    (("d07", "--from", "2026-08-01", "--to", "2026-08-31", "--out", "x.pdf"), "d07"),
    (("d05", "--from", "2026-08-01", "--to", "2026-08-31", "--out", "/no/such/folder/x.pdf"), "/no/such/folder"),
])
def test_bad_input_is_refused_in_one_line(tmp_path: Path, args: tuple[str, ...], words: str):
    folder = tmp_path / "store"
    ok_json(run(folder, "init", "--json"))
    result = run(folder, "lists", *args)

    assert result.returncode == 2
    assert words in one_line_error(result)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_tk1_is_filled_from_the_registration_with_the_household_annex(data_dir: Path, tmp_path: Path):
    out = tmp_path / "tk1.pdf"
    made = ok_json(run(data_dir, "lists", "tk1", "--citizen-id", HEAD, "--out", str(out), "--json"))

    assert made == {"form": "tk1", "citizen_id": HEAD, "out": str(out)}
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN" in text and "Mẫu TK1-TS" in text
    assert "ĐẶNG VĂN HÙNG" in text and "04/03/1980" in text and HEAD in text
    assert "1.500.000 đ/tháng" in text and "Hằng tháng" in text  # the latest valid payment: one month
    for member in ("Lê Thị Hằng", "Đặng Minh Khôi", WIFE, SON):
        assert member in text


def test_a_tk1_for_nobody_registered_is_one_line(data_dir: Path, tmp_path: Path):
    result = run(data_dir, "lists", "tk1", "--citizen-id", "001099000001", "--out", str(tmp_path / "x.pdf"))

    assert result.returncode == 1
    assert "001099000001" in one_line_error(result)
    assert not (tmp_path / "x.pdf").exists()


def test_the_commission_statement_counts_new_and_continuing_participants_net_of_voids(
        data_dir: Path, tmp_path: Path):
    out = tmp_path / "commission.xlsx"
    made = ok_json(run(data_dir, "commission", "--month", "2026-08", "--out", str(out), "--json"))

    # What participants paid themselves in August: the head's 3 months (new, 693.000), his 6 months
    # (continuing, 1.386.000; the voided month between them earns nothing), the household's HI (new).
    assert [(l["scheme"], l["participant"], l["rate"], l["base"], l["commission"]) for l in made["lines"]] == [
        ("vsi", "new", "7/50", 693_000, 97_020),
        ("vsi", "continuing", "1/10", 1_386_000, 138_600),
        ("family_hi", "new", "7/100", 3_142_260, 219_958),
    ]
    assert (made["base"], made["commission"]) == (5_221_260, 455_578)
    [collector] = made["collectors"]
    assert (collector["user"], collector["commission"]) == ("collector", 455_578)
    sheet = load_workbook(out).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=6)]
    assert ["Cả điểm thu", "Cộng", None, None, 5, 5_221_260, 455_578] in values


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_commission_pdf_of_one_collector_reads_back(data_dir: Path, tmp_path: Path):
    out = tmp_path / "commission.pdf"
    ok_json(run(data_dir, "commission", "--month", "2026-08", "--collector", "collector", "--out", str(out),
                "--json"))

    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "BẢNG TÍNH HOA HỒNG THU THÁNG 08/2026" in text
    assert "Tham gia mới" in text and "14 %" in text and "455.578 đ" in text


@pytest.mark.parametrize("args, words", [
    (("--month", "2026-13", "--out", "x.pdf"), "2026-13"),
    (("--month", "2026-08", "--out", "x.csv"), "x.csv"),
])
def test_commission_bad_input_is_one_line(tmp_path: Path, args: tuple[str, ...], words: str):
    folder = tmp_path / "store"
    ok_json(run(folder, "init", "--json"))
    result = run(folder, "commission", *args)

    assert result.returncode == 2
    assert words in one_line_error(result)


@pytest.mark.parametrize("kind, rows", [("people", 3), ("households", 1), ("payments", 5), ("receipts", 5)])
def test_each_export_writes_csv_and_xlsx_with_hostile_cells_as_text(data_dir: Path, tmp_path: Path, kind: str,
                                                                    rows: int):
    csv_file, xlsx_file = tmp_path / f"{kind}.csv", tmp_path / f"{kind}.xlsx"
    made = ok_json(run(data_dir, "export", kind, "--out", str(csv_file), "--json"))
    ok_json(run(data_dir, "export", kind, "--out", str(xlsx_file), "--json"))

    assert made["rows"] == rows
    import csv

    with csv_file.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    sheet = [[c.value for c in row] for row in load_workbook(xlsx_file).active.iter_rows()]
    assert len(table) == len(sheet) == rows + 1
    for cells in (table, sheet):
        for row in cells:
            for value in row:
                assert not (isinstance(value, str) and value.startswith(tuple("=+-@\t\r"))), value
    if kind in ("people", "households"):
        assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for row in sheet for v in row)
    if kind == "receipts":
        voided = [row for row in sheet[1:] if row[sheet[0].index("voided")] == 1]
        assert [row[sheet[0].index("void_reason")] for row in voided] == ["nhầm kỳ"]


def test_an_export_takes_its_range(data_dir: Path, tmp_path: Path):
    made = ok_json(run(data_dir, "export", "payments", "--from", "2026-09-01", "--to", "2026-09-30", "--out",
                       str(tmp_path / "p.csv"), "--json"))

    assert made["rows"] == 1
