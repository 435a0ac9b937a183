"""The Settings page: changed from the keyboard alone and stored; read-only for a collaborator, whom the
service refuses anyway; the main window opens it with Ctrl+, and remembers its own size."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.device import acting_user
from collector_app.services.settings import Settings, change_settings, current_settings, settings_view
from collector_app.store.accounts import add_user
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.pages.settings_page import SettingsPage


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext) -> SettingsPage:
    shown = SettingsPage(ctx)
    qtbot.addWidget(shown)
    shown.resize(1200, 650)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()
    qtbot.waitUntil(lambda: shown.point_name_edit.text() != "")
    return shown


def _focus(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.waitUntil(widget.hasFocus)


def _replace(qtbot: QtBot, type_text, widget: QWidget, text: str) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    type_text(widget, text)


def test_settings_changed_from_the_keyboard_alone_are_stored(
    qtbot: QtBot, page: SettingsPage, store: Store, type_text
) -> None:
    page.focus_first_field()
    _focus(qtbot, page.server_edit)
    type_text(page.server_edit, "https://bhxh.nghean.example.vn")
    qtbot.keyClick(page, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # Máy &in mặc định
    _focus(qtbot, page.printer_combo)
    type_text(page.printer_combo.lineEdit(), "Quầy-1")
    qtbot.keyClick(page.printer_combo, Qt.Key.Key_Tab)
    _focus(qtbot, page.layout_combo)
    qtbot.keyClick(page.layout_combo, Qt.Key.Key_Down)  # A5 -> 80 mm roll
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Tự khóa &sau
    _focus(qtbot, page.idle_spin)
    qtbot.keyClick(page.idle_spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.idle_spin, "25")
    qtbot.keyClick(page, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Tên điểm th&u
    _focus(qtbot, page.point_name_edit)
    _replace(qtbot, type_text, page.point_name_edit, "Điểm thu xã Đông Hội")

    qtbot.keyClick(page.point_name_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: page.status_label.text() == "Đã lưu.")
    assert current_settings(store) == Settings(default_printer="Quầy-1", default_layout="roll80",
                                               idle_lock_minutes=25, language="vi")
    view = settings_view(store)
    assert (view.point_name, view.server_url) == ("Điểm thu xã Đông Hội", "https://bhxh.nghean.example.vn")


def test_a_value_that_cannot_be_saved_is_explained_beside_its_field_and_nothing_is_saved(
    qtbot: QtBot, page: SettingsPage, store: Store, type_text
) -> None:
    before = settings_view(store)
    qtbot.keyClick(page, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Tên điểm th&u
    _focus(qtbot, page.point_name_edit)
    _replace(qtbot, type_text, page.point_name_edit, "   ")
    page.focus_first_field()
    type_text(page.server_edit, "bhxh.example.vn")

    qtbot.keyClick(page.server_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: page.field_messages["point_name"].isVisible())
    assert page.field_messages["point_name"].text() == "Không được để trống tên điểm thu."
    assert "bhxh.example.vn" in page.field_messages["server_url"].text()
    assert not page.field_messages["default_layout"].isVisible()
    assert settings_view(store) == before


def test_a_collaborator_sees_the_settings_read_only_and_the_service_refuses_a_direct_call(
    qtbot: QtBot, ctx: AppContext, store: Store
) -> None:
    add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")
    ctx.session.user = acting_user(store, "ctv.lan")
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.point_name_edit.text() != "")

    assert page.read_only_label.isVisible() and "Phạm Thị Lan" in page.read_only_label.text()
    assert page.receipt_note.isVisible()
    assert page.point_name_edit.isReadOnly() and page.server_edit.isReadOnly()
    assert not page.save_button.isEnabled() and not page.idle_spin.isEnabled()
    before = settings_view(store)
    qtbot.keyClick(page.point_name_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with pytest.raises(DomainError) as refused:
        change_settings(store, actor=ctx.user, point_name="Điểm khác", idle_lock_minutes=60)
    assert [p.code for p in refused.value.problems] == [ProblemCode.ROLE_MAY_NOT_CHANGE_SETTINGS]
    assert settings_view(store) == before


def test_ctrl_comma_opens_the_settings_page_with_the_cursor_in_its_first_field(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    window = MainWindow(ctx, window_state=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)

    assert window.pages.currentWidget() is window.settings_page
    qtbot.waitUntil(window.settings_page.server_edit.hasFocus)


def test_the_window_reopens_with_the_size_and_place_it_was_closed_with(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    state = tmp_path / "window.ini"
    first = MainWindow(ctx, window_state=state)
    qtbot.addWidget(first)
    # As narrow as the window may be: the offscreen screen (800 px) is narrower, and Qt shrinks a
    # restored window towards the screen down to its minimum width.
    first.setGeometry(QRect(40, 30, first.minimumSizeHint().width(), 620))
    first.show()
    qtbot.waitExposed(first)
    closed_with = first.geometry()
    first.close()

    again = MainWindow(ctx, window_state=state)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)

    # The offscreen screen is 800 px wide, narrower than the window: Qt keeps a restored window's
    # left edge on the screen, so only the size and the top are compared exactly.
    assert again.geometry().size() == closed_with.size()
    assert again.geometry().top() == closed_with.top()
    assert again.geometry() != QRect(0, 0, 0, 0)


def test_a_window_closed_maximised_reopens_maximised(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    state = tmp_path / "window.ini"
    first = MainWindow(ctx, window_state=state)
    qtbot.addWidget(first)
    first.showMaximized()
    qtbot.waitUntil(first.isMaximized)
    first.close()

    again = MainWindow(ctx, window_state=state)
    qtbot.addWidget(again)
    again.show()

    qtbot.waitUntil(again.isMaximized)


def test_a_window_never_closed_before_has_nothing_to_restore(ctx: AppContext, tmp_path: Path, qtbot: QtBot) -> None:
    window = MainWindow(ctx, window_state=tmp_path / "window.ini")
    qtbot.addWidget(window)

    assert window.restore_window_state() is False
