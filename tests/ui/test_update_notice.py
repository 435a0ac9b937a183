"""The window and a newer version of the app, against the real provincial server: after a sync the notice says
so and downloads it in the background; the Install button asks, then starts the installer (stood in for: the
one OS call) and closes the window; a download tampered with on the server is refused in one line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "sync")]

from sync_helpers import Collector, RunningServer, new_collector
from window_sync_helpers import FAST, WAIT_MS, server  # noqa: F401 - the server fixture, found by name

from collector_app import i18n
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner
from provincial_server import cli


@pytest.fixture(scope="module")
def release_key(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    folder = tmp_path_factory.mktemp("release-key")
    assert cli.main(["release-key", "new", "--out", str(folder)]) == 0
    return folder / "release-key.pem"


def publish(server: RunningServer, key: Path, folder: Path, version: str) -> tuple[bytes, Path]:  # noqa: F811
    installer = folder / f"collector-app_{version}_amd64.deb"
    installer.write_bytes(content := os.urandom(150_000))
    out = server.admin("publish-release", str(installer), "--version", version, "--platform", "linux-deb",
                       "--key", str(key), "--releases-dir", str(folder / "server-releases"),
                       "--notes", "Sửa lỗi in biên lai", "--json")
    return content, Path(json.loads(out)["path"])


@pytest.fixture
def window_on(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`window_on(collector)`: a shown main window on the collector's store that syncs at once; installers
    it starts are recorded in `window.started` instead of run."""
    opened: list[tuple[MainWindow, TaskRunner]] = []

    def open_(collector: Collector) -> MainWindow:
        monkeypatch.setenv("COLLECTOR_APP_DATA_DIR", str(collector.data_dir))  # the updates folder is in it
        store = collector.open()
        runner = TaskRunner(store)
        started: list[tuple[str, Path]] = []
        window = MainWindow(AppContext(store=store, runner=runner, language=i18n.language()), sync_schedule=FAST,
                            launch=lambda platform, path: started.append((platform, path)))
        window.started = started  # type: ignore[attr-defined]
        qtbot.addWidget(window)
        opened.append((window, runner))
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        return window

    yield open_
    for window, runner in opened:
        window.close()
        runner.shutdown()
        window._ctx.store.close()


def test_a_new_version_is_announced_downloaded_and_installed_on_the_users_word(
        qtbot: QtBot, tmp_path: Path, server: RunningServer, release_key: Path, window_on) -> None:  # noqa: F811
    collector = new_collector(tmp_path / "device", server)
    content, _ = publish(server, release_key, tmp_path, "7.1.0")
    window: MainWindow = window_on(collector)
    notice = window.update_notice
    qtbot.waitUntil(lambda: notice.install_button.isVisible(), timeout=WAIT_MS)
    assert notice.message_text == ("Có phiên bản mới 7.1.0 của ứng dụng, đã tải về và kiểm tra. "
                                   "Sửa lỗi in biên lai")
    assert window.updates.update is not None and window.updates.update.downloaded is not None
    assert window.updates.update.downloaded.read_bytes() == content
    assert window.started == []  # never installed on its own

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_U,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.updates.dialog is not None and window.updates.dialog.isVisible())  # animateClick
    dialog = window.updates.dialog
    assert dialog is not None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # later: nothing happens
    assert not dialog.isVisible() and window.started == []

    notice.install_button.click()
    dialog = window.updates.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)  # the app closes for the installer
    assert window.started == [("linux-deb", window.updates.update.downloaded)]


def test_a_download_tampered_with_on_the_server_is_refused_and_deleted(
        qtbot: QtBot, tmp_path: Path, server: RunningServer, release_key: Path, window_on) -> None:  # noqa: F811
    collector = new_collector(tmp_path / "device", server)
    content, stored = publish(server, release_key, tmp_path, "7.2.0")
    stored.write_bytes(content[:500] + bytes([content[500] ^ 0xFF]) + content[501:])
    window: MainWindow = window_on(collector)
    notice = window.update_notice
    qtbot.waitUntil(lambda: "không phải tệp" in notice.message_text, timeout=WAIT_MS)
    assert notice.message_text == (
        "Bản tải về của phiên bản 7.2.0 không phải tệp mà tỉnh đã ký nên đã bị xóa. Lần đồng bộ sau sẽ tải "
        "lại; nếu việc này lặp lại, hãy gọi bộ phận hỗ trợ.")
    assert notice.install_button.isHidden()
    assert [p.name for p in (collector.data_dir / "updates").iterdir()] == []
