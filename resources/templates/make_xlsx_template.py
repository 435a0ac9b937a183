"""Builds households-template.xlsx from households-template.csv, so the two templates never disagree.

Run from anywhere: `.venv/bin/python resources/templates/make_xlsx_template.py`; commit both files.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
CSV_TEMPLATE = HERE / "households-template.csv"
XLSX_TEMPLATE = HERE / "households-template.xlsx"

# Excel turns a column of digits into numbers and drops the leading zero of "001080012345";
# text format keeps the digits as typed.
TEXT_COLUMNS = {"household_code", "citizen_id", "phone", "si_code"}
DATE_COLUMNS = {"date_of_birth"}
# A fixed timestamp keeps the file the same from one run to the next.
FIXED_TIME = datetime(2026, 1, 1)

COLUMN_HELP = [
    ("household_code", "Mã hộ: các dòng cùng mã là một hộ, theo thứ tự trong tệp. Để trống: hộ một người."),
    ("full_name", "Họ và tên, có dấu, ví dụ Nguyễn Văn An."),
    ("date_of_birth", "Ngày sinh, dd/mm/yyyy (ví dụ 15/03/1980) hoặc yyyy-mm-dd."),
    ("sex", "Giới tính: Nam hoặc Nữ."),
    ("citizen_id", "Số định danh cá nhân / CCCD, 12 chữ số."),
    ("phone", "Số điện thoại di động (có thể để trống)."),
    ("address", "Địa chỉ: số nhà, thôn/xóm, đường."),
    ("commune", "Xã/phường/đặc khu: tên (Ba Đình hoặc Phường Ba Đình) hoặc mã 5 chữ số."),
    ("province", "Tỉnh/thành phố: tên (Hà Nội) hoặc mã 2 chữ số."),
    ("si_code", "Không bắt buộc: mã số BHXH cũ, 10 chữ số."),
    ("member_order", "Không bắt buộc: thứ tự thành viên trong hộ (1, 2, 3...)."),
]


def build() -> None:
    with CSV_TEMPLATE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, examples = rows[0], rows[1:]

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "households"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in examples:
        sheet.append([_cell_value(name, value) for name, value in zip(header, values, strict=True)])

    for index, name in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(
            14, len(name) + 4, *(len(r[index - 1]) + 2 for r in examples)
        )
        # A column style applies to the cells a user types later; the example cells need their own.
        number_format = "@" if name in TEXT_COLUMNS else "dd/mm/yyyy" if name in DATE_COLUMNS else None
        if number_format:
            sheet.column_dimensions[letter].number_format = number_format
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = number_format
    sheet.freeze_panes = "A2"

    # The importer reads only the first sheet; this one is for the person filling it in.
    help_sheet = workbook.create_sheet("huong-dan")
    help_sheet.append(["cột / column", "ý nghĩa"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for name, meaning in COLUMN_HELP:
        help_sheet.append([name, meaning])
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 90
    for row in help_sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)

    workbook.properties.creator = "collector-app"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.save(XLSX_TEMPLATE)
    _make_reproducible(XLSX_TEMPLATE)


def _make_reproducible(path: Path) -> None:
    """Rewrite the archive with fixed times: openpyxl stamps each entry, and the document's
    "modified" property, with the time of saving."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            entry = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)


def _cell_value(column: str, value: str) -> object:
    if column in DATE_COLUMNS and value:
        return datetime.strptime(value, "%d/%m/%Y")
    return value


if __name__ == "__main__":
    build()
