"""Visit rounds: a collaborator's printable visit list, chosen from the due list (issue 13 §2).

`round_pdf` lays the chosen households out on A4, sorted by village (address) and household as the due
list sorts them, each member with their scheme, state, the last day to pay, the amount to collect,
their phone and a box to tick; a household's total on its own line, the round's at the end, and page
numbers. Fonts are the receipts' (DejaVu: Vietnamese letters).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from collector_app import coverage_words as words
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _
from collector_app.receipts.pages import numbered_canvas
from collector_app.receipts.render import register_fonts
from collector_app.services.due import DueHousehold

BOX = "☐"  # U+2610, in DejaVu Sans: ticked by hand at the visit
MARGIN = 12 * mm
_WIDTHS = (7 * mm, 36 * mm, 23 * mm, 20 * mm, 28 * mm, 19 * mm, 18 * mm, 14 * mm, 0)  # the amount takes the rest


def round_pdf(households: Sequence[DueHousehold], *, collaborator: str, made_on: date, point: str) -> bytes:
    """The visit list of `households` for `collaborator`, made on `made_on` at the point `point`, as a PDF."""
    regular, bold = register_fonts()
    title_style = ParagraphStyle("title", fontName=bold, fontSize=13, leading=16)
    line_style = ParagraphStyle("line", fontName=regular, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10)
    strong = ParagraphStyle("strong", parent=cell, fontName=bold)

    header = [BOX, _("Name"), _("Citizen ID"), _("Phone"), _("Scheme"), _("State"), _("Pay by"), _("Months"),
              _("To collect")]
    rows: list[list[object]] = [[Paragraph(text, strong) for text in header]]
    style = [
        ("FONT", (0, 0), (-1, -1), regular, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (-2, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    total = 0
    for household in households:
        title = _("{address} — household {code}").format(
            address=household.address, code=household.household_code or words.NO_VALUE)
        rows.append([BOX, Paragraph(title, strong), "", "", "", "", "", "", Paragraph(format_vnd(household.amount), strong)])
        at = len(rows) - 1
        style += [("SPAN", (1, at), (-2, at)), ("BACKGROUND", (0, at), (-1, at), colors.HexColor("#f4f4f4")),
                  ("FONT", (0, at), (0, at), regular, 12)]
        for entry in household.entries:
            rows.append([BOX, Paragraph(entry.full_name, cell), entry.citizen_id or words.NO_VALUE,
                         entry.phone or words.NO_VALUE, Paragraph(words.scheme_text(entry.scheme.value), cell),
                         Paragraph(words.due_state_text(entry.state), cell), format_date(entry.pay_by),
                         str(entry.months), format_vnd(entry.amount)])
            style.append(("FONT", (0, len(rows) - 1), (0, len(rows) - 1), regular, 12))
        total += household.amount
    widths = list(_WIDTHS)
    widths[-1] = A4[0] - 2 * MARGIN - sum(widths)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))

    people = len({e.person_id for h in households for e in h.entries})
    story = [
        Paragraph(_("Visit round: {name}").format(name=collaborator), title_style),
        Paragraph(_("Made on {date} at {point}. Tick each member visited and each household that paid.").format(
            date=format_date(made_on), point=point), line_style),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        Paragraph(_("People: {people}; households: {households}; to collect: {amount}").format(
            people=people, households=len(households), amount=format_vnd(total)), title_style),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=_("Visit round: {name}").format(name=collaborator))
    document.build(story, canvasmaker=numbered_canvas(_("Page {page} of {pages}")))
    return out.getvalue()
