"""The Settings page's Backups box: back up now (off the GUI thread, with progress), the list of backups
and what each holds, the second folder, and a restore that asks first (listing what the backup lacks)
and is done by `ui.app` once the window has closed the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from signing import open_test_store
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.services.backups import backup_settings, list_store_backups
from collector_app.store.db import Store
from collector_app.store.people import count_people
from collector_app.store.registration import add_households
from collector_app.ui import app as ui_app
from collector_app.ui.context import AppContext
from collector_app.ui.pages.settings_page import SettingsPage


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext) -> SettingsPage:
    shown = SettingsPage(ctx)
    qtbot.addWidget(shown)
    shown.resize(1200, 800)
    shown.show()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(lambda: shown.point_name_edit.text() != "")
    return shown


def back_up_now(qtbot: QtBot, page: SettingsPage, rows: int) -> None:
    qtbot.mouseClick(page.backup_now_button, _left())
    qtbot.waitUntil(lambda: page.backups_table.rowCount() == rows and page.backup_now_button.isEnabled(),
                    timeout=10_000)


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_back_up_now_lists_the_backup_with_what_it_holds(qtbot: QtBot, page: SettingsPage, store: Store):
    back_up_now(qtbot, page, 1)
    [backup] = list_store_backups(store.path, connector=store.connector)
    assert str(backup.path) in page.backup_status.text()
    assert page.backup_progress.isHidden()
    people = count_people(store)
    cells = [page.backups_table.item(0, column).text() for column in range(page.backups_table.columnCount())]
    assert cells[1] == "theo yêu cầu" and cells[3] == str(people) and cells[4] == "0"
    assert page.restore_button.isEnabled()


def test_a_second_folder_is_saved_and_a_missing_one_is_said(qtbot: QtBot, page: SettingsPage, store: Store,
                                                            tmp_path: Path):
    stick = tmp_path / "usb"
    page.second_folder_edit.setText(str(stick))
    page.save()
    qtbot.waitUntil(lambda: page.status_label.text() == "Đã lưu.")
    assert backup_settings(store).second_folder == stick
    back_up_now(qtbot, page, 1)
    assert str(stick) in page.backup_status.text() and "USB" in page.backup_status.text()


def test_a_restore_not_confirmed_changes_nothing(qtbot: QtBot, page: SettingsPage, ctx: AppContext,
                                                 monkeypatch: pytest.MonkeyPatch):
    back_up_now(qtbot, page, 1)
    asked: list[str] = []
    monkeypatch.setattr(page, "ask_restore", lambda text: asked.append(text) or False)
    qtbot.mouseClick(page.restore_button, _left())
    qtbot.waitUntil(lambda: bool(asked))
    assert "Bản sao lưu có đủ mọi khoản nộp" in asked[0]
    qtbot.waitUntil(lambda: "chưa được xác nhận" in page.backup_status.text())
    assert ctx.session.restore is None


def test_a_confirmed_restore_is_done_once_the_store_is_closed(qtbot: QtBot, page: SettingsPage, ctx: AppContext,
                                                              store: Store, monkeypatch: pytest.MonkeyPatch):
    back_up_now(qtbot, page, 1)
    people_then = count_people(store)
    add_households(store, [NewHousehold("0199999999", "Số 9", "00004", "01",
                                        (NewPerson("Lê Văn Mới", date(1990, 1, 1), Sex.MALE, "001090099999"),))],
                   actor="test")
    monkeypatch.setattr(page, "ask_restore", lambda text: True)
    qtbot.mouseClick(page.restore_button, _left())
    qtbot.waitUntil(lambda: ctx.session.restore is not None)
    request = ctx.session.restore
    assert request is not None

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: shown.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append("FAILED " + text))
    ctx.runner.shutdown()
    store.close()
    ui_app.restore_requested(store.path, request, store.connector)

    assert shown and shown[0].startswith("Đã khôi phục")
    with open_test_store(store.path) as restored:
        assert count_people(restored) == people_then
    kinds = [backup.manifest.kind for backup in list_store_backups(store.path, connector=store.connector)
             if backup.manifest]
    assert sorted(kinds) == ["before-restore", "manual"]


def test_a_window_that_cannot_open_its_store_names_the_backup_to_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signs_in_at_start: None
):
    from collector_app.services.backups import back_up

    folder = tmp_path / "data"
    monkeypatch.setenv("COLLECTOR_APP_DATA_DIR", str(folder))
    path = folder / "collector.sqlite3"
    with open_test_store(path) as store:
        backup = back_up(store).path
    path.write_bytes(b"\x00garbage" * 4096)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))


    assert ui_app.run([]) == 1

    [text] = shown
    assert "Traceback" not in text and f'collector-app restore "{backup}"' in text


def test_closing_the_window_after_a_day_with_writes_backs_up(qtbot: QtBot, ctx: AppContext, store: Store):
    from collector_app.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: store.health.report is not None)
    assert list_store_backups(store.path, connector=store.connector) == []  # nothing owed at start: today's writes are today's
    window.close()
    [backup] = list_store_backups(store.path, connector=store.connector)
    assert backup.manifest is not None and backup.manifest.kind == "daily"
    assert backup.manifest.households == 2
