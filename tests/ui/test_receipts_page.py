"""The Receipts page: the store's real receipts listed, previewed, printed again as counted copies, filed."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QLineEdit
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


TODAY = date(2026, 11, 22)  # the page's "today": the day of the newest receipt


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, receipts: list[str]) -> ReceiptsPage:
    widget = ReceiptsPage(ctx, printer, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.set_dates(date(2026, 11, 20), TODAY)  # the three days with receipts
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
    assert [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)] == [
        "Số biên lai",
        "Ngày",
        "Người nộp",
        "Loại hình",
        "Số tiền",
        "Hình thức",
        "Trạng thái",
        "Đồng bộ",
    ]
    assert shown(page) == [
        [TRAN, "22/11/2026", "Trần Thị Hà", "BHXH tự nguyện", "418.000 đ", "Tiền mặt", "Đã hủy", "Chưa gửi"],
        [DANG, "21/11/2026", "Đặng Văn Hùng", "BHXH tự nguyện", "1.254.000 đ", "Tiền mặt", "Hợp lệ", "Chưa gửi"],
        [FAMILY, "20/11/2026", "Nguyễn Văn An", "BHYT hộ gia đình", "3.825.360 đ", "Tiền mặt", "Hợp lệ",
         "Chưa gửi"],
    ]
    assert page.status_label.text() == "3 biên lai ngày 20/11/2026 – 22/11/2026"


def test_the_receipts_model_passes_the_qt_model_tester(qtmodeltester, page: ReceiptsPage) -> None:
    qtmodeltester.check(page.model, force_py=True)


def test_typing_part_of_a_name_without_accents_filters_the_list(
    qtbot: QtBot, page: ReceiptsPage, type_text
) -> None:
    type_text(page.filter_box, "dang")

    assert page.shown_numbers() == [DANG]
    assert page.status_label.text() == "Hiển thị 1 / 3 biên lai ngày 20/11/2026 – 22/11/2026"
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
    qtbot.waitUntil(lambda: shown(page)[1][6] == "Hợp lệ, đã in 1 bản sao")
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
    assert "Biên lai" in titles
    window.receipts_page.set_dates(date(2026, 11, 1), date(2026, 11, 30))
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Ctrl+R: the Receipts page

    assert window.pages.currentWidget() is window.receipts_page
    assert QApplication.focusWidget() is window.receipts_page.filter_box
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
        store, citizen_id="048068000111", monthly_income=2_200_000, months=1, on=TODAY,
        actor=acting_user(store)), runner=ctx.runner).success(lambda paid: recorded.append(paid.receipt_number)).run()

    qtbot.waitUntil(lambda: page.model.rowCount() == 4)

    assert page.shown_numbers()[0] == recorded[0] == "BD01M1-26-0000004"


# Review of issue 10: entering the list, Tab, Escape, the dates, the totals.


def test_down_from_the_filter_chooses_the_first_receipt_so_its_buttons_work_at_once(
    qtbot: QtBot, page: ReceiptsPage
) -> None:
    page.filter_box.setFocus()
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Down)

    assert QApplication.focusWidget() is page.table
    assert page.selected_numbers() == [TRAN]
    assert page.print_action.isEnabled() and page.preview_action.isEnabled()
    assert all(button.isEnabled() for button in page.buttons)


def test_enter_from_the_filter_then_ctrl_p_prints_the_receipt_found(
    qtbot: QtBot, page: ReceiptsPage, printer: ReceiptPrinter, store: Store, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, type_text,
) -> None:
    output = tmp_path / "printed.pdf"
    print_to_file(monkeypatch, output)
    page.filter_box.setFocus()
    type_text(page.filter_box, "dang")
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Return)
    assert page.selected_numbers() == [DANG]

    with qtbot.waitSignal(printer.run_started) as started:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(started.args[0].finished, timeout=10_000):
        pass

    assert {row.receipt_number: row.reprints for row in list_receipts(store, limit=10)}[DANG] == 1


def test_tab_leaves_the_list_for_the_buttons_and_escape_or_up_go_back_to_the_filter(
    qtbot: QtBot, page: ReceiptsPage
) -> None:
    page.filter_box.setFocus()
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == 1  # arrows move within the list

    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.buttons[0]  # the Preview button, reached forwards
    for button in page.buttons[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.change_folder_button

    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is page.filter_box

    qtbot.keyClick(page.filter_box, Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == 1  # back where it was
    qtbot.keyClick(page.table, Qt.Key.Key_Up)
    assert QApplication.focusWidget() is page.table and page.table.currentIndex().row() == 0
    qtbot.keyClick(page.table, Qt.Key.Key_Up)  # Up on the first row
    assert QApplication.focusWidget() is page.filter_box


def test_tab_from_the_filter_visits_the_dates_the_layout_and_the_list_in_order(
    qtbot: QtBot, page: ReceiptsPage
) -> None:
    page.filter_box.setFocus()
    visited = []
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        # A date edit's focus lands on its line edit inside.
        visited.append(next(w for w in (page.from_date, page.to_date, page.today_button, page.layout_box,
                                        page.table) if w is focused or w.isAncestorOf(focused)))
    assert visited == [page.from_date, page.to_date, page.today_button, page.layout_box, page.table]


def test_the_page_lists_today_at_first_and_a_date_typed_as_digits_changes_the_days(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, receipts: list[str]
) -> None:
    page = ReceiptsPage(ctx, printer, today=lambda: date(2026, 11, 21))
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: page.shown_numbers() == [DANG])
    assert page.status_label.text() == "1 biên lai ngày 21/11/2026"

    page.filter_box.setFocus()
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Tab)  # into the first date, its day chosen
    line = page.from_date.findChild(QLineEdit)
    for digit in "20112026":  # the digits in order, as a collector types a date
        qtbot.keyClick(line, digit)
    qtbot.waitUntil(lambda: page.shown_numbers() == [DANG, FAMILY])
    assert page.dates() == (date(2026, 11, 20), date(2026, 11, 21))

    page.today_button.setFocus()
    qtbot.keyClick(page.today_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.shown_numbers() == [DANG])


def test_a_date_typed_in_the_filter_lists_that_day_and_a_day_without_receipts_says_so(
    qtbot: QtBot, page: ReceiptsPage, type_text
) -> None:
    page.set_dates(TODAY, TODAY)
    qtbot.waitUntil(lambda: page.shown_numbers() == [TRAN])
    page.filter_box.setFocus()

    type_text(page.filter_box, "20/11")  # a part of a date: within the days listed, nothing
    assert page.shown_numbers() == []
    assert page.status_label.text() == (
        "Không có biên lai nào ngày 22/11/2026 khớp với “20/11”. Muốn xem ngày khác, hãy gõ đủ ngày "
        "(dd/mm/yyyy) hoặc đổi ngày ở trên.")
    type_text(page.filter_box, "/2026")  # the whole date: that day is listed
    qtbot.waitUntil(lambda: page.shown_numbers() == [FAMILY])
    assert page.dates() == (date(2026, 11, 20), date(2026, 11, 20))
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Return)
    assert page.selected_numbers() == [FAMILY]

    page.filter_box.clear()
    type_text(page.filter_box, "19112026")
    qtbot.waitUntil(lambda: page.dates() == (date(2026, 11, 19), date(2026, 11, 19)))
    qtbot.waitUntil(lambda: page.status_label.text().startswith("Không có biên lai nào ngày 19/11/2026"))
    assert page.model.rowCount() == 0


def test_the_totals_count_valid_receipts_by_method_and_voided_ones_apart(
    qtbot: QtBot, page: ReceiptsPage, ctx: AppContext, store: Store
) -> None:
    assert page.totals_label.text() == (
        "Tổng cộng: 2 biên lai, 5.079.360 đ (tiền mặt 5.079.360 đ, chuyển khoản 0 đ) · "
        "1 biên lai đã hủy, không tính vào tổng (418.000 đ)")
    paid = record_vsi_payment(store, citizen_id="048170000222", monthly_income=2_200_000, months=1,
                              method="transfer", on=TODAY, actor=acting_user(store))
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)

    totals = page.totals()
    assert (totals.count, totals.amount, totals.cash, totals.transfer) == (
        3, 5_079_360 + paid.payable, 5_079_360, paid.payable)
    assert (totals.voided, totals.voided_amount) == (1, 418_000)
    assert shown(page)[0][5] == "Chuyển khoản"


def test_in_english_counts_and_amounts_are_grouped_alike(
    qtbot: QtBot, english, ctx: AppContext, printer: ReceiptPrinter, receipts: list[str]
) -> None:
    page = ReceiptsPage(ctx, printer, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.set_dates(date(2026, 11, 20), TODAY)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)

    assert page.totals_label.text() == (
        "Total: 2 receipts, 5.079.360 đ (cash 5.079.360 đ, transfer 0 đ) · 1 voided receipt not counted (418.000 đ)")
    assert page.status_label.text() == "3 receipts on 20/11/2026 – 22/11/2026"
    assert [page.model.index(row, 6).data() for row in range(3)] == ["Void", "Valid", "Valid"]


def test_a_copy_prints_the_full_name_of_who_recorded_the_payment_and_counts_who_printed_it(
    qtbot: QtBot, ctx: AppContext, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collector_app.domain.payments import Role
    from collector_app.store.accounts import add_user

    mai = add_user(store, username="mai", full_name="Lê Thị Mai", role=Role.COLLECTOR, actor="test")
    binh = add_user(store, username="binh", full_name="Phạm Văn Bình", role=Role.COLLECTOR, actor="test")
    paid = record_vsi_payment(store, citizen_id="048068000111", monthly_income=2_200_000, months=3, on=TODAY,
                              actor=mai)
    ctx.session.user = binh  # Bình is signed in to the window and prints the copy
    printer = ReceiptPrinter(ctx.runner, PrintPreferences(tmp_path / "printing.json"), actor=lambda: ctx.user)
    page = ReceiptsPage(ctx, printer, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.shown_numbers() == [paid.receipt_number])
    output = tmp_path / "copy.pdf"
    print_to_file(monkeypatch, output)
    rendered: list[bytes] = []  # the copy as rendered for the printer (the printer paints it as an image)
    render = receipt_printer_module.render_stored_receipt

    def keep(*args, **kwargs):
        done = render(*args, **kwargs)
        rendered.append(done.pdf)
        return done

    monkeypatch.setattr(receipt_printer_module, "render_stored_receipt", keep)

    page.filter_box.setFocus()
    qtbot.keyClick(page.filter_box, Qt.Key.Key_Down)
    with qtbot.waitSignal(printer.run_started) as started:
        qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(started.args[0].finished, timeout=10_000):
        pass

    assert len(pypdf.PdfReader(output).pages) == 1
    text = " ".join(pypdf.PdfReader(io.BytesIO(rendered[0])).pages[0].extract_text().split())
    assert "BẢN SAO" in text
    assert "Lê Thị Mai" in text and "Nhân viên thu" not in text and "Phạm Văn Bình" not in text
    with store.read() as connection:
        assert connection.exec_driver_sql("SELECT created_by FROM reprints").scalar_one() == binh.user_id


def test_the_sync_headline_counts_the_receipts_and_money_not_yet_sent_with_voids_and_copies_apart(
    store: Store, receipts: list[str]
) -> None:
    from collector_app.services.receipts import receipt_document
    from collector_app.services.sync import sync_status
    from collector_app.ui.widgets.sync_indicator import unsent_text, waiting_text

    receipt_document(store, DANG, copy=True)
    status = sync_status(store)

    assert (status.unsent.payments, status.unsent.amount) == (3, 3_825_360 + 1_254_000 + 418_000)
    assert (status.unsent.voids, status.unsent.reprints) == (1, 1)
    assert unsent_text(status.unsent) == (
        "Chưa gửi lên tỉnh: 3 biên lai, 5.497.360 đ (kèm 1 biên lai đã hủy, 1 bản sao in lại)")
    assert waiting_text(status) == "Chưa gửi: 3 biên lai"
