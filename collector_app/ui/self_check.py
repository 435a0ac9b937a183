"""What `collector-app --self-test` checks of Qt (cli/self_test.py runs the steps): a receipt read back
by QtPdf, the reader the app prints and previews with, and the main window started and closed offscreen."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from collector_app.i18n import language
from collector_app.paths import APP_NAME
from collector_app.store.db import Store
from collector_app.store.users import User

log = logging.getLogger(__name__)


def _application() -> None:
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        return  # one running already (a test's) keeps its own translations and message handler
    # No display is needed: a bundle's self-test runs on a build machine or over SSH as well.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler

    from collector_app.ui.app import create_application

    # The verdict is one line: Qt's warnings (the offscreen platform "does not support" window hints)
    # would print beside it; what fails is said by the step that fails.
    qInstallMessageHandler(lambda _kind, _context, text: log.debug("Qt: %s", text))
    create_application([APP_NAME])


def pdf_pages_text(pdf: bytes) -> list[str]:
    """The text of each page of `pdf`, as QtPdf reads it; PdfError if it cannot."""
    _application()
    from collector_app.ui.printing import open_pdf

    document = open_pdf(pdf)
    try:
        return [document.getAllText(page).text() for page in range(document.pageCount())]
    finally:
        document.close()
        document.deleteLater()


def open_and_close_main_window(store: Store, user: User, shown: Callable[[], float]) -> float:
    """The main window on `store`, signed in as `user`, shown, its events run once, then closed; `shown()`
    read once the first events have run (the window painted)."""
    _application()
    from PySide6.QtWidgets import QApplication

    from collector_app.ui.context import AppContext, Session
    from collector_app.ui.main_window import MainWindow
    from collector_app.ui.tasks import TaskRunner

    runner = TaskRunner(store)
    try:
        window = MainWindow(AppContext(store=store, runner=runner, language=language(), session=Session(user)),
                            window_state=store.path.parent / "window.ini")
        window.show_on_screen()
        QApplication.processEvents()
        when_shown = shown()
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    finally:
        runner.shutdown()
    return when_shown
