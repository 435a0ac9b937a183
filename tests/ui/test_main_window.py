"""The main window: its language, its shortcuts, its status bar, and the app's start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app.paths import STORE_FILE_NAME
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.resize(1200, 700)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)
    return main


def test_the_window_speaks_vietnamese_by_default(window: MainWindow) -> None:
    assert window.windowTitle() == "Thu BHXH tự nguyện & BHYT hộ gia đình"
    assert [window.navigation.item(row).text() for row in (0, 1)] == ["Hôm nay", "Tìm kiếm"]
    assert window.find_page.search_box.placeholderText() == "Họ tên, số CCCD, mã BHXH hoặc số điện thoại"
    assert window.find_page.model.headerData(0, Qt.Orientation.Horizontal) == "Họ và tên"


def test_the_window_speaks_english_when_asked(qtbot: QtBot, english: None, ctx: AppContext) -> None:
    main = MainWindow(ctx)
    qtbot.addWidget(main)

    assert main.windowTitle() == "Voluntary SI & family HI collection"
    assert [main.navigation.item(row).text() for row in (0, 1)] == ["Today", "Find"]
    assert main.find_page.search_box.placeholderText() == (
        "Full name, citizen ID, social insurance code or phone number"
    )
    assert main.find_page.model.headerData(0, Qt.Orientation.Horizontal) == "Full name"
    assert main.find_page.household.title() == "Household"


def test_the_status_bar_shows_the_store_file_and_how_many_people_it_holds(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    qtbot.waitUntil(lambda: window.people_label.text() == "6 người")
    assert str(store.path) in window.store_label.text()


def test_a_household_can_be_found_with_the_keyboard_alone(
    qtbot: QtBot, window: MainWindow, type_text
) -> None:
    page = window.find_page
    window.navigation.setFocus()

    qtbot.keyClick(window.navigation, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.search_box
    type_text(QApplication.focusWidget(), "dang thi h")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert QApplication.focusWidget() is page.table
    with qtbot.waitSignal(page.person_activated) as activated:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert activated.args[0].full_name == "Đặng Thị Hằng"

    household = page.household_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is household.members_view)
    members = household.members_model
    assert members.row(household.members_view.currentIndex().row()).full_name == "Đặng Thị Hằng"


def test_escape_in_the_results_goes_back_to_the_search_box(
    qtbot: QtBot, window: MainWindow, type_text
) -> None:
    page = window.find_page
    page.focus_search()
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)

    qtbot.keyClick(page.table, Qt.Key.Key_Escape)

    assert QApplication.focusWidget() is page.search_box


def test_ctrl_q_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.find_page.search_box, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: not window.isVisible())


# The app runs in its own interpreter: `QApplication.exec()` returning leaves Qt's event loops
# quitting, which would break every later test of this process.
START_AND_LOOK = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from collector_app.ui import app
from collector_app.ui.main_window import MainWindow

show = MainWindow.show

def show_and_look(window):
    show(window)

    def look():
        print(window.windowTitle())
        print(QApplication.font().family())
        window.close()  # the last window: the app quits

    QTimer.singleShot(0, look)

MainWindow.show = show_and_look
sys.exit(app.run(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("options", "environment"),
    [(["--lang", "en"], {}), ([], {"COLLECTOR_APP_LANG": "en"})],
    ids=["--lang en", "COLLECTOR_APP_LANG=en"],
)
def test_the_app_starts_on_the_data_folder_store_in_english_with_its_own_font(
    tmp_path: Path, options: list[str], environment: dict[str, str]
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", START_AND_LOOK, *options],
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "COLLECTOR_APP_DATA_DIR": str(tmp_path),
            **environment,
        },
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Voluntary SI & family HI collection", "DejaVu Sans"]
    assert (tmp_path / STORE_FILE_NAME).exists()
