"""The running app carries the icon and the name the installed desktop entry has (installers/linux/), so
the taskbar and Wayland show it as that entry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from collector_app.ui.app import create_application

DESKTOP_ENTRY = Path(__file__).resolve().parents[2] / "installers" / "linux" / "collector-app.desktop"


def test_the_application_shows_the_shipped_icon_under_the_desktop_entry_s_name(qapp: QApplication) -> None:
    app = create_application(["collector-app"])
    assert app is qapp
    assert app.windowIcon().availableSizes() != []  # the shipped PNG was found and read
    assert app.desktopFileName() == DESKTOP_ENTRY.stem
