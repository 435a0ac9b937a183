"""Make the official participant lists (D05-TS, D03-TS) for a period and save them as XLSX or PDF; fill
the declaration form TK1-TS for one registered person.

The layout comes from the versioned templates in `resources/forms/official-lists.json`; the rows from
the store (valid payments only); every figure at the foot is summed here from those rows.
"""

from __future__ import annotations

import json
import os
from copy import copy
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from collector_app.domain.official_lists import (
    ColumnKind,
    ListColumn,
    ListForm,
    ListTemplate,
    OfficialList,
    cell_reader,
    check_period,
    list_totals,
    parse_templates,
    template_for,
)
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.text import spreadsheet_cell
from collector_app.paths import resource_path
from collector_app.store.db import Store
from collector_app.store.device import DEFAULTS, this_device
from collector_app.store.official_lists import list_rows
from collector_app.store.users import User

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Progress = Callable[[int, int], None]
TEMPLATES_FILE = "forms/official-lists.json"
XLSX, PDF = ".xlsx", ".pdf"
OUTPUT_SUFFIXES = (XLSX, PDF)
VND_FORMAT = '#,##0 "đ"'
NUMBER_FORMATS = {ColumnKind.MONEY: VND_FORMAT, ColumnKind.DATE: "DD/MM/YYYY", ColumnKind.MONTH: "MM/YYYY",
                  ColumnKind.COUNT: "0"}


@cache
def shipped_templates() -> tuple[ListTemplate, ...]:
    return parse_templates(json.loads(resource_path(TEMPLATES_FILE).read_text(encoding="utf-8")))


def make_list(store: Store, form: ListForm, *, since: date, until: date, made_on: date, actor: User) -> OfficialList:
    """The list of `form` for the period, laid out by the template in force on its last day."""
    check_period(since, until)
    template = template_for(shipped_templates(), form, until)
    rows = tuple(list_rows(store, scheme=form.scheme.value, since=since, until=until))
    device = this_device(store)
    organisation = device.organisation if device else DEFAULTS.organisation
    point = f"{device.point_name} ({device.point_code})" if device else DEFAULTS.point_name
    return OfficialList(template=template, organisation=organisation, collection_point=point, since=since,
                        until=until, made_on=made_on, prepared_by=actor.full_name, rows=rows,
                        totals=list_totals(rows))


def declaration_pdf(store: Store, citizen_id: str, *, made_on: date) -> bytes:
    """The TK1-TS of the person with `citizen_id`, filled from their registration; PERSON_NOT_FOUND if none."""
    from collector_app.receipts.declaration import render_declaration
    from collector_app.store.declaration import declaration_facts

    facts = declaration_facts(store, citizen_id.strip())
    if facts is None:
        raise DomainError(Problem(ProblemCode.PERSON_NOT_FOUND, {"citizen_id": citizen_id}))
    return render_declaration(facts, made_on=made_on)


def member_declaration_pdf(store: Store, person_id: str, *, made_on: date) -> bytes:
    """The TK1-TS of the household member `person_id` (the household view's button)."""
    from collector_app.receipts.declaration import render_declaration
    from collector_app.store.declaration import declaration_facts_of

    return render_declaration(declaration_facts_of(store, person_id), made_on=made_on)


def save_declaration(store: Store, citizen_id: str, out: Path, *, made_on: date) -> Path:
    data = declaration_pdf(store, citizen_id, made_on=made_on)
    write_whole(out, lambda path: Path(path).write_bytes(data))
    return out


def save_list(official: OfficialList, out: Path, *, progress: Progress | None = None) -> Path:
    """Write the list as `out`'s suffix says (.xlsx or .pdf), whole or not at all."""
    suffix = out.suffix.lower()
    if suffix == XLSX:
        workbook = list_workbook(official, progress=progress)
        write_whole(out, workbook.save)
    elif suffix == PDF:
        from collector_app.receipts.official_lists import render_list_pdf

        data = render_list_pdf(official, progress=progress)
        write_whole(out, lambda path: Path(path).write_bytes(data))
    else:
        raise ValueError(f"unsupported list file type {suffix!r}")
    return out


def write_whole(path: Path, write: Callable[[str], object]) -> None:
    """Write beside the target, then rename over it: a crash never leaves half a file under its name."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        write(str(temporary))
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # the name the user gave, not ours
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


HEADER_ROW = 6  # the column headers; rows 1-5 name the organisation, point, form and period


def list_workbook(official: OfficialList, *, progress: Progress | None = None) -> Workbook:
    """The list as a workbook: a heading, the column header (frozen), one row per participant with
    numbers as numbers, the totals, then the signature lines."""
    from openpyxl import Workbook  # imported when used: 12 MB and 0.17 s the window need not pay at start
    from openpyxl.styles import Alignment, Border, Side

    template = official.template
    columns = template.columns
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(template.code.replace("Mẫu ", ""))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[_letter(index)].width = column.width
    sheet.append([_text(sheet, spreadsheet_cell(official.organisation))] + [None] * (len(columns) - 2)
                 + [_text(sheet, template.code, bold=True)])
    sheet.append([_text(sheet, spreadsheet_cell(official.collection_point))])
    sheet.append([_text(sheet, template.title, bold=True)])
    sheet.append([_text(sheet, f"Từ ngày {official.since:%d/%m/%Y} đến ngày {official.until:%d/%m/%Y}")])
    sheet.append([])
    header = []
    for column in columns:
        header_cell = _text(sheet, column.header, bold=True)
        header_cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header_cell.border = Border(left=Side(style="thin"), right=Side(style="thin"), top=Side(style="thin"),
                                    bottom=Side(style="thin"))
        header.append(header_cell)
    sheet.append(header)
    total = len(official.rows)
    readers = [(cell_reader(column.key), _styled(sheet, column)) for column in columns]
    for number, row in enumerate(official.rows, start=1):
        sheet.append([_value(sheet, read(row, number), style) for read, style in readers])
        if progress is not None and number % 1000 == 0:
            progress(number, total)
    sheet.append(_totals(sheet, official, columns))
    sheet.append([])
    made = official.made_on
    sheet.append([None, _text(sheet, "Người lập biểu", bold=True)] + [None] * (len(columns) - 4)
                 + [_text(sheet, f"Ngày {made.day:02d} tháng {made.month:02d} năm {made.year}")])
    sheet.append([None, _text(sheet, spreadsheet_cell(official.prepared_by))] + [None] * (len(columns) - 4)
                 + [_text(sheet, "Thủ trưởng đơn vị", bold=True)])
    if progress is not None:
        progress(total, total)
    return workbook


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index)
    return letter


def _text(sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    written = WriteOnlyCell(sheet, value=value)
    if bold:
        written.font = Font(bold=True)
    return written


def _styled(sheet: WriteOnlyWorksheet, column: ListColumn) -> StyleArray:
    """The style of the column's values (its number format), made once: a list of thousands of rows
    copies it into each cell rather than looking the format up again per cell (a third of the time)."""
    from openpyxl.cell import WriteOnlyCell

    prototype = WriteOnlyCell(sheet)
    prototype.number_format = NUMBER_FORMATS.get(column.kind, "General")
    return prototype._style


def _value(sheet: WriteOnlyWorksheet, value: object, style: StyleArray) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        return spreadsheet_cell(value)
    from openpyxl.cell import WriteOnlyCell

    written = WriteOnlyCell(sheet, value=value)
    written._style = copy(style)
    return written


def _totals(sheet: WriteOnlyWorksheet, official: OfficialList, columns: tuple[ListColumn, ...]) -> list[object]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells: list[object] = []
    for column in columns:
        if column.total and column.kind is ColumnKind.MONEY:
            written = WriteOnlyCell(sheet, value=official.totals.of(column.key))
            written.number_format = VND_FORMAT
            written.font = Font(bold=True)
            cells.append(written)
        else:
            cells.append(None)
    cells[1 if len(cells) > 1 else 0] = _text(
        sheet, f"Tổng cộng: {official.totals.participants} người", bold=True)
    return cells
