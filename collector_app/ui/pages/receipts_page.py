"""ReceiptsPage: the receipts this device issued, to preview, print again or write into a folder, and the
totals that close the day.

Keyboard first: type to filter (number, payer or date, accents optional), Down or Enter moves into
the list with the first receipt chosen, Enter previews the current receipt, Ctrl+P prints the
selected ones, Ctrl+S writes them into the folder, Ctrl+Shift+P prints every receipt shown. Escape,
or Up on the first row, goes back to the filter. Tab moves between the page's parts (filter, dates,
layout, list, buttons); arrows move within the list. The dates (from, to; today at first) choose
which days are listed; a whole date typed in the filter (20/11/2026, 20112026) moves them to that
day. Under the list: what the receipts shown add up to, by method, voided ones apart. Printing
again is a reprint: counted and marked as a copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Slot
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.text import fold
from collector_app.formatting import format_count, format_date, format_vnd
from collector_app.i18n import _, ngettext
from collector_app.receipts.render import Layout
from collector_app.services.changes import Change, Changes
from collector_app.store.receipt_list import ReceiptRow, ReceiptTotals, list_receipts, receipt_totals
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
DATE_FORMAT = "dd/MM/yyyy"
# A whole date typed in the filter: 20/11/2026, 20-11-2026, 20.11.2026, 2/3/2026 or 20112026.
_TYPED_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})|([0-9]{2})([0-9]{2})([0-9]{4})")
# Only digits and date separators: the user is typing a date (or a receipt number's digits).
_DATE_LIKE = re.compile(r"[0-9]{1,2}[/.-][0-9/.-]*")


class DateEdit(QDateEdit):
    """A date typed as digits in order (20112026 reads 20/11/2026); Tab leaves it (Qt's moves between its
    day, month and year, which "/" and the arrows do too)."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        return QWidget.focusNextPrevChild(self, next)


def typed_date(text: str) -> date | None:
    """The date a whole date typed in the filter means, or None (not a date, or no such day)."""
    match = _TYPED_DATE.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year = (int(part) for part in (match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def totals_text(totals: ReceiptTotals) -> str:
    """ "Total: 12 receipts, 3.825.360 đ (cash …, transfer …) · 1 voided receipt not counted (418.000 đ)"."""
    text = ngettext("Total: {n} receipt, {amount}", "Total: {n} receipts, {amount}", totals.count).format(
        n=format_count(totals.count), amount=format_vnd(totals.amount))
    text += " " + _("(cash {cash}, transfer {transfer})").format(
        cash=format_vnd(totals.cash), transfer=format_vnd(totals.transfer))
    if totals.voided:
        text += " · " + ngettext(
            "{n} voided receipt not counted ({amount})", "{n} voided receipts not counted ({amount})",
            totals.voided).format(n=format_count(totals.voided), amount=format_vnd(totals.voided_amount))
    return text


class ReceiptsPage(QWidget):
    def __init__(
        self,
        ctx: AppContext,
        printer: ReceiptPrinter,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._printer = printer
        self._today = today
        self._all_rows: list[ReceiptRow] = []
        self._enter_when_loaded = False

        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText(_("Receipt number, payer or date"))
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName(_("Filter receipts"))
        self.from_date = self._date_edit(_("Listed from"))
        self.to_date = self._date_edit(_("Listed to"))
        from_label = QLabel(_("&From:"))
        from_label.setBuddy(self.from_date)
        to_label = QLabel(_("&To:"))
        to_label.setBuddy(self.to_date)
        self.today_button = QPushButton(_("Toda&y"))
        self.today_button.setToolTip(_("List today's receipts"))
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
        # Tab moves on to the buttons; the arrows move within the list.
        self.table.setTabKeyNavigation(False)

        self.preview_action = self._action(_("Preview"), "", self._on_preview_triggered)
        self.print_action = self._action(_("Print a copy…"), "Ctrl+P", self._on_print_triggered)
        self.save_action = self._action(_("Print to folder"), "Ctrl+S", self._on_save_triggered)
        self.print_all_action = self._action(
            _("Print all shown…"), "Ctrl+Shift+P", self._on_print_all_triggered
        )
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long folder path must not widen the window: the label shrinks, the tooltip has it whole.
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.change_folder_button = QPushButton(_("Change folder…"))
        self.totals_label = QLabel()  # what the receipts shown add up to
        self.totals_label.setAccessibleName(_("Totals of the receipts shown"))
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals_label.setWordWrap(True)
        bold = QFont(self.totals_label.font())
        bold.setBold(True)
        self.totals_label.setFont(bold)
        self.status_label = QLabel()  # how many receipts are listed, or why none
        self.status_label.setWordWrap(True)
        self.outcome_label = QLabel()  # what the last print or folder run did
        self.outcome_label.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.filter_box, 1)
        top.addWidget(from_label)
        top.addWidget(self.from_date)
        top.addWidget(to_label)
        top.addWidget(self.to_date)
        top.addWidget(self.today_button)
        top.addSpacing(8)
        top.addWidget(layout_label)
        top.addWidget(self.layout_box)
        self.buttons = [
            self._button(action, hint)
            for action, hint in (
                (self.preview_action, _("Enter")),
                (self.print_action, None),
                (self.save_action, None),
                (self.print_all_action, None),
            )
        ]
        buttons = QHBoxLayout()
        for button in self.buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        # The folder on a row of its own: with the buttons it made the window's minimum too wide.
        folder = QHBoxLayout()
        folder.addWidget(self.folder_label, 1)
        folder.addWidget(self.change_folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.totals_label)
        layout.addLayout(buttons)
        layout.addLayout(folder)
        layout.addWidget(self.outcome_label)
        self.outcome_label.hide()

        chain = [self.filter_box, self.from_date, self.to_date, self.today_button, self.layout_box, self.table,
                 *self.buttons, self.change_folder_button]
        for first, second in zip(chain, chain[1:]):
            self.setTabOrder(first, second)

        self.filter_box.textChanged.connect(self._on_filter_edited)
        self.from_date.dateChanged.connect(self._on_from_date_changed)
        self.to_date.dateChanged.connect(self._on_to_date_changed)
        self.today_button.clicked.connect(self._on_today_clicked)
        self.layout_box.currentIndexChanged.connect(self._on_layout_chosen)
        self.table.activated.connect(self._on_row_activated)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.change_folder_button.clicked.connect(self._on_change_folder_clicked)
        self.filter_box.installEventFilter(self)
        self.table.installEventFilter(self)
        ctx.events.changed.connect(self._on_store_changed)
        self._show_folder()
        self.set_dates(today(), today())
        self._on_selection_changed()

    def refresh(self) -> None:
        """Load the receipts of the chosen dates again (off the GUI thread): after printing copies, or when shown."""
        since, until = self.dates()
        (
            Op(self, lambda store, _p: list_receipts(store, limit=RECEIPT_LIMIT, since=since, until=until),
               runner=self._runner)
            .success(self._on_receipts_loaded)
            .failure(self._on_load_failed)
            .latest_only(_LOAD)
            .run()
        )

    def dates(self) -> tuple[date, date]:
        """The first and last day listed."""
        return self.from_date.date().toPython(), self.to_date.date().toPython()

    def set_dates(self, since: date, until: date) -> None:
        """List the receipts paid from `since` to `until` (both included)."""
        for edit, day in ((self.from_date, since), (self.to_date, until)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        if self.isVisible():
            self.refresh()

    def totals(self) -> ReceiptTotals:
        """What the receipts shown add up to."""
        return receipt_totals(self.model.row(row) for row in range(self.model.rowCount()))

    def focus_filter(self) -> None:
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

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
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key, plain = event.key(), event.modifiers() == Qt.KeyboardModifier.NoModifier
        if watched is self.filter_box and key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.model.rowCount():
                self._enter_table()
            elif key != Qt.Key.Key_Down and self._date_typed():
                self._enter_when_loaded = True  # Enter on a whole date: into that day's list once loaded
            return True
        if watched is self.table and plain and (
            key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0)
        ):
            self.focus_filter()
            return True
        return super().eventFilter(watched, event)

    # Loading and filtering

    def _on_receipts_loaded(self, rows: list[ReceiptRow]) -> None:
        current = self._current_number()
        self._all_rows = rows
        self._show_rows()
        if current is not None:
            self._select_number(current)
        if self._enter_when_loaded:
            self._enter_when_loaded = False
            if self.model.rowCount() and self.filter_box.hasFocus():
                self._enter_table()

    def _on_load_failed(self, error: Exception) -> None:
        self.status_label.setText(_("The receipts could not be loaded: {error}").format(error=error))

    @Slot(str)
    def _on_filter_edited(self, text: str) -> None:
        day = typed_date(text)
        if day is not None and self.dates() != (day, day):
            self.set_dates(day, day)  # the list of that day comes back from the store, then is filtered
        self._show_rows()

    @Slot(QDate)
    def _on_from_date_changed(self, day: QDate) -> None:
        if day > self.to_date.date():
            self.to_date.blockSignals(True)
            self.to_date.setDate(day)
            self.to_date.blockSignals(False)
        self.refresh()

    @Slot(QDate)
    def _on_to_date_changed(self, day: QDate) -> None:
        if day < self.from_date.date():
            self.from_date.blockSignals(True)
            self.from_date.setDate(day)
            self.from_date.blockSignals(False)
        self.refresh()

    @Slot()
    def _on_today_clicked(self) -> None:
        today = self._today()
        self.set_dates(today, today)

    def _date_typed(self) -> bool:
        return typed_date(self.filter_box.text()) is not None

    def _show_rows(self) -> None:
        text = self.filter_box.text().strip()
        folded = fold(text)
        day = typed_date(text)
        if day is not None:
            rows = [row for row in self._all_rows if row.issued_on == day]
        elif folded:
            rows = [row for row in self._all_rows if receipt_matches(row, folded)]
        else:
            rows = self._all_rows
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount() - 1):  # the last one stretches anyway
            # Fitted to the text alone, amounts touch the next column's text.
            self.table.setColumnWidth(column, self.table.columnWidth(column) + COLUMN_PADDING_PX)
        self.status_label.setText(self._status_text(text, rows))
        self.totals_label.setText(totals_text(self.totals()))
        self._on_selection_changed()

    def _status_text(self, text: str, rows: list[ReceiptRow]) -> str:
        since, until = self.dates()
        days = (format_date(since) if since == until
                else _("{start} – {end}").format(start=format_date(since), end=format_date(until)))
        if not self._all_rows:
            return _("No receipt on {days}. Change the dates above to see other days.").format(days=days)
        if not rows and _DATE_LIKE.fullmatch(text):
            return _("No receipt on {days} matches “{text}”. To see another day, type the whole date "
                     "(dd/mm/yyyy) or change the dates above.").format(days=days, text=text)
        if not rows:
            return _("No receipt on {days} matches “{text}”. Change the dates above to look further.").format(
                days=days, text=text)
        if len(rows) == len(self._all_rows):
            shown = ngettext("{n} receipt on {days}", "{n} receipts on {days}", len(rows)).format(
                n=format_count(len(rows)), days=days)
        else:
            shown = _("{shown} of {total} receipts on {days} shown").format(
                shown=format_count(len(rows)), total=format_count(len(self._all_rows)), days=days)
        if len(self._all_rows) >= RECEIPT_LIMIT:
            shown += " " + _("(only the newest {n} are listed: narrow the dates)").format(
                n=format_count(RECEIPT_LIMIT))
        return shown

    def _enter_table(self) -> None:
        """Into the list with a receipt chosen (current and selected), so its buttons and Ctrl+P work at once."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        # Taking the focus makes row 1 current without selecting it: choose it ourselves.
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else 0
        if not self.table.selectionModel().isRowSelected(row):
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
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
        self.outcome_label.show()

    def _show_folder(self) -> None:
        folder = self._printer.preferences.settings.folder
        self.folder_label.setText(
            _("Folder: {folder}").format(folder=folder) if folder else _("No folder chosen")
        )
        self.folder_label.setToolTip(folder or "")

    def _date_edit(self, accessible_name: str) -> QDateEdit:
        edit = DateEdit()
        edit.setDisplayFormat(DATE_FORMAT)  # digits typed in order: 20112026 reads 20/11/2026
        edit.setCalendarPopup(True)
        edit.setAccessibleName(accessible_name)
        return edit

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
        button.setAccessibleName(action.text())
        action.setToolTip(f"{action.text()} ({shortcut})")
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        return button
