"""The declaration form TK1-TS (join or adjust SI / HI details) filled from a registration, as an A4 PDF.

Vietnamese whatever the interface language, as the receipts: the participant signs it and the social
insurance office reads it. Fields the app does not hold (ethnicity, birth registration place) are left
as dotted lines to fill in by hand.
"""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from collector_app.domain.official_lists import SEX_WORDS, payment_method
from collector_app.formatting import format_date, format_vnd
from collector_app.receipts.pages import numbered_canvas
from collector_app.receipts.render import register_fonts
from collector_app.domain.declaration import DeclarationFacts

# The TK1-TS annex's words for a member's relationship to the head (domain.people.Relationship).
RELATIONSHIP_WORDS = {
    "head": "Chủ hộ", "wife": "Vợ", "husband": "Chồng", "child": "Con", "father": "Bố", "mother": "Mẹ",
    "grandfather": "Ông", "grandmother": "Bà", "older_brother": "Anh", "older_sister": "Chị",
    "younger_sibling": "Em", "grandchild": "Cháu", "other": "Khác",
}
DOTS = "." * 60
FORM_CODE = "Mẫu TK1-TS"
FORM_SOURCE = "(Ban hành kèm theo Quyết định số 490/QĐ-BHXH ngày 28/3/2023 của BHXH Việt Nam)"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_declaration(facts: DeclarationFacts, *, made_on: date) -> bytes:
    regular, bold = register_fonts()
    registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)  # for <b>
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14)
    strong = ParagraphStyle("strong", parent=body, fontName=bold)
    centre = ParagraphStyle("centre", parent=strong, alignment=TA_CENTER)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=centre, fontSize=12, leading=16)
    cell_style = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
    width = A4[0] - 36 * mm

    def field(number: str, label: str, value: str | None, *, dots: str = DOTS) -> Paragraph:
        shown = f"<b>{_escape(value)}</b>" if value else dots
        return Paragraph(f"[{number}]. {label}: {shown}", body)

    def pair(left: Paragraph, right_: Paragraph, share: float) -> Table:
        return Table([[left, right_]], colWidths=[width * share, width * (1 - share)], hAlign="LEFT",
                     style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])

    heading = Table(
        [[Paragraph("BẢO HIỂM XÃ HỘI VIỆT NAM", strong),
          Paragraph(f"<b>{FORM_CODE}</b>", ParagraphStyle("code", parent=body, alignment=TA_RIGHT))],
         ["", Paragraph(FORM_SOURCE, ParagraphStyle("source", parent=small, alignment=TA_RIGHT))]],
        colWidths=[width * 0.5, width * 0.5])
    months = facts.vsi_months
    story: list[Flowable] = [
        heading,
        Spacer(1, 4 * mm),
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", centre),
        Paragraph("Độc lập - Tự do - Hạnh phúc", centre),
        Spacer(1, 5 * mm),
        Paragraph("TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN<br/>BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ", title),
        Spacer(1, 5 * mm),
        Paragraph("I. Áp dụng đối với người tham gia tra cứu không thấy mã số BHXH", strong),
        field("01", "Họ và tên (viết chữ in hoa)", facts.full_name.upper()),
        pair(field("02", "Ngày, tháng, năm sinh", format_date(facts.date_of_birth)),
             field("03", "Giới tính", SEX_WORDS.get(facts.sex, facts.sex)), 0.6),
        pair(field("04", "Quốc tịch", "Việt Nam"), field("05", "Dân tộc", None, dots="." * 25), 0.6),
        field("06", "Nơi đăng ký khai sinh", None),
        field("07", "Số điện thoại liên hệ", facts.phone),
        field("08", "Số CCCD/ĐDCN/Hộ chiếu", facts.citizen_id),
        field("09", "Mức tiền đóng", None if facts.monthly_income is None
              else f"{format_vnd(facts.monthly_income)}/tháng"),
        field("10", "Phương thức đóng", None if months is None else payment_method(months)),
        field("11", "Nơi đăng ký khám bệnh, chữa bệnh ban đầu", facts.facility),
        field("12", "Địa chỉ nhận kết quả", facts.address),
        Paragraph("[13]. Thông tin thành viên hộ gia đình"
                  + (f" (mã hộ: <b>{_escape(facts.household_code)}</b>)" if facts.household_code else "") + ":",
                  body),
        _members(facts, width, cell_style, bold),
        Spacer(1, 4 * mm),
        Paragraph("II. Áp dụng đối với người tham gia đã có mã số BHXH thay đổi thông tin", strong),
        field("14", "Mã số BHXH", facts.si_code),
        field("15", "Nội dung thay đổi, yêu cầu", None),
        Spacer(1, 4 * mm),
        Paragraph("Tôi cam đoan những nội dung kê khai là đúng và chịu trách nhiệm trước pháp luật về những "
                  "nội dung đã kê khai.", body),
        Spacer(1, 3 * mm),
        Paragraph(f"Ngày {made_on.day:02d} tháng {made_on.month:02d} năm {made_on.year}", right),
        Table([["", Paragraph("NGƯỜI KÊ KHAI", centre)], ["", Paragraph("(Ký, ghi rõ họ tên)", small)],
               ["", ""], ["", Paragraph(_escape(facts.full_name), centre)]],
              colWidths=[width * 0.5, width * 0.5], rowHeights=[None, None, 18 * mm, None]),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title=f"{FORM_CODE} {facts.full_name}").build(story, canvasmaker=numbered_canvas())
    return buffer.getvalue()


def _members(facts: DeclarationFacts, width: float, style: ParagraphStyle, bold: str) -> Table:
    head = ParagraphStyle("head", parent=style, fontName=bold)
    rows: list[list[object]] = [[Paragraph(text, head) for text in
                                 ("STT", "Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ")]]
    for number, member in enumerate(facts.members, start=1):
        rows.append([str(number), Paragraph(_escape(member.full_name), style), member.citizen_id or "",
                     format_date(member.date_of_birth), SEX_WORDS.get(member.sex, member.sex),
                     RELATIONSHIP_WORDS.get(member.relationship or "", "")])
    table = Table(rows, colWidths=[w * width for w in (0.07, 0.32, 0.18, 0.14, 0.11, 0.18)], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), style.fontName, style.fontSize),
        ("FONT", (0, 0), (-1, 0), bold, style.fontSize),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
    ]))
    return table
