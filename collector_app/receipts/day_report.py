"""The day's report (A4 PDF): a collector's receipts of one day, totals by scheme and method, the cash
counted by denomination against the receipts, the difference and its reason, and signature lines.

In the spirit of the C17-TS reconciliation the point keeps with the social insurance office: like a
receipt it is a Vietnamese document whatever the interface language. Built from a `DayReportDocument`
(the figures are the store's, computed; nothing here sums money the document does not give).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4

from collector_app.formatting import format_date, format_vnd
from collector_app.receipts.pages import numbered_canvas
from collector_app.receipts.render import BOLD, REGULAR, mm, register_fonts


@dataclass(frozen=True)
class DayReportReceipt:
    receipt_number: str
    payer_name: str
    scheme: str  # "vsi" | "family_hi"
    method: str  # "cash" | "transfer"
    amount: int  # VND
    voided: bool  # voided by the end of the day: out of every total


@dataclass(frozen=True)
class DayReportCount:
    """The closing, when the day is closed."""

    notes: tuple[tuple[int, int], ...]  # (denomination, notes), largest first
    expected_cash: int
    counted_cash: int
    difference: int  # counted - expected
    reason: str
    closed_at: str  # local time, as shown ("hh:mm dd/mm/yyyy")


@dataclass(frozen=True)
class DayReportDocument:
    on: date
    organisation: str
    point_name: str
    point_code: str
    device_code: str
    collector_name: str
    receipts: tuple[DayReportReceipt, ...]
    by_scheme: tuple[tuple[str, int, int], ...]  # (scheme, receipts, VND), receipts not voided
    by_method: tuple[tuple[str, int, int], ...]  # (method, receipts, VND)
    total: tuple[int, int]  # (receipts, VND)
    voided: tuple[int, int]  # (receipts, VND) voided the same day
    expected_cash: int  # receipts' cash net of the day's voids, plus hand-overs received
    transfers: int
    handovers: int  # cash collaborators handed over to this user during the day
    count: DayReportCount | None  # None: the day is not closed yet


_SCHEMES = {"vsi": "BHXH tự nguyện", "family_hi": "BHYT hộ gia đình"}
_METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản"}
_WIDTH, _HEIGHT = A4
_LEFT, _RIGHT, _TOP, _BOTTOM = 18 * mm, _WIDTH - 15 * mm, _HEIGHT - 15 * mm, 18 * mm
_SIZE, _LEADING = 9.5, 13.0
# TT, number, payer, scheme, method, void mark; the amount right-aligned at the right margin.
_COLUMNS = (_LEFT, _LEFT + 8 * mm, _LEFT + 46 * mm, _LEFT + 95 * mm, _LEFT + 124 * mm, _LEFT + 146 * mm)


class _Page:
    """A canvas with a cursor moving down, a new page when the cursor runs out; every page numbered
    "Trang x/y" once the last is done (`numbered_canvas`)."""

    def __init__(self, doc: DayReportDocument) -> None:
        self.buffer = io.BytesIO()
        self.canvas = numbered_canvas()(self.buffer, pagesize=A4, invariant=True)
        self.canvas.setTitle(f"Bảng kê thu tiền ngày {format_date(doc.on)}")
        self.canvas.setAuthor(doc.point_name)
        self.doc = doc
        self.y = _TOP

    def text(self, x: float, text: str, *, bold: bool = False, size: float = _SIZE, align: str = "left") -> None:
        self.canvas.setFont(BOLD if bold else REGULAR, size)
        if align == "right":
            self.canvas.drawRightString(x, self.y, text)
        elif align == "centre":
            self.canvas.drawCentredString(x, self.y, text)
        else:
            self.canvas.drawString(x, self.y, text)

    def down(self, lines: float = 1.0) -> None:
        self.y -= _LEADING * lines

    def room(self, lines: float) -> bool:
        """Start a new page unless `lines` more fit; True when a new page began."""
        if self.y - _LEADING * lines >= _BOTTOM:
            return False
        self.canvas.showPage()
        self.y = _TOP
        self.text(_LEFT, f"Bảng kê thu tiền ngày {format_date(self.doc.on)} — {self.doc.collector_name} (tiếp theo)",
                  size=8)
        self.down(1.5)
        return True

    def rule(self) -> None:
        """A line under the row just written (the cursor is already on the next one)."""
        self.canvas.setLineWidth(0.5)
        self.canvas.line(_LEFT, self.y + _LEADING - 3.5, _RIGHT, self.y + _LEADING - 3.5)

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def _receipt_header(page: _Page) -> None:
    for x, title in zip(_COLUMNS[:5], ("TT", "Số biên lai", "Người nộp tiền", "Loại", "Hình thức"), strict=True):
        page.text(x, title, bold=True, size=8.5)
    page.text(_RIGHT, "Số tiền", bold=True, size=8.5, align="right")
    page.down()
    page.rule()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_day_report(doc: DayReportDocument) -> bytes:
    """The report as PDF bytes (A4 portrait; the receipts' table runs onto further pages as needed)."""
    register_fonts()
    page = _Page(doc)
    page.text(_LEFT, doc.organisation, bold=True, size=9)
    page.down()
    page.text(_LEFT, f"Điểm thu: {doc.point_name} ({doc.point_code}) — máy {doc.device_code}", size=9)
    page.down(2)
    page.text(_WIDTH / 2, "BẢNG KÊ THU TIỀN VÀ ĐỐI CHIẾU TIỀN MẶT CUỐI NGÀY", bold=True, size=13, align="centre")
    page.down(1.3)
    page.text(_WIDTH / 2, f"Ngày {format_date(doc.on)} — Người thu: {doc.collector_name}", align="centre")
    page.down(2)

    page.text(_LEFT, "I. Biên lai trong ngày", bold=True, size=10.5)
    page.down(1.3)
    _receipt_header(page)
    if not doc.receipts:
        page.text(_COLUMNS[1], "Không có biên lai nào trong ngày.")
        page.down()
    for index, receipt in enumerate(doc.receipts, start=1):
        if page.room(1):
            _receipt_header(page)
        page.text(_COLUMNS[0], str(index))
        page.text(_COLUMNS[1], receipt.receipt_number, size=8.5)
        page.text(_COLUMNS[2], _cut(receipt.payer_name, 27))
        page.text(_COLUMNS[3], _SCHEMES.get(receipt.scheme, receipt.scheme), size=8.5)
        page.text(_COLUMNS[4], _METHODS.get(receipt.method, receipt.method), size=8.5)
        if receipt.voided:
            page.text(_COLUMNS[5], "ĐÃ HỦY", bold=True, size=8.5)
        page.text(_RIGHT, format_vnd(receipt.amount), align="right")
        page.down()
    page.rule()
    page.down(0.6)

    page.room(4 + len(doc.by_scheme) + len(doc.by_method))
    page.text(_LEFT, "II. Tổng hợp (không kể biên lai đã hủy)", bold=True, size=10.5)
    page.down(1.3)
    for scheme, receipts, amount in doc.by_scheme:
        _line(page, f"{_SCHEMES.get(scheme, scheme)}: {receipts} biên lai", format_vnd(amount))
    for method, receipts, amount in doc.by_method:
        _line(page, f"{_METHODS.get(method, method)}: {receipts} biên lai", format_vnd(amount))
    _line(page, f"Cộng: {doc.total[0]} biên lai", format_vnd(doc.total[1]), bold=True)
    if doc.voided[0]:
        _line(page, f"Biên lai đã hủy trong ngày: {doc.voided[0]}", format_vnd(doc.voided[1]))
    page.down(0.6)

    page.room(18)
    page.text(_LEFT, "III. Kiểm đếm tiền mặt", bold=True, size=10.5)
    page.down(1.3)
    count = doc.count
    if count is None:
        page.text(_LEFT, "Ngày chưa chốt sổ: chưa kiểm đếm tiền mặt.")
        page.down()
        _line(page, "Tiền mặt phải có", format_vnd(doc.expected_cash), bold=True)
    else:
        page.text(_LEFT, "Mệnh giá", bold=True, size=8.5)
        page.text(_LEFT + 45 * mm, "Số tờ", bold=True, size=8.5, align="right")
        page.text(_RIGHT, "Thành tiền", bold=True, size=8.5, align="right")
        page.down()
        page.rule()
        for value, notes in count.notes:
            page.text(_LEFT, format_vnd(value))
            page.text(_LEFT + 45 * mm, str(notes), align="right")
            page.text(_RIGHT, format_vnd(value * notes), align="right")
            page.down()
        page.rule()
        page.down(0.3)
        _line(page, "Tiền mặt kiểm đếm", format_vnd(count.counted_cash), bold=True)
        _line(page, "Tiền mặt phải có", format_vnd(count.expected_cash))
        _line(page, "Chênh lệch (thừa + / thiếu −)", _signed(count.difference), bold=True)
        if count.reason:
            page.text(_LEFT, _cut(f"Lý do chênh lệch: {count.reason}", 110))
            page.down()
        page.text(_LEFT, f"Chốt sổ lúc {count.closed_at}", size=8.5)
        page.down()
    if doc.handovers:
        _line(page, "Trong đó: tiền cộng tác viên nộp lại trong ngày", format_vnd(doc.handovers))
    _line(page, "Chuyển khoản (không qua quỹ tiền mặt)", format_vnd(doc.transfers))
    page.down(1.5)

    page.room(8)
    half = (_RIGHT - _LEFT) / 2
    for centre, title in ((_LEFT + half / 2, "Người thu tiền"), (_LEFT + half * 1.5, "Người nhận tiền / kiểm tra")):
        page.text(centre, title, bold=True, align="centre")
    page.down()
    for centre in (_LEFT + half / 2, _LEFT + half * 1.5):
        page.text(centre, "(Ký, ghi rõ họ tên)", size=8, align="centre")
    page.down(4.5)
    page.text(_LEFT + half / 2, doc.collector_name, align="centre")
    return page.finish()


def _line(page: _Page, label: str, amount: str, *, bold: bool = False) -> None:
    page.text(_LEFT + 4 * mm, label, bold=bold)
    page.text(_RIGHT, amount, bold=bold, align="right")
    page.down()


def _signed(amount: int) -> str:
    """A difference with its sign: "+20.000 đ", "−50.000 đ", "0 đ"."""
    if amount > 0:
        return "+" + format_vnd(amount)
    if amount < 0:
        return "\u2212" + format_vnd(-amount)
    return format_vnd(0)
