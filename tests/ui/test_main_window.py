"""The main window: its language, its shortcuts, its status bar, and the app's start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from signing import open_test_store

from collector_app.paths import STORE_FILE_NAME
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow, opening_size
from collector_app.ui.tasks import TaskRunner


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


def test_the_status_bar_shows_how_many_people_the_store_holds_and_its_file_in_tooltips(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    qtbot.waitUntil(lambda: window.people_label.text() == "6 người")
    assert f"Tệp dữ liệu: {store.path}" in window.people_label.toolTip()
    qtbot.waitUntil(lambda: f"Tệp dữ liệu: {store.path}" in window.sync_indicator.state_button.toolTip())
    assert str(store.path) not in " ".join(label.text() for label in window.statusBar().findChildren(QLabel))


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
# Signed in as the test user (tests/signing.py) without the dialog: the sign-in has tests of its own.
from collector_app.services.users import open_new_device
app.open_at_start = lambda runner, path: open_new_device(
    path, username="collector", full_name="Nguyễn Thị Thu", password="Mật khẩu thử 2026")
app.show_recovery_code = lambda code: None
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


# Review of issue 10: the window's size, its status bar, Ctrl+R, Help > Keyboard shortcuts.

# A Windows profile's folders (a long user name, the app's data folder): 200 characters and more.
LONG_FOLDERS = ("Users", "Nguyễn Thị Thu Hương - Bưu điện văn hóa xã", "AppData", "Local",
                "Thu BHXH tự nguyện và BHYT hộ gia đình", "Dữ liệu điểm thu xã Lạc Dương tỉnh Lâm Đồng",
                "Bản sao lưu tháng mười hai năm hai nghìn không trăm hai mươi sáu")
AT_125 = QSize(1093, 614)  # 1366 x 768 at 125 % scaling, in the window's logical pixels


def test_ctrl_r_opens_the_receipts_page_and_the_menu_and_tooltip_say_so(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window.receipts_action.shortcut().toString() == "Ctrl+R"
    assert window.receipts_action.toolTip() == "Biên lai (Ctrl+R)"
    file_menu = window.menuBar().actions()[0].menu()
    assert window.receipts_action in file_menu.actions()

    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)

    assert window.pages.currentWidget() is window.receipts_page
    assert QApplication.focusWidget() is window.receipts_page.filter_box


def test_f1_lists_every_shortcut_of_the_window_read_from_its_actions(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None) or QApplication.activeModalWidget()
    rows = dialog.rows()

    keys = {row[0] for row in rows}
    assert {"Ctrl+F", "Ctrl+R", "F9", "Shift+F9", "Ctrl+Q", "F1", "Ctrl+P", "Ctrl+S", "Ctrl+Shift+P", "Ctrl+G",
            "Enter"} <= keys
    assert ("Ctrl+R", "Biên lai", "Trình đơn Tệp") in rows
    assert ("Ctrl+P", "In bản sao", "Trang Biên lai") in rows
    assert ("Ctrl+G", "Gửi lại", "Trang Đồng bộ") in rows
    assert dialog.table.rowCount() == len(rows)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_an_action_added_later_appears_in_the_shortcuts_by_itself(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtGui import QAction, QKeySequence

    later = QAction("Lock", window.find_page)
    later.setShortcut(QKeySequence("Ctrl+L"))
    window.find_page.addAction(later)

    dialog = window.show_shortcuts()
    assert ("Ctrl+L", "Lock", "Trang Tìm kiếm") in dialog.rows()
    dialog.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_window_fits_1366_by_768_at_125_percent_in_either_language(
    qtbot: QtBot, ctx: AppContext, language: str
) -> None:
    from collector_app import i18n

    previous = i18n.language()
    i18n.set_language(language)
    try:
        main = MainWindow(ctx)
        qtbot.addWidget(main)
        hint = main.minimumSizeHint()
        assert hint.width() <= AT_125.width() and hint.height() <= AT_125.height(), hint
        for page in (main.receipts_page, main.sync_page, main.find_page):
            main.pages.setCurrentWidget(page)
            assert main.minimumSizeHint().width() <= AT_125.width(), (page, main.minimumSizeHint())
    finally:
        i18n.set_language(previous)


@pytest.mark.parametrize(("available", "expected"), [
    (QSize(1366, 728), None),  # 1366 x 768 less the taskbar: maximised
    (QSize(1093, 574), None),  # the same at 125 %
    (QSize(1280, 680), None),
    (QSize(1920, 1040), QSize(1280, 720)),
    (QSize(1600, 860), QSize(1280, 720)),
    (QSize(1440, 700), None),  # wide but short: maximised rather than cut
])
def test_the_window_opens_maximised_up_to_1366_by_768_and_at_1280_by_720_beyond(
    available: QSize, expected: QSize | None
) -> None:
    assert opening_size(available) == expected


def test_the_window_is_shown_no_larger_than_the_screen(qtbot: QtBot, ctx: AppContext) -> None:
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    available = main.screen().availableGeometry()

    main.show_on_screen()
    qtbot.waitExposed(main)

    wanted = opening_size(available.size())
    if wanted is None:
        assert main.isMaximized()
    else:
        assert main.width() <= max(wanted.width(), main.minimumSizeHint().width())
        assert main.height() <= max(wanted.height(), main.minimumSizeHint().height())


def test_a_long_windows_path_never_cuts_the_sync_state(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path.joinpath(*LONG_FOLDERS)
    folder.mkdir(parents=True)
    long = open_test_store(folder / "collector.sqlite3")
    runner = TaskRunner(long)
    try:
        assert len(str(long.path)) >= 200
        main = MainWindow(AppContext(store=long, runner=runner, language="vi"))
        qtbot.addWidget(main)
        main.resize(AT_125)
        main.show()
        qtbot.waitExposed(main)
        indicator = main.sync_indicator
        qtbot.waitUntil(lambda: bool(main.people_label.text()))
        qtbot.waitUntil(lambda: main.sync_controller.overview is not None)
        assert indicator.state_button.text() == "Chưa đăng ký với máy chủ"

        assert indicator.state_button.width() >= indicator.state_button.sizeHint().width()
        assert indicator.geometry().right() <= main.statusBar().width()
        assert str(long.path) in main.people_label.toolTip()
        main.close()
    finally:
        runner.shutdown()
        long.close()
