"""Receipt PDFs in both layouts: what they say, how they are laid out, and their QR code."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from reportlab.lib.units import mm

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import verify_payload
from collector_app.receipts import samples
from collector_app.receipts.model import ReceiptDocument, ReceiptParticipant
from collector_app.receipts.render import Layout, receipt_file_name, render_many, render_receipt

LAYOUTS = list(Layout)
FAMILY = samples.family_hi_receipt(5)
VSI = samples.vsi_receipt()
HOUSEHOLD_NAMES = [
    "Nguyễn Văn Thắng", "Trần Thị Hồng Nhung", "Nguyễn Thị Thu Hương", "Nguyễn Đức Mạnh",
    "Nguyễn Thị Ngọc Ánh", "Phạm Thị Lựu", "Nguyễn Hoàng Phúc Khang",
]  # fmt: skip


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_text_has_the_names_the_amount_in_words_and_the_number_exactly_as_given(layout, read_pdf):
    text = read_pdf(render_receipt(FAMILY, layout)).text()
    for name in HOUSEHOLD_NAMES[:5]:
        assert name in text
    assert FAMILY.amount_in_words == "Bốn triệu không trăm bốn mươi ba nghìn năm trăm hai mươi đồng"
    assert FAMILY.amount_in_words in text
    assert "HY07M1-26-0000123" in text
    assert "4.043.520 đ" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_field_of_a_family_receipt_is_printed(layout, read_pdf):
    text = read_pdf(render_receipt(FAMILY, layout)).text()
    expected = [
        "BẢO HIỂM XÃ HỘI TỈNH HƯNG YÊN", "Bưu điện xã Nghĩa Trụ (HY07)", "BIÊN LAI THU TIỀN",
        "BHYT hộ gia đình", "C45-BB", "HY07M1-26", "0000123", "05/03/2026",
        "Thôn Đông Hà, xã Nghĩa Trụ, tỉnh Hưng Yên", "12/04/1978", "033078004512",
        "Thẻ BHYT có giá trị: từ ngày 01/03/2026 đến ngày 28/02/2027 (12 tháng)", "1.263.600 đ", "884.520 đ", "505.440 đ",
        "Tiền mặt", "Lê Thị Minh Nguyệt", "(Ký, ghi rõ họ tên)", "Quét mã để kiểm tra biên lai",
    ]  # fmt: skip
    assert [item for item in expected if item not in text] == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_voluntary_si_receipt_shows_the_income_base_and_the_state_support(layout, read_pdf):
    text = read_pdf(render_receipt(VSI, layout)).text()
    expected = ["BHXH tự nguyện", "Đặng Thị Thanh Hằng", "1.500.000 đ", "1.980.000 đ", "396.000 đ",
                "1.584.000 đ", "Một triệu năm trăm tám mươi tư nghìn đồng", "Chuyển khoản"]  # fmt: skip
    assert [item for item in expected if item not in text] == []
    assert "Thời gian đóng: từ tháng 03/2026 đến tháng 08/2026 (6 tháng)" in text
    assert "Địa phương hỗ trợ" not in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_local_support_is_shown_only_when_there_is_some(layout, read_pdf):
    text = read_pdf(render_receipt(samples.vsi_receipt(local_support=120_000), layout)).text()
    assert "Địa phương hỗ trợ thêm −120.000 đ" in text
    assert "Số tiền thực nộp 1.464.000 đ" in text


def test_pdftotext_reads_back_the_same_vietnamese_text():
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        [pdftotext, "-raw", "-", "-"],
        input=render_receipt(FAMILY, Layout.A5),
        capture_output=True,
        check=True,
    )
    text = " ".join(result.stdout.decode("utf-8").split())
    assert "Nguyễn Thị Ngọc Ánh" in text
    assert FAMILY.amount_in_words in text
    assert "HY07M1-26-0000123" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_text_is_set_in_the_embedded_dejavu_fonts_only(layout, read_pdf):
    fonts = set()
    for page in read_pdf(render_receipt(FAMILY, layout)).reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts == {"DejaVuSans", "DejaVuSans-Bold"}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_page_renders_to_png(layout, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(render_receipt(FAMILY, layout))
    subprocess.run(
        [pdftoppm, "-r", "110", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert abs(width - {Layout.A5: 148, Layout.ROLL80: 80}[layout] / 25.4 * 110) <= 1


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("doc", [FAMILY, VSI], ids=["family HI", "voluntary SI"])
def test_the_qr_code_decodes_from_a_200_dpi_render_and_its_signature_verifies(
    layout, doc, read_pdf, sample_public_key
):
    codes = zxingcpp.read_barcodes(read_pdf(render_receipt(doc, layout)).image(dpi=200))
    assert [code.text for code in codes] == [doc.qr_payload]
    claim = verify_payload(codes[0].text, sample_public_key)
    assert (claim.receipt_number, claim.amount, claim.issued_on) == (
        doc.receipt_number,
        doc.payable,
        doc.issued_on,
    )


def test_the_code_of_a_receipt_whose_amount_was_altered_does_not_verify(read_pdf, sample_public_key):
    [code] = zxingcpp.read_barcodes(read_pdf(render_receipt(FAMILY, Layout.ROLL80)).image(dpi=200))
    tampered = code.text.replace(f".{FAMILY.payable}.", ".5043520.")
    assert tampered != code.text
    with pytest.raises(DomainError) as caught:
        verify_payload(tampered, sample_public_key)
    assert caught.value.problems[0].code is ProblemCode.RECEIPT_CODE_BAD_SIGNATURE


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_reprint_is_marked_as_a_copy_with_its_number(layout, read_pdf):
    assert "BẢN SAO" not in read_pdf(render_receipt(FAMILY, layout)).text()
    text = read_pdf(render_receipt(replace(FAMILY, copy_number=2), layout)).text()
    assert "BẢN SAO" in text
    assert "Bản sao lần 2" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_receipt_of_a_new_series_begun_after_a_restore_says_so(layout, read_pdf):
    assert "Dãy số mới" not in read_pdf(render_receipt(FAMILY, layout)).text()
    symbol, _, rest = FAMILY.receipt_number.partition("-")
    restarted = replace(FAMILY, receipt_number=f"{symbol}R1-{rest}", new_series=True)
    text = " ".join(read_pdf(render_receipt(restarted, layout)).text().split())
    assert f"Dãy số mới {symbol}R1, bắt đầu sau khi khôi phục dữ liệu của máy" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_voided_receipt_is_marked_void_with_its_reason(layout, read_pdf):
    assert "ĐÃ HỦY" not in read_pdf(render_receipt(FAMILY, layout)).text()
    voided = replace(FAMILY, voided=True, void_reason="Thu trùng, đã hoàn tiền cho người nộp")
    text = read_pdf(render_receipt(voided, layout)).text()
    assert "ĐÃ HỦY" in text
    assert "Lý do hủy: Thu trùng, đã hoàn tiền cho người nộp" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_seven_member_household_receipt_lists_every_member(layout, read_pdf):
    doc = samples.family_hi_receipt(7)
    text = read_pdf(render_receipt(doc, layout)).text()
    assert [name for name in HOUSEHOLD_NAMES if name not in text] == []
    assert "3321456789" in text  # the youngest has no citizen ID yet: the SI code stands in
    assert "5.054.400 đ" in text


def test_the_roll_is_80_mm_wide_and_grows_with_each_participant(read_pdf):
    sizes = [
        read_pdf(render_receipt(samples.family_hi_receipt(n), Layout.ROLL80)).page_sizes()
        for n in range(1, 8)
    ]
    assert all(len(pages) == 1 for pages in sizes)
    widths = {round(pages[0][0] / mm, 2) for pages in sizes}
    heights = [pages[0][1] for pages in sizes]
    assert widths == {80.0}
    assert all(taller > shorter for shorter, taller in itertools.pairwise(heights))


def test_the_a5_receipt_is_one_a5_page_for_a_household_of_seven(read_pdf):
    sizes = read_pdf(render_receipt(samples.family_hi_receipt(7), Layout.A5)).page_sizes()
    assert [(round(w / mm), round(h / mm)) for w, h in sizes] == [(148, 210)]


def _crowd(count: int) -> ReceiptDocument:
    """A receipt with `count` participants, each living at an address of their own."""
    base = samples.family_hi_receipt(5)
    people = tuple(
        replace(base.participants[i % 5], full_name=f"Nguyễn Thị Người Thứ {i + 1:02d}",
                address=f"Số {i + 1}, đường Nguyễn Văn Linh, phường Hiến Nam, tỉnh Hưng Yên")
        for i in range(count)
    )  # fmt: skip
    return replace(base, participants=people)


def test_a_receipt_too_long_for_one_a5_page_continues_on_the_next_with_its_number(
    read_pdf, sample_public_key
):
    doc = _crowd(20)
    readback = read_pdf(render_receipt(doc, Layout.A5))
    pages = readback.page_texts()
    assert len(pages) >= 2
    for number, text in enumerate(pages[1:], 2):
        assert text.startswith("BIÊN LAI THU TIỀN số HY07M1-26-0000123 (tiếp theo)")
        assert f"Trang {number}/{len(pages)}" in text
    assert f"Trang 1/{len(pages)}" in pages[0]
    # Rows continue under the table's header, repeated; none is lost or printed twice.
    assert "TT Họ và tên Ngày sinh" in pages[1]
    text = readback.text()
    assert [text.count(person.full_name) for person in doc.participants] == [1] * 20
    [code] = zxingcpp.read_barcodes(readback.image(page=len(pages) - 1))
    assert verify_payload(code.text, sample_public_key).receipt_number == doc.receipt_number


def test_a_member_living_elsewhere_gets_an_address_line_and_the_others_do_not_repeat_the_payers(read_pdf):
    people = list(FAMILY.participants)
    people[2] = replace(people[2], address="Ký túc xá Đại học Bách khoa, phường Bạch Mai, Hà Nội")
    for layout in LAYOUTS:
        text = read_pdf(render_receipt(replace(FAMILY, participants=tuple(people)), layout)).text()
        assert "Địa chỉ: Ký túc xá Đại học Bách khoa, phường Bạch Mai, Hà Nội" in text
        assert text.count("Thôn Đông Hà, xã Nghĩa Trụ, tỉnh Hưng Yên") == 1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_amounts_stand_right_aligned_in_one_column(layout, read_pdf):
    readback = read_pdf(render_receipt(FAMILY, layout))
    edges = [
        edge
        for amount in ("1.263.600 đ", "884.520 đ", "758.160 đ", "631.800 đ", "505.440 đ", "4.043.520 đ")
        for edge in readback.right_edges(amount)
    ]
    assert len(edges) == 7  # five members, then gross and payable
    assert max(edges) - min(edges) < 1.0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_long_names_wrap_inside_the_printable_width(layout, read_pdf):
    long_name = "Tôn Nữ Hoàng Thị Phương Thảo Nguyên Khánh Linh Ngọc Diệp Bảo Châu"
    people = (replace(FAMILY.participants[0], full_name=long_name), *FAMILY.participants[1:])
    doc = replace(FAMILY, payer_name=long_name, participants=people, collector_name=long_name)
    readback = read_pdf(render_receipt(doc, layout))
    width = readback.page_sizes()[0][0]
    margin = {Layout.A5: 10 * mm, Layout.ROLL80: 4 * mm}[layout]
    boxes = [box for page in range(len(readback.page_sizes())) for box in readback.character_boxes(page)]
    assert min(left for left, _, _, _ in boxes) >= margin - 0.5
    assert max(right for _, _, right, _ in boxes) <= width - margin + 0.5
    assert readback.text().count(long_name) >= 3  # payer, participant, collector


def test_thermal_roll_text_is_never_smaller_than_8_points(read_pdf):
    sizes: list[float] = []
    doc = replace(
        samples.vsi_receipt(local_support=50_000), voided=True, void_reason="Nhầm người", copy_number=1
    )
    for page in read_pdf(render_receipt(doc, Layout.ROLL80)).reader.pages:
        page.extract_text(
            visitor_text=lambda text, cm, tm, font, size: sizes.append(size) if text.strip() else None
        )
    assert sizes
    assert min(sizes) >= 8


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_pdf_is_titled_with_the_receipt_number_and_authored_by_the_organisation(layout, read_pdf):
    metadata = read_pdf(render_receipt(FAMILY, layout)).reader.metadata
    assert metadata.title == "HY07M1-26-0000123"
    assert metadata.author == "Bảo hiểm xã hội tỉnh Hưng Yên"
    assert metadata.creation_date.date() == date(2026, 3, 5)


def test_the_same_receipt_always_renders_to_the_same_bytes():
    assert render_receipt(FAMILY, Layout.A5) == render_receipt(FAMILY, Layout.A5)
    assert render_receipt(FAMILY, Layout.A5) != render_receipt(replace(FAMILY, copy_number=1), Layout.A5)


def test_a_receipt_with_an_unknown_scheme_or_method_is_refused():
    with pytest.raises(ValueError, match="scheme"):
        render_receipt(replace(FAMILY, scheme="pension"), Layout.A5)
    with pytest.raises(ValueError, match="method"):
        render_receipt(replace(FAMILY, method="cheque"), Layout.A5)


def test_file_names_come_from_the_receipt_number_and_say_copy_or_void():
    assert receipt_file_name(FAMILY) == "HY07M1-26-0000123.pdf"
    assert receipt_file_name(replace(FAMILY, copy_number=3)) == "HY07M1-26-0000123-copy3.pdf"
    assert receipt_file_name(replace(FAMILY, voided=True, void_reason="x")) == "HY07M1-26-0000123-void.pdf"


def test_render_many_writes_one_file_per_receipt_and_reports_progress(tmp_path: Path, read_pdf):
    docs = [samples.family_hi_receipt(n, number=n) for n in range(1, 6)]
    seen: list[tuple[int, int]] = []
    paths = render_many(
        docs, tmp_path / "out", layout=Layout.ROLL80, progress=lambda d, t: seen.append((d, t))
    )
    assert [p.name for p in paths] == [f"HY07M1-26-000000{n}.pdf" for n in range(1, 6)]
    assert seen[-1] == (5, 5)
    assert read_pdf(paths[2].read_bytes()).text().count("Nguyễn Thị Thu Hương") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_render_many_keeps_an_identical_file_and_never_silently_replaces_a_different_one(tmp_path: Path):
    [path] = render_many([FAMILY], tmp_path, Layout.A5)
    before = path.stat().st_mtime_ns
    assert render_many([FAMILY], tmp_path, Layout.A5) == [path]
    assert path.stat().st_mtime_ns == before
    other = replace(FAMILY, payer_name="Nguyễn Văn Khác")
    with pytest.raises(FileExistsError):
        render_many([other], tmp_path, Layout.A5)
    assert path.read_bytes() == render_receipt(FAMILY, Layout.A5)
    render_many([other], tmp_path, Layout.A5, overwrite=True)
    assert path.read_bytes() == render_receipt(other, Layout.A5)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_a_participant_without_any_identity_number_still_prints():
    person = ReceiptParticipant(
        "Nguyễn Văn Bé", date(2025, 12, 1), None, None, FAMILY.payer_address, 2, None, 884_520
    )
    doc = replace(FAMILY, participants=(FAMILY.participants[0], person))
    for layout in LAYOUTS:
        assert render_receipt(doc, layout).startswith(b"%PDF")


def _pdftotext(pdf: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run([pdftotext, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_voluntary_si_receipt_shows_the_total_then_the_supports_taken_off_then_what_is_paid(layout):
    """As `collector-app quote` prints it: the gross is the whole contribution, never an amount owed."""
    receipt = samples.vsi_receipt(local_support=120_000)
    lines = [" ".join(line.split()) for line in _pdftotext(render_receipt(receipt, layout)).splitlines()]
    figures = [line for line in lines if line.startswith(("Tổng số tiền đóng", "Nhà nước hỗ trợ",
                                                          "Địa phương hỗ trợ thêm", "Số tiền thực nộp"))]

    assert figures == [
        "Tổng số tiền đóng 1.980.000 đ",
        "Nhà nước hỗ trợ −396.000 đ",
        "Địa phương hỗ trợ thêm −120.000 đ",
        "Số tiền thực nộp 1.464.000 đ",
    ]
    assert 1_980_000 - 396_000 - 120_000 == receipt.payable == 1_464_000
    assert not [line for line in lines if "phải đóng" in line]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_receipt_without_support_shows_the_total_and_what_is_paid(layout):
    lines = [" ".join(line.split()) for line in _pdftotext(render_receipt(FAMILY, layout)).splitlines()]
    assert [line for line in lines if line.startswith(("Tổng số tiền đóng", "Số tiền thực nộp"))] == [
        "Tổng số tiền đóng 4.043.520 đ", "Số tiền thực nộp 4.043.520 đ"]
