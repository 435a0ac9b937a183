"""Official participant lists (D05-TS, D03-TS) as PDF: A4 landscape, the column header repeated on
every page, "Trang x/y" at the foot, totals after the last row, then the signature block.

Vietnamese whatever the interface language: the list is a form handed to the social insurance office.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from collector_app.domain.official_lists import ColumnKind, ListColumn, OfficialList, cell
from collector_app.formatting import format_count, format_date, format_vnd
from collector_app.receipts.pages import numbered_canvas
from collector_app.receipts.render import register_fonts

Progress = Callable[[int, int], None]

MARGIN = 10 * mm
BODY_SIZE = 7.0
_WRAPPED = frozenset({"full_name", "address", "facility"})  # long text wraps; the rest stays on a line


def _month(d: date) -> str:
    return f"{d.month:02d}/{d.year}"


def _text(column: ListColumn, value: object) -> str:
    if value is None:
        return ""
    if column.kind is ColumnKind.MONEY:
        return format_vnd(value) if isinstance(value, int) else str(value)
    if column.kind is ColumnKind.COUNT:
        return format_count(value) if isinstance(value, int) else str(value)
    if column.kind is ColumnKind.DATE and isinstance(value, date):
        return format_date(value)
    if column.kind is ColumnKind.MONTH and isinstance(value, date):
        return _month(value)
    return str(value)


def render_list_pdf(doc: OfficialList, *, progress: Progress | None = None) -> bytes:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=BODY_SIZE, leading=BODY_SIZE + 1.5)
    head = ParagraphStyle("head", parent=body, fontName=bold, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=head, fontSize=12, leading=15)
    centred = ParagraphStyle("centred", parent=body, alignment=TA_CENTER, fontSize=8, leading=10)
    page_width, _ = landscape(A4)
    usable = page_width - 2 * MARGIN
    columns = doc.template.columns
    texts = [[_text(c, cell(row, c.key, number)) for c in columns] for number, row in enumerate(doc.rows, start=1)]
    widths = _widths(columns, texts, usable, regular)

    story: list[Flowable] = [
        Table([[Paragraph(doc.organisation, body), Paragraph(doc.template.code, head)],
               [Paragraph(doc.collection_point, body), ""]], colWidths=[usable * 0.7, usable * 0.3]),
        Spacer(1, 3 * mm),
        Paragraph(doc.template.title, title),
        Paragraph(f"Từ ngày {format_date(doc.since)} đến ngày {format_date(doc.until)}", centred),
        Spacer(1, 3 * mm),
    ]
    data: list[list[object]] = [[Paragraph(c.header, head) for c in columns]]
    total_rows = len(doc.rows)
    for number, values in enumerate(texts, start=1):
        data.append([Paragraph(_escape(value), body) if c.key in _WRAPPED else value
                     for c, value in zip(columns, values, strict=True)])
        if progress is not None and number % 500 == 0:
            progress(number, total_rows)
    data.append(_totals_row(doc, columns, bold))
    table = LongTable(data, colWidths=widths, repeatRows=1)
    numeric = [i for i, c in enumerate(columns) if c.kind in (ColumnKind.MONEY, ColumnKind.COUNT)]
    style = [
        ("FONT", (0, 0), (-1, -1), regular, BODY_SIZE),
        ("FONT", (0, -1), (-1, -1), bold, BODY_SIZE),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in numeric]
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 6 * mm), _signatures(doc, usable, body, head)]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=12 * mm, title=f"{doc.template.code} {doc.since.isoformat()} {doc.until.isoformat()}",
    )
    pdf.build(story, canvasmaker=numbered_canvas())
    if progress is not None:
        progress(total_rows, total_rows)
    return buffer.getvalue()


def _widths(columns: tuple[ListColumn, ...], texts: list[list[str]], usable: float, font: str) -> list[float]:
    """Each column's width: a column that does not wrap (numbers, dates, codes) as wide as its widest
    value, so that nothing runs into its neighbour; the wrapping ones share the rest by the template's
    proportions. If the page cannot hold that, every column gets its template share."""
    share = sum(c.width for c in columns)
    proportional = [usable * c.width / share for c in columns]
    padding = 5.0
    widths: list[float | None] = []
    for index, column in enumerate(columns):
        if column.key in _WRAPPED:
            widths.append(None)
            continue
        widest = max((pdfmetrics.stringWidth(row[index], font, BODY_SIZE) for row in texts), default=0.0)
        widths.append(max(proportional[index], widest + padding))
    fixed = sum(w for w in widths if w is not None)
    wrapped_share = sum(c.width for c, w in zip(columns, widths, strict=True) if w is None)
    rest = usable - fixed
    if wrapped_share == 0 or rest < usable * wrapped_share / share / 2:
        return proportional
    return [w if w is not None else rest * c.width / wrapped_share for c, w in zip(columns, widths, strict=True)]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _totals_row(doc: OfficialList, columns: tuple[ListColumn, ...], bold: str) -> list[object]:
    cells: list[object] = []
    for index, column in enumerate(columns):
        if column.total and column.key in ("gross", "state_support", "local_support", "amount"):
            cells.append(format_vnd(doc.totals.of(column.key)))
        else:
            cells.append("")
    label = f"Tổng cộng: {format_count(doc.totals.participants)} người"
    cells[1 if len(cells) > 1 else 0] = label
    return cells


def _signatures(doc: OfficialList, usable: float, body: ParagraphStyle, head: ParagraphStyle) -> Flowable:
    made = doc.made_on
    note = ParagraphStyle("note", parent=body, alignment=TA_CENTER, fontSize=7)
    place = ParagraphStyle("place", parent=body, alignment=TA_CENTER, fontSize=8)
    rows = [
        ["", Paragraph(f"Ngày {made.day:02d} tháng {made.month:02d} năm {made.year}", place)],
        [Paragraph("NGƯỜI LẬP BIỂU", head), Paragraph("THỦ TRƯỞNG ĐƠN VỊ", head)],
        [Paragraph("(Ký, ghi rõ họ tên)", note), Paragraph("(Ký, ghi rõ họ tên, đóng dấu)", note)],
        ["", ""],
        [Paragraph(_escape(doc.prepared_by), ParagraphStyle("name", parent=head, fontSize=8)), ""],
    ]
    table = Table(rows, colWidths=[usable / 2, usable / 2], rowHeights=[None, None, None, 16 * mm, None])
    return KeepTogether([table])
