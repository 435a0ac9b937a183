"""Shared test set-up: Qt runs offscreen, Vietnamese can be typed into widgets, one PostgreSQL cluster a session."""

from __future__ import annotations

import os

# Before any QApplication exists (pytest-qt creates it lazily), so no display is needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every command a test runs signs in as the test user, as a script would.
from signing import PASSWORD, USERNAME  # noqa: E402

os.environ["COLLECTOR_APP_USER"] = USERNAME
os.environ["COLLECTOR_APP_PASSWORD"] = PASSWORD

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import tally
from pg_cluster import postgresql_cluster

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

__all__ = ["postgresql_cluster"]  # a session fixture (tests/server, tests/sync), imported to be found

TypeText = Callable[["QWidget", str], None]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reliability-scale", type=int, default=1,
                     help="run the fault and bad-input suites this many times longer (CI: 1)")


def pytest_configure(config: pytest.Config) -> None:
    tally.set_scale(config.getoption("--reliability-scale"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = tally.lines()
    if lines:
        terminalreporter.section("reliability")
        for line in lines:
            terminalreporter.write_line(line)
    tally.write_report()


def _type_text(widget: QWidget, text: str) -> None:
    """Type `text` into `widget` one key event per character.

    `qtbot.keyClicks` aborts the whole process on characters outside Latin-1 (a Qt assertion), so
    Vietnamese ("Nguyễn") is sent as key events carrying the character as their text.
    """
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for character in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character)
            QApplication.sendEvent(widget, event)


@pytest.fixture
def type_text() -> TypeText:
    """`type_text(widget, "Đặng Thị Hằng")`: types any Unicode text, unlike `qtbot.keyClicks`."""
    return _type_text
