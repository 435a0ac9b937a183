"""The export dialog: choose what, the range and the format from the keyboard, export in the background
with its progress, and read the file back; a file that cannot be written is one line on the dialog."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs import export_dialog
from collector_app.ui.dialogs.export_dialog import ExportDialog

PAID_ON = date(2026, 10, 5)
AN = "001075004321"


@pytest.fixture
def dialog(qtbot: QtBot, ctx: AppContext, store: Store, monkeypatch: pytest.MonkeyPatch) -> ExportDialog:
    collector = acting_user(store)
    record_family_hi_payment(store, household_code="0101000123", months=12, on=PAID_ON, actor=collector,
                             today=PAID_ON)
    record_vsi_payment(store, citizen_id=AN, monthly_income=1_500_000, months=3, on=PAID_ON, actor=collector,
                       today=PAID_ON)
    monkeypatch.setattr(export_dialog, "today", lambda: date(2026, 10, 31))
    widget = ExportDialog(ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_payments_of_the_month_export_to_xlsx_in_the_background(qtbot: QtBot, dialog: ExportDialog, tmp_path: Path):
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("payments"))
    assert dialog.path_edit.text().endswith("payments-20261001-20261031.xlsx")
    out = tmp_path / "payments.xlsx"
    dialog.path_edit.setText(str(out))

    with qtbot.waitSignal(dialog.exported, timeout=20_000) as done:
        qtbot.keyClick(dialog.export_button, Qt.Key.Key_Return)

    assert done.args[0].rows == 2
    rows = [[c.value for c in row] for row in load_workbook(out).active.iter_rows()]
    assert rows[0][:3] == ["receipt_number", "paid_on", "scheme"] and len(rows) == 3
    assert dialog.status_label.text() == f"Đã ghi 2 dòng vào {out}"
    assert dialog.progress_bar.isHidden() and dialog.export_button.isEnabled()


def test_the_csv_format_and_a_range_without_payments(qtbot: QtBot, dialog: ExportDialog, tmp_path: Path):
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(".csv"))
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("receipts"))
    dialog.from_edit.setDate(dialog.from_edit.date().addMonths(-3))
    dialog.to_edit.setDate(dialog.to_edit.date().addMonths(-2))
    out = tmp_path / "receipts.csv"
    dialog.path_edit.setText(str(out))

    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_button.click()

    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle))[0][0] == "receipt_number"
    assert dialog.status_label.text() == f"Đã ghi 0 dòng vào {out}"


def test_a_file_that_cannot_be_written_is_one_line_on_the_dialog(qtbot: QtBot, dialog: ExportDialog, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    dialog.path_edit.setText(str(blocker / "inside.xlsx"))

    dialog.export_button.click()

    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Không xuất được dữ liệu: "))
    assert str(blocker) in dialog.status_label.text()
    assert "\n" not in dialog.status_label.text() and "Traceback" not in dialog.status_label.text()
