"""MainWindow: navigation on the left, one page at a time, a status bar saying how syncing goes and how many
people the store holds (its file in a tooltip); the SyncController syncs in the background while the
window is open. Help > Keyboard shortcuts (F1) lists every shortcut, read from the window at run time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QDialog,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from collector_app.formatting import format_count
from collector_app.i18n import _, ngettext
from collector_app.paths import config_dir
from collector_app.services.backups import StartCheck, back_up_if_due, start_check
from collector_app.services.changes import Change, Changes
from collector_app.services.device import device_if_set_up
from collector_app.services.settings import (
    DEFAULT_IDLE_LOCK_MINUTES,
    Settings,
    current_settings,
    server_address,
    settings_or_defaults,
)
from collector_app.store.people import count_people
from collector_app.store.search import PersonHit
from collector_app.store.users import all_users
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.close_day_dialog import CloseDayDialog
from collector_app.ui.dialogs.collect_hi_dialog import open_collect_hi
from collector_app.ui.dialogs.collect_vsi_dialog import open_collect_vsi
from collector_app.ui.dialogs.sign_in_dialog import SignInDialog, point_line, user_title
from collector_app.ui.idle_lock import IdleLock
from collector_app.ui.dialogs.shortcuts_dialog import ShortcutsDialog, with_shortcut
from collector_app.ui.dialogs.edit_person_dialog import open_edit_person
from collector_app.ui.dialogs.household_form import open_add_member, open_new_household
from collector_app.ui.operations import Op
from collector_app.ui.pages.dashboard_page import DashboardPage
from collector_app.ui.pages.days_page import DaysPage
from collector_app.ui.dialogs.targets_dialog import TargetsDialog
from collector_app.ui.dialogs.make_round_dialog import MakeRoundDialog
from collector_app.ui.pages.due_page import DuePage
from collector_app.ui.pages.find_page import FindPage
from collector_app.ui.pages.progress_page import ProgressPage
from collector_app.ui.pages.handovers_page import HandoversPage
from collector_app.ui.pages.rounds_page import RoundsPage
from collector_app.ui.pages.receipts_page import ReceiptsPage
from collector_app.ui.pages.review_page import ReviewPage
from collector_app.ui.pages.settings_page import SettingsPage
from collector_app.ui.pages.sync_page import SyncPage
from collector_app.ui.pages.today_page import TodayPage
from collector_app.ui.printing import default_print_preferences
from collector_app.ui.dialogs.export_dialog import open_export_dialog
from collector_app.ui.receipt_printer import ReceiptPrinter
from collector_app.sync.supervisor import SupervisorSession
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.sync_controller import SyncController, SyncSchedule
from collector_app.ui.widgets.store_health_banner import StoreHealthBanner
from collector_app.ui.widgets.update_notice import UpdateNotice
from collector_app.ui.updates import UpdateController
from collector_app.services.updates import Launcher, launch_installer
from collector_app.ui.widgets.sync_indicator import SyncIndicator

NAVIGATION_WIDTH = 150
WINDOW_STATE_FILE = "window.ini"  # the window's size, place and state, remembered between runs
NAVIGATION_STYLE = "QListWidget::item { padding: 8px 6px; }"
STATUS_MESSAGE_MS = 8000
USER_LABEL_MIN_WIDTH = 60
# The most common laptop screen in the field; at 125 % scaling it is 1093 x 614 logical pixels, which
# the window's minimum size must fit. Up to this size the window opens maximised.
SMALL_SCREEN = QSize(1366, 768)
DEFAULT_SIZE = QSize(1280, 720)  # on a larger screen, when no size is remembered


def opening_size(available: QSize) -> QSize | None:
    """The window's size at start on a screen with `available` room: None (maximised) on a screen up to
    1366 x 768 or too small for the default, else 1280 x 720."""
    small = available.width() <= SMALL_SCREEN.width() and available.height() <= SMALL_SCREEN.height()
    if small or available.width() < DEFAULT_SIZE.width() or available.height() < DEFAULT_SIZE.height():
        return None
    return QSize(DEFAULT_SIZE)


class MainWindow(QMainWindow):
    supervisor_changed = Signal()  # a supervisor signed in to the provincial server, or out

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        sync_schedule: SyncSchedule | None = None,
        window_state: Path | None = None,
        launch: Launcher = launch_installer,
    ) -> None:
        """`launch` starts the system's installer of an update (tests stand in for it)."""
        super().__init__(parent)
        self._ctx = ctx
        self._window_state = QSettings(str(window_state or config_dir() / WINDOW_STATE_FILE),
                                       QSettings.Format.IniFormat)
        self.setWindowTitle(_("Voluntary SI & family HI collection"))

        self.today_page = TodayPage(ctx)
        self.find_page = FindPage(ctx)
        # One for the window: pages that print receipts (payments, receipts) are given it.
        self.receipt_printer = ReceiptPrinter(
            ctx.runner, default_print_preferences(), self, actor=lambda: ctx.user)  # copies by who is signed in
        self.receipts_page = ReceiptsPage(ctx, self.receipt_printer)
        self.sync_controller = SyncController(ctx, sync_schedule, self)
        self.sync_page = SyncPage(ctx, self.sync_controller)
        self.settings_page = SettingsPage(ctx)
        self.navigation = QListWidget()
        self.navigation.setFixedWidth(NAVIGATION_WIDTH)
        self.navigation.setAccessibleName(_("Navigation"))
        self.navigation.setStyleSheet(NAVIGATION_STYLE)
        self.pages = QStackedWidget()
        self._add_page(_("Today"), self.today_page)
        self._add_page(_("Find"), self.find_page)
        # The Due page (issue 13): renewals open the payment forms with the proposal; Ctrl+O its household.
        self.due_page = DuePage(ctx)
        self._add_page(_("Due"), self.due_page)
        self.due_page.renew_vsi_requested.connect(
            lambda person_id, proposal: open_collect_vsi(self._ctx, self, person_id, printer=self.receipt_printer,
                                                         proposal=proposal))
        self.due_page.renew_hi_requested.connect(
            lambda household_id, proposal: open_collect_hi(self._ctx, self, household_id,
                                                           printer=self.receipt_printer, proposal=proposal))
        self.due_page.household_requested.connect(lambda household_id: self.show_household(household_id))
        self.today_page.due_page_requested.connect(self.show_due_page)
        self._add_page(_("Receipts"), self.receipts_page)
        self._add_page(_("Sync"), self.sync_page)
        self._add_page(_("Settings"), self.settings_page)
        # Supervisor mode: every call with a supervisor's session goes through the link (asked again
        # when it ends, or after a lock); their pages are listed only while one is signed in (or locked out).
        self.supervisor_link = SupervisorLink(ctx.runner, self, self._server_url)
        self.progress_page = ProgressPage(ctx, self.supervisor_link)
        self._add_page(_("Progress"), self.progress_page)
        self.dashboard_page = DashboardPage(ctx, self.supervisor_link)
        self._add_page(_("Province"), self.dashboard_page)
        self.review_page = ReviewPage(self.supervisor_link)
        self._add_page(_("Review batches"), self.review_page)
        self.days_page = DaysPage(self.supervisor_link)
        self._add_page(_("Closed days"), self.days_page)
        self.handovers_page = HandoversPage(ctx)  # issue 13 §3: collaborators' cash
        self._add_page(_("Hand-overs"), self.handovers_page)
        self.rounds_page = RoundsPage(ctx, self.receipt_printer.preferences)  # issue 13 §2: visit rounds
        self._add_page(_("Visit rounds"), self.rounds_page)
        self.due_page.round_requested.connect(self.show_make_round)
        # Payments are added here as they are built.

        self.health_banner = StoreHealthBanner()
        self.update_notice = UpdateNotice()
        self.updates = UpdateController(ctx, self.sync_controller, self.update_notice, self, launch=launch)

        central = QWidget()
        rows = QVBoxLayout(central)
        rows.addWidget(self.health_banner)
        rows.addWidget(self.update_notice)
        columns = QHBoxLayout()
        columns.addWidget(self.navigation)
        columns.addWidget(self.pages, 1)
        rows.addLayout(columns, 1)
        # While locked, the pages (names, citizen IDs, money) are hidden behind a plain screen.
        self.lock_screen = QLabel(_("The window is locked."))
        self.lock_screen.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.content = QStackedWidget()
        self.content.addWidget(central)
        self.content.addWidget(self.lock_screen)
        self.setCentralWidget(self.content)
        self.unlock_dialog: SignInDialog | None = None
        self.idle_lock = IdleLock(DEFAULT_IDLE_LOCK_MINUTES, self)

        self.find_action = QAction(_("&Find a person"), self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.quit_action = QAction(_("&Quit"), self)
        # StandardKey.Quit is empty on Windows; collectors expect Ctrl+Q everywhere.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.today_action = QAction(_("&Today"), self)
        self.today_action.setShortcuts([QKeySequence("Ctrl+H"), QKeySequence("Ctrl+1")])
        self.receipts_action = QAction(_("&Receipts"), self)
        self.receipts_action.setShortcut(QKeySequence("Ctrl+R"))
        self.new_household_action = QAction(_("&New household…"), self)
        self.new_household_action.setShortcut(QKeySequence("Ctrl+N"))
        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(self.today_action)
        file_menu.addAction(self.find_action)
        self.settings_action = QAction(_("&Settings…"), self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.receipts_action)
        self.progress_action = QAction(_("Pro&gress against plan"), self)
        self.progress_action.setShortcut(QKeySequence("Ctrl+T"))
        self.progress_action.triggered.connect(
            lambda: self.navigation.setCurrentRow(self.pages.indexOf(self.progress_page)))
        file_menu.addAction(self.progress_action)
        file_menu.addAction(self.new_household_action)
        self.export_action = QAction(_("&Export data…"), self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: open_export_dialog(self._ctx, self))
        file_menu.addAction(self.export_action)
        self.export_round_action = QAction(_("Export the visit &round…"), self)
        self.export_round_action.triggered.connect(lambda: self._on_round_file(export=True))
        self.import_round_action = QAction(_("&Import a visit round file…"), self)
        self.import_round_action.triggered.connect(lambda: self._on_round_file(export=False))
        file_menu.addAction(self.export_round_action)
        file_menu.addAction(self.import_round_action)
        file_menu.addSeparator()
        self.lock_action = QAction(_("&Lock the window / change user"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.quit_action)
        self.sync_now_action = QAction(_("Sync &now"), self)
        self.sync_now_action.setShortcut(QKeySequence("F9"))
        self.show_sync_action = QAction(_("Show sync &status"), self)
        self.show_sync_action.setShortcut(QKeySequence("Shift+F9"))
        self.collect_vsi_action = QAction(_("Collect &voluntary SI…"), self)
        self.collect_vsi_action.setShortcut(QKeySequence("F5"))
        self.collect_hi_action = QAction(_("Collect family &HI…"), self)
        self.collect_hi_action.setShortcut(QKeySequence("F6"))
        payments_menu = self.menuBar().addMenu(_("&Payments"))
        payments_menu.addAction(self.collect_vsi_action)
        payments_menu.addAction(self.collect_hi_action)
        # Day closing (issue 13 §4): the signed-in user's cash counted against today's receipts.
        self.close_day_action = QAction(_("Close the &day…"), self)
        self.close_day_action.setShortcut(QKeySequence("F8"))
        self.close_day_action.triggered.connect(self.show_close_day)
        payments_menu.addSeparator()
        payments_menu.addAction(self.close_day_action)
        sync_menu = self.menuBar().addMenu(_("S&ync"))
        self.enrol_action = QAction(_("&Enrol this computer…"), self)
        sync_menu.addAction(self.sync_now_action)
        sync_menu.addAction(self.show_sync_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.enrol_action)
        self.dashboard_action = sync_menu.addAction(_("Province &dashboard"))
        self.dashboard_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.dashboard_action.triggered.connect(
            lambda: self.navigation.setCurrentRow(self.pages.indexOf(self.dashboard_page)))
        self.targets_action = sync_menu.addAction(_("Plan &targets…"))
        self.targets_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.targets_action.triggered.connect(self.open_targets)
        self.supervisor_sign_in_action = QAction(_("Sign in to the &provincial server…"), self)
        self.supervisor_sign_in_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.supervisor_sign_out_action = QAction(_("Sign &out of the provincial server"), self)
        sync_menu.addSeparator()
        sync_menu.addAction(self.supervisor_sign_in_action)
        sync_menu.addAction(self.supervisor_sign_out_action)
        self.shortcuts_action = QAction(_("&Keyboard shortcuts"), self)
        self.shortcuts_action.setShortcut(QKeySequence("F1"))
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(self.shortcuts_action)
        for action in (self.find_action, self.receipts_action, self.quit_action, self.sync_now_action,
                       self.show_sync_action, self.shortcuts_action):
            action.setToolTip(with_shortcut(action))

        # The store's file (a long path on Windows) is in tooltips, not in the status bar: the sync
        # state must never be cut.
        store_file = _("Data file: {path}").format(path=ctx.store.path)
        self.people_label = QLabel()
        self.user_label = QLabel()
        self.user_label.setAccessibleName(_("Signed in"))
        self.user_label.setMinimumWidth(USER_LABEL_MIN_WIDTH)  # a long name is cut, never the window widened
        self.people_label.setToolTip(store_file)
        self.busy_label = QLabel()
        self.busy_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.sync_indicator = SyncIndicator(self.sync_controller, store_file=store_file)
        self.statusBar().addWidget(self.busy_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.sync_indicator)
        self.statusBar().addPermanentWidget(self.people_label)

        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.navigation.currentRowChanged.connect(self._on_page_chosen)
        self.find_action.triggered.connect(self._on_find_triggered)
        self.today_action.triggered.connect(self.show_today_page)
        self.today_page.sync_page_requested.connect(self.show_sync_page)
        self.today_page.household_requested.connect(self.show_household)
        household = self.find_page.household_page
        household.collect_vsi_requested.connect(self._collect_vsi)
        household.collect_hi_requested.connect(self._collect_hi)
        household.add_member_requested.connect(lambda household_id: open_add_member(self._ctx, self, household_id))
        household.edit_contact_requested.connect(lambda person_id: open_edit_person(self._ctx, self, person_id))
        self.receipts_action.triggered.connect(self.show_receipts_page)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.new_household_action.triggered.connect(self._on_new_household_triggered)
        self.quit_action.triggered.connect(self.close)
        self.lock_action.triggered.connect(self.lock)
        self.idle_lock.idle.connect(self.lock)
        self.settings_action.triggered.connect(self.show_settings_page)
        self.sync_now_action.triggered.connect(self.sync_controller.sync_now)
        self.show_sync_action.triggered.connect(self.show_sync_page)
        self.enrol_action.triggered.connect(self._on_enrol_triggered)
        self.supervisor_sign_in_action.triggered.connect(self.supervisor_link.sign_in)
        self.supervisor_sign_out_action.triggered.connect(self.supervisor_link.sign_out)
        self.supervisor_link.changed.connect(self._on_supervisor_changed)
        self.dashboard_page.point_chosen.connect(self.show_point_batches)
        self.days_page.point_chosen.connect(self.show_point_batches)
        self.collect_vsi_action.triggered.connect(self._on_collect_vsi_triggered)
        self.collect_hi_action.triggered.connect(self._on_collect_hi_triggered)
        self.sync_indicator.page_requested.connect(self.show_sync_page)
        self.updates.install_started.connect(self.close)
        ctx.events.changed.connect(self._on_store_changed)
        ctx.runner.busy_changed.connect(self.busy_label.setText)
        ctx.runner.unhandled_error.connect(self._on_unhandled_error)

        self._on_supervisor_changed()
        self.navigation.setCurrentRow(0)
        self.today_page.focus_page()
        self.restore_window_state()
        self.check_store()
        self.back_up_if_due()
        self.refresh_people_count()
        self.show_signed_in()
        self._on_settings_changed(settings_or_defaults(ctx.store))
        self.sync_controller.start()
        self.updates.check()

    @property
    def supervisor(self) -> SupervisorSession | None:
        """The supervisor signed in to the provincial server, if any (the token lives in it, in memory)."""
        return self.supervisor_link.session

    def _supervisor_pages(self) -> tuple[QWidget, ...]:
        return self.review_page, self.days_page, self.dashboard_page

    @Slot()
    def _on_supervisor_changed(self) -> None:
        listed = self.supervisor_link.available  # signed in, or locked out and to be asked again
        review_item = self.navigation.item(self.pages.indexOf(self.review_page))
        newly = listed and review_item.isHidden()  # a supervisor signed in from the menu
        for page in self._supervisor_pages():
            self.navigation.item(self.pages.indexOf(page)).setHidden(not listed)
        self.dashboard_action.setEnabled(listed)
        self.targets_action.setEnabled(listed)
        self.supervisor_sign_out_action.setEnabled(listed)
        if newly:
            self.show_review_page()
        elif not listed and self.pages.currentWidget() in self._supervisor_pages():
            self.show_today_page()
        self.supervisor_changed.emit()

    @Slot(int)
    def _on_page_chosen(self, row: int) -> None:
        """A supervisor's page opened after a lock ended the session: the password is asked again."""
        if self.pages.widget(row) in self._supervisor_pages():
            self.supervisor_link.wake()

    @Slot()
    def open_targets(self) -> TargetsDialog:
        """The plan's targets on the provincial server (a supervisor signed in)."""
        dialog = TargetsDialog(self.supervisor_link, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot(str)
    def show_point_batches(self, point_code: str) -> None:
        """The review list filtered by one point (Enter on the province dashboard's row)."""
        self.show_review_page()
        self.review_page.show_point(point_code)

    @Slot()
    def show_review_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.review_page))
        self.review_page.focus_page()

    def _server_url(self) -> str:
        """The provincial server this device syncs with: the supervisor's sign-in proposes it."""
        return server_address(self._ctx.store) or ""

    @property
    def locked(self) -> bool:
        return self.content.currentWidget() is self.lock_screen

    @Slot()
    def lock(self) -> None:
        """Hide everything and ask for a password (Ctrl+L, or after the idle minutes); another user
        may sign in instead of the one who locked it."""
        if self.locked:
            return
        self.idle_lock.stop()
        self.supervisor_link.lock()  # the supervisor's session ends: a password again to use it
        self.content.setCurrentWidget(self.lock_screen)
        users = all_users(self._ctx.store)
        dialog = SignInDialog(self._ctx.runner, users, self, chosen=self._ctx.user, locked=True,
                              point=self._point_text())
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(self._on_unlock_finished)
        self.unlock_dialog = dialog
        dialog.open()

    @Slot(int)
    def _on_unlock_finished(self, result: int) -> None:
        dialog, self.unlock_dialog = self.unlock_dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or dialog.user is None:
            self.close()  # the user chose to quit the program from the lock
            return
        changed_user = dialog.user.user_id != self._ctx.user.user_id
        self._ctx.session.user = dialog.user
        self.content.setCurrentIndex(0)
        self.idle_lock.restart()
        self._on_page_chosen(self.pages.currentIndex())  # back on a supervisor's page: asked again
        self.show_signed_in()
        self.back_up_if_due()  # the first sign-in of a new day backs up the day before
        if changed_user:  # pages showing "my day" follow the new user
            self._ctx.events.announce(frozenset({Change.USERS}))

    def show_signed_in(self) -> None:
        user = self._ctx.session.user
        device = device_if_set_up(self._ctx.store)  # a read: a damaged store still opens the window
        if user is None or device is None:
            self.user_label.clear()
            return
        text = _("{user} · point {code}").format(user=user_title(user), code=device.point_code)
        self.user_label.setText(text)
        self.user_label.setToolTip(f"{text}\n{point_line(device)}")

    def _point_text(self) -> str:
        device = device_if_set_up(self._ctx.store)
        return point_line(device) if device is not None else ""

    def check_store(self) -> None:
        """Check the whole data file beside the database worker (seconds on a big file): searching goes
        on meanwhile, and anything that writes (a payment, a void, a sync) waits for the verdict."""
        op = Op(self, lambda store, _p: start_check(store), runner=self._ctx.runner).long_read()
        op.success(self._on_store_checked).failure(self.health_banner.show_failure)
        op.run(label=_("Checking the data file…"))

    def back_up_if_due(self) -> None:
        """The day's-end backup of an earlier day that recorded something (`services.backups`), in the background."""
        Op(self, lambda store, _p: back_up_if_due(store), runner=self._ctx.runner).long_read().run()

    def refresh_people_count(self) -> None:
        op = Op(self, lambda store, _p: count_people(store), runner=self._ctx.runner)
        op.success(self._on_people_counted).run()

    def show_on_screen(self, remembered: QByteArray | None = None) -> None:
        """Show the window at a sensible size (`opening_size`): maximised on a screen up to 1366 x 768 (or
        that screen at 125 %), else at the `remembered` geometry (`saveGeometry()`) or 1280 x 720,
        never larger than the screen."""
        available = self.screen().availableGeometry()
        size = opening_size(available.size())
        if size is None:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
            self.show()
            return
        if remembered is None or not self.restoreGeometry(remembered):
            self.resize(size)
            self.move(available.center() - self.rect().center())
        if not available.contains(self.frameGeometry()):
            self.resize(self.size().boundedTo(available.size()))
            self.move(available.topLeft())
        self.show()

    @Slot()
    def show_receipts_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.receipts_page))
        self.receipts_page.focus_filter()

    @Slot()
    def show_shortcuts(self) -> ShortcutsDialog:
        """Help > Keyboard shortcuts: every shortcut of the window and its pages, as they are now."""
        titles = {self.pages.widget(row): self.navigation.item(row).text() for row in range(self.pages.count())}
        dialog = ShortcutsDialog(self, titles, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def show_today_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.today_page))
        self.today_page.focus_page()

    @Slot()
    def show_sync_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.sync_page))
        self.sync_page.focus_table()

    @Slot()
    def show_rounds_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.rounds_page))
        self.rounds_page.focus_page()

    def show_make_round(self, households: object, chosen: object, on: date) -> MakeRoundDialog:
        assert isinstance(households, tuple) and isinstance(chosen, tuple)
        dialog = MakeRoundDialog(self._ctx, households, chosen, on=on, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.made.connect(lambda _made: self.show_rounds_page())
        dialog.load()
        dialog.open()
        return dialog

    def _on_round_file(self, *, export: bool) -> None:
        """File › Export the visit round / Import: on the Visit rounds page, for the round chosen there."""
        self.show_rounds_page()
        if export:
            self.rounds_page.choose_export_file()
        else:
            self.rounds_page.choose_import_file()

    def show_close_day(self) -> CloseDayDialog:
        dialog = CloseDayDialog(self._ctx.runner, actor=lambda: self._ctx.user, on=date.today(),
                                preferences=self.receipt_printer.preferences, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.load()
        dialog.open()
        return dialog

    @Slot()
    def _on_collect_vsi_triggered(self) -> None:
        if self._household_shown():
            self.find_page.household_page.collect_vsi_action.trigger()
            return
        person = self._chosen_person()
        if person is not None:
            self._collect_vsi(person.person_id)

    @Slot()
    def _on_collect_hi_triggered(self) -> None:
        if self._household_shown():
            self.find_page.household_page.collect_hi_action.trigger()
            return
        person = self._chosen_person()
        if person is not None:
            self._collect_hi(person.household_id)

    def _household_shown(self) -> bool:
        return self.pages.currentWidget() is self.find_page and self.find_page.is_showing_household()

    def _collect_vsi(self, person_id: str) -> None:
        open_collect_vsi(self._ctx, self, person_id, printer=self.receipt_printer)

    def _collect_hi(self, household_id: str) -> None:
        open_collect_hi(self._ctx, self, household_id, printer=self.receipt_printer)

    @Slot()
    def show_due_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.due_page))
        self.due_page.focus_page()

    @Slot(str)
    def show_household(self, household_id: str) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.find_page))
        self.find_page.open_household(household_id)

    def _chosen_person(self) -> PersonHit | None:
        """The person chosen on the Find page; without one, the Find page says to choose one."""
        person = self.find_page.current_person()
        if person is None:
            self._on_find_triggered()
            self.statusBar().showMessage(_("Find and choose a person first, then collect."), STATUS_MESSAGE_MS)
        return person

    @Slot()
    def show_settings_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.settings_page))
        self.settings_page.focus_first_field()

    def remembered_geometry(self) -> QByteArray | None:
        """The geometry the window had when it was last closed (for `show_on_screen`), or None."""
        geometry = self._window_state.value("geometry")
        return geometry if isinstance(geometry, QByteArray) else None

    def restore_window_state(self) -> bool:
        """The size, place and state the window had when it was last closed; False the first time."""
        geometry = self._window_state.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            return False
        state = self._window_state.value("state")
        if state is not None:
            self.restoreState(state)
        return True

    def save_window_state(self) -> None:
        self._window_state.setValue("geometry", self.saveGeometry())
        self._window_state.setValue("state", self.saveState())
        self._window_state.sync()

    @Slot()
    def _on_enrol_triggered(self) -> None:
        # On the Sync page, where the confirmation and the first sync's figures will show.
        self.show_sync_page()
        self.sync_page.open_enrol_dialog()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Before the store closes (ui.app.run): a sync under way is told to stop, waited for briefly;
        # a store check under way stops at once (it is done again at the next start).
        self.sync_controller.shutdown()
        self.supervisor_link.sign_out()
        self._ctx.store.health.cancel()
        self.save_window_state()
        if not self._ctx.store.health.damaged:  # the day's end: anything recorded since the last backup
            back_up_if_due(self._ctx.store, closing=True)
        super().closeEvent(event)

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        if Change.PEOPLE in changes:
            self.refresh_people_count()
        if Change.SETTINGS in changes:  # the print dialog proposes the default printer and layout
            Op(self, lambda store, _p: current_settings(store), runner=self._ctx.runner) \
                .success(self._on_settings_changed).run()

    def _on_settings_changed(self, settings: Settings) -> None:
        self.idle_lock.set_minutes(settings.idle_lock_minutes)
        self.receipt_printer.preferences.update(layout=settings.default_layout,
                                                printer_name=settings.default_printer or "")

    def _add_page(self, title: str, page: QWidget) -> None:
        self.pages.addWidget(page)
        QListWidgetItem(title, self.navigation)

    @Slot()
    def _on_find_triggered(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.find_page))
        self.find_page.focus_search()

    @Slot()
    def _on_new_household_triggered(self) -> None:
        open_new_household(self._ctx, self)

    def _on_store_checked(self, checked: StartCheck) -> None:
        self.health_banner.show_report(checked.report, self._ctx.store.path, hint=checked.hint, audit=checked.audit)

    def _on_people_counted(self, count: int) -> None:
        self.people_label.setText(ngettext("{n} person", "{n} people", count).format(n=format_count(count)))

    @Slot(object)
    def _on_unhandled_error(self, error: Exception) -> None:
        QMessageBox.warning(self, _("Something went wrong"), str(error))

