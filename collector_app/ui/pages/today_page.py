"""TodayPage: the signed-in user's day, the window's first page: what came in, the cash that should be in
the drawer, the voids, people due to pay again soon, and records the server or a supervisor rejected.

Keyboard: Ctrl+D opens the list of people due (Enter on one asks for their household), Tab moves
between the due button, the voids, the rejected records and the button to the Sync page (arrows within
a table). The page reloads itself, off the GUI thread, whenever a command or a sync says it changed
payments, receipts, the outbox or people (`ctx.events`), and each time it is shown (the date may
have turned).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.due import DUE_SOON_DAYS
from collector_app.domain.enrolments import Scheme
from collector_app.domain.payments import PaymentMethod
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _, ngettext
from collector_app.services.changes import Change, Changes
from collector_app.services.today import DaySummary, Figures, day_summary
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.due_list_dialog import DueListDialog
from collector_app.coverage_words import scheme_text
from collector_app.ui.models.today_tables import DayVoidsTableModel, RejectedTableModel
from collector_app.ui.operations import Op
from collector_app.ui.palette import ATTENTION
from collector_app.ui.widgets.tables import rows_view

SHOWN = frozenset({Change.PAYMENTS, Change.RECEIPTS, Change.OUTBOX, Change.PEOPLE, Change.HOUSEHOLDS,
                   Change.USERS, Change.POLICY})
"""What this page shows: any of these changed, it reloads."""
HEADLINE_SCALE = 2.0  # the day's three figures, read at a glance across the counter
COLUMN_PADDING_PX = 16
VOID_ROWS_SHOWN = 7
_LOAD = "day"
_REJECTED, _BELOW = 5, 6  # places in the page's layout: the rejected records, the stretch below


def method_text(method: PaymentMethod) -> str:
    return _("Cash") if method is PaymentMethod.CASH else _("Transfer")


def due_button_text(count: int) -> str:
    return ngettext("Due in the next {days} days: {n} person", "Due in the next {days} days: {n} people",
                    count).format(days=DUE_SOON_DAYS, n=count)


class _Headline(QFrame):
    """One of the day's three figures: a caption over a large value."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = QLabel(caption)
        self.value = QLabel("…")
        big = QFont(self.value.font())
        big.setPointSizeF(big.pointSizeF() * HEADLINE_SCALE)
        big.setBold(True)
        self.value.setFont(big)
        self.value.setAccessibleName(caption)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)


class TodayPage(QWidget):
    household_requested = Signal(str)  # household id: a person of the due list was chosen with Enter
    sync_page_requested = Signal()
    due_page_requested = Signal()  # from the due list: the Due page

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.summary: DaySummary | None = None  # the day shown
        self.due_dialog: DueListDialog | None = None

        self.title_label = QLabel()
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.count_box = _Headline(_("Receipts today"))
        self.total_box = _Headline(_("Total collected"))
        self.cash_box = _Headline(_("Cash that should be in the drawer"))
        self.cash_box.setToolTip(_("Cash taken today, less the cash of today's receipts voided today (given "
                                   "back). A receipt of an earlier day voided today does not change it."))
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ATTENTION};")
        self.error_label.hide()

        self.breakdown_box = QGroupBox(_("By scheme and method"))
        self.breakdown: dict[str, tuple[QLabel, QLabel]] = {}
        grid = QGridLayout(self.breakdown_box)
        grid.setHorizontalSpacing(18)
        for column, header in ((1, _("Receipts")), (2, _("Amount"))):
            label = QLabel(f"<b>{header}</b>")
            grid.addWidget(label, 0, column, Qt.AlignmentFlag.AlignRight)
        rows: list[tuple[str, str]] = [(scheme.value, scheme_text(scheme.value)) for scheme in Scheme]
        rows += [(method.value, method_text(method)) for method in PaymentMethod]
        for number, (key, name) in enumerate(rows, start=1):
            count, amount = QLabel(), QLabel()
            for value in (count, amount):
                value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                value.setAccessibleName(name)
            grid.addWidget(QLabel(name), number + (number > len(Scheme)), 0)
            grid.addWidget(count, number + (number > len(Scheme)), 1)
            grid.addWidget(amount, number + (number > len(Scheme)), 2)
            self.breakdown[key] = (count, amount)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        grid.addWidget(line, len(Scheme) + 1, 0, 1, 3)
        grid.setRowStretch(len(rows) + 2, 1)

        self.voids_model = DayVoidsTableModel(self)
        self.voids_table = self._table(self.voids_model, _("Voids today"))
        # A few voids a day at most: the table is as tall as seven of them (it scrolls past that).
        self.voids_table.setMaximumHeight(self.voids_table.horizontalHeader().sizeHint().height()
                                          + VOID_ROWS_SHOWN * self.voids_table.verticalHeader().defaultSectionSize()
                                          + 2 * self.voids_table.frameWidth())
        self.voids_box = QGroupBox(_("Voids today"))
        self.voids_empty = QLabel(_("No receipt was voided today."))
        voids_layout = QVBoxLayout(self.voids_box)
        voids_layout.addWidget(self.voids_empty)
        voids_layout.addWidget(self.voids_table, 1)

        self.due_action = QAction(_("Show the people due to pay"), self)
        self.due_action.setShortcut(QKeySequence("Ctrl+D"))
        self.due_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.due_action)
        self.due_button = QPushButton(due_button_text(0))
        self.due_button.setAccessibleName(_("Show the people due to pay"))
        self.due_button.setToolTip(_("People whose voluntary SI is paid through, or whose family HI card is "
                                     "valid until, a day within the next {days} days (Ctrl+D).").format(
                                         days=DUE_SOON_DAYS))

        self.rejected_model = RejectedTableModel(self)
        self.rejected_table = self._table(self.rejected_model, _("Records rejected"))
        self.rejected_table.horizontalHeader().setStretchLastSection(True)
        self.rejected_box = QGroupBox(_("Records rejected"))
        self.rejected_empty = QLabel(_("No record was rejected by the server or a supervisor."))
        self.sync_button = QPushButton(_("Open the Sync page (Shift+F9)"))
        self.sync_button.setAccessibleName(_("Open the Sync page"))
        rejected_layout = QVBoxLayout(self.rejected_box)
        rejected_layout.addWidget(self.rejected_empty)
        rejected_layout.addWidget(self.rejected_table, 1)
        sync_row = QHBoxLayout()
        sync_row.addWidget(self.sync_button)
        sync_row.addStretch(1)
        rejected_layout.addLayout(sync_row)

        headline = QHBoxLayout()
        for box in (self.count_box, self.total_box, self.cash_box):
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            headline.addWidget(box, 1)
        middle = QHBoxLayout()
        middle.addWidget(self.breakdown_box)
        middle.addWidget(self.voids_box, 1)
        due_row = QHBoxLayout()
        due_row.addWidget(self.due_button)
        due_row.addStretch(1)
        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addLayout(headline)
        layout.addWidget(self.error_label)
        layout.addLayout(middle)
        layout.addLayout(due_row)
        layout.addWidget(self.rejected_box)
        layout.addStretch(1)  # below everything while neither table has rows
        for first, second in ((self.due_button, self.voids_table), (self.voids_table, self.rejected_table),
                              (self.rejected_table, self.sync_button)):
            QWidget.setTabOrder(first, second)

        self.due_button.clicked.connect(self.due_action.trigger)
        self.due_action.triggered.connect(self.open_due_list)
        self.sync_button.clicked.connect(self.sync_page_requested)
        ctx.events.changed.connect(self._on_store_changed)
        self._show_empty()
        self.reload()

    def focus_page(self) -> None:
        """The focus on the page's first control, so that its keys (Ctrl+D) work at once."""
        self.due_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def reload(self) -> None:
        """Read the day again, off the GUI thread and beside the database lane; a newer reload drops an older one's result."""
        user_id, on = self._ctx.user.user_id, date.today()
        # Beside the database lane: counting the people due takes over a second on a million-person
        # store (benchmarks/today.py), and recording or searching must not wait for it.
        Op(self, lambda store, _p: day_summary(store, user_id=user_id, on=on), runner=self._ctx.runner) \
            .long_read().latest_only(_LOAD).success(self._show).failure(self._on_failed).run()

    @Slot()
    def open_due_list(self) -> DueListDialog:
        on = self.summary.on if self.summary else date.today()
        dialog = DueListDialog(self._ctx.runner, on, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.household_requested.connect(self._on_household_requested)
        dialog.due_page_requested.connect(self.due_page_requested)
        self.due_dialog = dialog
        dialog.open()
        dialog.load()
        return dialog

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.summary is not None and self.summary.on != date.today():
            self.reload()

    # Showing the day

    def _show_empty(self) -> None:
        self.title_label.setText(self._title(date.today()))

    def _title(self, on: date) -> str:
        user = self._ctx.user
        return _("Today, {date} — {name}").format(date=format_date(on), name=user.full_name)

    def _show(self, day: DaySummary) -> None:
        self.summary = day
        self.error_label.hide()
        self.title_label.setText(self._title(day.on))
        self.count_box.value.setText(str(day.payments.count))
        self.count_box.detail.setText(
            _("and {n} voided today ({amount})").format(n=day.voided.count, amount=format_vnd(day.voided.amount))
            if day.voided.count else "")
        self.total_box.value.setText(format_vnd(day.payments.amount))
        transfer = dict(day.by_method)[PaymentMethod.TRANSFER]
        self.total_box.detail.setText(
            _("of which by transfer: {amount}").format(amount=format_vnd(transfer.amount)) if transfer.count else "")
        self.cash_box.value.setText(format_vnd(day.cash_in_drawer))
        cash = dict(day.by_method)[PaymentMethod.CASH]
        self.cash_box.detail.setText(
            ngettext("{n} receipt in cash", "{n} receipts in cash", cash.count).format(n=cash.count))
        figures: dict[str, Figures] = {scheme.value: f for scheme, f in day.by_scheme}
        figures.update({method.value: f for method, f in day.by_method})
        for key, (count, amount) in self.breakdown.items():
            count.setText(str(figures[key].count))
            amount.setText(format_vnd(figures[key].amount))

        self.voids_model.set_rows(day.voids)
        self.voids_box.setTitle(_("Voids today") + (f" ({len(day.voids)})" if day.voids else ""))
        self.voids_empty.setVisible(not day.voids)
        self.voids_table.setVisible(bool(day.voids))
        self._fit(self.voids_table, stretch="reason")

        self.due_button.setText(due_button_text(day.due_soon) + " (Ctrl+D)")

        self.rejected_model.set_rows(day.attention)
        self.rejected_box.setTitle(
            ngettext("Records rejected: {n} needs your attention", "Records rejected: {n} need your attention",
                     len(day.attention)).format(n=len(day.attention)) if day.attention else _("Records rejected"))
        self.rejected_box.setStyleSheet(f"QGroupBox {{ color: {ATTENTION}; }}" if day.attention else "")
        self.rejected_empty.setVisible(not day.attention)
        self.rejected_table.setVisible(bool(day.attention))
        self._fit(self.rejected_table, stretch="what_to_do")
        # The page's height goes to the tables that have rows; empty parts keep their natural height.
        self._layout.setStretch(_REJECTED, 1 if day.attention else 0)
        self._layout.setStretch(_BELOW, 0 if day.attention else 1)

    def _fit(self, table: QTableView, *, stretch: str) -> None:
        """Columns as wide as their text, the long-text one taking what is left (its tooltip has it whole)."""
        table.resizeColumnsToContents()
        model = table.model()
        for column in range(model.columnCount()):
            table.setColumnWidth(column, table.columnWidth(column) + COLUMN_PADDING_PX)
        key = getattr(model, "column_number")(stretch)
        table.horizontalHeader().setSectionResizeMode(key, QHeaderView.ResizeMode.Stretch)

    def _on_failed(self, error: Exception) -> None:
        self.error_label.setText(_("Today's figures could not be read: {error}").format(error=error))
        self.error_label.show()

    def _table(self, model: DayVoidsTableModel | RejectedTableModel, name: str) -> QTableView:
        table = rows_view(model, name)
        table.setTabKeyNavigation(False)  # Tab moves on to the page's next part; arrows move within
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        return table

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        if changes & SHOWN:
            self.reload()

    @Slot(str)
    def _on_household_requested(self, household_id: str) -> None:
        if self.due_dialog is not None:
            self.due_dialog.accept()
        self.household_requested.emit(household_id)
