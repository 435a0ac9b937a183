"""DueListDialog: the people whose cover ends within the next 30 days, soonest first, to remind them.

Opens with the list focused; arrows move, Enter on a row asks for that person's household
(`household_requested`, wired by the main window), Esc closes. Loaded off the GUI thread.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QVBoxLayout, QWidget

from collector_app.formatting import format_date
from collector_app.i18n import _, ngettext
from collector_app.services.today import DueList, due_people
from collector_app.ui.models.today_tables import DueTableModel
from collector_app.ui.operations import Op
from collector_app.ui.tasks import TaskRunner
from collector_app.ui.widgets.tables import rows_view

COLUMN_PADDING_PX = 16
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class DueListDialog(QDialog):
    household_requested = Signal(str)  # household id of the person chosen with Enter
    due_page_requested = Signal()  # the Due page: overdue and lapsed too, amounts, renewal in one step

    def __init__(self, runner: TaskRunner, on: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._on = on
        self.setWindowTitle(_("People due to pay"))
        self.summary_label = QLabel(_("Loading…"))
        self.summary_label.setWordWrap(True)
        self.summary_label.setAccessibleName(_("People due to pay"))
        self.model = DueTableModel(self)
        self.table = rows_view(self.model, _("People due to pay"))
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the buttons
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        hint = QLabel(_("Enter opens the person's household; Esc closes."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.due_page_button = buttons.addButton(_("&Due page: renew, overdue, lapsed"),
                                                 QDialogButtonBox.ButtonRole.ActionRole)
        self.due_page_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)

        buttons.rejected.connect(self.reject)
        self.due_page_button.clicked.connect(self._on_due_page)
        self.table.activated.connect(self._on_activated)
        self.table.installEventFilter(self)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # never sideways
        self.resize(1080, 560)

    def load(self) -> None:
        on = self._on
        Op(self, lambda store, _p: due_people(store, on=on), runner=self._runner).long_read().latest_only("due") \
            .success(self._on_loaded).failure(self._on_failed).run(label=_("Finding people due to pay…"))

    def _on_loaded(self, due: DueList) -> None:
        self.model.set_rows(due.rows)
        if not due.total:
            text = _("Nobody's cover ends between {first} and {last}.")
        elif due.total > len(due.rows):
            text = _("{total} people's cover ends between {first} and {last}; the first {shown} are listed, "
                     "soonest first.")
        else:
            text = ngettext("{total} person's cover ends between {first} and {last}.",
                            "{total} people's cover ends between {first} and {last}, soonest first.", due.total)
        self.summary_label.setText(text.format(total=due.total, shown=len(due.rows), first=format_date(due.on),
                                               last=format_date(due.until)))
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount() - 1):  # the last one stretches to the edge
            self.table.setColumnWidth(column, self.table.columnWidth(column) + COLUMN_PADDING_PX)
        if due.rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_failed(self, error: Exception) -> None:
        self.summary_label.setText(_("The list could not be read: {error}").format(error=error))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter on a row opens the household, rather than the dialog's default button closing it.
        if watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in _ENTER:
            current = self.table.currentIndex()
            if current.isValid():
                self._on_activated(current)
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def _on_due_page(self) -> None:
        self.accept()
        self.due_page_requested.emit()

    @Slot(object)
    def _on_activated(self, index: object) -> None:
        row = getattr(index, "row", lambda: -1)()
        if 0 <= row < self.model.rowCount():
            self.household_requested.emit(self.model.row(row).household_id)
