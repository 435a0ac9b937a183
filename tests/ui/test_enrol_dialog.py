"""Enrolling from the window, against the real provincial server: the Enrol dialog by keyboard, what it says
when the code or the server is wrong, and the background sync that follows a successful enrolment."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from collector_app.ui.dialogs.enrol_dialog import EnrolDialog
from collector_app.services.syncing import Result

# The real server and collectors, as the server and sync tests have them.
sys.path[:0] = [str(Path(__file__).resolve().parents[1] / folder) for folder in ("server", "sync")]

from server_helpers import free_port
from sync_helpers import RunningServer, assert_server_holds_everything_once, new_collector
from window_sync_helpers import (  # noqa: F401 - fixtures, found by name
    WAIT_MS,
    OpenWindow,
    SyncedWindow,
    open_window,
    server,
)

TypeText = Callable[[QWidget, str], None]  # the `type_text` fixture (tests/conftest.py)


def open_dialog_by_keyboard(qtbot: QtBot, synced: SyncedWindow) -> EnrolDialog:
    """Shift+F9 (the Sync page), then Alt+K: the page's "Đăng ký máy tính này…" button."""
    window, page = synced.window, synced.window.sync_page
    qtbot.waitUntil(lambda: page.enrol_button.isVisibleTo(page), timeout=WAIT_MS)
    assert page.enrol_button.text() == "Đăng &ký máy tính này…"
    qtbot.keyClick(window, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), EnrolDialog), timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, EnrolDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.server_edit, timeout=WAIT_MS)
    return dialog


def fill_in(qtbot: QtBot, type_text: TypeText, dialog: EnrolDialog, url: str, code: str) -> None:
    """Type the address, Tab, type the code, Enter: all on whichever field has the focus."""
    type_text(QApplication.focusWidget(), url)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.code_edit
    type_text(QApplication.focusWidget(), code)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def fields(dialog: EnrolDialog) -> list[QLineEdit]:
    return [dialog.server_edit, dialog.code_edit, dialog.ca_edit]


def test_a_collector_enrols_from_the_window_by_keyboard_and_the_payment_recorded_before_goes_out(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow, type_text: TypeText
) -> None:
    collector = new_collector(tmp_path / "device", server, enrolled=False)  # point BD01, device M1
    [receipt] = collector.pay(1)
    server.admin("add-point", "BD01", "Điểm Bưu điện - Văn hóa xã Đông Anh")  # its receipts' point
    code = server.admin("enrolment-code", "BD01").strip()
    synced = open_window(collector)
    page = synced.window.sync_page
    assert not synced.controller.timer_active

    dialog = open_dialog_by_keyboard(qtbot, synced)
    assert dialog.windowTitle() == "Đăng ký máy tính này"
    # As typed from a note: lower case, spaces for the dashes.
    fill_in(qtbot, type_text, dialog, server.url, code.lower().replace("-", " "))

    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)  # closed (and deleted)
    outcome = synced.next_outcome(qtbot, Result.DONE)  # at once, without F9
    status = assert_server_holds_everything_once(collector)
    assert status["enrolled"] and status["payments"] == 1 and receipt.startswith(f"{status['series']}-")
    assert [(batch.accepted, batch.rejected) for batch in outcome.report.delivered] == [(1, 0)]
    assert page.enrolled_label.isVisibleTo(page)
    assert page.enrolled_label.text() == (
        f"Đã đăng ký với máy chủ {status['server_url']}: điểm thu Điểm Bưu điện - Văn hóa xã Đông Anh (BD01); "
        f"biên lai đánh số {status['series']}-YY-NNNNNNN.")
    assert page.figures["series"].text() == status["series"]
    assert not page.enrol_button.isVisibleTo(page) and page.notice_label.isHidden()
    assert synced.controller.timer_active  # the next sync is scheduled


def test_a_wrong_code_is_explained_in_the_dialog_and_nothing_changes(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow, type_text: TypeText
) -> None:
    collector = new_collector(tmp_path / "device", server, enrolled=False)
    synced = open_window(collector)
    dialog = open_dialog_by_keyboard(qtbot, synced)

    fill_in(qtbot, type_text, dialog, server.url, "K7QM-3XRT-9PAB-WC4D")

    qtbot.waitUntil(lambda: dialog.message_label.text().startswith("Máy chủ không chấp nhận mã này"),
                    timeout=WAIT_MS)
    assert dialog.message_label.text() == ("Máy chủ không chấp nhận mã này: mã không tồn tại, đã được dùng hoặc "
                                           "đã hết hạn. Hãy kiểm tra lại, hoặc xin tỉnh cấp mã mới.")
    assert dialog.isVisible() and not dialog.running and dialog.busy_bar.isHidden()
    assert all(field.isEnabled() for field in fields(dialog)) and dialog.enrol_button.isEnabled()
    assert QApplication.focusWidget() is dialog.code_edit  # to correct it at once
    status = collector.status()
    assert not status["enrolled"] and status["server_url"] is None
    assert not synced.controller.timer_active and synced.outcomes == []


def test_an_unreachable_server_is_named_in_the_dialog_and_escape_closes_it(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow, type_text: TypeText
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/v1"  # nothing listens there
    collector = new_collector(tmp_path / "device", server, enrolled=False)
    synced = open_window(collector)
    dialog = open_dialog_by_keyboard(qtbot, synced)

    fill_in(qtbot, type_text, dialog, nowhere, "K7QM-3XRT-9PAB-WC4D")
    assert dialog.running and not dialog.server_edit.isEnabled() and dialog.busy_bar.isVisibleTo(dialog)

    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.message_label.text() == (f"Không kết nối được với máy chủ {nowhere}: không có kết nối. Hãy "
                                           "kiểm tra địa chỉ máy chủ và kết nối mạng của máy tính này.")
    assert all(field.isEnabled() for field in fields(dialog))
    assert not collector.status()["enrolled"]

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)
    assert not collector.status()["enrolled"] and synced.outcomes == []


def test_the_sync_menu_opens_the_dialog_on_the_sync_page_from_any_page(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server, enrolled=False)
    synced = open_window(collector)
    window = synced.window
    assert window.pages.currentWidget() is window.today_page
    assert window.enrol_action.text() == "Đăng &ký máy tính này…"
    [sync_menu] = [action.menu() for action in window.menuBar().actions() if action.text() == "Đồng &bộ"]
    assert window.enrol_action in sync_menu.actions()

    window.enrol_action.trigger()

    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), EnrolDialog), timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert window.pages.currentWidget() is window.sync_page and dialog.parent() is window.sync_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.server_edit, timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)
    assert not collector.status()["enrolled"]
