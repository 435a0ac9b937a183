"""Starting the GUI: the QApplication, its font and translators, the store, and the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QDir, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from collector_app import i18n, paths
from collector_app.domain.problems import DomainError
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.paths import APP_NAME, resource_path
from collector_app.services import unlocking
from collector_app.services.backups import restore, restore_hint, restored_text, server_highest_via_recovery
from collector_app.services.device import device_of
from collector_app.services.settings import current_settings
from collector_app.services.users import Opened, StoreUnopenable
from collector_app.store.cipher import is_plain_file
from collector_app.store.db import Connector, Store, open_store
from collector_app.store.users import User, all_users, has_signing_users
from collector_app.ui.context import AppContext, RestoreRequest, Session
from collector_app.ui.dialogs.sign_in_dialog import FirstUserDialog, SignInDialog, first_offered, point_line
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

ORGANISATION = "collector-app"
# DejaVu Sans draws every Vietnamese mark; a PyInstaller bundle cannot count on the host's fonts.
FONT_FILES = ("fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf")


def run(argv: list[str]) -> int:
    """Start the GUI. `argv` holds the arguments after the program name, as `cli.main` passes them:
    `--lang en` is ours, anything else goes to Qt (`-style fusion`). The store is the one in the
    data folder (`COLLECTOR_APP_DATA_DIR` overrides it)."""
    parser = argparse.ArgumentParser(prog=APP_NAME)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="language of the interface (default: vi)")
    options, qt_args = parser.parse_known_args(argv)
    if options.lang:
        i18n.set_language(options.lang)

    app = create_application([sys.argv[0] or APP_NAME, *qt_args])
    runner = TaskRunner(None)  # the store opens when someone signs in: its key is unlocked then
    store: Store | None = None
    try:
        try:
            opened = open_at_start(runner, paths.store_path())
        except Exception as error:  # a failed upgrade or an unreadable file: tell the user, not a traceback
            log.exception("the store could not be opened")
            hint = "" if isinstance(error, StoreUnopenable) else _restore_hint()  # it names the backup itself
            QMessageBox.critical(None, _("The data could not be opened"), f"{error}\n\n{hint}".strip())
            return 1
        if opened is None:  # the user chose to quit instead
            return 0
        store, user = opened.store, opened.user
        runner.use_store(store)
        if opened.recovery_code is not None:
            show_recovery_code(opened.recovery_code)
        if not options.lang and not os.environ.get("COLLECTOR_APP_LANG"):  # what the user asked for wins
            _use_stored_language(app, store)
        context = AppContext(store=store, runner=runner, language=i18n.language(), session=Session(user))
        window = MainWindow(context)
        window.show_on_screen(window.remembered_geometry())
        code = app.exec()
    finally:
        runner.shutdown()  # the worker may be mid-transaction: let it finish before closing the store
        if store is not None:
            store.close()
    if store is not None and context.session.restore is not None:  # asked for on Settings: the store closed
        restore_requested(store.path, context.session.restore, store.connector)
    return code


def restore_requested(store_path: Path, request: RestoreRequest, connector: Connector) -> None:
    """Put the backup chosen on the Settings page in place, now that no connection is open; say how it went."""
    try:
        done = restore(store_path, request.backup, actor=request.actor, connector=connector,
                       server_highest=server_highest_via_recovery(store_path, request.backup, connector=connector))
    except Exception as error:  # noqa: BLE001 - said in a dialog, never a traceback
        log.exception("the restore failed")
        text = " ".join(message(p) for p in error.problems) if isinstance(error, DomainError) else str(error)
        QMessageBox.critical(None, _("The backup could not be restored"), text)
        return
    QMessageBox.information(None, _("Backup restored"), restored_text(done))


def _restore_hint() -> str:
    try:
        return restore_hint(paths.store_path())
    except Exception:  # noqa: BLE001 - a help, never a second failure
        return ""


def open_at_start(runner: TaskRunner, path: Path) -> Opened | None:
    """Sign in, then open the store with the key the password unlocks (off the GUI thread); on a new
    device make the first user, whose password wraps a new key. None when the user quits instead.

    A store from before encryption lists its users (it is plain still); signing in encrypts it.
    A plain store of a device set up before users had passwords gets its first user first."""
    if unlocking.is_encrypted(path):
        usernames = unlocking.usernames(path)
    elif is_plain_file(path):
        with open_store(path) as plain:  # upgraded as before; its users are read to offer them
            if not has_signing_users(plain):
                plain_runner = TaskRunner(plain)
                try:
                    made = FirstUserDialog(plain_runner).exec() == QDialog.DialogCode.Accepted
                finally:
                    plain_runner.shutdown()
                if not made:
                    return None
            usernames = [user.username for user in all_users(plain) if user.has_password]
    else:
        first = FirstUserDialog(runner, store_path=path)
        if first.exec() != QDialog.DialogCode.Accepted or first.opened is None:
            return None
        return first.opened
    dialog = SignInDialog.before_store(runner, path, usernames)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        if dialog.failure is not None:
            raise dialog.failure
        return None
    return dialog.opened


def recovery_code_box(code: str) -> QMessageBox:
    """The recovery code, shown once: for the office safe, to set a new password when all are forgotten."""
    box = QMessageBox(QMessageBox.Icon.Information, _("Recovery code"), _(
        "Write this recovery code on paper and keep it in the office safe. If every password of this "
        "computer is forgotten, it sets a new one (collector-app user recover). It is shown only now."))
    # Large and fixed-width: it is copied onto paper by hand, letter by letter.
    box.setInformativeText(f'<p style="font-family: monospace; font-size: 16pt; white-space: pre"><b>{code}</b></p>')
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box


def show_recovery_code(code: str) -> None:
    recovery_code_box(code).exec()


def sign_in_at_start(runner: TaskRunner, store: Store) -> User | None:
    """The user who signs in before the window opens (the first user is made on a new device); None
    when they quit instead. The store is open already: the users are in it."""
    if not has_signing_users(store):
        first = FirstUserDialog(runner)
        if first.exec() != QDialog.DialogCode.Accepted:
            return None
    users, device = all_users(store), device_of(store)
    dialog = SignInDialog(runner, users, chosen=first_offered(users, device.default_user_id),
                          point=point_line(device))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.user


def _use_stored_language(app: QApplication, store: Store) -> None:
    """The language chosen on the Settings page (the default, Vietnamese, when none was)."""
    try:
        language = current_settings(store).language
    except Exception:  # noqa: BLE001 - a setting never stops the window from opening
        log.warning("the language setting could not be read", exc_info=True)
        return
    if language != i18n.language():
        use_language(app, language)


def use_language(app: QApplication, language: str) -> None:
    """Our strings and Qt's own (standard buttons, text menus) in `language` from now on."""
    i18n.set_language(language)
    for translator in app.findChildren(QTranslator):
        app.removeTranslator(translator)
    install_qt_translator(app, language)


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with our names, font and Qt's own translations; reused by scripts and tests."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    QDir.addSearchPath("icons", str(resource_path("icons")))
    app.setWindowIcon(QIcon("icons:collector-app.png"))
    # Wayland and the Linux taskbars match the window to the installed desktop entry by this name.
    app.setDesktopFileName(APP_NAME)
    _use_shipped_font(app)
    install_qt_translator(app, i18n.language())
    return app


def _use_shipped_font(app: QApplication) -> None:
    families: list[str] = []
    for relative in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(resource_path(relative)))
        if font_id < 0:
            log.warning("font %s could not be loaded; using the system font", relative)
        else:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    if families:
        font = QFont(app.font())
        font.setFamily(families[0])
        app.setFont(font)


def install_qt_translator(app: QApplication, language: str) -> QTranslator | None:
    """Qt's own strings (standard buttons, text menus, file dialogs) in `language`; the translator installed.

    Qt ships no Vietnamese catalog: ours is `resources/translations/qt/qtbase_vi.ts`, compiled to the
    `.qm` beside it with `pyside6-lrelease` (a test keeps the two in step).
    """
    if language == "en":
        return None
    translator = QTranslator(app)
    locale = QLocale(language)
    for folder in (
        resource_path("translations/qt"),
        Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ):
        if translator.load(locale, "qtbase", "_", str(folder)):
            app.installTranslator(translator)
            return translator
    log.info("no Qt translation for %s; Qt's standard strings stay in English", language)
    return None
