"""ReceiptsPage: the receipts this device issued, to preview, print again or write into a folder.

Keyboard first: type to filter (number or payer, accents optional), Down moves into the list, Enter
previews the current receipt, Ctrl+P prints the selected ones, Ctrl+S writes them into the folder,
Ctrl+Shift+P prints every receipt shown. Printing again is a reprint: counted and marked as a copy.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.text import fold
from collector_app.i18n import _, ngettext
from collector_app.receipts.render import Layout
from collector_app.services.changes import Change, Changes
from collector_app.store.receipt_list import ReceiptRow, list_receipts
from collector_app.ui.context import AppContext
from collector_app.ui.models.receipts_table import ReceiptsTableModel, receipt_matches
from collector_app.ui.operations import Op
from collector_app.ui.printing import choose_folder
from collector_app.ui.receipt_printer import (
    PrintRun,
    PrintOutcome,
    ReceiptPrinter,
    RenderedReceipt,
    describe_outcome,
)
from collector_app.ui.widgets.tables import rows_view

RECEIPT_LIMIT = 2000  # about a month of a busy point; older receipts are reached from the CLI
COLUMN_PADDING_PX = 16
_LOAD = "load"

SHOWN = frozenset({Change.RECEIPTS, Change.PAYMENTS, Change.OUTBOX})  # what this page lists


class ReceiptsPage(QWidget):
    def __init__(self, ctx: AppContext, printer: ReceiptPrinter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._printer = printer
        self._all_rows: list[ReceiptRow] = []

        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText(_("Receipt number or payer"))
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName(_("Filter receipts"))
        self.layout_box = QComboBox()
        self.layout_box.addItem(_("A5 page"), Layout.A5.value)
        self.layout_box.addItem(_("80 mm roll"), Layout.ROLL80.value)
        self.layout_box.setCurrentIndex(max(0, self.layout_box.findData(printer.layout)))
        self.layout_box.setAccessibleName(_("Receipt layout"))
        layout_label = QLabel(_("&Layout:"))
        layout_label.setBuddy(self.layout_box)

        self.model = ReceiptsTableModel(self)
        self.table = rows_view(self.model, _("Receipts"), many=True)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.preview_action = self._action(_("Preview"), "", self._on_preview_triggered)
        self.print_action = self._action(_("Print a copy…"), "Ctrl+P", self._on_print_triggered)
        self.save_action = self._action(_("Print to folder"), "Ctrl+S", self._on_save_triggered)
        self.print_all_action = self._action(
            _("Print all shown…"), "Ctrl+Shift+P", self._on_print_all_triggered
        )
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change_folder_button = QPushButton(_("Change folder…"))
        self.status_label = QLabel()  # how many receipts are listed
        self.outcome_label = QLabel()  # what the last print or folder run did

        top = QHBoxLayout()
        top.addWidget(self.filter_box, 1)
        top.addWidget(layout_label)
        top.addWidget(self.layout_box)
        buttons = QHBoxLayout()
        for action, hint in (
            (self.preview_action, _("Enter")),
            (self.print_action, None),
            (self.save_action, None),
            (self.print_all_action, None),
        ):
            buttons.addWidget(self._button(action, hint))
        buttons.addStretch(1)
        buttons.addWidget(self.folder_label)
        buttons.addWidget(self.change_folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.outcome_label)
        layout.addLayout(bottom)

        self.filter_box.textChanged.connect(self._on_filter_edited)
        self.layout_box.currentIndexChanged.connect(self._on_layout_chosen)
        self.table.activated.connect(self._on_row_activated)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.change_folder_button.clicked.connect(self._on_change_folder_clicked)
        self.filter_box.installEventFilter(self)
        ctx.events.changed.connect(self._on_store_changed)
        self._show_folder()
        self._on_selection_changed()

    def refresh(self) -> None:
        """Load the receipts again (off the GUI thread): after printing copies, or when shown."""
        (
            Op(self, lambda store, _p: list_receipts(store, limit=RECEIPT_LIMIT), runner=self._runner)
            .success(self._on_receipts_loaded)
            .failure(self._on_load_failed)
            .latest_only(_LOAD)
            .run()
        )

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        # Receipts issued, copied or voided, and their Sync column; a hidden page reloads when shown.
        if changes & SHOWN and self.isVisible():
            self.refresh()

    def selected_numbers(self) -> list[str]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.row(row).receipt_number for row in rows]

    def shown_numbers(self) -> list[str]:
        return [self.model.row(row).receipt_number for row in range(self.model.rowCount())]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter_box
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.model.rowCount()
        ):
            self._enter_table()
            return True
        return super().eventFilter(watched, event)

    # Loading and filtering

    def _on_receipts_loaded(self, rows: list[ReceiptRow]) -> None:
        current = self._current_number()
        self._all_rows = rows
        self._show_rows()
        if current is not None:
            self._select_number(current)

    def _on_load_failed(self, error: Exception) -> None:
        self.status_label.setText(_("The receipts could not be loaded: {error}").format(error=error))

    @Slot(str)
    def _on_filter_edited(self, text: str) -> None:
        self._show_rows()

    def _show_rows(self) -> None:
        folded = fold(self.filter_box.text())
        rows = [row for row in self._all_rows if receipt_matches(row, folded)] if folded else self._all_rows
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount() - 1):  # the last one stretches anyway
            # Fitted to the text alone, amounts touch the next column's text.
            self.table.setColumnWidth(column, self.table.columnWidth(column) + COLUMN_PADDING_PX)
        if not self._all_rows:
            self.status_label.setText(_("No receipts yet."))
        elif len(rows) == len(self._all_rows):
            self.status_label.setText(ngettext("{n} receipt", "{n} receipts", len(rows)).format(n=len(rows)))
        else:
            self.status_label.setText(
                _("{shown} of {total} receipts shown").format(shown=len(rows), total=len(self._all_rows))
            )
        self._on_selection_changed()

    def _enter_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _current_number(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()).receipt_number if index.isValid() else None

    def _select_number(self, number: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.row(row).receipt_number == number:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                return

    # Actions

    @Slot()
    def _on_selection_changed(self) -> None:
        chosen = bool(self.table.selectionModel().selectedRows())
        for action in (self.preview_action, self.print_action, self.save_action):
            action.setEnabled(chosen)
        self.print_all_action.setEnabled(self.model.rowCount() > 0)

    @Slot(QModelIndex)
    def _on_row_activated(self, index: QModelIndex) -> None:
        self._printer.preview(self, self.model.row(index.row()).receipt_number, reprint=True)

    @Slot()
    def _on_preview_triggered(self) -> None:
        number = self._current_number()
        if number is not None:
            self._printer.preview(self, number, reprint=True)

    @Slot()
    def _on_print_triggered(self) -> None:
        self._follow(self._printer.print_receipts(self, self.selected_numbers(), copy=True))

    @Slot()
    def _on_print_all_triggered(self) -> None:
        self._follow(self._printer.print_receipts(self, self.shown_numbers(), copy=True))

    @Slot()
    def _on_save_triggered(self) -> None:
        self._follow(self._printer.save_receipts(self, self.selected_numbers()))
        self._show_folder()

    @Slot()
    def _on_change_folder_clicked(self) -> None:
        choose_folder(self, self._printer.preferences)
        self._show_folder()

    @Slot(int)
    def _on_layout_chosen(self, index: int) -> None:
        self._printer.preferences.update(layout=self.layout_box.itemData(index))

    def _follow(self, run: PrintRun[str, RenderedReceipt] | None) -> None:
        if run is not None:
            run.finished.connect(self._on_run_finished)

    @Slot(object)
    def _on_run_finished(self, outcome: PrintOutcome) -> None:
        self.outcome_label.setText(describe_outcome(outcome))

    def _show_folder(self) -> None:
        folder = self._printer.preferences.settings.folder
        self.folder_label.setText(
            _("Folder: {folder}").format(folder=folder) if folder else _("No folder chosen")
        )

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            # Only while this page is shown and has the focus: other pages may use the same keys.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction, hint: str | None) -> QPushButton:
        shortcut = hint or action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button = QPushButton(f"{action.text()} ({shortcut})")
        button.setEnabled(action.isEnabled())
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        return button
