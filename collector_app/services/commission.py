"""The monthly commission statement of this collection point and of each of its collectors, from the
valid payments in the store, at the dated rates of the policy table; saved as XLSX or PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from collector_app.domain.commission import (
    SCHEME_WORDS,
    CollectorCommission,
    MonthlyCommission,
    commission_statement,
    kind_text,
    rate_text,
)
from collector_app.domain.contributions import add_months
from collector_app.domain.money import RoundingRule
from collector_app.domain.policy import CommissionRates, PolicyTable
from collector_app.domain.text import spreadsheet_cell
from collector_app.policies import current_table
from collector_app.services.official_lists import VND_FORMAT, write_whole
from collector_app.store.commission import CollectedItem, commission_items
from collector_app.store.db import Store
from collector_app.store.device import DEFAULTS, this_device

if TYPE_CHECKING:
    from openpyxl import Workbook

def rates_from(table: PolicyTable) -> Callable[[date], CommissionRates | None]:
    return lambda day: table.in_force(day).commission_rates


def monthly_commission(store: Store, month: date, *, collector: str | None = None) -> MonthlyCommission:
    """The statement of `month` for the point, and per collector (only `collector`'s when given)."""
    first = month.replace(day=1)
    last = add_months(first, 1) - timedelta(days=1)
    table = current_table(store)
    items = commission_items(store, since=first, until=last)
    rates = rates_from(table)
    # The rounding rule of the month's first payment day (nothing is rounded in an empty month, which may
    # lie beyond the table).
    rounding = table.in_force(items[0].item.paid_on).rounding if items else RoundingRule.HALF_UP
    if collector is not None:
        items = [item for item in items if item.username == collector]
    by_user: dict[str, list[CollectedItem]] = {}
    for item in items:
        by_user.setdefault(item.username, []).append(item)
    device = this_device(store)
    return MonthlyCommission(
        month=first,
        organisation=device.organisation if device else DEFAULTS.organisation,
        collection_point=f"{device.point_name} ({device.point_code})" if device else DEFAULTS.point_name,
        point=commission_statement((i.item for i in items), rates_on=rates, rounding=rounding),
        collectors=tuple(
            CollectorCommission(username, group[0].full_name,
                                commission_statement((i.item for i in group), rates_on=rates, rounding=rounding))
            for username, group in sorted(by_user.items())),
    )


def save_commission(report: MonthlyCommission, out: Path) -> Path:
    if out.suffix.lower() == ".xlsx":
        workbook = commission_workbook(report)
        write_whole(out, workbook.save)
    else:
        from collector_app.receipts.commission import render_commission_pdf

        data = render_commission_pdf(report)
        write_whole(out, lambda path: Path(path).write_bytes(data))
    return out


HEADERS = ("Người thu", "Loại hình", "Đối tượng", "Tỷ lệ", "Số người", "Số tiền người tham gia đóng",
           "Hoa hồng")


def commission_workbook(report: MonthlyCommission) -> Workbook:
    from openpyxl import Workbook  # imported when used: 12 MB and 0.17 s the window need not pay at start

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{report.month:%m-%Y}"
    sheet.append([spreadsheet_cell(report.organisation)])
    sheet.append([spreadsheet_cell(report.collection_point)])
    sheet.append([f"BẢNG TÍNH HOA HỒNG THU THÁNG {report.month:%m/%Y}"])
    sheet.append([])
    sheet.append(list(HEADERS))
    sheet.freeze_panes = "A6"
    sections = [(f"{c.full_name} ({c.username})", c.statement) for c in report.collectors]
    sections.append(("Cả điểm thu", report.point))
    for who, statement in sections:
        for line in statement.lines:
            sheet.append([spreadsheet_cell(who), SCHEME_WORDS.get(line.scheme, line.scheme), kind_text(line.new),
                          rate_text(line.rate), line.participants, line.base, line.commission])
            row = sheet.max_row
            for column in (6, 7):
                sheet.cell(row, column).number_format = VND_FORMAT
        sheet.append([spreadsheet_cell(who), "Cộng", None, None, statement.participants, statement.base,
                      statement.commission])
        row = sheet.max_row
        for column in (6, 7):
            sheet.cell(row, column).number_format = VND_FORMAT
    for letter, width in zip("ABCDEFG", (30, 18, 14, 8, 10, 24, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    return workbook
