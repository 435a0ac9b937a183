"""MainWindow: navigation on the left, one page at a time, a status bar saying which store is open and how
syncing goes (the SyncController syncs in the background while the window is open)."""

from __future__ import annotations

from babel.numbers import format_decimal
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from collector_app.i18n import _, ngettext
from collector_app.services.changes import Change, Changes
from collector_app.store.health import HealthReport
from collector_app.store.people import count_people
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.household_form import open_new_household
from collector_app.ui.operations import Op
from collector_app.ui.pages.find_page import FindPage
from collector_app.ui.pages.receipts_page import ReceiptsPage
from collector_app.ui.pages.sync_page import SyncPage
from collector_app.ui.printing import default_print_preferences
from collector_app.ui.receipt_printer import ReceiptPrinter
from collector_app.ui.sync_controller import SyncController, SyncSchedule
from collector_app.ui.widgets.store_health_banner import StoreHealthBanner
from collector_app.ui.widgets.sync_indicator import SyncIndicator

NAVIGATION_WIDTH = 150
NAVIGATION_STYLE = "QListWidget::item { padding: 8px 6px; }"
_NUMBER_LOCALES = {"vi": "vi_VN", "en": "en"}  # 12.345 người / 12,345 people


class MainWindow(QMainWindow):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, sync_schedule: SyncSchedule | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle(_("Voluntary SI & family HI collection"))

        self.find_page = FindPage(ctx)
        # One for the window: pages that print receipts (payments, receipts) are given it.
        self.receipt_printer = ReceiptPrinter(ctx.runner, default_print_preferences(), self)
        self.receipts_page = ReceiptsPage(ctx, self.receipt_printer)
        self.sync_controller = SyncController(ctx, sync_schedule, self)
        self.sync_page = SyncPage(ctx, self.sync_controller)
        self.navigation = QListWidget()
        self.navigation.setFixedWidth(NAVIGATION_WIDTH)
        self.navigation.setAccessibleName(_("Navigation"))
        self.navigation.setStyleSheet(NAVIGATION_STYLE)
        self.pages = QStackedWidget()
        self._add_page(_("Find"), self.find_page)
        self._add_page(_("Receipts"), self.receipts_page)
        self._add_page(_("Sync"), self.sync_page)
        # Payments are added here as they are built.

        self.health_banner = StoreHealthBanner()

        central = QWidget()
        rows = QVBoxLayout(central)
        rows.addWidget(self.health_banner)
        columns = QHBoxLayout()
        columns.addWidget(self.navigation)
        columns.addWidget(self.pages, 1)
        rows.addLayout(columns, 1)
        self.setCentralWidget(central)

        self.find_action = QAction(_("&Find a person"), self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.quit_action = QAction(_("&Quit"), self)
        # StandardKey.Quit is empty on Windows; collectors expect Ctrl+Q everywhere.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.new_household_action = QAction(_("&New household…"), self)
        self.new_household_action.setShortcut(QKeySequence("Ctrl+N"))
        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(self.find_action)
        file_menu.addAction(self.new_household_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.sync_now_action = QAction(_("Sync &now"), self)
        self.sync_now_action.setShortcut(QKeySequence("F9"))
        self.show_sync_action = QAction(_("Show sync &status"), self)
        self.show_sync_action.setShortcut(QKeySequence("Shift+F9"))
        sync_menu = self.menuBar().addMenu(_("S&ync"))
        self.enrol_action = QAction(_("&Enrol this computer…"), self)
        sync_menu.addAction(self.sync_now_action)
        sync_menu.addAction(self.show_sync_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.enrol_action)

        self.store_label = QLabel(_("Store: {path}").format(path=ctx.store.path))
        self.store_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.people_label = QLabel()
        self.busy_label = QLabel()
        self.sync_indicator = SyncIndicator(self.sync_controller)
        self.statusBar().addWidget(self.busy_label, 1)
        self.statusBar().addPermanentWidget(self.sync_indicator)
        self.statusBar().addPermanentWidget(self.people_label)
        self.statusBar().addPermanentWidget(self.store_label)

        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.find_action.triggered.connect(self._on_find_triggered)
        self.new_household_action.triggered.connect(self._on_new_household_triggered)
        self.quit_action.triggered.connect(self.close)
        self.sync_now_action.triggered.connect(self.sync_controller.sync_now)
        self.show_sync_action.triggered.connect(self.show_sync_page)
        self.enrol_action.triggered.connect(self._on_enrol_triggered)
        self.sync_indicator.page_requested.connect(self.show_sync_page)
        ctx.events.changed.connect(self._on_store_changed)
        ctx.runner.busy_changed.connect(self.busy_label.setText)
        ctx.runner.unhandled_error.connect(self._on_unhandled_error)

        self.navigation.setCurrentRow(0)
        self.find_page.focus_search()
        self.check_store()
        self.refresh_people_count()
        self.sync_controller.start()

    def check_store(self) -> None:
        """Check the whole data file beside the database worker (seconds on a big file): searching goes
        on meanwhile, and anything that writes (a payment, a void, a sync) waits for the verdict."""
        op = Op(self, lambda store, _p: store.check_health(), runner=self._ctx.runner).long_read()
        op.success(self._on_store_checked).failure(self.health_banner.show_failure)
        op.run(label=_("Checking the data file…"))

    def refresh_people_count(self) -> None:
        op = Op(self, lambda store, _p: count_people(store), runner=self._ctx.runner)
        op.success(self._on_people_counted).run()

    @Slot()
    def show_sync_page(self) -> None:
        self.navigation.setCurrentRow(self.pages.indexOf(self.sync_page))
        self.sync_page.focus_table()

    @Slot()
    def _on_enrol_triggered(self) -> None:
        # On the Sync page, where the confirmation and the first sync's figures will show.
        self.show_sync_page()
        self.sync_page.open_enrol_dialog()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Before the store closes (ui.app.run): a sync under way is told to stop, waited for briefly;
        # a store check under way stops at once (it is done again at the next start).
        self.sync_controller.shutdown()
        self._ctx.store.health.cancel()
        super().closeEvent(event)

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        if Change.PEOPLE in changes:
            self.refresh_people_count()

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

    def _on_store_checked(self, report: HealthReport) -> None:
        self.health_banner.show_report(report, self._ctx.store.path)

    def _on_people_counted(self, count: int) -> None:
        number = format_decimal(count, locale=_NUMBER_LOCALES[self._ctx.language])
        self.people_label.setText(ngettext("{n} person", "{n} people", count).format(n=number))

    @Slot(object)
    def _on_unhandled_error(self, error: Exception) -> None:
        QMessageBox.warning(self, _("Something went wrong"), str(error))
