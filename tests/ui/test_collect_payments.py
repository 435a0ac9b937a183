"""Taking a payment in the window from the keyboard: the live quote is what is recorded and printed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from collector_app import i18n
from collector_app.domain.contributions import quote_family_hi
from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.formatting import format_vnd
from collector_app.policies import current_table
from collector_app.services.device import acting_user
from collector_app.services.payments import RecordedPayment, record_vsi_payment
from collector_app.services.receipts import receipt_numbers, void_receipt
from collector_app.store.accounts import add_user
from collector_app.store import schema
from collector_app.store.payments import get_receipt
from collector_app.store.people import household_id_by_code, person_by_citizen_id
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs import pdf_preview
from collector_app.ui.dialogs.collect_hi_dialog import CollectHiDialog
from collector_app.ui.dialogs.collect_vsi_dialog import CollectVsiDialog
from collector_app.ui.dialogs.payment_parts import ReceiptPreview
from collector_app.ui.main_window import MainWindow
from collector_app.ui.printing import PrintPreferences
from collector_app.ui.receipt_printer import ReceiptPrinter, render_stored_receipt

ON = date(2026, 8, 3)  # base salary 2.530.000, rural poverty line 1.500.000
DANG = "048068000111"  # Đặng Văn Hùng, Đà Nẵng: no provincial top-up, not yet enrolled


@pytest.fixture(autouse=True)
def vietnamese() -> Iterator[None]:
    previous = i18n.language()
    i18n.set_language("vi")
    yield
    i18n.set_language(previous)


@pytest.fixture
def printer(ctx: AppContext, tmp_path: Path) -> ReceiptPrinter:
    return ReceiptPrinter(ctx.runner, PrintPreferences(tmp_path / "config" / "printing.json"))


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    """Stands for the main window: the receipt preview opens on it once the form has closed."""
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    return widget


def open_vsi(qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget,
             citizen_id: str = DANG) -> CollectVsiDialog:
    person = person_by_citizen_id(ctx.store, citizen_id)
    assert person is not None
    dialog = CollectVsiDialog(ctx, person.person_id, printer=printer, on=ON, parent=host)
    dialog.show()
    qtbot.waitUntil(lambda: dialog._payer is not None)
    qtbot.waitUntil(lambda: dialog.income_edit.hasFocus())
    return dialog


def type_income(qtbot: QtBot, dialog: CollectVsiDialog, digits: str) -> None:
    dialog.income_edit.selectAll()
    qtbot.keyClicks(dialog.income_edit, digits)


def receipt_text(ctx: AppContext, number: str) -> str:
    rendered = render_stored_receipt(ctx.store, number, layout="a5", copy=False)
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=rendered.pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def record_from_confirm(qtbot: QtBot, dialog, *, key: Qt.Key = Qt.Key.Key_Return) -> tuple[RecordedPayment,
                                                                                           ReceiptPreview]:
    with qtbot.waitSignal(dialog.recorded, timeout=10_000) as recorded, \
            qtbot.waitSignal(dialog.preview_shown, timeout=10_000) as shown:
        qtbot.keyClick(dialog.confirm.handed_edit, key)
    return recorded.args[0], shown.args[0]


def test_family_hi_for_a_household_of_four_shows_the_quote_and_records_and_prints_it(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget
) -> None:
    household_id = household_id_by_code(ctx.store, "0101000123")
    assert household_id is not None
    dialog = CollectHiDialog(ctx, household_id, printer=printer, on=ON, parent=host)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.plan is not None)
    buttons = dialog.months_buttons
    qtbot.keyClick(buttons.focus_button(), Qt.Key.Key_3)
    assert dialog.plan.quote.months == 3
    qtbot.keyClicks(buttons.focus_button(), "12")  # typing 1 then 2 picks 12
    assert dialog.months() == 12

    quote = quote_family_hi(current_table(ctx.store), on=ON, members=4, months=12)
    table = dialog.members_table
    shown_rows = [[table.item(row, column).text() for column in range(table.columnCount())]
                  for row in range(table.rowCount())]
    assert [row[1] for row in shown_rows] == ["Nguyễn Văn An", "Đặng Thị Hằng", "Nguyễn Minh Khôi", "Nguyễn Thị Lan"]
    assert [row[0] for row in shown_rows] == ["1", "2", "3", "4"]
    assert [row[4] for row in shown_rows] == [format_vnd(m.amount) for m in quote.members] == [
        "1.366.200 đ", "956.340 đ", "819.720 đ", "683.100 đ"]  # domain.md §2.6, base 2.530.000
    assert [row[6] for row in shown_rows] == ["01/09/2027"] * 4  # first cards wait 30 days: 02/09/2026-01/09/2027
    assert dialog.total_value.text() == format_vnd(quote.total) == "3.825.360 đ"  # domain.md §7.1
    assert "Ba triệu tám trăm hai mươi lăm nghìn ba trăm sáu mươi đồng" == dialog.words_label.text()
    assert "Người thứ nhất đóng 4,5% mức lương cơ sở 2.530.000 đ: 113.850 đ mỗi tháng." in dialog.rules_label.text()

    qtbot.keyClick(buttons.focus_button(), Qt.Key.Key_Return)  # on to the confirm step
    assert dialog.on_confirm_step()
    assert dialog.confirm.payable_label.text() == "3.825.360 đ"
    qtbot.keyClicks(dialog.confirm.handed_edit, "4000000")
    assert dialog.confirm.handed_edit.text() == "4.000.000"
    assert dialog.confirm.change_label.text() == "174.640 đ"
    recorded, preview = record_from_confirm(qtbot, dialog)

    view = get_receipt(ctx.store, parse_receipt_number(recorded.receipt_number))
    assert view is not None
    assert [format_vnd(item.amount) for item in sorted(view.items, key=lambda i: i.member_rank or 0)] == [
        row[4] for row in shown_rows]
    assert format_vnd(view.amount) == dialog.total_value.text()
    text = receipt_text(ctx, recorded.receipt_number)
    for row in shown_rows:
        assert row[4] in text
    assert "3.825.360 đ" in text
    assert preview.dialog.isVisible()


def test_voluntary_si_for_a_poor_household_shows_the_support_line_and_records_the_same_figures(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget
) -> None:
    dialog = open_vsi(qtbot, ctx, printer, host)
    type_income(qtbot, dialog, "2000000")
    assert dialog.income_edit.text() == "2.000.000"
    qtbot.keyClick(dialog.income_edit, Qt.Key.Key_Return)  # on to the months
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_3)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # on to the support group
    assert dialog.focusWidget() is dialog.group_box
    qtbot.keyClick(dialog.group_box, Qt.Key.Key_Home)  # the first group: poor household
    assert dialog.group_box.currentData() == "poor"

    # 22 % × 2.000.000 = 440.000 a month; the state pays 50 % of 22 % × 1.500.000 = 165.000 (domain.md §1.4)
    figures = (dialog.gross_value.text(), dialog.state_value.text(), dialog.local_value.text(),
               dialog.payable_value.text())
    assert figures == ("1.320.000 đ", "495.000 đ", "0 đ", "825.000 đ")
    assert ("Nhà nước hỗ trợ 50% mức đóng theo chuẩn nghèo nông thôn (hộ nghèo hoặc xã đảo, đặc khu): "
            "165.000 đ mỗi tháng.") in dialog.rules_label.text()
    assert dialog.period_value.text() == "01/08/2026 – 31/10/2026 (3 tháng)"

    qtbot.keyClick(dialog.group_box, Qt.Key.Key_Return)  # on to the first month
    assert dialog.focusWidget() is dialog.period_edit
    qtbot.keyClick(dialog.period_edit, Qt.Key.Key_Return)  # the last field: on to the confirm step
    assert dialog.on_confirm_step()
    recorded, _preview = record_from_confirm(qtbot, dialog, key=Qt.Key.Key_Enter)

    assert tuple(format_vnd(value) for value in (recorded.gross, recorded.state_support, recorded.local_support,
                                                 recorded.payable)) == figures
    view = get_receipt(ctx.store, parse_receipt_number(recorded.receipt_number))
    assert view is not None and (view.gross, view.state_support, view.amount) == (1_320_000, 495_000, 825_000)
    text = receipt_text(ctx, recorded.receipt_number)
    assert "825.000 đ" in text and "495.000 đ" in text and "1.320.000 đ" in text


def test_an_income_under_the_floor_says_why_and_recording_is_disabled(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget
) -> None:
    dialog = open_vsi(qtbot, ctx, printer, host)
    type_income(qtbot, dialog, "1200000")

    assert dialog.plan is None
    why = "Mức thu nhập tháng 1.200.000 đ thấp hơn mức tối thiểu 1.500.000 đ"
    assert why in dialog.income_message.text()  # beside the field
    assert why in dialog.why_label.text() and why in dialog.continue_button.toolTip()  # beside the button
    assert not dialog.continue_button.isEnabled()
    assert dialog.payable_value.text() == "—"
    qtbot.keyClick(dialog.income_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.on_confirm_step()


def test_months_already_paid_say_why_and_the_first_month_defaults_after_them(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget
) -> None:
    record_vsi_payment(ctx.store, citizen_id=DANG, monthly_income=1_500_000, months=3, on=ON,
                       actor=acting_user(ctx.store))
    dialog = open_vsi(qtbot, ctx, printer, host)
    assert dialog.period_edit.text() == "11/2026"  # after 08-10/2026, already paid
    assert "Đã đóng đến 31/10/2026" in dialog.history_label.text()

    dialog.period_edit.setFocus()
    dialog.period_edit.selectAll()
    qtbot.keyClicks(dialog.period_edit, "9/2026")

    assert dialog.plan is None
    assert "đã được đóng đến hết ngày 31/10/2026" in dialog.period_message.text()
    assert not dialog.continue_button.isEnabled()
    assert "Không thu được" in dialog.why_label.text()


def test_cash_change_is_shown_and_less_than_payable_is_refused(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget
) -> None:
    dialog = open_vsi(qtbot, ctx, printer, host)
    type_income(qtbot, dialog, "1500000")
    qtbot.keyClick(dialog.income_edit, Qt.Key.Key_F10)  # straight on to the confirm step
    assert dialog.on_confirm_step()
    payable = dialog.plan.payable  # 12 months at the floor, "other": 3.168.000 (domain.md §7.2)
    assert payable == 3_168_000

    qtbot.keyClicks(dialog.confirm.handed_edit, "3000000")
    assert not dialog.record_button.isEnabled()
    assert "cần nhận thêm 168.000 đ" in dialog.confirm.handed_message.text()
    assert "cần nhận thêm 168.000 đ" in dialog.why_label.text()
    qtbot.keyClick(dialog.confirm.handed_edit, Qt.Key.Key_Return)
    assert dialog.on_confirm_step() and receipt_numbers(ctx.store) == []  # Enter records nothing short

    dialog.confirm.handed_edit.selectAll()
    qtbot.keyClicks(dialog.confirm.handed_edit, "3200000")
    assert dialog.confirm.change_label.text() == "32.000 đ"
    assert dialog.record_button.isEnabled()

    qtbot.keyClick(dialog.confirm.handed_edit, Qt.Key.Key_Escape)  # back to the form, nothing recorded
    assert not dialog.on_confirm_step()
    assert dialog.income_edit.hasFocus()


def test_the_preview_prints_on_enter_and_a_collector_voids_with_a_reason(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_vsi(qtbot, ctx, printer, host)
    qtbot.keyClick(dialog.income_edit, Qt.Key.Key_F10)
    recorded, preview = record_from_confirm(qtbot, dialog)
    asked: list[object] = []
    monkeypatch.setattr(pdf_preview, "choose_printer", lambda *args, **kwargs: asked.append(args) or False)

    qtbot.keyClick(preview.dialog.view, Qt.Key.Key_Return)
    assert len(asked) == 1  # the print dialog opened on the printer

    qtbot.keyClick(preview.dialog.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    asking = preview.asking
    assert asking is not None and asking.isVisible()
    assert not asking.ok_button.isEnabled()  # a void says why
    qtbot.keyClicks(asking.reason_edit, "Ghi sai thang")
    with qtbot.waitSignal(preview.voided, timeout=10_000):
        qtbot.keyClick(asking.reason_edit, Qt.Key.Key_Return)

    view = get_receipt(ctx.store, parse_receipt_number(recorded.receipt_number))
    assert view is not None and view.void is not None and view.void.reason == "Ghi sai thang"
    assert not preview.void_button.isEnabled()
    assert preview.message_label.text() == f"Biên lai số {recorded.receipt_number} đã bị hủy: Ghi sai thang"
    with ctx.store.read() as connection:  # Enter reached the field and the dialog: one void all the same
        assert connection.scalar(select(func.count()).select_from(schema.voids)) == 1


def test_a_collaborator_records_but_the_void_button_says_why_it_is_disabled_and_the_service_refuses(
    qtbot: QtBot, ctx: AppContext, printer: ReceiptPrinter, host: QWidget
) -> None:
    collaborator = add_user(ctx.store, username="ctv", full_name="Lê Văn Cộng", role=Role.COLLABORATOR,
                            actor="test")
    ctx.session.user = collaborator
    dialog = open_vsi(qtbot, ctx, printer, host)
    qtbot.keyClick(dialog.income_edit, Qt.Key.Key_F10)
    recorded, preview = record_from_confirm(qtbot, dialog)

    assert not preview.void_button.isEnabled()
    assert "ctv" in preview.void_button.toolTip() and "hủy biên lai" in preview.void_button.toolTip()
    assert preview.message_label.text() == preview.void_button.toolTip()
    with pytest.raises(DomainError) as refused:
        void_receipt(ctx.store, recorded.receipt_number, reason="thử", actor=collaborator)
    assert [p.code for p in refused.value.problems] == [ProblemCode.ROLE_MAY_NOT_VOID_RECEIPTS]


def active_window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    """The main window shown at the field laptop's size, with the keyboard."""
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_f5_and_f6_in_the_main_window_collect_for_the_person_chosen_on_the_find_page(
    qtbot: QtBot, ctx: AppContext, type_text
) -> None:
    window = active_window(qtbot, ctx)
    page = window.find_page

    qtbot.keyClick(page.search_box, Qt.Key.Key_F5)  # nobody chosen yet: the window says so
    assert "chọn một người" in window.statusBar().currentMessage()
    assert window.findChildren(CollectVsiDialog) == []

    type_text(page.search_box, "dang thi h")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(window.findChildren(CollectVsiDialog)) == 1)
    vsi = window.findChildren(CollectVsiDialog)[0]
    qtbot.waitUntil(lambda: vsi.plan is not None or bool(vsi.refusal))
    assert "Đặng Thị Hằng" in vsi.windowTitle()
    qtbot.keyClick(vsi.income_edit, Qt.Key.Key_Escape)  # Esc closes the form
    qtbot.waitUntil(lambda: not vsi.isVisible())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClick(page.table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(CollectHiDialog)))
    [hi] = [d for d in window.findChildren(CollectHiDialog) if d.isVisible()]
    qtbot.waitUntil(lambda: hi.plan is not None)
    assert hi.members_table.rowCount() == 4
    hi.reject()


def test_f5_in_the_household_view_collects_for_the_member_selected_there(
    qtbot: QtBot, ctx: AppContext, type_text
) -> None:
    window = active_window(qtbot, ctx)
    page = window.find_page
    window.find_action.trigger()
    type_text(page.search_box, "nguyen van an")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # the household view, the head chosen
    household = page.household_page
    qtbot.waitUntil(lambda: page.is_showing_household() and household.household is not None)
    household.members_view.setFocus()
    qtbot.keyClick(household.members_view, Qt.Key.Key_Down)  # the second member: Đặng Thị Hằng
    qtbot.keyClick(household.members_view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(CollectVsiDialog)))
    [vsi] = [d for d in window.findChildren(CollectVsiDialog) if d.isVisible()]
    qtbot.waitUntil(lambda: vsi.plan is not None or bool(vsi.refusal))
    assert "Đặng Thị Hằng" in vsi.windowTitle()
    vsi.reject()
