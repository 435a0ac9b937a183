"""The Close the day dialog driven from the keyboard: live totals, a difference needing a reason, the closed day."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.device import acting_user, set_up
from collector_app.services.payments import RecordedPayment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.close_day_dialog import CloseDayDialog
from collector_app.ui.printing import default_print_preferences

TODAY = date.today()  # the dialog closes the local day, as the window does


@pytest.fixture
def paid(store: Store) -> RecordedPayment:
    set_up(store)
    # Đà Nẵng, no top-up: a month of VSI on 2.000.000 đ is 374.000 đ.
    return record_vsi_payment(store, citizen_id="048068000111", monthly_income=2_000_000, months=1, on=TODAY,
                              actor=acting_user(store))


@pytest.fixture
def dialog(qtbot: QtBot, ctx: AppContext, paid: RecordedPayment) -> CloseDayDialog:
    widget = CloseDayDialog(ctx.runner, actor=lambda: ctx.user, on=TODAY, preferences=default_print_preferences())
    qtbot.addWidget(widget)
    widget.show()
    widget.load()
    qtbot.waitUntil(widget.close_button.isEnabled)
    return widget


def type_keys(qtbot: QtBot, text: str) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClicks(widget, text)


def tab(qtbot: QtBot) -> None:
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def test_tab_through_the_counts_shows_live_totals_and_the_difference(qtbot: QtBot, dialog: CloseDayDialog) -> None:
    assert dialog.expected_label.text() == "374.000 đ"
    assert QApplication.focusWidget() is dialog.counts[500_000]
    tab(qtbot)  # 200.000 đ
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, "1")
    tab(qtbot)  # 100.000 đ
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, "1")
    assert dialog.subtotals[200_000].text() == "200.000 đ"
    assert dialog.counted_label.text() == "300.000 đ"
    assert dialog.difference_label.text() == "\u221274.000 đ"
    for _value in range(3):  # 50.000, 20.000, 10.000
        tab(qtbot)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_keys(qtbot, "8")  # 8 × 10.000 đ
    assert dialog.counted_label.text() == "380.000 đ" and dialog.difference_label.text() == "+6.000 đ"


def test_closing_with_a_difference_needs_a_reason_then_the_day_refuses_payments(
    qtbot: QtBot, dialog: CloseDayDialog, ctx: AppContext, store: Store, paid: RecordedPayment, type_text
) -> None:
    dialog.counts[500_000].setValue(1)
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "say why" in dialog.status.text() or "ghi lý do" in dialog.status.text())
    assert dialog.close_button.isEnabled() and QApplication.focusWidget() is dialog.reason
    type_text(dialog.reason, "Người nộp gửi thừa")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.counts[500_000].isReadOnly())
    assert "+126.000 đ" in dialog.status.text()
    with pytest.raises(DomainError) as refused:
        record_vsi_payment(store, citizen_id="048170000222", monthly_income=2_000_000, months=1, on=TODAY,
                           actor=ctx.user)
    assert refused.value.problems[0].code is ProblemCode.DAY_CLOSED
    with pytest.raises(DomainError):
        void_receipt(store, paid.receipt_number, reason="Nhầm", actor=ctx.user)

    again = CloseDayDialog(ctx.runner, actor=lambda: ctx.user, on=TODAY, preferences=default_print_preferences())
    qtbot.addWidget(again)
    again.load()
    qtbot.waitUntil(again.report_button.isEnabled)
    assert not again.close_button.isEnabled() and again.counts[500_000].value() == 1
    assert again.reason.isReadOnly() and again.reason.text() == "Người nộp gửi thừa"


def test_the_report_is_rendered_in_the_background_and_shown(qtbot: QtBot, dialog: CloseDayDialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.report is not None)
    assert dialog.report is not None and dialog.report.page_count() == 1
