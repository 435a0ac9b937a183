"""The Today page after a sync with the real provincial server: a payment the server rejected appears on
its own (the sync announces what it changed), with the reason and what to do, and the way to the Sync page."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "sync")]

from sync_helpers import RunningServer, new_collector

from window_sync_helpers import FAST, WAIT_MS, OpenWindow, open_window, server  # noqa: F401 - fixtures, found by name

ON_F9 = replace(FAST, first_delay=3600.0)  # syncs when asked (F9), not at start


def test_a_payment_the_server_rejects_is_listed_on_the_today_page_with_its_reason_and_what_to_do(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    collector.pay(2)
    wrong = collector.pay_with_a_wrong_gross()

    synced = open_window(collector, ON_F9)
    window = synced.window
    page = window.today_page
    assert window.pages.currentWidget() is page  # the first page
    qtbot.waitUntil(lambda: page.summary is not None, timeout=WAIT_MS)
    assert page.rejected_model.rowCount() == 0 and page.rejected_table.isHidden()

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F9)
    synced.next_outcome(qtbot)

    qtbot.waitUntil(lambda: page.rejected_model.rowCount() == 1, timeout=WAIT_MS)
    row = {column.key: page.rejected_model.index(0, number).data()
           for number, column in enumerate(page.rejected_model.columns)}
    assert (row["rejected_by"], row["kind"], row["receipt"], row["person"]) == (
        "Máy chủ", "khoản nộp", wrong, "Đặng Văn Hùng")
    assert row["reason"].startswith("Tổng số tiền đóng (người thứ 1) là ")
    assert row["what_to_do"] == (f"Hãy hủy biên lai số {wrong} rồi thu lại: khoản nộp đã ghi không bao giờ "
                                 "được sửa.")
    assert page.rejected_box.title() == "Bản ghi bị từ chối: 1 bản ghi cần xử lý"
    assert page.rejected_table.isVisible()

    page.sync_button.setFocus()
    qtbot.keyClick(page.sync_button, Qt.Key.Key_Space)
    assert window.pages.currentWidget() is window.sync_page
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is page and QApplication.focusWidget() is page.due_button
