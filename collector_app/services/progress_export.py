"""Progress figures written to an XLSX workbook: a sheet per scheme, a row per month, numbers as numbers
(amounts with a đồng format), every text cell guarded against being run as a formula."""

from __future__ import annotations

from pathlib import Path

from collector_app.domain.progress import SchemeProgress
from collector_app.domain.text import spreadsheet_cell
from collector_app.i18n import _
from collector_app.sync.progress import ServerProgress

VND_FORMAT = '#,##0 "đ"'
COUNT_FORMAT = "#,##0"


def scheme_title(scheme: str) -> str:
    return _("Voluntary SI") if scheme == "vsi" else _("Family HI")


def progress_columns() -> list[tuple[str, str, bool]]:
    """(field of MonthFigures or "target", header, is money) in the order of the sheet's columns."""
    return [("participants", _("Participants"), False), ("new", _("New"), False),
            ("renewing", _("Renewing"), False), ("target", _("Target (participants)"), False),
            ("last_year_participants", _("Participants last year"), False),
            ("amount", _("Amount"), True), ("last_year_amount", _("Amount last year"), True)]


def _sheet_rows(figures: SchemeProgress) -> list[list[int | None]]:
    rows: list[list[int | None]] = []
    for month in figures.months:
        values: list[int | None] = []
        for key, _header, _money in progress_columns():
            values.append(figures.target_participants if key == "target" else getattr(month, key))
        rows.append(values)
    return rows


def export_progress_xlsx(found: ServerProgress, title: str, path: Path) -> None:
    """Write the figures to `path` (replaced if it exists). `title` names the scope (a point's name, say)."""
    from openpyxl import Workbook  # imported when used: 12 MB and 0.17 s the window need not pay at start

    book = Workbook()
    book.remove(book.active)
    for figures in found.progress.schemes:
        sheet = book.create_sheet(scheme_title(figures.scheme)[:31])
        sheet.append([spreadsheet_cell(title), found.progress.year])
        sheet.append([spreadsheet_cell(_("Month")), *(spreadsheet_cell(h) for _k, h, _m in progress_columns())])
        for number, values in enumerate(_sheet_rows(figures), start=1):
            sheet.append([spreadsheet_cell(f"{number:02d}/{found.progress.year}"), *values])
            for column, (_key, _header, money) in enumerate(progress_columns(), start=2):
                sheet.cell(row=sheet.max_row, column=column).number_format = VND_FORMAT if money else COUNT_FORMAT
        sheet.column_dimensions["A"].width = 12
        for letter in "BCDEFGH":
            sheet.column_dimensions[letter].width = 18
    book.save(path)
