"""DashboardPage: the province dashboard for a supervisor signed in to the provincial server; a row per
collection point, the points furthest behind plan first, the totals last.

From the keyboard: Tab goes month, "only silent", sort order, largest first, refresh (F5 on the page),
export (XLSX, CSV), then the table; Enter on a point (or a double click) emits `point_chosen(code)`.
A click on a column header sorts by it, as the sort list does: the server sorts, the page shows. Every
fetch goes through the window's `SupervisorLink` (in the background; a session that ended, or a lock,
asks for the password again, then the fetch runs); a newer one makes an older answer stale.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.formatting import format_date, format_time
from collector_app.i18n import N_, _, ngettext
from collector_app.services.dashboard_export import export_csv, export_xlsx
from collector_app.sync.client import SyncError
from collector_app.sync.dashboard import Dashboard, DashboardRequest, fetch_dashboard
from collector_app.ui.context import AppContext
from collector_app.ui.models.dashboard_table import (
    COMMUNE_MIN_PX,
    NAME_MIN_PX,
    SPARED_COLUMNS,
    DashboardTableModel,
)
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.widgets.tables import fit_columns, rows_view, spare_columns

MONTH_TYPING_MS = 400  # a month typed digit by digit is fetched once, when the typing pauses
# The sort list: the server's orders, in the words of the page.
SORTS = (
    ("behind", N_("Furthest behind plan")),
    ("silent", N_("Silent devices")),
    ("pending", N_("Waiting for review")),
    ("rejected", N_("Rejected records")),
    ("this_month", N_("Collected this month")),
    ("last_month", N_("Collected last month")),
    ("devices", N_("Devices")),
    ("point", N_("Point code")),
    ("name", N_("Point name")),
    ("commune", N_("Commune")),
)


class DashboardPage(QWidget):
    point_chosen = Signal(str)  # the code of the point the supervisor opened (Enter, double click)
    loaded = Signal()  # a dashboard has been shown (or a failure said)

    def __init__(self, ctx: AppContext, link: SupervisorLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._link = link
        self._board: Dashboard | None = None

        self.title = QLabel(_("Province dashboard"))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.month = QDateEdit()
        self.month.setDisplayFormat("MM/yyyy")
        self.month.setDate(QDate.currentDate())
        self.month.setAccessibleName(_("Month"))
        month_label = QLabel(_("&Month:"))
        month_label.setBuddy(self.month)
        self.silent_only = QCheckBox(_("Only points with &silent devices"))
        self.sort = QComboBox()
        for key, label in SORTS:
            self.sort.addItem(_(label), key)
        self.sort.setAccessibleName(_("Sort by"))
        sort_label = QLabel(_("S&ort by:"))
        sort_label.setBuddy(self.sort)
        self.descending = QCheckBox(_("&Largest first"))
        self.refresh_button = QPushButton(_("&Refresh"))
        self.refresh_button.setToolTip(_("Fetch the figures again from the provincial server (F5)"))
        self.xlsx_button = QPushButton(_("Export &XLSX…"))
        self.csv_button = QPushButton(_("Export &CSV…"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.model = DashboardTableModel(self)
        self.table = rows_view(self.model, _("Collection points"), parent=self)
        fit_columns(self.table, self.model)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self._month_timer = QTimer(self)
        self._month_timer.setSingleShot(True)
        self._month_timer.setInterval(MONTH_TYPING_MS)

        # Two rows, so that the page fits 1366 x 768 at 125 % in either language.
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addStretch(1)
        for button in (self.refresh_button, self.xlsx_button, self.csv_button):
            heading.addWidget(button)
        controls = QHBoxLayout()
        for widget in (month_label, self.month, self.silent_only, sort_label, self.sort, self.descending):
            controls.addWidget(widget)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)
        order = (self.month, self.silent_only, self.sort, self.descending, self.refresh_button, self.xlsx_button,
                 self.csv_button, self.table)
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        refresh = QShortcut(QKeySequence("F5"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.month.dateChanged.connect(self._month_timer.start)
        self._month_timer.timeout.connect(self.refresh)
        self.silent_only.toggled.connect(self.refresh)
        self.sort.currentIndexChanged.connect(self.refresh)
        self.descending.toggled.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        refresh.activated.connect(self.refresh)
        self.xlsx_button.clicked.connect(lambda: self._choose_export("xlsx"))
        self.csv_button.clicked.connect(lambda: self._choose_export("csv"))
        self.table.activated.connect(self._on_row_activated)
        header.sectionClicked.connect(self._on_header_clicked)
        link.changed.connect(self._on_link_changed)

        self._show_source_state()

    # ---- the source -------------------------------------------------------------------------------

    @Slot()
    def _on_link_changed(self) -> None:
        """Signed in: fetched at once; signed out or locked: nothing of before is left on screen."""
        self._board = None
        self.model.show(None)
        self._show_source_state()
        if self._link.session is not None:
            self.refresh()

    def _show_source_state(self) -> None:
        online = self._link.available  # locked out: a refresh asks for the password again
        for widget in (self.month, self.silent_only, self.sort, self.descending, self.refresh_button):
            widget.setEnabled(online)
        self.xlsx_button.setEnabled(self._board is not None)
        self.csv_button.setEnabled(self._board is not None)
        if self._link.session is None:
            self._say(_("The province dashboard needs a supervisor signed in to the provincial server: sign in "
                        "as a supervisor to see it."))

    # ---- fetching ---------------------------------------------------------------------------------

    def request(self) -> DashboardRequest:
        chosen = self.month.date()
        return DashboardRequest(year=chosen.year(), month=chosen.month(), sort=str(self.sort.currentData()),
                                descending=self.descending.isChecked(), silent_only=self.silent_only.isChecked())

    @Slot()
    def refresh(self) -> None:
        self._month_timer.stop()
        if not self._link.available:
            return
        request = self.request()  # read on the GUI thread, before the lambda
        self._say(_("Loading the province dashboard…"))
        self._link.call(self, lambda session: fetch_dashboard(session, request), success=self._on_loaded,
                        failure=self._on_failed, label=_("Loading the province dashboard…"), key="dashboard")

    def _on_loaded(self, board: Dashboard) -> None:
        self._board = board
        self.model.show(board)
        self._fit_columns()
        self._show_sort_indicator()
        self.legend.setText(ngettext(
            "Shaded: a point with a device silent for more than {n} day. To review: batches (records). "
            "Rejected, of the month's batches: at receipt by the server · by a supervisor. Voluntary SI, family HI: "
            "participants against the year's target; lowest: the lowest of a point's figures against its targets.",
            "Shaded: a point with a device silent for more than {n} days. To review: batches (records). "
            "Rejected, of the month's batches: at receipt by the server · by a supervisor. Voluntary SI, family HI: "
            "participants against the year's target; lowest: the lowest of a point's figures against its targets.",
            board.silent_days).format(n=board.silent_days))
        self._show_source_state()
        said = _("{month}: {points} points, as the server counted at {time}; participants on {day}.").format(
            month=f"{board.month:02d}/{board.year}", points=len(board.points), time=format_time(board.as_of),
            day=format_date(board.participants_on))
        if board.progress_as_of is not None:
            said += " " + _("Figures as of {time}: the server is counting the batches received since.").format(
                time=format_time(board.progress_as_of))
        self._say(said)
        self.loaded.emit()

    def _on_failed(self, error: Exception) -> None:
        # The server's refusals and unreachability are sentences for the user already; anything else is
        # said in one line, never as a traceback.
        text = str(error) if isinstance(error, SyncError) else _("The dashboard could not be loaded: {error}").format(
            error=type(error).__name__)
        self._say(text, attention=True)
        self.loaded.emit()

    def _say(self, text: str, *, attention: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(attention_style("QLabel") if attention else "")

    # ---- sorting and choosing ---------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        spare_columns(self.table, self.model, spared=SPARED_COLUMNS,
                      minimums={"name": NAME_MIN_PX, "commune": COMMUNE_MIN_PX})

    @Slot(int)
    def _on_header_clicked(self, column: int) -> None:
        order = self.model.order_of(column)
        if not self._link.available:
            return
        index = self.sort.findData(order)
        if index == self.sort.currentIndex():
            self.descending.toggle()  # a second click on the same header turns the order round
        else:
            self.sort.setCurrentIndex(index)

    def _show_sort_indicator(self) -> None:
        order = str(self.sort.currentData())
        column = next((c for c in range(self.model.columnCount()) if self.model.order_of(c) == order), -1)
        direction = Qt.SortOrder.DescendingOrder if self.descending.isChecked() else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(column, direction)

    @Slot(QModelIndex)
    def _on_row_activated(self, index: QModelIndex) -> None:
        code = self.model.point_code(index.row()) if index.isValid() else None
        if code is not None:
            self.point_chosen.emit(code)

    # ---- export -----------------------------------------------------------------------------------

    def _choose_export(self, kind: str) -> None:
        if self._board is None:
            return
        suggested = f"dashboard-{self._board.year}-{self._board.month:02d}.{kind}"
        pattern = _("Excel workbook (*.xlsx)") if kind == "xlsx" else _("CSV file (*.csv)")
        chosen, _filter = QFileDialog.getSaveFileName(self, _("Export the dashboard"), str(Path.home() / suggested),
                                                      pattern)
        if chosen:
            path = Path(chosen)
            self.export_to(path if path.suffix.lower() == f".{kind}" else path.with_name(f"{path.name}.{kind}"))

    def export_to(self, path: Path) -> None:
        """Write the dashboard shown to `path` (.xlsx or .csv), in the background; the page says where."""
        board = self._board
        if board is None:
            return
        write = export_xlsx if path.suffix.lower() == ".xlsx" else export_csv
        Op(self, lambda _store, _progress: write(board, path), runner=self._ctx.runner).long_read() \
            .success(self._on_exported).failure(self._on_export_failed).run(label=_("Exporting the dashboard…"))

    def _on_exported(self, path: Path) -> None:
        self._say(_("Dashboard exported to {path}").format(path=path))

    def _on_export_failed(self, error: Exception) -> None:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        self._say(_("The dashboard could not be exported: {reason}").format(reason=reason), attention=True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        (self.table if self._board is not None else self.month).setFocus()

    def board(self) -> Dashboard | None:
        return self._board
