"""Previewing and printing PDFs through Qt: QtPdf on screen, QPrinter on paper (a PDF printer here)."""

from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from PySide6.QtCore import QSizeF, Qt, QThread
from PySide6.QtGui import QImage, QPageSize
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from collector_app.paths import resource_path
from collector_app.store.db import Store
from collector_app.ui import printing
from collector_app.ui import receipt_printer as receipt_printer_module
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.operations import Op
from collector_app.ui.printing import (
    PdfError,
    PrintPreferences,
    PrintSettings,
    open_pdf,
    paper_size_for,
    print_pdf,
    render_page,
)
from collector_app.ui.receipt_printer import PrintOutcome, ReceiptPrinter, RenderedReceipt, describe_outcome

TEST_DPI = 100  # plenty to see ink; the printer's own 1200 dpi would only slow the tests down
ROLL_WIDTH_POINTS = 80 * mm
DARK = 128


def make_pdf(*page_sizes: tuple[float, float], text: str = "Biên lai thu tiền Nguyễn Văn An") -> bytes:
    """A PDF with one page per size, each with Vietnamese text and a frame, as a receipt would have."""
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(resource_path("fonts/DejaVuSans.ttf"))))
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer)
    for number, (width, height) in enumerate(page_sizes, start=1):
        pdf.setPageSize((width, height))
        pdf.setFont("DejaVuSans", 12)
        pdf.drawString(6 * mm, height - 12 * mm, f"{text} — {number}")
        pdf.rect(5 * mm, 5 * mm, width - 10 * mm, height - 10 * mm, fill=0)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def roll(height_mm: float) -> tuple[float, float]:
    return (ROLL_WIDTH_POINTS, height_mm * mm)


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(TEST_DPI)
    return printer


def page_sizes_in_points(path: Path) -> list[tuple[int, int]]:
    return [(round(page.mediabox.width), round(page.mediabox.height)) for page in pypdf.PdfReader(path).pages]


def dark_pixels_of_pdf_page(path: Path, page: int) -> int:
    image = pypdfium2.PdfDocument(path)[page].render(scale=TEST_DPI / 72).to_pil().convert("L")
    return sum(image.histogram()[:DARK])


def dark_pixels(image: QImage) -> int:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(grey.constBits())
    stride = grey.bytesPerLine()
    return sum(
        1
        for row in range(grey.height())
        for value in data[row * stride : row * stride + grey.width()]
        if value < DARK
    )


@pytest.fixture(autouse=True)
def application(qapp: QApplication) -> QApplication:
    """QtPdf and QPrinter need the application object even in tests that show no widget."""
    return qapp


@pytest.fixture
def preferences(tmp_path: Path) -> PrintPreferences:
    return PrintPreferences(tmp_path / "config" / "printing.json")


@pytest.fixture
def preview(qtbot: QtBot, preferences: PrintPreferences) -> PdfPreviewDialog:
    dialog = PdfPreviewDialog(
        make_pdf(A5, A5),
        title="Biên lai BD01M1-26-0000123",
        file_name="BD01M1-26-0000123.pdf",
        preferences=preferences,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


# Reading and rendering


def test_a_page_renders_black_on_white_not_on_transparent() -> None:
    document = open_pdf(make_pdf(A5))

    image = render_page(document, 0, printing.page_size_in_pixels(document.pagePointSize(0), TEST_DPI))

    assert not image.hasAlphaChannel()
    assert image.pixelColor(1, 1).name() == "#ffffff"  # the margin outside the frame
    assert 0 < dark_pixels(image) < image.width() * image.height() // 10


def test_bytes_that_are_not_a_pdf_are_refused_with_a_reason() -> None:
    with pytest.raises(PdfError):
        open_pdf(b"this is not a PDF")


# The preview


def test_the_preview_shows_the_page_count_and_draws_the_first_page(
    qtbot: QtBot, preview: PdfPreviewDialog
) -> None:
    assert preview.page_count() == 2
    assert preview.page_label.text() == "Trang 1 / 2"
    assert preview.windowTitle() == "Biên lai BD01M1-26-0000123"

    # QPdfView renders in the background: the page appears once its image is ready.
    qtbot.waitUntil(lambda: dark_pixels(preview.view.grab().toImage()) > 1000)


def test_page_down_and_page_up_move_between_pages_and_stop_at_the_ends(
    qtbot: QtBot, preview: PdfPreviewDialog
) -> None:
    qtbot.keyClick(preview.view, Qt.Key.Key_PageDown)
    assert preview.current_page() == 1
    assert preview.page_label.text() == "Trang 2 / 2"
    assert not preview.next_action.isEnabled()

    qtbot.keyClick(preview.view, Qt.Key.Key_PageDown)
    assert preview.current_page() == 1

    qtbot.keyClick(preview.view, Qt.Key.Key_PageUp)
    assert preview.current_page() == 0
    assert not preview.previous_action.isEnabled()


def test_the_zoom_keys_zoom_in_and_ctrl_0_shows_the_whole_page_again(
    qtbot: QtBot, preview: PdfPreviewDialog
) -> None:
    qtbot.keyClick(preview.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    whole_page = preview.zoom_label.text()
    assert preview.view.zoomMode() == QPdfView.ZoomMode.FitInView

    qtbot.keyClick(preview.view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    zoomed_in = preview.view.zoomFactor()
    qtbot.keyClick(preview.view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)

    assert preview.view.zoomFactor() == pytest.approx(zoomed_in * 1.25)
    assert preview.zoom_label.text() == f"{round(preview.view.zoomFactor() * 100)} %"
    qtbot.keyClick(preview.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert preview.view.zoomMode() == QPdfView.ZoomMode.FitInView
    assert preview.zoom_label.text() == whole_page


def test_ctrl_0_fits_the_whole_page_in_the_preview_without_a_scroll_bar(
    qtbot: QtBot, preview: PdfPreviewDialog
) -> None:
    qtbot.keyClick(preview.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # "Whole page"
    qtbot.waitUntil(lambda: dark_pixels(preview.view.grab().toImage()) > 1000)

    assert not preview.view.verticalScrollBar().isVisible()
    assert not preview.view.horizontalScrollBar().isVisible()


def test_escape_closes_the_preview(qtbot: QtBot, preview: PdfPreviewDialog) -> None:
    with qtbot.waitSignal(preview.rejected):
        qtbot.keyClick(preview.view, Qt.Key.Key_Escape)

    assert not preview.isVisible()


def test_ctrl_p_prints_through_the_printer_chosen_in_the_print_dialog(
    qtbot: QtBot, preview: PdfPreviewDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "printed.pdf"
    asked: list[tuple[int, int | None]] = []

    def the_user_prints_to_a_file(parent, printer: QPrinter, *, page_count: int, current_page=None) -> bool:
        asked.append((page_count, current_page))
        assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A5  # proposed from the PDF
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output))
        printer.setResolution(TEST_DPI)
        return True

    monkeypatch.setattr("collector_app.ui.dialogs.pdf_preview.choose_printer", the_user_prints_to_a_file)

    with qtbot.waitSignal(preview.printed) as printed:
        qtbot.keyClick(preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    assert asked == [(2, 0)]
    assert printed.args == [2]
    assert page_sizes_in_points(output) == [(420, 595), (420, 595)]
    assert preview.status_label.text() == "Đã gửi 2 trang tới máy in."


def test_cancelling_the_print_dialog_prints_nothing(
    qtbot: QtBot, preview: PdfPreviewDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("collector_app.ui.dialogs.pdf_preview.choose_printer", lambda *a, **k: False)
    printed: list[int] = []
    preview.printed.connect(printed.append)

    qtbot.keyClick(preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)

    assert printed == []


def test_print_to_folder_writes_the_pdf_into_the_folder_of_the_settings(
    qtbot: QtBot, preview: PdfPreviewDialog, preferences: PrintPreferences, tmp_path: Path
) -> None:
    preferences.update(folder=str(tmp_path / "receipts"))

    with qtbot.waitSignal(preview.saved) as saved:
        qtbot.keyClick(preview.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    path = tmp_path / "receipts" / "BD01M1-26-0000123.pdf"
    assert saved.args == [path]
    assert len(pypdf.PdfReader(path).pages) == 2
    assert "Biên lai thu tiền Nguyễn Văn An" in pypdf.PdfReader(path).pages[0].extract_text()
    assert str(path) in preview.status_label.text()


def test_print_to_folder_asks_for_the_folder_the_first_time_and_remembers_it(
    qtbot: QtBot, preview: PdfPreviewDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "archive"
    chosen.mkdir()
    monkeypatch.setattr(printing.QFileDialog, "getExistingDirectory", lambda *args: str(chosen))

    with qtbot.waitSignal(preview.saved):
        preview.save_action.trigger()

    assert (chosen / "BD01M1-26-0000123.pdf").exists()
    reloaded = PrintPreferences(tmp_path / "config" / "printing.json")
    assert reloaded.settings.folder_path == chosen


# Printing


def test_print_pdf_paints_every_page_on_a5_paper_and_the_pages_are_not_blank(tmp_path: Path) -> None:
    output = tmp_path / "out.pdf"
    progress: list[tuple[int, int]] = []

    pages = print_pdf(make_pdf(A5, A5, A5), pdf_printer(output), progress=lambda *done: progress.append(done))

    assert pages == 3
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert page_sizes_in_points(output) == [(420, 595)] * 3
    assert all(dark_pixels_of_pdf_page(output, page) > 1000 for page in range(3))


def test_a_1200_dpi_printer_gets_pages_rendered_at_no_more_than_300_dpi(tmp_path: Path) -> None:
    output = tmp_path / "fine.pdf"
    printer = pdf_printer(output)
    printer.setResolution(1200)  # what Qt's PDF printer reports by default

    print_pdf(make_pdf(A5), printer)

    [image] = pypdf.PdfReader(output).pages[0].images
    assert image.image.size == (round(A5[0] / 72 * 300), round(A5[1] / 72 * 300))


def test_a_roll_receipt_gets_paper_80_mm_wide_and_as_long_as_the_receipt() -> None:
    paper = paper_size_for(QSizeF(*roll(143)))

    assert paper.id() == QPageSize.PageSizeId.Custom
    size = paper.size(QPageSize.Unit.Millimeter)
    assert size.width() == pytest.approx(80, abs=0.01)
    assert size.height() == pytest.approx(143, abs=0.01)
    assert paper.name() == "Cuộn 80 mm"


def test_an_a5_receipt_gets_a5_paper() -> None:
    assert paper_size_for(QSizeF(*A5)).id() == QPageSize.PageSizeId.A5


def test_a_roll_receipt_prints_on_a_page_80_mm_wide_with_its_own_length(tmp_path: Path) -> None:
    output = tmp_path / "roll.pdf"

    print_pdf(make_pdf(roll(143)), pdf_printer(output))

    [(width, height)] = page_sizes_in_points(output)
    assert width == round(ROLL_WIDTH_POINTS)
    assert height == round(143 * mm)
    assert dark_pixels_of_pdf_page(output, 0) > 500


def test_print_pdf_prints_only_the_pages_of_the_chosen_range(tmp_path: Path) -> None:
    output = tmp_path / "range.pdf"
    printer = pdf_printer(output)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)

    print_pdf(make_pdf(roll(100), roll(110), roll(120)), printer)

    # Each page's length tells which one it is.
    assert page_sizes_in_points(output) == [(227, 312), (227, 340)]


@pytest.mark.parametrize(
    ("collate", "lengths_mm"),
    [(True, [100, 110, 100, 110]), (False, [100, 100, 110, 110])],
)
def test_print_pdf_makes_the_copies_collated_or_not(
    tmp_path: Path, collate: bool, lengths_mm: list[int]
) -> None:
    output = tmp_path / "copies.pdf"
    printer = pdf_printer(output)
    printer.setCopyCount(2)
    printer.setCollateCopies(collate)

    print_pdf(make_pdf(roll(100), roll(110)), printer)

    assert [height for _width, height in page_sizes_in_points(output)] == [round(n * mm) for n in lengths_mm]


def test_the_current_page_alone_is_printed_when_the_dialog_asks_for_it(tmp_path: Path) -> None:
    output = tmp_path / "current.pdf"
    printer = pdf_printer(output)
    printer.setPrintRange(QPrinter.PrintRange.CurrentPage)

    print_pdf(make_pdf(roll(100), roll(110)), printer, current_page=1)

    assert page_sizes_in_points(output) == [(227, 312)]


def test_pages_are_fitted_on_the_paper_the_user_chose_instead(tmp_path: Path) -> None:
    output = tmp_path / "a4.pdf"
    printer = pdf_printer(output)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))

    print_pdf(make_pdf(roll(400)), printer, paper_follows_pages=False)

    assert page_sizes_in_points(output) == [(595, 842)]
    assert dark_pixels_of_pdf_page(output, 0) > 500


# Settings


def test_print_settings_survive_a_restart_and_default_to_a5_when_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "printing.json"
    PrintPreferences(path).update(layout="roll80", folder="/srv/receipts", printer_name="XP-80C")

    assert PrintPreferences(path).settings == PrintSettings("roll80", "/srv/receipts", "XP-80C")
    path.write_text("{not json", encoding="utf-8")
    assert PrintPreferences(path).settings == PrintSettings()


# Batches of receipts in the background

RELEASE_TIMEOUT = 10  # seconds a blocked render waits before giving up, so a failing test cannot hang


class FakeReceipts:
    """Stands in for `render_stored_receipt`: a small roll receipt per number, 100 + n mm long, and a
    gate that holds the worker at one receipt so a test can look at the window meanwhile."""

    def __init__(self, *, hold_at: str | None = None, fail_at: str | None = None) -> None:
        self.hold_at = hold_at
        self.fail_at = fail_at
        self.held = threading.Event()
        self.release = threading.Event()
        self.rendered: list[tuple[str, bool, bool]] = []  # number, copy, on the GUI thread

    def __call__(self, store: Store, number: str, *, layout: str, copy: bool, actor: object = None) -> RenderedReceipt:
        self.rendered.append((number, copy, QThread.currentThread() is QApplication.instance().thread()))
        if number == self.hold_at:
            self.held.set()
            self.release.wait(RELEASE_TIMEOUT)
        if number == self.fail_at:
            raise LookupError(f"no receipt {number}")
        length = 100 + int(number[-3:])
        return RenderedReceipt(number, f"{number}.pdf", make_pdf(roll(length), text=f"Biên lai số {number}"))


def numbers(count: int) -> list[str]:
    return [f"BD01M1-26-{n:07d}" for n in range(1, count + 1)]


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def receipt_printer(ctx: AppContext, preferences: PrintPreferences) -> ReceiptPrinter:
    return ReceiptPrinter(ctx.runner, preferences)


def use_fake_receipts(monkeypatch: pytest.MonkeyPatch, fake: FakeReceipts) -> FakeReceipts:
    monkeypatch.setattr(receipt_printer_module, "render_stored_receipt", fake)
    return fake


def test_a_batch_to_a_folder_writes_every_receipt_and_reports_progress_in_order(
    qtbot: QtBot,
    window: QWidget,
    receipt_printer: ReceiptPrinter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_fake_receipts(monkeypatch, FakeReceipts())
    folder = tmp_path / "receipts"
    progress: list[tuple[int, int]] = []

    batch = receipt_printer.save_receipts(window, numbers(50), folder=folder)
    assert batch is not None
    batch.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(batch.finished, timeout=30_000) as finished:
        pass

    outcome: PrintOutcome = finished.args[0]
    assert (outcome.done, outcome.total, outcome.cancelled, outcome.error) == (50, 50, False, None)
    assert sorted(path.name for path in folder.iterdir()) == [f"{n}.pdf" for n in numbers(50)]
    assert progress == [(done, 50) for done in range(1, 51)]
    assert not any(on_gui_thread for _n, _copy, on_gui_thread in fake.rendered)
    assert {copy for _n, copy, _gui in fake.rendered} == {False}  # a file is no reprint
    assert (
        "Biên lai số BD01M1-26-0000050"
        in pypdf.PdfReader(folder / "BD01M1-26-0000050.pdf").pages[0].extract_text()
    )


def test_the_window_keeps_answering_while_a_batch_runs(
    qtbot: QtBot,
    window: QWidget,
    receipt_printer: ReceiptPrinter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_fake_receipts(monkeypatch, FakeReceipts(hold_at="BD01M1-26-0000026"))
    progress: list[int] = []

    batch = receipt_printer.save_receipts(window, numbers(50), folder=tmp_path / "receipts")
    assert batch is not None
    batch.progressed.connect(lambda done, total: progress.append(done))

    # The worker is held at the 26th receipt: the first 25 arrive and are written meanwhile...
    qtbot.waitUntil(fake.held.is_set)
    qtbot.waitUntil(lambda: progress[-1:] == [25])
    assert batch.outcome is None
    # ...and the window still answers: a click is handled and the progress window shows how far it is.
    clicked: list[bool] = []
    button = QPushButton("Tìm", window)
    button.clicked.connect(lambda: clicked.append(True))
    button.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert clicked == [True]
    progress_dialog = window.findChild(QProgressDialog)
    qtbot.waitUntil(progress_dialog.isVisible)
    assert progress_dialog.value() == 25
    assert progress_dialog.maximum() == 50

    with qtbot.waitSignal(batch.finished, timeout=30_000):
        fake.release.set()
    assert progress == list(range(1, 51))


def test_other_work_gets_its_turn_while_a_long_batch_runs(
    qtbot: QtBot,
    window: QWidget,
    receipt_printer: ReceiptPrinter,
    ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_fake_receipts(monkeypatch, FakeReceipts())
    events: list[str] = []

    batch = receipt_printer.save_receipts(window, numbers(50), folder=tmp_path / "receipts")
    assert batch is not None
    batch.finished.connect(lambda outcome: events.append("batch finished"))
    Op(window, lambda store, _p: "searched", runner=ctx.runner).success(events.append).run()

    qtbot.waitUntil(lambda: "batch finished" in events, timeout=30_000)
    assert events == ["searched", "batch finished"]


def test_cancelling_stops_the_batch_between_two_receipts(
    qtbot: QtBot,
    window: QWidget,
    receipt_printer: ReceiptPrinter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_fake_receipts(monkeypatch, FakeReceipts(hold_at="BD01M1-26-0000011"))
    folder = tmp_path / "receipts"
    progress: list[int] = []
    batch = receipt_printer.save_receipts(window, numbers(50), folder=folder)
    assert batch is not None
    batch.progressed.connect(lambda done, total: progress.append(done))
    qtbot.waitUntil(fake.held.is_set)
    qtbot.waitUntil(lambda: progress[-1:] == [10])
    progress_dialog = window.findChild(QProgressDialog)
    qtbot.waitUntil(progress_dialog.isVisible)

    with qtbot.waitSignal(batch.finished, timeout=30_000) as finished:
        qtbot.mouseClick(progress_dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
        fake.release.set()

    outcome: PrintOutcome = finished.args[0]
    assert (outcome.done, outcome.cancelled, outcome.error) == (10, True, None)
    assert len(list(folder.glob("*.pdf"))) == 10
    # The 11th was under way when the cancel came; nothing started after it.
    assert [number for number, _copy, _gui in fake.rendered] == numbers(11)
    assert describe_outcome(outcome) == "Đã dừng: xong 10 / 50 biên lai."


def test_a_batch_to_the_printer_prints_every_receipt_as_a_counted_copy_in_one_job(
    qtbot: QtBot,
    window: QWidget,
    receipt_printer: ReceiptPrinter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = use_fake_receipts(monkeypatch, FakeReceipts())
    output = tmp_path / "printed.pdf"
    proposed: list[QPageSize] = []

    def the_user_prints_to_a_file(parent, printer: QPrinter, *, page_count: int, current_page=None) -> bool:
        proposed.append(printer.pageLayout().pageSize())
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output))
        printer.setResolution(TEST_DPI)
        return True

    monkeypatch.setattr(receipt_printer_module, "choose_printer", the_user_prints_to_a_file)
    receipt_printer.preferences.update(layout="roll80")

    batch = receipt_printer.print_receipts(window, numbers(5))
    assert batch is not None
    with qtbot.waitSignal(batch.finished, timeout=30_000) as finished:
        pass

    assert finished.args[0].done == 5
    assert proposed[0].size(QPageSize.Unit.Millimeter).width() == pytest.approx(80)
    # Each receipt on roll paper of its own length, in order.
    assert page_sizes_in_points(output) == [(227, round((100 + n) * mm)) for n in range(1, 6)]
    assert all(dark_pixels_of_pdf_page(output, page) > 500 for page in range(5))
    assert {copy for _n, copy, _gui in fake.rendered} == {True}


def test_a_receipt_that_cannot_be_rendered_ends_the_batch_and_says_why(
    qtbot: QtBot,
    window: QWidget,
    receipt_printer: ReceiptPrinter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_fake_receipts(monkeypatch, FakeReceipts(fail_at="BD01M1-26-0000004"))
    warnings: list[str] = []
    monkeypatch.setattr(
        receipt_printer_module.QMessageBox, "warning", lambda parent, title, text: warnings.append(text)
    )

    batch = receipt_printer.save_receipts(window, numbers(20), folder=tmp_path / "receipts")
    assert batch is not None
    with qtbot.waitSignal(batch.finished, timeout=30_000) as finished:
        pass

    outcome: PrintOutcome = finished.args[0]
    assert outcome.done == 3
    assert isinstance(outcome.error, LookupError)
    assert warnings == ["no receipt BD01M1-26-0000004"]


# Review of issue 10: the preview at 125 % scaling on 1366 x 768.

SCALED_PREVIEW = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from collector_app.receipts import samples
from collector_app.receipts.render import Layout, render_receipt
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.printing import PrintPreferences

app = QApplication(sys.argv[:1])
dialog = PdfPreviewDialog(render_receipt(samples.vsi_receipt(), Layout(sys.argv[1])), title="t", file_name="t.pdf",
                          preferences=PrintPreferences(Path(sys.argv[2]) / "printing.json"))
dialog.show()
for _ in range(20):
    app.processEvents()
screen = dialog.screen().availableGeometry()
print(json.dumps({"zoom": dialog.effective_zoom(), "width": dialog.frameGeometry().width(),
                  "height": dialog.frameGeometry().height(), "screen": [screen.width(), screen.height()],
                  "mode": dialog.view.zoomMode().name}))
"""


@pytest.mark.parametrize("layout", ["a5", "roll80"])
def test_at_125_percent_on_1366_by_768_the_preview_opens_at_a_readable_zoom(tmp_path: Path, layout: str) -> None:
    import json
    import os
    import subprocess
    import sys

    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_SCALE_FACTOR="1.25", QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    result = subprocess.run([sys.executable, "-c", SCALED_PREVIEW, layout, str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=120, check=True)
    shown = json.loads(result.stdout.strip().splitlines()[-1])

    assert shown["screen"] == [1093, 614]  # 1366 x 768 at 125 %, in logical pixels
    assert 0.95 <= shown["zoom"] <= 1.0, shown  # the whole A5 page would be 61 %: 100 % instead, scrolling
    assert shown["width"] <= 1093 and shown["height"] <= 614


def test_on_a_tall_screen_the_preview_shows_the_whole_page() -> None:
    from PySide6.QtCore import QSize, QSizeF
    from PySide6.QtPdfWidgets import QPdfView

    from collector_app.ui.dialogs.pdf_preview import opening_layout

    size, mode, _zoom = opening_layout(QSize(1920, 1040), QSizeF(420, 595), 96, QSize(500, 300))
    assert mode == QPdfView.ZoomMode.FitInView and size.height() == 936
    size, mode, zoom = opening_layout(QSize(1093, 614), QSizeF(420, 595), 96, QSize(500, 300))
    assert mode == QPdfView.ZoomMode.Custom and zoom == 1.0 and size.width() >= 560
