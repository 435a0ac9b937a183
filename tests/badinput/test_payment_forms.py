"""The payment forms refuse bad figures beside the field, keep Continue and Record disabled, and record nothing.

Real widgets on a real store (the fixtures of `tests/ui/conftest.py`): the voluntary SI form's
income and first month typed from the keyboard, the confirm step's amount handed over, and the
reason asked when a receipt is voided.
"""

from __future__ import annotations

from datetime import date

import pytest
import tally
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from store_snapshot import snapshot

from collector_app.store.people import person_by_citizen_id
from collector_app.ui.dialogs.collect_vsi_dialog import CollectVsiDialog
from collector_app.ui.dialogs.payment_parts import VoidReasonDialog
from collector_app.ui.printing import PrintPreferences
from collector_app.ui.receipt_printer import ReceiptPrinter



ON = date(2026, 8, 3)  # income floor 1.500.000, ceiling 50.600.000
DANG = "048068000111"  # Đặng Văn Hùng, Đà Nẵng, not yet enrolled
HUGE = "1" + "0" * 30
BAD_INCOMES = ["0", "1", "1499999", "50600001", HUGE, "-2", "١٥٠٠٠٠٠", "abc", "1e7", "\x1b[31m", "' OR 1=1"]
BAD_PERIODS = ["13/2026", "00/2026", "12/9999", "01/1800", "٠٩/٢٠٢٦", "abc", "9/26", HUGE, "01/2020",
               "=TODAY()"]
BAD_REASONS = ["\x1b[31mđỏ", "thu nhầm\u202e", "a\x00b", "x" * 501, "Nguyễn\u200bVăn"]


@pytest.fixture
def vsi(qtbot, ctx, english, tmp_path):
    assert ctx.user  # the window's user, set up as the window does before any form opens
    host = QWidget()
    qtbot.addWidget(host)
    printer = ReceiptPrinter(ctx.runner, PrintPreferences(tmp_path / "config" / "printing.json"))
    person = person_by_citizen_id(ctx.store, DANG)
    dialog = CollectVsiDialog(ctx, person.person_id, printer=printer, on=ON, parent=host)
    dialog.show()
    qtbot.waitUntil(lambda: dialog._payer is not None)
    yield dialog  # `host` stays referenced until the test ends: deleting it deletes the form
    host.close()


def retype(qtbot, type_text, edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    type_text(edit, text)


def test_the_good_payment_can_go_on_the_control(vsi):
    assert vsi.plan is not None and vsi.continue_button.isEnabled()


def test_each_bad_income_is_refused_beside_the_field_and_nothing_is_recorded(qtbot, type_text, vsi, store):
    before = snapshot(store)
    for income in BAD_INCOMES:
        retype(qtbot, type_text, vsi.income_edit, income)

        assert vsi.plan is None, f"income {income[:40]!r} read as {vsi.income_edit.value()}"
        assert vsi.income_message.text() and "\n" not in vsi.income_message.text()
        assert not vsi.continue_button.isEnabled() and vsi.why_label.text()
        qtbot.keyClick(vsi.income_edit, Qt.Key.Key_Return)
        assert not vsi.on_confirm_step()
        tally.bad_input("form:income")
    assert snapshot(store) == before


def test_the_income_field_takes_only_digits_and_shows_what_it_takes(qtbot, type_text, vsi):
    # A minus, letters or digits of other scripts are never typed in: what is shown is what is used.
    for typed, shown in (("-1500000", "1.500.000"), ("1.5e6", "156"), ("２０００００0", "0"), (HUGE, "100.000.000.000")):
        retype(qtbot, type_text, vsi.income_edit, typed)
        assert vsi.income_edit.text() == shown
        assert vsi.income_edit.value() == int(shown.replace(".", ""))


def test_each_bad_first_month_is_refused_beside_the_field_and_nothing_is_recorded(qtbot, type_text, vsi, store):
    before = snapshot(store)
    for period in BAD_PERIODS:
        retype(qtbot, type_text, vsi.period_edit, period)

        assert vsi.plan is None, f"first month {period[:40]!r} accepted"
        assert vsi.period_message.text() and "\n" not in vsi.period_message.text()
        assert not vsi.continue_button.isEnabled()
        tally.bad_input("form:period")
    assert snapshot(store) == before


def test_an_amount_handed_over_below_the_amount_payable_keeps_record_disabled(qtbot, type_text, vsi, store):
    before = snapshot(store)
    vsi.go_to_confirm()
    assert vsi.on_confirm_step()
    handed = vsi.confirm.handed_edit
    for amount in ["1", "1000", "١٠٠٠٠٠٠٠", "abc1"]:
        retype(qtbot, type_text, handed, amount)
        if handed.value() is None:  # nothing read: the exact amount is taken, as the field says
            continue
        assert not vsi.record_button.isEnabled() and vsi.confirm.handed_message.text()
        qtbot.keyClick(handed, Qt.Key.Key_Return)
        tally.bad_input("form:handed-over")
    assert snapshot(store) == before


@pytest.mark.parametrize("reason", BAD_REASONS, ids=range(len(BAD_REASONS)))
def test_a_void_reason_the_store_would_refuse_is_refused_as_typed(qtbot, type_text, english, reason):
    dialog = VoidReasonDialog("BD01M1-26-0000001")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reason_edit.setText(reason)

    assert not dialog.ok_button.isEnabled()
    assert dialog.problem_label.isVisible() and dialog.problem_label.text()
    qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
    assert dialog.result() == 0 and dialog.isVisible()
    tally.bad_input("form:void-reason")


def test_a_good_void_reason_is_taken(qtbot, english):
    dialog = VoidReasonDialog("BD01M1-26-0000001")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reason_edit.setText("Thu nhầm người")

    assert dialog.ok_button.isEnabled() and not dialog.problem_label.isVisible()
