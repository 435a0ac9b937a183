"""The Receipts page: the store's real receipts listed, previewed, printed again as counted copies, filed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.db import Store
from collector_app.store.receipt_list import list_receipts
from collector_app.ui import receipt_printer as receipt_printer_module
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.pages.receipts_page import ReceiptsPage
from collector_app.ui.operations import Op
from collector_app.ui.printing import PrintPreferences
from collector_app.ui.receipt_printer import ReceiptPrinter

TEST_DPI = 100
FAMILY = "BD01M1-26-0000001"  # the Nguyễn household's family HI, paid first
DANG = "BD01M1-26-0000002"  # Đặng Văn Hùng's voluntary SI
TRAN = "BD01M1-26-0000003"  # Trần Thị Hà's voluntary SI, voided


@pytest.fixture
def receipts(store: Store) -> list[str]:
    collector = acting_user(store)
    numbers = [
        record_family_hi_payment(
            store, household_code="0101000123", months=12, on=date(2026, 11, 20), actor=collector
        ).receipt_number,
        record_vsi_payment(
            store,
            citizen_id="048068000111",
            monthly_income=2_200_000,
            months=3,
            on=date(2026, 11, 21),
            actor=collector,
        ).receipt_number,
        record_vsi_payment(
            store,
            citizen_id="048170000222",
            monthly_income=2_200_000,
            months=1,
            on=date(2026, 11, 22),
            actor=collector,
        ).receipt_number,
    ]
    void_receipt(store, numbers[2], reason="Ghi sai số tháng", actor=collector)
    assert numbers == [FAMILY, DANG, TRAN]
    return numbers


@pytest.fixture
def printer(ctx: AppContext, tmp_path: Path) -> ReceiptPrinter:
    return ReceiptPrinter(ctx.runner, PrintPreferences(tmp_path / "config" / "printing.json"))


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, receipts: list[str]) -> ReceiptsPage:
    widget = ReceiptsPage(ctx, printer)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 3)
    return widget


def shown(page: ReceiptsPage) -> list[list[str]]:
    return [
        [page.model.index(row, column).data() for column in range(page.model.columnCount())]
        for row in range(page.model.rowCount())
    ]


def select(page: ReceiptsPage, number: str) -> None:
    row = page.shown_numbers().index(number)
    page.table.setFocus()
    page.table.selectRow(row)


def print_to_file(monkeypatch: pytest.MonkeyPatch, output: Path) -> None:
    def the_user_prints_to_a_file(parent, printer: QPrinter, *, page_count: int, current_page=None) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output))
        printer.setResolution(TEST_DPI)
        return True

    monkeypatch.setattr(receipt_printer_module, "choose_printer", the_user_prints_to_a_file)


def test_the_page_lists_receipts_newest_first_with_date_payer_amount_status_and_sync(page: ReceiptsPage) -> None:
    assert [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Số biên lai",
        "Ngày",
        "Người nộp",
        "Loại hình",
        "Số tiền",
        "Trạng thái",
        "Đồng bộ",
    ]
    assert shown(page) == [
        [TRAN, "22/11/2026", "Trần Thị Hà", "BHXH tự nguyện", "418.000 đ", "Đã hủy", "Chưa gửi"],
        [DANG, "21/11/2026", "Đặng Văn Hùng", "BHXH tự nguyện", "1.254.000 đ", "", "Chưa gửi"],
        [FAMILY, "20/11/2026", "Nguyễn Văn An", "BHYT hộ gia đình", "3.825.360 đ", "", "Chưa gửi"],
    ]
    assert page.status_label.text() == "3 biên lai"


def test_the_receipts_model_passes_the_qt_model_tester(qtmodeltester, page: ReceiptsPage) -> None:
    qtmodeltester.check(page.model, force_py=True)


def test_typing_part_of_a_name_without_accents_filters_the_list(
    qtbot: QtBot, page: ReceiptsPage, type_text
) -> None:
    type_text(page.filter_box, "dang")

    assert page.shown_numbers() == [DANG]
    assert page.status_label.text() == "Hiển thị 1 / 3 biên lai"
    page.filter_box.clear()
    type_text(page.filter_box, "0000001")
    assert page.shown_numbers() == [FAMILY]


def test_enter_on_a_receipt_opens_its_preview(
    qtbot: QtBot, page: ReceiptsPage, printer: ReceiptPrinter
) -> None:
    page.filter_box.setFocus()
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is page.table

    with qtbot.waitSignal(printer.preview_opened, timeout=10_000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)

    preview: PdfPreviewDialog = opened.args[0]
    assert preview.windowTitle() == f"Biên lai số {TRAN}"
    assert preview.page_count() == 1
    assert preview.print_action.text() == "In bản sao…"
    preview.close()


def test_printing_a_copy_counts_a_reprint_and_shows_it(
    qtbot: QtBot,
    page: ReceiptsPage,
    printer: ReceiptPrinter,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "printed.pdf"
    print_to_file(monkeypatch, output)
    select(page, DANG)

    with qtbot.waitSignal(printer.run_started) as started:
        qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(started.args[0].finished, timeout=10_000):
        pass

    assert len(pypdf.PdfReader(output).pages) == 1
    assert {row.receipt_number: row.reprints for row in list_receipts(store, limit=10)} == {
        TRAN: 0,
        DANG: 1,
        FAMILY: 0,
    }
    qtbot.waitUntil(lambda: shown(page)[1][5] == "Đã in 1 bản sao")
    assert page.outcome_label.text() == "Đã xong 1 biên lai."


def test_print_to_folder_writes_the_selected_receipts_as_issued(
    qtbot: QtBot, page: ReceiptsPage, printer: ReceiptPrinter, store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "receipts"
    printer.preferences.update(folder=str(folder))
    page.table.setFocus()
    page.table.selectAll()

    with qtbot.waitSignal(printer.run_started) as started:
        qtbot.keyClick(page.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(started.args[0].finished, timeout=10_000):
        pass

    assert sorted(path.name for path in folder.iterdir()) == [
        f"{FAMILY}.pdf",
        f"{DANG}.pdf",
        f"{TRAN}-void.pdf",
    ]
    text = pypdf.PdfReader(folder / f"{FAMILY}.pdf").pages[0].extract_text()
    assert "Nguyễn Văn An" in text and "Đặng Thị Hằng" in text
    assert all(row.reprints == 0 for row in list_receipts(store, limit=10))  # a file is no reprint


def test_the_main_window_has_a_receipts_page(qtbot: QtBot, ctx: AppContext, receipts: list[str]) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)

    titles = [window.navigation.item(row).text() for row in range(window.navigation.count())]
    assert titles[:2] == ["Tìm kiếm", "Biên lai"]  # Sync, and others as they come, follow
    window.navigation.setCurrentRow(1)
    window.show()
    qtbot.waitUntil(lambda: window.receipts_page.model.rowCount() == 3)


def test_ctrl_p_in_the_preview_of_an_issued_receipt_prints_a_counted_copy(
    qtbot: QtBot,
    page: ReceiptsPage,
    printer: ReceiptPrinter,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "printed.pdf"
    print_to_file(monkeypatch, output)
    select(page, FAMILY)
    with qtbot.waitSignal(printer.preview_opened, timeout=10_000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    preview: PdfPreviewDialog = opened.args[0]

    with qtbot.waitSignal(printer.run_started) as started:
        qtbot.keyClick(preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    preview.close()  # the copy still prints: the job belongs to the page
    with qtbot.waitSignal(started.args[0].finished, timeout=10_000) as finished:
        pass

    assert finished.args[0].done == 1
    assert len(pypdf.PdfReader(output).pages) == 1
    assert {row.receipt_number: row.reprints for row in list_receipts(store, limit=10)}[FAMILY] == 1


def test_the_layout_chosen_on_the_page_is_remembered_and_used_for_the_preview(
    qtbot: QtBot, page: ReceiptsPage, printer: ReceiptPrinter, tmp_path: Path
) -> None:
    page.layout_box.setCurrentIndex(page.layout_box.findText("Cuộn 80 mm"))
    select(page, FAMILY)

    with qtbot.waitSignal(printer.preview_opened, timeout=10_000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)

    preview: PdfPreviewDialog = opened.args[0]
    assert round(preview.document.pagePointSize(0).width()) == 227  # 80 mm
    assert PrintPreferences(tmp_path / "config" / "printing.json").settings.layout == "roll80"
    preview.close()


def test_a_payment_recorded_in_the_background_appears_on_the_open_page_by_itself(
    qtbot: QtBot, page: ReceiptsPage, ctx: AppContext
) -> None:
    """Nobody calls the page: the payment service says what it changed, and the page listens."""
    recorded: list[str] = []
    Op(page, lambda store, _p: record_vsi_payment(
        store, citizen_id="048068000111", monthly_income=2_200_000, months=1, on=date(2026, 11, 25),
        actor=acting_user(store)), runner=ctx.runner).success(lambda paid: recorded.append(paid.receipt_number)).run()

    qtbot.waitUntil(lambda: page.model.rowCount() == 4)

    assert page.shown_numbers()[0] == recorded[0] == "BD01M1-26-0000004"
