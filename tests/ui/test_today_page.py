"""The Today page: the signed-in user's day from the store, changing by itself as payments and voids are
recorded (through the task runner, as the window records them), and the people due opened from the keyboard."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app.formatting import format_vnd
from collector_app.services.device import acting_user
from collector_app.services.payments import RecordedPayment, record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.db import Store
from collector_app.store.people import person_by_citizen_id
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.pages.today_page import TodayPage

DANG, TRAN = "048068000111", "048170000222"  # Đà Nẵng: no provincial top-up


@pytest.fixture
def paid(store: Store) -> list[RecordedPayment]:
    """The morning so far: one voluntary SI month in cash, the Nguyễn household's family HI by transfer."""
    collector = acting_user(store)
    return [
        record_vsi_payment(store, citizen_id=DANG, monthly_income=2_200_000, months=1, on=date.today(),
                           actor=collector),
        record_family_hi_payment(store, household_code="0101000123", months=3, on=date.today(), actor=collector,
                                 method="transfer"),
    ]


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, paid: list[RecordedPayment]) -> TodayPage:
    widget = TodayPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 650)
    widget.show()
    qtbot.waitUntil(lambda: widget.summary is not None)
    return widget


def figures(page: TodayPage) -> dict[str, str]:
    shown = {"count": page.count_box.value.text(), "total": page.total_box.value.text(),
             "cash": page.cash_box.value.text()}
    shown.update({f"{key} count": count.text() for key, (count, _amount) in page.breakdown.items()})
    shown.update({key: amount.text() for key, (_count, amount) in page.breakdown.items()})
    return shown


def run(page: TodayPage, ctx: AppContext, fn) -> None:
    """Record through the task runner, as the window does: it announces what changed on ctx.events."""
    Op(page, lambda store, _p: fn(store), runner=ctx.runner).run()


def test_the_page_shows_the_days_figures_by_scheme_and_method_and_the_cash_in_the_drawer(
    page: TodayPage, paid: list[RecordedPayment]
) -> None:
    vsi, family = paid
    assert figures(page) == {
        "count": "2", "total": format_vnd(vsi.payable + family.payable), "cash": format_vnd(vsi.payable),
        "vsi count": "1", "vsi": format_vnd(vsi.payable), "family_hi count": "1", "family_hi": format_vnd(family.payable),
        "cash count": "1", "transfer count": "1", "transfer": format_vnd(family.payable),
    }
    assert vsi.payable == 418_000  # 22 % of 2.200.000, less 20 % support of 22 % × 1.500.000
    assert page.title_label.text().startswith("Hôm nay, " + date.today().strftime("%d/%m/%Y"))
    assert page.total_box.detail.text() == f"trong đó chuyển khoản: {format_vnd(family.payable)}"
    assert page.voids_table.isHidden() and page.voids_empty.text() == "Hôm nay chưa có biên lai nào bị hủy."
    # One month paid today runs to the end of this month: due within 30 days. The family HI cards
    # start 30 days after a first payment, so they are not.
    assert page.due_button.text() == "Sắp đến hạn đóng trong 30 ngày tới: 1 người (Ctrl+D)"
    assert page.rejected_table.isHidden()


def test_a_payment_and_a_void_recorded_through_the_runner_change_the_open_page_by_themselves(
    qtbot: QtBot, page: TodayPage, ctx: AppContext, paid: list[RecordedPayment]
) -> None:
    vsi, family = paid
    collector = acting_user(ctx.store)
    run(page, ctx, lambda store: record_vsi_payment(store, citizen_id=TRAN, monthly_income=2_200_000, months=3,
                                                    on=date.today(), actor=collector))
    qtbot.waitUntil(lambda: page.count_box.value.text() == "3")
    cash = vsi.payable + 3 * 418_000
    assert page.cash_box.value.text() == format_vnd(cash)
    assert page.breakdown["vsi"][0].text() == "2" and page.due_button.text().startswith(
        "Sắp đến hạn đóng trong 30 ngày tới: 1 người")  # three months paid: not due yet

    run(page, ctx, lambda store: void_receipt(store, vsi.receipt_number, reason="Ghi sai mức thu nhập",
                                              actor=collector))
    qtbot.waitUntil(lambda: page.voids_model.rowCount() == 1)
    assert page.cash_box.value.text() == format_vnd(3 * 418_000)  # the voided cash was given back
    assert page.count_box.value.text() == "2"
    assert page.count_box.detail.text() == f"và 1 biên lai đã hủy hôm nay ({format_vnd(vsi.payable)})"
    row = [page.voids_model.index(0, column).data() for column in range(page.voids_model.columnCount())]
    assert row == [vsi.receipt_number, format_vnd(vsi.payable), "Ghi sai mức thu nhập", collector.full_name,
                   "Đã trả lại tiền mặt: trừ khỏi két"]
    assert page.voids_table.isVisible()


def test_ctrl_d_lists_the_people_due_and_enter_asks_for_the_household(
    qtbot: QtBot, page: TodayPage, ctx: AppContext
) -> None:
    page.activateWindow()
    page.focus_page()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.due_button)

    qtbot.keyClick(page.due_button, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = page.due_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table)
    shown = [dialog.model.index(0, column).data() for column in range(dialog.model.columnCount())]
    person = person_by_citizen_id(ctx.store, DANG)
    assert person is not None
    end_of_month = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    assert shown[:4] == ["Đặng Văn Hùng", "45 Trần Phú", "BHXH tự nguyện", end_of_month.strftime("%d/%m/%Y")]
    assert dialog.summary_label.text().startswith("1 người hết hạn trong khoảng từ ")

    with qtbot.waitSignal(page.household_requested) as requested:
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert requested.args == [person.household_id]
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_tab_moves_between_the_pages_parts_and_never_stays_in_a_table(
    qtbot: QtBot, page: TodayPage, ctx: AppContext, paid: list[RecordedPayment]
) -> None:
    void_receipt(ctx.store, paid[0].receipt_number, reason="Thu nhầm", actor=acting_user(ctx.store))
    page.reload()
    qtbot.waitUntil(lambda: page.voids_model.rowCount() == 1)
    page.activateWindow()
    page.focus_page()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.due_button)
    qtbot.keyClick(page.due_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.voids_table
    qtbot.keyClick(page.voids_table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not page.voids_table
