"""The monthly commission statement as an A4 PDF: per collector, then the whole point; each line a
scheme, new or continuing participants, the rate, participants, what they paid and the commission.

Vietnamese whatever the interface language: the statement goes to the social insurance office.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from collector_app.domain.commission import (
    SCHEME_WORDS,
    CommissionStatement,
    MonthlyCommission,
    kind_text,
    rate_text,
)
from collector_app.formatting import format_count, format_vnd
from collector_app.receipts.pages import numbered_canvas
from collector_app.receipts.render import register_fonts

HEADERS = ("Loại hình", "Đối tượng", "Tỷ lệ", "Số người", "Số tiền người\ntham gia đóng", "Hoa hồng")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_commission_pdf(report: MonthlyCommission) -> bytes:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5)
    strong = ParagraphStyle("strong", parent=body, fontName=bold)
    title = ParagraphStyle("title", parent=strong, fontSize=13, leading=17, alignment=TA_CENTER)
    centre = ParagraphStyle("centre", parent=body, alignment=TA_CENTER)
    width = A4[0] - 30 * mm
    story: list[Flowable] = [
        Paragraph(_escape(report.organisation), body),
        Paragraph(_escape(report.collection_point), body),
        Spacer(1, 5 * mm),
        Paragraph(f"BẢNG TÍNH HOA HỒNG THU THÁNG {report.month:%m/%Y}", title),
        Paragraph("Tính trên số tiền người tham gia tự đóng (không gồm phần ngân sách nhà nước và địa phương "
                  "hỗ trợ); biên lai đã hủy không được tính.", centre),
        Spacer(1, 5 * mm),
    ]
    for collector in report.collectors:
        story.append(KeepTogether([
            Paragraph(f"Người thu: {_escape(collector.full_name)} ({_escape(collector.username)})", strong),
            Spacer(1, 1.5 * mm), _table(collector.statement, width, regular, bold), Spacer(1, 5 * mm)]))
    story.append(KeepTogether([Paragraph("Cả điểm thu", strong), Spacer(1, 1.5 * mm),
                               _table(report.point, width, regular, bold)]))
    story += [Spacer(1, 10 * mm), Table(
        [[Paragraph("NGƯỜI LẬP BIỂU", ParagraphStyle("h", parent=strong, alignment=TA_CENTER)),
          Paragraph("THỦ TRƯỞNG ĐƠN VỊ", ParagraphStyle("h2", parent=strong, alignment=TA_CENTER))],
         [Paragraph("(Ký, ghi rõ họ tên)", centre), Paragraph("(Ký, ghi rõ họ tên, đóng dấu)", centre)]],
        colWidths=[width / 2, width / 2])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=f"Hoa hồng {report.month:%m/%Y}").build(story, canvasmaker=numbered_canvas())
    return buffer.getvalue()


def _table(statement: CommissionStatement, width: float, regular: str, bold: str) -> Table:
    rows: list[list[str]] = [list(HEADERS)]
    for line in statement.lines:
        rows.append([SCHEME_WORDS.get(line.scheme, line.scheme), kind_text(line.new), rate_text(line.rate),
                     format_count(line.participants), format_vnd(line.base), format_vnd(line.commission)])
    rows.append(["Cộng", "", "", format_count(statement.participants), format_vnd(statement.base),
                 format_vnd(statement.commission)])
    table = Table(rows, colWidths=[w * width for w in (0.2, 0.16, 0.1, 0.12, 0.24, 0.18)], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), regular, 9),
        ("FONT", (0, 0), (-1, 0), bold, 9),
        ("FONT", (0, -1), (-1, -1), bold, 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
    ]))
    return table
