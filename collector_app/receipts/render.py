"""Receipt PDFs with reportlab: one receipt model, two layouts (A5 page, 80 mm thermal roll).

Content is first measured and wrapped into blocks, then placed: on A5 the blocks flow onto a second
page when a large household needs it; the roll's page is made exactly as tall as its content.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

from reportlab.lib import units
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from collector_app.domain.enrolments import Scheme
from collector_app.formatting import format_date, format_vnd
from collector_app.paths import resource_path
from collector_app.receipts.model import ReceiptDocument, ReceiptParticipant
from collector_app.receipts.qr import QrSymbol, draw_qr, encode_qr

Progress = Callable[[int, int], None]
mm = float(units.mm)  # points in a millimetre

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


class Layout(StrEnum):
    A5 = "a5"
    ROLL80 = "roll80"  # 80 mm thermal roll: 72 mm printable, as long as the content


@dataclass(frozen=True)
class ReceiptLabels:
    """Every word printed on a receipt.

    Deliberately Vietnamese whatever the interface language: the receipt is a Vietnamese legal
    document handed to the payer and checked by the social insurance office, like a printed form.
    """

    title: str = "BIÊN LAI THU TIỀN"
    scheme_vsi: str = "BHXH tự nguyện"
    scheme_family_hi: str = "BHYT hộ gia đình"
    collection_point: str = "Điểm thu: "
    form_number: str = "Mẫu số: "
    symbol: str = "Ký hiệu: "
    number: str = "Số: "
    issued_on: str = "Ngày: "
    payer: str = "Người nộp tiền: "
    address: str = "Địa chỉ: "
    participants: str = "Người tham gia ({count} người)"
    column_number: str = "TT"
    column_name: str = "Họ và tên"
    column_birth: str = "Ngày sinh"
    column_id: str = "Số CCCD / mã số BHXH"
    column_rank: str = "Thành viên thứ"
    column_income: str = "Thu nhập tháng"
    column_amount: str = "Số tiền"
    born: str = "Sinh ngày {date}"
    citizen_id: str = "CCCD {value}"
    si_code: str = "Mã số BHXH {value}"
    rank: str = "Thành viên thứ {rank}"
    facility: str = "Nơi đăng ký KCB ban đầu: "
    income: str = "Thu nhập làm căn cứ đóng: {income}/tháng"
    period: str = "Thời gian đóng: "
    period_value: str = "từ tháng {start} đến tháng {end} ({months} tháng)"
    # A family HI card runs from a day (often 30 days after payment) to the day before the same
    # date months later: months alone would read as one month too many.
    card_period: str = "Thẻ BHYT có giá trị: "
    card_period_value: str = "từ ngày {start} đến ngày {end} ({months} tháng)"
    # The gross is the whole contribution; the supports are taken off it; what is left is what the payer
    # hands over. Worded as `collector-app quote` prints it, so the payer never reads the gross as owed.
    gross: str = "Tổng số tiền đóng"
    state_support: str = "Nhà nước hỗ trợ"
    local_support: str = "Địa phương hỗ trợ thêm"
    payable: str = "Số tiền thực nộp"
    deduction: str = "\u2212{amount}"  # "−396.000 đ": a support taken off the total
    in_words: str = "Bằng chữ: "
    method: str = "Hình thức nộp: "
    method_cash: str = "Tiền mặt"
    method_transfer: str = "Chuyển khoản"
    payer_signs: str = "Người nộp tiền"
    collector_signs: str = "Người thu tiền"
    sign_hint: str = "(Ký, ghi rõ họ tên)"
    qr_caption: str = "Quét mã để kiểm tra biên lai"
    receipt_number: str = "Số biên lai: "
    copy: str = "BẢN SAO"
    copy_number: str = "Bản sao lần {n}"
    voided: str = "ĐÃ HỦY"
    void_reason: str = "Lý do hủy: {reason}"
    continued: str = "{title} số {number} (tiếp theo)"
    new_series: str = "Dãy số mới {symbol}, bắt đầu sau khi khôi phục dữ liệu của máy"
    page: str = "Trang {page}/{pages}"


LABELS = ReceiptLabels()


@dataclass(frozen=True)
class _Geometry:
    width: float
    height: float | None  # None: the page is as tall as its content
    margin_x: float
    margin_top: float
    margin_bottom: float
    size: float  # body text
    leading: float
    table_size: float  # participants' rows
    small: float  # details, hints, table headers: >= 8 pt, thermal heads blur anything smaller
    small_leading: float
    heading: float
    title: float
    qr_module: float
    signature_space: float
    table: bool  # participants as columns (A5) or one stacked entry each (roll)


_GEOMETRY = {
    Layout.A5: _Geometry(
        width=148 * mm, height=210 * mm, margin_x=10 * mm, margin_top=10 * mm, margin_bottom=8 * mm,
        size=9.5, leading=12.5, table_size=9, small=8, small_leading=10, heading=11, title=16,
        qr_module=0.6 * mm, signature_space=14 * mm, table=True,
    ),
    Layout.ROLL80: _Geometry(
        width=80 * mm, height=None, margin_x=4 * mm, margin_top=4 * mm, margin_bottom=8 * mm,
        size=9, leading=11.5, table_size=9, small=8, small_leading=10, heading=10, title=12.5,
        qr_module=0.5 * mm, signature_space=14 * mm, table=False,
    ),
}  # fmt: skip


@cache
def register_fonts() -> tuple[str, str]:
    """Register the shipped DejaVu fonts with reportlab once per process: (regular, bold) names.

    The base-14 fonts have no Vietnamese letters (they print as boxes).
    """
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(resource_path(f"fonts/{name}.ttf"))))
    return REGULAR, BOLD


# --- measured blocks ---------------------------------------------------------------------------
# Coordinates inside a block are points from its left edge (x) and down from its top (dy).


@dataclass(frozen=True, slots=True)
class _Text:
    x: float  # left edge; the right edge when align is "right"; the centre when "centre"
    dy: float  # baseline
    text: str
    font: str
    size: float
    align: str = "left"


@dataclass(frozen=True, slots=True)
class _Rule:
    x1: float
    x2: float
    dy: float
    width: float = 0.6


@dataclass(frozen=True, slots=True)
class _Box:
    x: float
    dy: float  # top edge
    w: float
    h: float
    width: float


@dataclass(frozen=True, slots=True)
class _Qr:
    x: float
    dy: float  # top edge of the quiet zone
    symbol: QrSymbol
    module: float


_Item = _Text | _Rule | _Box | _Qr


@dataclass
class _Block:
    """Content that stays together on one page."""

    height: float
    items: list[_Item] = field(default_factory=list)
    table_row: bool = False  # a participants row: after a page break the table header comes again
    keep_with_next: bool = False


_BASELINE = 0.78  # the first baseline, as a fraction of the leading below a line box's top


def _width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def _wrap(text: str, font: str, size: float, width: float, rest_width: float | None = None) -> list[str]:
    """Break `text` into lines no wider than `width` (`rest_width` after the first), at spaces.

    A word wider than a whole line is cut between characters rather than run off the paper.
    """
    rest = width if rest_width is None else rest_width
    if _width(text, font, size) <= width:
        return [text]
    space = _width(" ", font, size)
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in text.split():
        word_width = _width(word, font, size)
        limit = width if not lines else rest
        if line and used + space + word_width <= limit:
            line.append(word)
            used += space + word_width
            continue
        if line:
            lines.append(" ".join(line))
            limit = rest
        while word_width > limit and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _width(word[:cut], font, size) > limit:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
            word_width = _width(word, font, size)
            limit = rest
        line, used = [word], word_width
    if line:
        lines.append(" ".join(line))
    return lines


def _two_line_width(text: str, font: str, size: float) -> float:
    """The narrowest width that holds `text` in at most two lines broken at a space."""
    words = text.split()
    return min(
        max(_width(" ".join(words[:cut]), font, size), _width(" ".join(words[cut:]), font, size))
        for cut in range(1, len(words) + 1)
    )


def _wrap_parts(parts: Sequence[str], font: str, size: float, width: float) -> list[str]:
    """Short phrases joined by " · ", breaking between phrases before breaking inside one."""
    lines: list[str] = []
    for part in parts:
        if lines and _width(lines[-1] + " · " + part, font, size) <= width:
            lines[-1] += " · " + part
        else:
            lines.extend(_wrap(part, font, size, width))
    return lines


def _shifted(item: _Item, dx: float, ddy: float) -> _Item:
    if isinstance(item, _Text):
        return _Text(item.x + dx, item.dy + ddy, item.text, item.font, item.size, item.align)
    if isinstance(item, _Rule):
        return _Rule(item.x1 + dx, item.x2 + dx, item.dy + ddy, item.width)
    if isinstance(item, _Box):
        return _Box(item.x + dx, item.dy + ddy, item.w, item.h, item.width)
    return _Qr(item.x + dx, item.dy + ddy, item.symbol, item.module)


def _stack(blocks: Sequence[_Block]) -> _Block:
    """Blocks one under the other, as one block."""
    out = _Block(0.0)
    for block in blocks:
        out.items.extend(_shifted(item, 0.0, out.height) for item in block.items)
        out.height += block.height
    return out


def _side_by_side(parts: Sequence[tuple[float, float, _Block]]) -> _Block:
    """(x, dy, block) each, as one block as tall as its lowest part."""
    row = _Block(max(dy + block.height for _, dy, block in parts))
    for x, dy, block in parts:
        row.items.extend(_shifted(item, x, dy) for item in block.items)
    return row


class _Kit:
    """Makes measured blocks in one layout's sizes; `width` is the text column's."""

    def __init__(self, geometry: _Geometry) -> None:
        self.g = geometry
        self.width = geometry.width - 2 * geometry.margin_x

    def leading(self, size: float) -> float:
        if size <= self.g.small:
            return self.g.small_leading
        return self.g.leading if size == self.g.size else round(size * 1.28, 1)

    def lines(
        self,
        lines: Sequence[str],
        *,
        font: str = REGULAR,
        size: float | None = None,
        x: float = 0.0,
        align: str = "left",
    ) -> _Block:
        size = size or self.g.size
        leading = self.leading(size)
        items: list[_Item] = [
            _Text(x, (i + _BASELINE) * leading, line, font, size, align) for i, line in enumerate(lines)
        ]
        return _Block(len(lines) * leading, items)

    def para(
        self,
        text: str,
        *,
        font: str = REGULAR,
        size: float | None = None,
        align: str = "left",
        width: float | None = None,
    ) -> _Block:
        """`text` wrapped to `width`; aligned left, right or centred within that width."""
        size = size or self.g.size
        width = width or self.width
        x = {"left": 0.0, "centre": width / 2, "right": width}[align]
        return self.lines(_wrap(text, font, size, width), font=font, size=size, x=x, align=align)

    def labelled(
        self,
        label: str,
        value: str,
        *,
        value_font: str = REGULAR,
        size: float | None = None,
        width: float | None = None,
    ) -> _Block:
        """`label` then `value` on one line; the value's later lines hang under its first word."""
        size = size or self.g.size
        width = width or self.width
        leading = self.leading(size)
        indent = _width(label, REGULAR, size)
        # A hanging indent reads well until the label takes much of the line (a narrow roll).
        rest_x = indent if indent <= 0.25 * width else 0.0
        wrapped = _wrap(value, value_font, size, width - indent, width - rest_x)
        block = _Block(len(wrapped) * leading, [_Text(0.0, _BASELINE * leading, label, REGULAR, size)])
        for i, line in enumerate(wrapped):
            block.items.append(
                _Text(indent if i == 0 else rest_x, (i + _BASELINE) * leading, line, value_font, size)
            )
        return block

    def amount(self, label: str, amount: int, *, bold: bool = False, deducted: bool = False) -> _Block:
        """`label` on the left, the amount right-aligned on the column's right edge (with a minus when
        `deducted`)."""
        font = BOLD if bold else REGULAR
        figure = LABELS.deduction.format(amount=format_vnd(amount)) if deducted else format_vnd(amount)
        wrapped = _wrap(label, font, self.g.size, self.width - _width(figure, font, self.g.size) - 3 * mm)
        block = self.lines(wrapped, font=font)
        block.items.append(
            _Text(
                self.width,
                (len(wrapped) - 1 + _BASELINE) * self.g.leading,
                figure,
                font,
                self.g.size,
                "right",
            )
        )
        return block

    def rule(self, *, before: float, after: float, width: float = 0.6) -> _Block:
        return _Block(before + after, [_Rule(0.0, self.width, before, width)])

    def framed(self, inner: _Block, *, width: float, line_width: float) -> _Block:
        """`inner` (laid out `width` - 2 pads wide) in a box `width` wide, centred in the column."""
        pad = 1.5 * mm
        x = (self.width - width) / 2
        height = inner.height + 2 * pad
        box = _Block(height + 2 * mm, [_Box(x, 0.0, width, height, line_width)])
        box.items.extend(_shifted(item, x + pad, pad) for item in inner.items)
        return box


@dataclass
class _Content:
    blocks: list[_Block]
    table_header: _Block | None  # repeated at the top of a page that continues the participants
    continuation: _Block  # the top of every page after the first


def _split_number(receipt_number: str) -> tuple[str, str]:
    """("BD01M1-26", "0000123") from "BD01M1-26-0000123": the symbol (with its year) and the number."""
    symbol, _, number = receipt_number.rpartition("-")
    return symbol, number


def _scheme_name(scheme: str) -> str:
    if scheme == Scheme.VSI:
        return LABELS.scheme_vsi
    if scheme == Scheme.FAMILY_HI:
        return LABELS.scheme_family_hi
    raise ValueError(f"unknown scheme on a receipt: {scheme!r}")


def _method_name(method: str) -> str:
    if method == "cash":
        return LABELS.method_cash
    if method == "transfer":
        return LABELS.method_transfer
    raise ValueError(f"unknown payment method on a receipt: {method!r}")


def _month(d: date) -> str:
    return f"{d.month:02d}/{d.year:04d}"


def _identity(person: ReceiptParticipant) -> str:
    # Since 01/08/2025 the citizen ID replaces the SI code (domain.md P12): it comes first.
    return person.citizen_id or person.si_code or ""


def _facility(person: ReceiptParticipant) -> str | None:
    """Family HI: the member's initial health-care facility, code first (the code is what the office
    checks), then the name when known."""
    if not person.facility_code:
        return None
    return f"{person.facility_code} – {person.facility_name}" if person.facility_name else person.facility_code


def _own_address(person: ReceiptParticipant, doc: ReceiptDocument) -> str | None:
    # Most households live at the payer's address: printing it again under each of seven members
    # only lengthens the receipt. A member living elsewhere gets their own address line.
    return person.address if person.address.strip() != doc.payer_address.strip() else None


def _compose(doc: ReceiptDocument, layout: Layout) -> _Content:
    if not doc.participants:
        raise ValueError(f"receipt {doc.receipt_number} has no participant")
    kit = _Kit(_GEOMETRY[layout])
    blocks = _header(kit, doc, layout)
    blocks += _marks(kit, doc)
    blocks += [
        kit.labelled(LABELS.payer, doc.payer_name, value_font=BOLD),
        kit.labelled(LABELS.address, doc.payer_address),
    ]
    heading = kit.para(LABELS.participants.format(count=len(doc.participants)), font=BOLD)
    heading.height += 1 * mm
    heading.keep_with_next = True
    blocks += [_Block(2 * mm), heading]
    table_header: _Block | None = None
    if kit.g.table:
        table_header, rows = _participant_table(kit, doc)
        blocks += [table_header, *rows]
    else:
        blocks += _participant_list(kit, doc)
    if doc.scheme == "family_hi":
        period_label = LABELS.card_period
        period = LABELS.card_period_value.format(
            start=format_date(doc.period_from), end=format_date(doc.period_to), months=doc.months
        )
    else:
        period_label = LABELS.period
        period = LABELS.period_value.format(
            start=_month(doc.period_from), end=_month(doc.period_to), months=doc.months
        )
    summary = [_Block(1.5 * mm), kit.labelled(period_label, period), _Block(1 * mm)]
    summary.append(kit.amount(LABELS.gross, doc.gross))
    if doc.state_support:
        summary.append(kit.amount(LABELS.state_support, doc.state_support, deducted=True))
    if doc.local_support:
        summary.append(kit.amount(LABELS.local_support, doc.local_support, deducted=True))
    if doc.state_support or doc.local_support:
        # Under the deductions, as in a sum worked on paper: what is left is paid.
        summary.append(_Block(1.5 * mm, [_Rule(kit.width * 0.55, kit.width, 0.6 * mm, 0.5)]))
    summary += [
        kit.amount(LABELS.payable, doc.payable, bold=True),
        kit.labelled(LABELS.in_words, doc.amount_in_words),
        kit.labelled(LABELS.method, _method_name(doc.method)),
        _Block(4 * mm),
    ]
    blocks.append(_stack(summary))  # period, amounts and words are read together: one page
    blocks += _closing(kit, doc, layout)
    return _Content(blocks, table_header, _continuation(kit, doc))


def _header(kit: _Kit, doc: ReceiptDocument, layout: Layout) -> list[_Block]:
    g = kit.g
    symbol, number = _split_number(doc.receipt_number)
    title = [
        kit.para(LABELS.title, font=BOLD, size=g.title, align="centre"),
        kit.para(_scheme_name(doc.scheme), font=BOLD, size=g.heading, align="centre"),
    ]
    if layout is Layout.A5:
        # Organisation and point on the left, the form's identifiers on the right, as on printed forms.
        left_width, right_width = kit.width * 0.58, kit.width * 0.36
        left = _stack(
            [
                kit.para(doc.organisation.upper(), font=BOLD, width=left_width),
                kit.labelled(LABELS.collection_point, doc.collection_point, width=left_width),
            ]
        )
        right_parts = [kit.labelled(LABELS.form_number, doc.form_number, width=right_width)]
        if symbol:
            right_parts.append(kit.labelled(LABELS.symbol, symbol, width=right_width))
        right_parts.append(kit.labelled(LABELS.number, number, value_font=BOLD, width=right_width))
        top = _side_by_side([(0.0, 0.0, left), (kit.width - right_width, 0.0, _stack(right_parts))])
        issued = kit.para(LABELS.issued_on + format_date(doc.issued_on), align="centre")
        return [top, _Block(4 * mm), *title, issued, _Block(3 * mm)]
    identifiers = [LABELS.form_number + doc.form_number]
    if symbol:
        identifiers.append(LABELS.symbol + symbol)
    return [
        kit.para(doc.organisation.upper(), font=BOLD, align="centre"),
        kit.para(LABELS.collection_point + doc.collection_point, align="centre"),
        kit.rule(before=1.5 * mm, after=2 * mm),
        *title,
        kit.lines(_wrap_parts(identifiers, REGULAR, g.size, kit.width), x=kit.width / 2, align="centre"),
        kit.lines(
            _wrap_parts(
                [LABELS.number + number, LABELS.issued_on + format_date(doc.issued_on)],
                REGULAR,
                g.size,
                kit.width,
            ),
            x=kit.width / 2,
            align="centre",
        ),
        _Block(3 * mm),
    ]


def _marks(kit: _Kit, doc: ReceiptDocument) -> list[_Block]:
    """Boxed banners under the title: a voided receipt, a reprint."""
    g = kit.g
    width = kit.width if not g.table else kit.width * 0.7
    inner = width - 3 * mm
    blocks = []
    if doc.voided:
        parts = [kit.para(LABELS.voided, font=BOLD, size=g.title, align="centre", width=inner)]
        if doc.void_reason:
            parts.append(
                kit.para(LABELS.void_reason.format(reason=doc.void_reason), align="centre", width=inner)
            )
        blocks.append(kit.framed(_stack(parts), width=width, line_width=1.6))
    if doc.new_series:
        symbol = _split_number(doc.receipt_number)[0].rpartition("-")[0]
        blocks.append(kit.framed(_stack([kit.para(LABELS.new_series.format(symbol=symbol), align="centre",
                                                  width=inner)]), width=width, line_width=0.9))
    if doc.copy_number >= 1:
        parts = [
            kit.para(LABELS.copy, font=BOLD, size=g.heading + 1, align="centre", width=inner),
            kit.para(LABELS.copy_number.format(n=doc.copy_number), align="centre", width=inner),
        ]
        blocks.append(kit.framed(_stack(parts), width=width, line_width=0.9))
    return blocks


def _participant_table(kit: _Kit, doc: ReceiptDocument) -> tuple[_Block, list[_Block]]:
    """A5: one row per participant under a header; columns sized to their contents."""
    g = kit.g
    family = doc.scheme == Scheme.FAMILY_HI
    rows = [
        (
            str(i),
            person.full_name,
            format_date(person.date_of_birth),
            _identity(person),
            (str(person.member_rank) if person.member_rank is not None else "")
            if family
            else (format_vnd(person.monthly_income) if person.monthly_income is not None else ""),
            format_vnd(person.amount),
        )
        for i, person in enumerate(doc.participants, 1)
    ]
    headers = (
        LABELS.column_number,
        LABELS.column_name,
        LABELS.column_birth,
        LABELS.column_id,
        LABELS.column_rank if family else LABELS.column_income,
        LABELS.column_amount,
    )
    aligns = ("right", "left", "left", "left", "centre" if family else "right", "right")
    size = g.table_size
    gap = 2 * mm
    # Each column as wide as its widest value, and at least wide enough for its header in two lines;
    # the name takes what is left.
    widths = [
        max(
            [_width(row[col], REGULAR, size) for row in rows] + [_two_line_width(headers[col], BOLD, g.small)]
        )
        for col in range(len(headers))
    ]
    widths[1] = kit.width - sum(widths) + widths[1] - gap * (len(widths) - 1)
    xs = [sum(widths[:col]) + gap * col for col in range(len(widths))]

    def anchor(col: int) -> float:
        return xs[col] + {"left": 0.0, "centre": widths[col] / 2, "right": widths[col]}[aligns[col]]

    pad = 1.2 * mm
    header_cells = [
        kit.lines(
            _wrap(text, BOLD, g.small, widths[col]), font=BOLD, size=g.small, x=anchor(col), align=aligns[col]
        )
        for col, text in enumerate(headers)
    ]
    header = _side_by_side([(0.0, pad, cell) for cell in header_cells])
    header.height += pad
    header.items += [_Rule(0.0, kit.width, 0.0, 0.8), _Rule(0.0, kit.width, header.height, 0.5)]
    header.height += pad
    header.keep_with_next = True

    blocks = []
    for person, row in zip(doc.participants, rows, strict=True):
        cells = [
            kit.lines(_wrap(text, REGULAR, size, widths[col]), size=size, x=anchor(col), align=aligns[col])
            for col, text in enumerate(row)
        ]
        block = _side_by_side([(0.0, 0.0, cell) for cell in cells])
        span = xs[-1] - gap - xs[1]
        address = _own_address(person, doc)
        if address is not None:
            line = kit.labelled(LABELS.address, address, size=g.small, width=span)
            block = _side_by_side([(0.0, 0.0, block), (xs[1], block.height, line)])
        facility = _facility(person) if family else None
        if facility is not None:
            line = kit.labelled(LABELS.facility, facility, size=g.small, width=span)
            block = _side_by_side([(0.0, 0.0, block), (xs[1], block.height, line)])
        block.height += pad
        block.table_row = True
        blocks.append(block)
    blocks[-1].items.append(_Rule(0.0, kit.width, blocks[-1].height, 0.8))
    blocks[-1].height += pad
    return header, blocks


def _participant_list(kit: _Kit, doc: ReceiptDocument) -> list[_Block]:
    """Roll: each participant as a name line with the amount on its right, then smaller detail lines."""
    g = kit.g
    family = doc.scheme == Scheme.FAMILY_HI
    indent = _width(f"{len(doc.participants)}. ", BOLD, g.size)
    blocks = []
    for i, person in enumerate(doc.participants, 1):
        figure = format_vnd(person.amount)
        name_width = kit.width - _width(figure, REGULAR, g.size) - 2 * mm
        names = _wrap(f"{i}. {person.full_name}", BOLD, g.size, name_width, name_width - indent)
        name = kit.lines(names[:1], font=BOLD)
        if names[1:]:
            name = _stack([name, kit.lines(names[1:], font=BOLD, x=indent)])
        name.items.append(_Text(kit.width, _BASELINE * g.leading, figure, REGULAR, g.size, "right"))
        details = [LABELS.born.format(date=format_date(person.date_of_birth))]
        if person.citizen_id:
            details.append(LABELS.citizen_id.format(value=person.citizen_id))
        elif person.si_code:
            details.append(LABELS.si_code.format(value=person.si_code))
        if family and person.member_rank is not None:
            details.append(LABELS.rank.format(rank=person.member_rank))
        if not family and person.monthly_income is not None:
            details.append(LABELS.income.format(income=format_vnd(person.monthly_income)))
        parts = [
            name,
            kit.lines(_wrap_parts(details, REGULAR, g.small, kit.width - indent), size=g.small, x=indent),
        ]
        address = _own_address(person, doc)
        if address is not None:
            line = kit.labelled(LABELS.address, address, size=g.small, width=kit.width - indent)
            parts.append(_side_by_side([(indent, 0.0, line)]))
        facility = _facility(person) if family else None
        if facility is not None:
            line = kit.labelled(LABELS.facility, facility, size=g.small, width=kit.width - indent)
            parts.append(_side_by_side([(indent, 0.0, line)]))
        block = _stack(parts)
        block.height += 1.2 * mm
        block.table_row = True
        blocks.append(block)
    return blocks


def _signature(kit: _Kit, title: str, name: str, width: float) -> _Block:
    """A signature space: who signs, the usual hint, room to sign, and the name printed under it."""
    return _stack(
        [
            kit.para(title, font=BOLD, align="centre", width=width),
            kit.para(LABELS.sign_hint, size=kit.g.small, align="centre", width=width),
            _Block(kit.g.signature_space),
            kit.para(name, align="centre", width=width),
        ]
    )


def _closing(kit: _Kit, doc: ReceiptDocument, layout: Layout) -> list[_Block]:
    """Signatures and the QR code: side by side on A5, the code under the signatures on the roll."""
    g = kit.g
    symbol = encode_qr(doc.qr_payload)
    extent = symbol.extent(g.qr_module)
    caption_width = _width(LABELS.qr_caption, REGULAR, g.small)
    if layout is Layout.A5:
        code_width = max(caption_width, extent)
        code = _stack(
            [
                _Block(extent, [_Qr((code_width - extent) / 2, 0.0, symbol, g.qr_module)]),
                kit.para(LABELS.qr_caption, size=g.small, align="centre", width=code_width),
                kit.para(doc.receipt_number, font=BOLD, size=g.small, align="centre", width=code_width),
            ]
        )
        half = (kit.width - code_width - 4 * mm) / 2
        payer = _signature(kit, LABELS.payer_signs, doc.payer_name, half - 2 * mm)
        collector = _signature(kit, LABELS.collector_signs, doc.collector_name, half - 2 * mm)
        x = code_width + 4 * mm
        return [_side_by_side([(0.0, 0.0, code), (x, 2 * mm, payer), (x + half, 2 * mm, collector)])]
    half = kit.width / 2
    signatures = _side_by_side(
        [
            # Narrower than half the roll, so that two long names never run into each other.
            (0.0, 0.0, _signature(kit, LABELS.payer_signs, doc.payer_name, half - 2 * mm)),
            (half + 2 * mm, 0.0, _signature(kit, LABELS.collector_signs, doc.collector_name, half - 2 * mm)),
        ]
    )
    code = _stack(
        [
            _Block(extent, [_Qr((kit.width - extent) / 2, 0.0, symbol, g.qr_module)]),
            kit.para(LABELS.qr_caption, size=g.small, align="centre"),
            kit.para(LABELS.receipt_number + doc.receipt_number, font=BOLD, align="centre"),
        ]
    )
    return [signatures, _Block(3 * mm), code]


def _continuation(kit: _Kit, doc: ReceiptDocument) -> _Block:
    """The head of a later page: whose receipt this is, and whether it is void or a copy."""
    text = LABELS.continued.format(title=LABELS.title, number=doc.receipt_number)
    if doc.voided:
        text += " · " + LABELS.voided
    if doc.copy_number >= 1:
        text += " · " + LABELS.copy_number.format(n=doc.copy_number)
    return _stack([kit.para(text, font=BOLD, size=kit.g.small), kit.rule(before=1 * mm, after=3 * mm)])


# --- pages -------------------------------------------------------------------------------------

_Placed = list[tuple[float, _Block]]  # (offset below the top margin, block)
_FOOTER = 5 * mm  # room for "Trang 1/2" at the foot of an A5 page


def _paginate(content: _Content, g: _Geometry) -> list[tuple[float, _Placed]]:
    """(page height, placed blocks) for each page."""
    blocks = content.blocks
    if g.height is None:
        placed: _Placed = []
        y = 0.0
        for block in blocks:
            placed.append((y, block))
            y += block.height
        return [(g.margin_top + y + g.margin_bottom, placed)]
    usable = g.height - g.margin_top - g.margin_bottom - _FOOTER
    pages: list[_Placed] = [[]]
    y = 0.0
    for i, block in enumerate(blocks):
        # A heading stays with what it introduces: measure the whole chain before placing its head.
        need, j = block.height, i
        while blocks[j].keep_with_next and j + 1 < len(blocks):
            j += 1
            need += blocks[j].height
        if y + need > usable and pages[-1]:
            pages.append([(0.0, content.continuation)])
            y = content.continuation.height
            if block.table_row and content.table_header is not None:
                pages[-1].append((y, content.table_header))
                y += content.table_header.height
        pages[-1].append((y, block))
        y += block.height
    return [(g.height, placed) for placed in pages]


def _draw(canvas: Canvas, pages: list[tuple[float, _Placed]], g: _Geometry) -> None:
    for page_number, (height, placed) in enumerate(pages, 1):
        canvas.setPageSize((g.width, height))
        top = height - g.margin_top
        font: tuple[str, float] | None = None  # showPage resets the canvas's font: track it per page
        for offset, block in placed:
            y = top - offset
            for item in block.items:
                if isinstance(item, _Text):
                    if font != (item.font, item.size):
                        font = (item.font, item.size)
                        canvas.setFont(*font)
                    x, baseline = g.margin_x + item.x, y - item.dy
                    if item.align == "left":
                        canvas.drawString(x, baseline, item.text)
                    elif item.align == "right":
                        canvas.drawRightString(x, baseline, item.text)
                    else:
                        canvas.drawCentredString(x, baseline, item.text)
                elif isinstance(item, _Rule):
                    canvas.setLineWidth(item.width)
                    canvas.line(g.margin_x + item.x1, y - item.dy, g.margin_x + item.x2, y - item.dy)
                elif isinstance(item, _Box):
                    canvas.setLineWidth(item.width)
                    canvas.rect(g.margin_x + item.x, y - item.dy - item.h, item.w, item.h, stroke=1, fill=0)
                else:
                    extent = item.symbol.extent(item.module)
                    draw_qr(canvas, item.symbol, g.margin_x + item.x, y - item.dy - extent, item.module)
        if len(pages) > 1:
            canvas.setFont(REGULAR, g.small)
            text = LABELS.page.format(page=page_number, pages=len(pages))
            canvas.drawRightString(g.width - g.margin_x, g.margin_bottom, text)
        canvas.showPage()


# --- public API --------------------------------------------------------------------------------


def render_receipt(doc: ReceiptDocument, layout: Layout) -> bytes:
    """The receipt as a PDF. The same receipt always gives the same bytes (no clock in the file)."""
    register_fonts()
    geometry = _GEOMETRY[Layout(layout)]
    pages = _paginate(_compose(doc, Layout(layout)), geometry)
    buffer = io.BytesIO()
    # invariant: no creation time or random file id, so a re-render compares equal to the file on disk.
    # The initial font would otherwise be Helvetica, listed in every page's resources though unused.
    canvas = Canvas(
        buffer,
        pagesize=(geometry.width, pages[0][0]),
        invariant=True,
        initialFontName=REGULAR,
        initialFontSize=geometry.size,
    )
    canvas.setTitle(doc.receipt_number)
    canvas.setAuthor(doc.organisation)
    canvas.setSubject(f"{LABELS.title} – {_scheme_name(doc.scheme)}")
    canvas.setCreator("collector-app")
    issued = f"D:{doc.issued_on.year:04d}{doc.issued_on.month:02d}{doc.issued_on.day:02d}000000+07'00'"
    canvas.setDateFormatter(lambda *_: issued)
    _draw(canvas, pages, geometry)
    canvas.save()
    return buffer.getvalue()


def receipt_file_name(doc: ReceiptDocument) -> str:
    """`BD01M1-26-0000123.pdf`; a reprint `BD01M1-26-0000123-copy2.pdf`; a voided one `…-void.pdf`."""
    stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "_" for ch in doc.receipt_number)
    if doc.voided:
        stem += "-void"
    if doc.copy_number >= 1:
        stem += f"-copy{doc.copy_number}"
    return stem + ".pdf"


def render_many(
    docs: Sequence[ReceiptDocument],
    folder: Path,
    layout: Layout = Layout.A5,
    progress: Progress | None = None,
    *,
    overwrite: bool = False,
) -> list[Path]:
    """Write each receipt to `folder` as `receipt_file_name(doc)`; the paths, in order.

    A file already there with the same bytes is left as it is. One with different bytes raises
    FileExistsError unless `overwrite`: a receipt file is never replaced silently. Each file is
    written whole or not at all (temporary file, then rename).
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for done, doc in enumerate(docs, 1):
        path = folder / receipt_file_name(doc)
        pdf = render_receipt(doc, layout)
        existing = path.read_bytes() if path.exists() else None
        if existing is not None and existing != pdf and not overwrite:
            raise FileExistsError(f"{path} exists and differs from receipt {doc.receipt_number}")
        if existing != pdf:
            _write_whole(path, pdf)
        paths.append(path)
        if progress is not None:
            progress(done, len(docs))
    return paths


def _write_whole(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it: a crash never leaves half a PDF under its name."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
